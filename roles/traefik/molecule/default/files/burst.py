"""Sends N HTTPS requests as fast as it can and prints how many got each status, as JSON.

    burst.py URL COUNT CAFILE [Header: value ...]     ("{i}" in a header value becomes the request number)
"""
import collections
import json
import ssl
import sys
import urllib.error
import urllib.request

url, count, cafile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
headers = dict(arg.split(": ", 1) for arg in sys.argv[4:])
context = ssl.create_default_context(cafile=cafile)
statuses = collections.Counter()
for number in range(count):
    request = urllib.request.Request(url, headers={k: v.replace("{i}", str(number)) for k, v in headers.items()})
    try:
        with urllib.request.urlopen(request, context=context, timeout=10) as response:
            response.read()
            statuses[response.status] += 1
    except urllib.error.HTTPError as error:
        statuses[error.code] += 1
print(json.dumps({str(code): n for code, n in sorted(statuses.items())}))
