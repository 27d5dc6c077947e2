#!/usr/bin/env python3
"""A stand-in for MinIO (cgr.dev/chainguard/minio) and its client `mc`, for the langfuse role's tests.

Neither MinIO nor any current S3 server image can be obtained here (ENVIRONMENT.md). The S3 protocol
itself is moto's server (a maintained S3 implementation from PyPI), so bucket creation and uploads
are real S3 requests. In front of it, what moto leaves out and MinIO does:

  - every request but the health probes must carry a valid Signature V4 of the root credentials
    (MINIO_ROOT_USER / MINIO_ROOT_PASSWORD, at least 3 and 8 characters or the server exits);
  - GET /minio/health/live and /minio/health/ready answer 200 without credentials;
  - buckets and objects are kept in the data directory and reloaded at start (moto keeps them in
    memory only): a restarted stand-in still has them, as MinIO has;
  - creating a bucket that exists is 409 BucketAlreadyOwnedByYou (moto answers 200, as AWS does in
    us-east-1; MinIO refuses).

  minio server DIR [--address :9000] [--console-address :9001]
  mc ready ALIAS | mc ls ALIAS | mc mb [--ignore-existing] ALIAS/BUCKET   (alias from MC_HOST_<ALIAS>)
"""

import datetime
import io
import os
import re
import sys
import urllib.error
import urllib.request
from urllib.parse import quote, unquote, urlsplit
from xml.etree import ElementTree

import sigv4

HEALTH_PATHS = ("/minio/health/live", "/minio/health/ready")


def error_body(code, message, resource):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code><Message>%s</Message>'
            '<Resource>%s</Resource></Error>' % (code, message, resource)).encode()


def request_headers(environ):
    headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")}
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = environ[key]
    return headers


def raw_target(environ):
    """The path and query as the client sent them (the signature covers the encoded form)."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        path, _, query = raw.partition("?")
        return path, query
    return quote(environ.get("PATH_INFO", "/"), safe="/-_.~"), environ.get("QUERY_STRING", "")


class DiskStore:
    """Buckets as directories and objects as files under the data directory."""

    def __init__(self, root):
        self.root = root

    def location(self, path):
        parts = [part for part in unquote(path).split("/") if part]
        if not parts or any(part in (".", "..") for part in parts):
            return None
        return os.path.join(self.root, *parts), len(parts) == 1

    def has_bucket(self, path):
        found = self.location(path)
        return found is not None and found[1] and os.path.isdir(found[0])

    def record(self, method, path, body):
        found = self.location(path)
        if found is None:
            return
        target, is_bucket = found
        if method == "PUT" and is_bucket:
            os.makedirs(target, exist_ok=True)
        elif method == "PUT":
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as handle:
                handle.write(body)
        elif method == "DELETE" and not is_bucket and os.path.isfile(target):
            os.remove(target)
        elif method == "DELETE" and is_bucket and os.path.isdir(target) and not os.listdir(target):
            os.rmdir(target)

    def contents(self):
        """(path, body) to replay at start: every bucket, then every object."""
        buckets, objects = [], []
        for bucket in sorted(os.listdir(self.root)) if os.path.isdir(self.root) else []:
            folder = os.path.join(self.root, bucket)
            if not os.path.isdir(folder) or bucket.startswith("."):
                continue
            buckets.append(("/" + bucket, b""))
            for where, _, files in sorted(os.walk(folder)):
                for name in sorted(files):
                    full = os.path.join(where, name)
                    with open(full, "rb") as handle:
                        objects.append(("/" + os.path.relpath(full, self.root), handle.read()))
        return buckets + objects


def call(app, method, path, body=b""):
    """Send one unauthenticated request straight to the inner S3 application; return its status."""
    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "localhost",
        "SERVER_PORT": "9000", "HTTP_HOST": "localhost:9000", "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0), "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False,
    }
    status = []
    for _ in app(environ, lambda code, headers, exc_info=None: status.append(code)):
        pass
    return int(status[0].split()[0])


class Gate:
    """WSGI middleware: health probes, Signature V4 of the root credentials, persistence."""

    def __init__(self, app, credentials, store):
        self.app = app
        self.credentials = credentials
        self.store = store

    def __call__(self, environ, start_response):
        method = environ["REQUEST_METHOD"]
        if environ.get("PATH_INFO") in HEALTH_PATHS and method in ("GET", "HEAD"):
            start_response("200 OK", [("Content-Length", "0")])
            return [b""]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        path, query = raw_target(environ)
        try:
            sigv4.verify(method, path, query, request_headers(environ), body, self.credentials)
        except sigv4.SignatureError as refused:
            payload = error_body(refused.code, str(refused), path)
            start_response("403 Forbidden", [("Content-Type", "application/xml"), ("Content-Length", str(len(payload)))])
            return [payload]
        if method == "PUT" and not query and self.store.has_bucket(path):
            payload = error_body("BucketAlreadyOwnedByYou", "Your previous request to create the named bucket "
                                 "succeeded and you already own it.", path)
            start_response("409 Conflict", [("Content-Type", "application/xml"), ("Content-Length", str(len(payload)))])
            return [payload]
        environ["wsgi.input"] = io.BytesIO(body)
        outcome = []

        def remember(status, headers, exc_info=None):
            outcome.append(status)
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        response = list(self.app(environ, remember))
        if outcome and outcome[0][:1] == "2" and not query:
            self.store.record(method, path, body)
        return response


def parse_server_args(argv):
    """`server DIR [--address HOST:PORT] [--console-address ...]` -> (directory, host, port)."""
    if not argv or argv[0] != "server":
        raise SystemExit("usage: minio server DIR [--address :9000] [--console-address :9001]")
    directory, address, rest = None, ":9000", argv[1:]
    while rest:
        word = rest.pop(0)
        if word == "--address" and rest:
            address = rest.pop(0)
        elif word == "--console-address" and rest:
            rest.pop(0)
        elif word.startswith("--"):
            raise SystemExit("minio: unknown flag %s" % word)
        elif directory is None:
            directory = word
    if directory is None:
        raise SystemExit("minio: server needs a data directory")
    host, _, port = address.rpartition(":")
    return directory, host or "0.0.0.0", int(port)


def root_credentials(environ):
    user, password = environ.get("MINIO_ROOT_USER", ""), environ.get("MINIO_ROOT_PASSWORD", "")
    if len(user) < 3:
        raise SystemExit("FATAL Invalid credentials: MINIO_ROOT_USER length should be at least 3")
    if len(password) < 8:
        raise SystemExit("FATAL Invalid credentials: MINIO_ROOT_PASSWORD length should be at least 8")
    return {user: password}


def make_gate(argv, environ, inner):
    """The server's application around the S3 application `inner`, with what the data directory
    held replayed into it: (gate, host, port)."""
    directory, host, port = parse_server_args(argv)
    credentials = root_credentials(environ)
    store = DiskStore(directory)
    for path, body in store.contents():
        call(inner, "PUT", path, body)
    return Gate(inner, credentials, store), host, port


def serve(argv):  # pragma: no cover - starts moto's server; the scenario exercises it
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import run_simple

    # DomainDispatcherApplication picks S3 from the signature's scope.
    gate, host, port = make_gate(argv, os.environ, DomainDispatcherApplication(create_backend_app))
    print("MinIO stand-in: S3 API on %s:%d" % (host, port), flush=True)
    run_simple(host, port, gate, threaded=True)


def main(argv, environ=None, out=sys.stdout):
    """`mc ...` when called as mc, else `minio server ...`."""
    if os.path.basename(argv[0]) == "mc":
        return mc(argv[1:], os.environ if environ is None else environ, out=out)
    serve(argv[1:])
    return 0


def alias_endpoint(alias, environ):
    """MC_HOST_<alias>=http://ACCESS:SECRET@host:port -> (endpoint, access, secret)."""
    value = environ.get("MC_HOST_" + alias, "")
    match = re.match(r"^(https?)://([^:@/]+):([^@/]+)@([^/]+)/?$", value)
    if not match:
        raise SystemExit("mc: <ERROR> Unable to find alias `%s` (set MC_HOST_%s)." % (alias, alias))
    scheme, access, secret, host = match.groups()
    return "%s://%s" % (scheme, host), unquote(access), unquote(secret)


def s3_request(method, url, access, secret, body=b"", opener=urllib.request.urlopen):
    headers = sigv4.sign(method, url, body, access, secret)
    request = urllib.request.Request(url, data=body if method == "PUT" else None, method=method, headers=headers)
    try:
        with opener(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as failed:
        return failed.code, failed.read()


def local_name(tag):
    """An XML tag without its namespace (S3 servers differ in theirs)."""
    return tag.rsplit("}", 1)[-1]


def error_code(body):
    try:
        return ElementTree.fromstring(body).findtext("Code") or "Unknown"
    except ElementTree.ParseError:
        return "Unknown"


def mc(argv, environ, out=sys.stdout, opener=urllib.request.urlopen):
    """The three `mc` commands the langfuse role uses, with mc's output and exit codes."""
    args = [word for word in argv if not word.startswith("--")]
    if len(args) != 2 or args[0] not in ("ready", "ls", "mb"):
        out.write("mc: <ERROR> stand-in knows: ready ALIAS, ls ALIAS, mb [--ignore-existing] ALIAS/BUCKET\n")
        return 1
    command, target = args
    alias, _, bucket = target.partition("/")
    endpoint, access, secret = alias_endpoint(alias, environ)
    if command == "ready":
        try:
            with opener(endpoint + "/minio/health/ready", timeout=5) as response:
                ready = response.status == 200
        except (urllib.error.URLError, OSError):
            ready = False
        out.write("The cluster is ready\n" if ready else "The cluster is unreachable\n")
        return 0 if ready else 1
    if command == "ls":
        status, body = s3_request("GET", endpoint + "/", access, secret, opener=opener)
        if status != 200:
            out.write("mc: <ERROR> Unable to list folder. %s\n" % error_code(body))
            return 1
        for item in ElementTree.fromstring(body).iter():
            if local_name(item.tag) != "Bucket":
                continue
            fields = {local_name(child.tag): child.text or "" for child in item}
            created = fields.get("CreationDate", "")
            when = datetime.datetime.strptime(created[:19], "%Y-%m-%dT%H:%M:%S") if created else datetime.datetime(1970, 1, 1)
            out.write("[%s UTC]     0B %s/\n" % (when.strftime("%Y-%m-%d %H:%M:%S"), fields.get("Name")))
        return 0
    status, body = s3_request("PUT", "%s/%s" % (endpoint, bucket), access, secret, opener=opener)
    if status == 200 or (status == 409 and "--ignore-existing" in argv):
        out.write("Bucket created successfully `%s`.\n" % target)
        return 0
    out.write("mc: <ERROR> Unable to make bucket `%s`. %s\n" % (target, error_code(body)))
    return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv))
