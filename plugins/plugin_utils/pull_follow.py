# -*- coding: utf-8 -*-
# Copyright: selfhosted.ai_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Following background model pulls to the end, in one loop (the ollama_pull_follow action).

A pull of a large model takes hours. The loop asks each job's status, prints one progress line per
unfinished job, sleeps and asks again, for as many rounds as the pulls need: no recursion, no round
limit, only the overall timeout. The I/O is passed in, so the loop is tested without a host.
"""

from __future__ import annotations

GIB = 1073741824


def progress_line(instance, progress, default_count):
    """`ollama-1: llama3.2:3b (1/2) pulling 1e7c 45.0% of 1.88 GB` from a progress file's content."""
    progress = progress if isinstance(progress, dict) else {}
    line = "%s: %s (%s/%s) %s" % (
        instance, progress.get("model") or "starting", progress.get("index") or 1,
        progress.get("count") or default_count, progress.get("status") or "")
    total = progress.get("total")
    if isinstance(total, (int, float)) and total > 0:
        completed = progress.get("completed") or 0
        line += " %.1f%% of %.2f GB" % (100.0 * completed / total, total / GIB)
    return line.rstrip()


def follow(jobs, poll, read_progress, show, sleep, clock, interval, timeout, default_count):
    """Follow `jobs` ([{jid, instance, progress_file}]) until every one has finished.

    poll(jid) -> async_status result; read_progress(path) -> dict or None; show(line); sleep(seconds);
    clock() -> seconds. Returns (finished, pending): finished is [(job, result)] in the order the jobs
    ended, pending the jobs still running when `timeout` seconds had passed.
    """
    pending = list(jobs)
    finished = []
    # A file that cannot be read this time (removed at the end, or not yet written) shows the last one read.
    last = {}
    deadline = clock() + timeout
    while pending:
        still = []
        for job in pending:
            result = poll(job["jid"])
            if result.get("finished"):
                finished.append((job, result))
            else:
                still.append(job)
                progress = read_progress(job["progress_file"])
                if progress is not None:
                    last[job["jid"]] = progress
                show(progress_line(job["instance"], last.get(job["jid"]), default_count))
        pending = still
        if pending:
            if clock() >= deadline:
                break
            sleep(interval)
    return finished, pending
