#!/usr/bin/env python3
"""Calls one webhook URL a number of times, some at once, and prints as JSON what came back: how
many answers had each HTTP status (0: no answer), the successful calls per second and the
latency percentiles of the successful ones. The n8n scenario sends a burst through it while it
kills a worker; tests/benchmark/n8n.sh measures with it.

    webhook_burst.py URL --count N --concurrency C [--cafile CA] [--timeout S] [--sleep-ms MS] [--bodies]

Each call POSTs {"n": <its number>, "sleep_ms": MS}: the n8n scenario's workflow waits that long.
"""

import argparse
import json
import ssl
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor


def call(url, number, context, timeout, sleep_ms=0):
    """POSTs {"n": number, "sleep_ms": sleep_ms}; returns (status, seconds, body). A call that got no
    answer has status 0."""
    request = urllib.request.Request(url, data=json.dumps({"n": number, "sleep_ms": sleep_ms}).encode(),
                                     headers={"Content-Type": "application/json"})
    start = time.monotonic()
    try:
        with urllib.request.urlopen(request, context=context, timeout=timeout) as response:
            status, body = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read().decode(errors="replace")
    except (urllib.error.URLError, OSError) as error:
        status, body = 0, str(error)
    return status, time.monotonic() - start, body


def percentile(values, share):
    """The nearest-rank percentile (share 0.95 for p95) of values; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))  # ceil(n * share), at least the first
    return ordered[int(rank) - 1]


def summary(results, elapsed, bodies=False):
    """What a burst of (status, seconds, body) results, `elapsed` seconds in all, came to."""
    statuses = {}
    for status, _, _ in results:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    latencies = [seconds for status, seconds, _ in results if status == 200]
    milliseconds = lambda value: None if value is None else round(value * 1000)  # noqa: E731
    report = {
        "count": len(results),
        "statuses": statuses,
        "seconds": round(elapsed, 3),
        "per_second": round(len(latencies) / elapsed, 2) if elapsed > 0 else None,
        "p50_ms": milliseconds(percentile(latencies, 0.5)),
        "p95_ms": milliseconds(percentile(latencies, 0.95)),
    }
    if bodies:
        report["bodies"] = [body for status, _, body in results if status == 200]
    return report


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--concurrency", type=int, required=True)
    parser.add_argument("--cafile")
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--sleep-ms", type=int, default=0, help="how long the workflow is asked to wait")
    parser.add_argument("--bodies", action="store_true", help="add the bodies of the successful answers")
    args = parser.parse_args(argv)
    context = ssl.create_default_context(cafile=args.cafile)
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        results = list(pool.map(lambda number: call(args.url, number, context, args.timeout, args.sleep_ms), range(args.count)))
    print(json.dumps(summary(results, time.monotonic() - start, args.bodies)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
