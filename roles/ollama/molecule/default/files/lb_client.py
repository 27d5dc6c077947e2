"""Sends N requests to a URL and prints the status codes it got, as JSON ({"200": N, ...})."""
import collections
import json
import sys
import urllib.error
import urllib.request

url, count = sys.argv[1], int(sys.argv[2])
body = sys.argv[3].encode() if len(sys.argv) > 3 else None
statuses = collections.Counter()
for _ in range(count):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=body), timeout=30) as response:
            response.read()
            statuses[response.status] += 1
    except urllib.error.HTTPError as error:
        statuses[error.code] += 1
    except OSError:
        statuses["connection-error"] += 1
print(json.dumps({str(k): v for k, v in statuses.items()}))
