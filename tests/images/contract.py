#!/usr/bin/env python3
"""Checks each stand-in image against the contract of the real image it stands in for.

    python tests/images/contract.py [IMAGE ...]      (default: every image in contracts.yml that
                                                     no scenario builds itself: `built-by`)

The contracts (tests/images/contracts.yml) are read from the upstream Dockerfiles: the user an
image runs as, how it starts, the binaries it has and lacks, its paths. A stand-in that is more
forgiving than its real image (root where the real one is uid 99, curl where the real one has none)
would let a role pass here and fail for users; this check refuses it. Exits 1 on any problem.
"""

import json
import subprocess
import sys
from pathlib import Path

import yaml

CONTRACTS = Path(__file__).resolve().parent / "contracts.yml"
# The contract fields `docker image inspect` answers, and their key under .Config.
CONFIG_FIELDS = {"user": "User", "entrypoint": "Entrypoint", "cmd": "Cmd", "stop_signal": "StopSignal", "workdir": "WorkingDir"}
REQUIRED = tuple(CONFIG_FIELDS) + ("uid", "has", "lacks", "paths", "stands_in_for")


def contract_problems(image, contract, observed):
    """What in `observed` (see observe()) breaks `contract`, as messages naming the image."""
    problems = ["%s: the contract has no %r" % (image, field) for field in REQUIRED if field not in contract]
    if problems:
        return problems
    for field in CONFIG_FIELDS:
        if observed[field] != contract[field]:
            problems.append("%s: %s is %s, the real image's is %s"
                            % (image, field, json.dumps(observed[field]), json.dumps(contract[field])))
    if observed["uid"] != contract["uid"]:
        problems.append("%s: starts as uid %s, the real image as uid %s" % (image, observed["uid"], contract["uid"]))
    for binary in contract["has"]:
        if binary not in observed["binaries"]:
            problems.append("%s: has no %s, which the roles call in the real image" % (image, binary))
    for binary in contract["lacks"]:
        if binary in observed["binaries"]:
            problems.append("%s: has %s, which the real image lacks (a role could come to depend on it)" % (image, binary))
    for path in contract["paths"]:
        if path not in observed["paths"]:
            problems.append("%s: has no %s" % (image, path))
    for name, value in sorted(contract.get("env", {}).items()):
        if observed["env"].get(name) != value:
            problems.append("%s: sets %s=%s, the real image %s=%s" % (image, name, observed["env"].get(name), name, value))
    for name, uid in sorted(contract.get("users", {}).items()):
        if observed["users"].get(name) != uid:
            problems.append("%s: its user %s has uid %s, the real image's %s" % (image, name, observed["users"].get(name), uid))
    return problems


def probe_script(contract):
    """A POSIX sh script that prints the uid, then `has B` for each binary found, `path P` for each
    path, `user NAME UID` for each user that exists."""
    binaries = " ".join(contract.get("has", []) + contract.get("lacks", []))
    paths = " ".join(contract.get("paths", []))
    users = " ".join(sorted(contract.get("users", {})))
    return ('id -u; for b in %s; do command -v "$b" >/dev/null 2>&1 && echo "has $b"; done; '
            'for p in %s; do [ -e "$p" ] && echo "path $p"; done; '
            'for u in %s; do id -u "$u" >/dev/null 2>&1 && echo "user $u $(id -u "$u")"; done; true'
            % (binaries, paths, users))


def parse_probe(output):
    """The uid, binaries and paths from probe_script()'s output."""
    lines = output.splitlines()
    words = [line.split(" ", 1) for line in lines[1:]]
    return {
        "uid": int(lines[0]),
        "binaries": {rest for kind, rest in words if kind == "has"},
        "paths": {rest for kind, rest in words if kind == "path"},
        "users": {rest.rsplit(" ", 1)[0]: int(rest.rsplit(" ", 1)[1]) for kind, rest in words if kind == "user"},
    }


def config_fields(config):
    """The contract's fields from an image's .Config, None and missing read as empty; `env` as a dict."""
    fields = {field: config.get(key) or ([] if field in ("entrypoint", "cmd") else "") for field, key in CONFIG_FIELDS.items()}
    fields["env"] = dict(item.split("=", 1) for item in config.get("Env") or [])
    return fields


def observe(image, contract):
    """What the built image does: its configuration, and a probe run as its default user."""
    inspect = subprocess.run(["docker", "image", "inspect", image], capture_output=True, text=True)
    if inspect.returncode != 0:
        return None
    observed = config_fields(json.loads(inspect.stdout)[0]["Config"])
    # An image without a shell names one outside its PATH to probe it with (`probe_shell`, e.g. a busybox).
    shell = contract.get("probe_shell", ["sh"])
    probe = subprocess.run(["docker", "run", "--rm", "--network", "none", "--entrypoint", shell[0], image]
                           + shell[1:] + ["-c", probe_script(contract)], capture_output=True, text=True, check=True)
    observed.update(parse_probe(probe.stdout))
    return observed


def built_by_a_scenario(image):
    """Whether a scenario builds `image` (aistack-test/<recipe>:<tag>) in its own lane and checks it
    there: its recipe has a `built-by` file (tests/images/build.sh)."""
    recipe = image.split("/", 1)[-1].split(":", 1)[0]
    return (CONTRACTS.parent / recipe / "built-by").is_file()


def default_images(contracts):
    """The images checked when none is named: all but those a scenario builds itself."""
    return sorted(image for image in contracts if not built_by_a_scenario(image))


def main(argv):
    contracts = yaml.safe_load(CONTRACTS.read_text())
    problems = []
    for image in argv or default_images(contracts):
        if image not in contracts:
            problems.append("%s: no contract in %s" % (image, CONTRACTS.name))
            continue
        observed = observe(image, contracts[image])
        if observed is None:
            problems.append("%s: not built (tests/images/build.sh)" % image)
            continue
        found = contract_problems(image, contracts[image], observed)
        print("[contract] %s: %s" % (image, "BROKEN" if found else "keeps the contract of " + contracts[image]["stands_in_for"]))
        problems += found
    for problem in problems:
        print("CONTRACT BROKEN: " + problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
