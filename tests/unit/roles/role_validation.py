"""A role's real validation phase, run by tests/unit/playbooks/role_rendered.yml against this machine (it
changes nothing), with the role enabled: the tasks of the run with the messages of those that failed, or
what its last task shows (the Compose document the phase built, the files the deployment would write and
the databases the wiring layer hands the shared PostgreSQL)."""
import json
import os
import pathlib
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[3]
# A master key for the runs: long and varied enough for validate_secret_key.yml, used nowhere else.
KEY = "Zq8vN3xL5tR7yB2mK9pW4cH6jF1dS0aGe3uI8oP5lQ7wE2rT9yU4iO6pA1sD3fG5"


def validation(role, extra_vars):
    """The tasks of the run, and the messages of those that failed."""
    env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json", ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"))
    given = dict({"aistack_secret_key": KEY, "rendered_role": role, role + "_enabled": True}, **extra_vars)
    done = subprocess.run(["ansible-playbook", "tests/unit/playbooks/role_rendered.yml", "-i", "inventories/local",
                           "-e", json.dumps(given)],
                          cwd=str(ROOT), env=env, capture_output=True, text=True)
    tasks = json.loads(done.stdout)["plays"][0]["tasks"]
    failed = [t["hosts"]["localhost"].get("msg") for t in tasks if t["hosts"]["localhost"].get("failed")]
    assert (done.returncode == 0) == (not failed)
    return tasks, failed


def shown(role, extra_vars):
    """What the playbook's last task shows, after a validation that passed."""
    tasks, failed = validation(role, extra_vars)
    assert not failed, failed
    return tasks[-1]["hosts"]["localhost"]["msg"]
