# issue 11: the host's memory and CPUs as facts from two /proc files, not the whole hardware subset.
import pytest

from ansible_collections.selfhosted.ai_stack.plugins.modules import host_resources
from module_runner import run_module

MEMINFO = """MemTotal:       24683628 kB
MemFree:        20208900 kB
HugePages_Total:       0
Hugepagesize:       2048 kB
DirectMap1G:           0 kB
"""
CPUINFO = """processor\t: 0
model name\t: Some CPU
flags\t\t: fpu processor_like_flag

processor\t: 1
model name\t: Some CPU
"""


def test_memory_is_memtotal_in_mib_and_every_value_is_kept():
    found = host_resources.facts(MEMINFO, CPUINFO, 8)
    assert found["memtotal_mb"] == 24683628 // 1024 == 24105
    assert found["aistack_meminfo_kb"] == {"MemTotal": 24683628, "MemFree": 20208900, "HugePages_Total": 0,
                                           "Hugepagesize": 2048, "DirectMap1G": 0}


@pytest.mark.parametrize("cpuinfo, fallback, expected", [
    (CPUINFO, 8, 2),  # the processor entries, not the fallback and not the flags line
    ("processor : 0\n", 8, 1),
    ("Processor\t: ARMv7 Processor rev 4 (v7l)\nBogoMIPS : 38.40\n", 4, 4),  # no entries: the fallback
    ("", 3, 3),
])
def test_processors_are_the_entries_of_cpuinfo_or_the_fallback(cpuinfo, fallback, expected):
    assert host_resources.count_processors(cpuinfo, fallback) == expected


@pytest.mark.parametrize("line, parsed", [
    ("MemTotal:       1023 kB", {"MemTotal": 1023}),
    ("HugePages_Total:  7", {"HugePages_Total": 7}),
    ("Broken line without a colon", {}),
    ("Empty:", {}),
    ("Word:  many kB", {}),
])
def test_meminfo_lines(line, parsed):
    assert host_resources.parse_meminfo(line) == parsed


def test_below_one_mib_of_memory_is_zero_mib():
    assert host_resources.facts("MemTotal: 1023 kB\n", CPUINFO, 1)["memtotal_mb"] == 0


def test_meminfo_without_memtotal_is_refused():
    with pytest.raises(ValueError, match="no MemTotal line"):
        host_resources.facts("MemFree: 1 kB\n", CPUINFO, 1)


def test_the_module_sets_the_facts_and_changes_nothing(monkeypatch, capsys):
    files = {"/proc/meminfo": MEMINFO, "/proc/cpuinfo": CPUINFO, "/etc/os-release": OS_RELEASE}
    monkeypatch.setattr(host_resources, "read", files.__getitem__)
    code, out = run_module(host_resources, monkeypatch, capsys, {"_ansible_check_mode": True})
    assert code == 0 and out["changed"] is False
    assert out["ansible_facts"]["memtotal_mb"] == 24105 and out["ansible_facts"]["processor_vcpus"] == 2
    assert out["ansible_facts"]["aistack_os_release"]["VERSION_CODENAME"] == "trixie"


# The docker role checks and installs by the distribution, from these facts (no fact gathering).
OS_RELEASE = """PRETTY_NAME="Debian GNU/Linux 13 (trixie)"
NAME="Debian GNU/Linux"
VERSION_ID="13"
VERSION_CODENAME=trixie
ID=debian
"""


@pytest.mark.parametrize("text, parsed", [
    (OS_RELEASE, {"PRETTY_NAME": "Debian GNU/Linux 13 (trixie)", "NAME": "Debian GNU/Linux", "VERSION_ID": "13",
                  "VERSION_CODENAME": "trixie", "ID": "debian"}),
    ("# a comment=no\n\nID='ubuntu'\nVERSION_ID=\"24.04\"\n  ID_LIKE=debian  \n", {"ID": "ubuntu", "VERSION_ID": "24.04",
                                                                               "ID_LIKE": "debian"}),
    ('A="x\'\nB=""\nC=\'\nD=XyX\n=value\nnot a field\n', {"A": '"x\'', "B": "", "C": "\'", "D": "XyX"}),  # only quotes go
])
def test_os_release_fields_without_quotes(text, parsed):
    assert host_resources.parse_os_release(text) == parsed


def test_without_os_release_the_release_is_empty_and_the_rest_is_read(monkeypatch, capsys):
    def read(path):
        if path == "/etc/os-release":
            raise IOError("No such file")
        return {"/proc/meminfo": MEMINFO, "/proc/cpuinfo": CPUINFO}[path]
    monkeypatch.setattr(host_resources, "read", read)
    code, out = run_module(host_resources, monkeypatch, capsys, {})
    assert code == 0 and out["ansible_facts"]["aistack_os_release"] == {}
    assert out["ansible_facts"]["memtotal_mb"] == 24105


def test_without_memtotal_the_module_fails_naming_the_file(monkeypatch, capsys):
    files = {"/proc/meminfo": "MemFree: 1 kB\n", "/proc/cpuinfo": CPUINFO}
    monkeypatch.setattr(host_resources, "read", files.__getitem__)
    code, out = run_module(host_resources, monkeypatch, capsys, {})
    assert code == 1 and out["msg"] == "host_resources: /proc/meminfo has no MemTotal line"


@pytest.mark.parametrize("cpu_count, expected", [(None, 1), (6, 6)])
def test_without_processor_entries_the_online_cpus_count_or_one(monkeypatch, capsys, cpu_count, expected):
    files = {"/proc/meminfo": MEMINFO, "/proc/cpuinfo": "", "/etc/os-release": ""}
    monkeypatch.setattr(host_resources, "read", files.__getitem__)
    monkeypatch.setattr(host_resources.os, "cpu_count", lambda: cpu_count)
    code, out = run_module(host_resources, monkeypatch, capsys, {})
    assert code == 0 and out["ansible_facts"]["processor_vcpus"] == expected


def test_an_unreadable_proc_fails_with_the_reason(monkeypatch, capsys):
    def unreadable(path):
        raise IOError("No such file: %s" % path)
    monkeypatch.setattr(host_resources, "read", unreadable)
    code, out = run_module(host_resources, monkeypatch, capsys, {})
    assert code == 1 and out["msg"] == "host_resources: No such file: /proc/meminfo"


def test_on_this_machine_the_facts_are_plausible(monkeypatch, capsys):
    code, out = run_module(host_resources, monkeypatch, capsys, {})
    assert code == 0 and out["ansible_facts"]["memtotal_mb"] > 0 and out["ansible_facts"]["processor_vcpus"] >= 1
    assert out["ansible_facts"]["aistack_os_release"]["ID"]
