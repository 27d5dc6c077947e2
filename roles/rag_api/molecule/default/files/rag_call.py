"""Calls the RAG API from inside its container (docker exec -i ... python3 - METHOD PATH [JSON]).

Prints {"status": <HTTP status>, "body": <JSON body or text>}; the key comes from RAG_TEST_KEY
("" sends none). Standard library only: the image has no curl.
"""
import json
import os
import sys
import urllib.error
import urllib.request

method, path = sys.argv[1], sys.argv[2]
body = sys.argv[3].encode() if len(sys.argv) > 3 else None
headers = {"Content-Type": "application/json"}
if os.environ.get("RAG_TEST_KEY"):
    headers["X-API-Key"] = os.environ["RAG_TEST_KEY"]
request = urllib.request.Request("http://127.0.0.1:8000" + path, data=body, method=method, headers=headers)
try:
    with urllib.request.urlopen(request, timeout=60) as response:
        status, raw = response.status, response.read()
except urllib.error.HTTPError as error:
    status, raw = error.code, error.read()
try:
    parsed = json.loads(raw)
except ValueError:
    parsed = raw.decode(errors="replace")
print(json.dumps({"status": status, "body": parsed}))
