# Issue 9: a pull of hours is followed to the end with progress lines, in one loop (no recursion).
import pytest

from ansible_collections.selfhosted.ai_stack.plugins.plugin_utils.pull_follow import follow, progress_line


@pytest.mark.parametrize(
    "progress, line",
    [
        ({"model": "llama3.2:3b", "index": 1, "count": 2, "status": "pulling 1e7c", "completed": 966367641,
          "total": 2019393189}, "ollama-1: llama3.2:3b (1/2) pulling 1e7c 47.9% of 1.88 GB"),
        ({"model": "llama3.2:3b", "index": 2, "count": 2, "status": "verifying sha256 digest"},
         "ollama-1: llama3.2:3b (2/2) verifying sha256 digest"),
        ({"model": "m", "index": 1, "count": 1, "status": "pulling", "completed": None, "total": 1073741824},
         "ollama-1: m (1/1) pulling 0.0% of 1.00 GB"),
        ({"model": "m", "status": "pulling", "total": 1, "completed": 1}, "ollama-1: m (1/3) pulling 100.0% of 0.00 GB"),
        ({"model": "m", "status": "pulling", "total": 100}, "ollama-1: m (1/3) pulling 0.0% of 0.00 GB"),
        ({"model": "m", "status": "pulling", "total": 0}, "ollama-1: m (1/3) pulling"),
        ({"model": "m", "status": "pulling", "total": "big"}, "ollama-1: m (1/3) pulling"),
        (None, "ollama-1: starting (1/3)"),
        ("half a write", "ollama-1: starting (1/3)"),
    ],
)
def test_progress_line(progress, line):
    assert progress_line("ollama-1", progress, 3) == line


class Host:
    """Jobs that finish after a number of looks; a clock that advances only when the loop sleeps."""

    def __init__(self, rounds, results=None):
        self.rounds, self.results = dict(rounds), results or {}
        self.lines, self.sleeps, self.now, self.polls = [], [], 0.0, []

    def poll(self, jid):
        self.polls.append(jid)
        self.rounds[jid] -= 1
        if self.rounds[jid] <= 0:
            return dict({"finished": 1, "changed": True, "models": [{"name": "m", "action": "pulled"}]},
                        **self.results.get(jid, {}))
        return {"finished": 0}

    def read(self, path):
        return {"model": "m", "index": 1, "count": 1, "status": "pulling " + path}

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self):
        return self.now

    def run(self, jobs, interval=10, timeout=100000):
        return follow(jobs, self.poll, self.read, self.lines.append, self.sleep, self.clock, interval, timeout, 1)


def job(jid, instance):
    return {"jid": jid, "instance": instance, "progress_file": "/tmp/%s.json" % instance}


def test_a_pull_of_many_hours_is_followed_to_the_end_without_a_round_limit():
    host = Host({"a": 1000})  # 1000 looks at 10 s: almost three hours, four times the old recursion limit
    finished, pending = host.run([job("a", "ollama-1")])
    assert pending == [] and [j["instance"] for j, _ in finished] == ["ollama-1"]
    assert len(host.lines) == 999 and len(host.sleeps) == 999 and set(host.sleeps) == {10}
    assert host.lines[0] == "ollama-1: m (1/1) pulling /tmp/ollama-1.json"


def test_each_unfinished_instance_gets_a_line_per_round_and_finished_ones_are_not_asked_again():
    host = Host({"a": 1, "b": 3})
    finished, pending = host.run([job("a", "ollama-1"), job("b", "ollama-2")])
    assert [j["instance"] for j, _ in finished] == ["ollama-1", "ollama-2"]
    assert host.polls == ["a", "b", "b", "b"]
    assert host.lines == ["ollama-2: m (1/1) pulling /tmp/ollama-2.json"] * 2
    assert pending == []


def test_a_job_finished_at_the_first_look_needs_no_wait():
    host = Host({"a": 1})
    assert host.run([job("a", "ollama-1")])[1] == [] and host.sleeps == [] and host.lines == []


def test_a_failed_job_is_returned_with_its_result():
    host = Host({"a": 2}, {"a": {"failed": True, "msg": "pull model manifest: file does not exist"}})
    finished, _ = host.run([job("a", "ollama-1")])
    assert finished[0][1]["failed"] is True and "does not exist" in finished[0][1]["msg"]


def test_jobs_still_working_at_the_timeout_are_returned_as_pending():
    host = Host({"a": 100, "b": 2})
    finished, pending = host.run([job("a", "ollama-1"), job("b", "ollama-2")], interval=10, timeout=30)
    assert [j["instance"] for j in pending] == ["ollama-1"]
    assert [j["instance"] for j, _ in finished] == ["ollama-2"]
    assert sum(host.sleeps) == 30


def test_an_unreadable_progress_file_shows_the_last_progress_read():
    host = Host({"a": 4, "b": 4})
    reads = {"a": iter([None, {"model": "m", "status": "pulling x", "total": 100, "completed": 25}, None]),
             "b": iter([None, None, None])}
    host.read = lambda path: next(reads["a" if "ollama-1" in path else "b"])
    host.run([job("a", "ollama-1"), job("b", "ollama-2")])
    assert host.lines == [
        "ollama-1: starting (1/1)", "ollama-2: starting (1/1)",
        "ollama-1: m (1/1) pulling x 25.0% of 0.00 GB", "ollama-2: starting (1/1)",
        "ollama-1: m (1/1) pulling x 25.0% of 0.00 GB", "ollama-2: starting (1/1)",
    ]


def test_no_jobs_no_work():
    host = Host({})
    assert host.run([]) == ([], []) and host.polls == [] and host.sleeps == []
