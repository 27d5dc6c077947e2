#!/usr/bin/env python3
# Copyright: selfhosted.ai_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the engine must do to run the wanted daemon.json: nothing, reload (SIGHUP) or restart.

Run on the host by roles/docker (tasks/install.yml) with the wanted options as base64 JSON.
What the engine has loaded is known from two facts: an engine started after daemon.json was last
written runs that file; otherwise it runs the copy the role recorded (daemon.json.applied) after its
last reload or restart. A run killed between writing and applying leaves the copy behind the file, so
the next run still applies the change. Prints {"action": none|record|reload|restart, "options": [...]}.
"""

import base64
import json
import os
import subprocess
import sys

DAEMON_JSON = "/etc/docker/daemon.json"
APPLIED_COPY = DAEMON_JSON + ".applied"
UNIT = "docker.service"

# The options dockerd re-reads on SIGHUP (dockerd reference, "Configuration reload behavior"); any
# other change needs a restart, which drops Traefik's routes until the containers are healthy again.
RELOADABLE = frozenset([
    "debug", "labels", "live-restore", "max-concurrent-downloads", "max-concurrent-uploads",
    "max-download-attempts", "default-runtime", "runtimes", "authorization-plugins",
    "insecure-registries", "registry-mirrors", "shutdown-timeout",
])


def decide(wanted, on_disk, applied, written_after_start):
    """(action, changed options) that bring the running engine to `wanted`.

    on_disk: daemon.json as it is now, applied: the recorded copy (None when missing),
    written_after_start: daemon.json changed after the engine's process started.
    """
    loaded = on_disk if on_disk == wanted and not written_after_start else applied
    if loaded is None:
        return "restart", sorted(wanted)
    changed = sorted(key for key in set(wanted) | set(loaded) if wanted.get(key) != loaded.get(key))
    if changed:
        return ("reload" if RELOADABLE.issuperset(changed) else "restart"), changed
    return ("none" if applied == loaded else "record"), []


def read_json(path):
    try:
        with open(path) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def main_process_start(unit):
    """Unix time the unit's main process started, or None when it does not run."""
    out = subprocess.run(["systemctl", "show", "--timestamp=unix", "-p", "ExecMainStartTimestamp",
                          "-p", "MainPID", unit], capture_output=True, text=True, check=False).stdout
    values = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    started = values.get("ExecMainStartTimestamp", "").lstrip("@")
    if values.get("MainPID", "0") == "0" or not started.isdigit():
        return None
    return int(started)


def main(argv):
    wanted = json.loads(base64.b64decode(argv[1]))
    started = main_process_start(UNIT)
    try:
        written = os.stat(DAEMON_JSON).st_mtime
    except OSError:
        written = None
    written_after_start = started is None or written is None or written >= started
    action, options = decide(wanted, read_json(DAEMON_JSON), read_json(APPLIED_COPY), written_after_start)
    print(json.dumps({"action": action, "options": options}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
