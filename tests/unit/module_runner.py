"""Runs a collection module's main() in the test process, as Ansible would run it on a host."""
import json

import pytest


def run_module(module, monkeypatch, capsys, params):
    """main() of `module` with exactly these arguments; returns (exit code, result)."""
    from ansible.module_utils import basic
    from ansible.module_utils.common.text.converters import to_bytes

    monkeypatch.setattr(basic, "_ANSIBLE_ARGS", to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": params})))
    monkeypatch.setattr(basic, "_ANSIBLE_PROFILE", "legacy", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        module.main()
    return exit_info.value.code, json.loads(capsys.readouterr().out)


def argument_spec_of(module, monkeypatch):
    """The argument_spec `module` hands to AnsibleModule (its defaults and no_log flags)."""
    spec = {}

    class Stop(Exception):
        pass

    def capture(**kwargs):
        spec.update(kwargs["argument_spec"])
        raise Stop()
    monkeypatch.setattr(module, "AnsibleModule", capture)
    with pytest.raises(Stop):
        module.main()
    return spec
