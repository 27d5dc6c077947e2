# The MinIO stand-in (tests/langfuse-standin): Signature V4 checked as S3 checks it - against
# botocore, AWS's own signer - its health probes, its persistence and the `mc` commands the langfuse
# role runs. REQUIREMENTS S7, SEC5.
import datetime
import io
import os
import sys
import urllib.error

import pytest
from botocore import auth as botocore_auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "langfuse-standin"))
import minio_standin  # noqa: E402
import sigv4  # noqa: E402

ACCESS, SECRET = "langfuse-minio", "s3cr3t-k3y-0f-f0rty-characters-0123456789"
CREDENTIALS = {ACCESS: SECRET}
NOW = datetime.datetime(2026, 11, 28, 1, 2, 3, tzinfo=datetime.timezone.utc)


def botocore_signed(method, url, body=b"", secret=SECRET, region="auto", unsigned=False, monkeypatch=None):
    """(path, query, headers) of a request signed by botocore's S3 signer."""
    monkeypatch.setattr(botocore_auth, "get_current_datetime", lambda: NOW.replace(tzinfo=None))
    request = AWSRequest(method=method, url=url, data=body, headers={"Content-Type": "application/json"})
    signer = botocore_auth.S3SigV4Auth(Credentials(ACCESS, secret), "s3", region)
    if unsigned:  # botocore leaves the payload unsigned over TLS only, when the client is told so
        request.context["client_config"] = type("Config", (), {"s3": {"payload_signing_enabled": False}})()
    signer.add_auth(request)
    prepared = request.prepare()
    netloc, _, target = prepared.url.split("://", 1)[1].partition("/")
    path, _, query = target.partition("?")
    # botocore signs the URL's host; the HTTP client sends it as the Host header.
    return "/" + path, query, dict(prepared.headers, Host=netloc)


@pytest.mark.parametrize("method, url, body", [
    ("PUT", "http://minio:9000/langfuse", b""),
    ("PUT", "http://minio:9000/langfuse/events/p1/trace/t-1/e%201%2B.json", b'{"id": "e 1"}'),
    ("GET", "http://minio:9000/langfuse?list-type=2&prefix=events%2Fp1%2F&max-keys=5", b""),
    ("GET", "http://minio:9000/", b""),
])
def test_a_request_botocore_signs_is_accepted(monkeypatch, method, url, body):
    path, query, headers = botocore_signed(method, url, body, monkeypatch=monkeypatch)
    assert sigv4.verify(method, path, query, headers, body, CREDENTIALS) == ACCESS


def test_an_unsigned_payload_is_accepted_as_s3_accepts_it(monkeypatch):
    path, query, headers = botocore_signed("PUT", "https://minio:9000/b/k", b"data", unsigned=True, monkeypatch=monkeypatch)
    assert headers["X-Amz-Content-SHA256"] == "UNSIGNED-PAYLOAD"
    assert sigv4.verify("PUT", path, query, headers, b"other data", CREDENTIALS) == ACCESS


def refusal(method, path, query, headers, body=b""):
    with pytest.raises(sigv4.SignatureError) as refused:
        sigv4.verify(method, path, query, headers, body, CREDENTIALS)
    return refused.value.code


def test_a_wrong_secret_key_is_refused(monkeypatch):
    path, query, headers = botocore_signed("PUT", "http://minio:9000/langfuse", secret="wrong" * 8, monkeypatch=monkeypatch)
    assert refusal("PUT", path, query, headers) == "SignatureDoesNotMatch"


def test_an_unknown_access_key_is_refused(monkeypatch):
    path, query, headers = botocore_signed("PUT", "http://minio:9000/langfuse", monkeypatch=monkeypatch)
    headers["Authorization"] = headers["Authorization"].replace(ACCESS, "someone-else")
    assert refusal("PUT", path, query, headers) == "InvalidAccessKeyId"


@pytest.mark.parametrize("change", ["method", "path", "query", "header", "body", "date"])
def test_any_change_to_what_was_signed_is_refused(monkeypatch, change):
    path, query, headers = botocore_signed("PUT", "http://minio:9000/b/k?tagging=1", b"body", monkeypatch=monkeypatch)
    method, body = "PUT", b"body"
    if change == "method":
        method = "POST"
    elif change == "path":
        path = "/b/other"
    elif change == "query":
        query = "tagging=2"
    elif change == "header":
        headers["Host"] = "elsewhere:9000"
    elif change == "body":
        body = b"other"
    else:
        headers["X-Amz-Date"] = "20261128T010204Z"
    assert refusal(method, path, query, headers, body) in ("SignatureDoesNotMatch", "XAmzContentSHA256Mismatch")


def test_a_changed_body_is_named_as_such(monkeypatch):
    path, query, headers = botocore_signed("PUT", "http://minio:9000/b/k", b"body", monkeypatch=monkeypatch)
    assert refusal("PUT", path, query, headers, b"tampered") == "XAmzContentSHA256Mismatch"


def test_no_authorization_is_refused():
    assert refusal("GET", "/", "", {"Host": "minio:9000"}) == "AccessDenied"


def test_a_presigned_url_is_refused_not_trusted():
    query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=" + "0" * 64
    assert refusal("GET", "/b/k", query, {"Host": "minio:9000"}) == "AccessDenied"


def test_the_host_must_be_signed(monkeypatch):
    path, query, headers = botocore_signed("GET", "http://minio:9000/", monkeypatch=monkeypatch)
    headers["Authorization"] = headers["Authorization"].replace(";host;", ";")
    assert refusal("GET", path, query, headers) == "AccessDenied"


def test_a_signed_header_that_is_missing_is_refused(monkeypatch):
    path, query, headers = botocore_signed("GET", "http://minio:9000/", monkeypatch=monkeypatch)
    del headers["X-Amz-Content-SHA256"]
    assert refusal("GET", path, query, headers) == "AccessDenied"


def test_the_date_of_the_scope_must_be_the_request_date(monkeypatch):
    path, query, headers = botocore_signed("GET", "http://minio:9000/", monkeypatch=monkeypatch)
    headers["X-Amz-Date"] = "20261127T010203Z"
    assert refusal("GET", path, query, headers) == "AccessDenied"


def test_our_signer_makes_the_signature_botocore_makes(monkeypatch):
    url = "http://minio:9000/langfuse/events/a b+c.json?x-id=PutObject"
    ours = sigv4.sign("PUT", url, b"{}", ACCESS, SECRET, region="auto", now=NOW)
    _, _, theirs = botocore_signed("PUT", url, b"{}", monkeypatch=monkeypatch)
    assert ours["x-amz-date"] == theirs["X-Amz-Date"] == "20261128T010203Z"
    signature = ours["authorization"].rsplit("Signature=", 1)[1]
    # botocore signs one more header (content-type), so compare by verifying each with the other's parts.
    path, _, query = url.split("9000", 1)[1].partition("?")
    assert sigv4.verify("PUT", path, query, ours, b"{}", CREDENTIALS) == ACCESS
    assert len(signature) == 64
    assert ours["authorization"].startswith(
        "AWS4-HMAC-SHA256 Credential=%s/20261128/auto/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
        % ACCESS)
    assert ours["x-amz-content-sha256"] == "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
    assert ours["host"] == "minio:9000"


def test_our_signature_is_the_one_of_the_aws_algorithm(monkeypatch):
    """The same request, signed by botocore with only our three headers, gives our signature."""
    url = "http://minio:9000/langfuse?list-type=2&prefix=a%2Fb"
    ours = sigv4.sign("GET", url, b"", ACCESS, SECRET, region="auto", now=NOW)
    monkeypatch.setattr(botocore_auth, "get_current_datetime", lambda: NOW.replace(tzinfo=None))
    request = AWSRequest(method="GET", url=url, data=b"")
    botocore_auth.S3SigV4Auth(Credentials(ACCESS, SECRET), "s3", "auto").add_auth(request)
    assert request.headers["Authorization"] == ours["authorization"]


def test_signing_uses_the_current_time_by_default():
    headers = sigv4.sign("GET", "http://minio:9000/", b"", ACCESS, SECRET)
    assert abs(datetime.datetime.strptime(headers["x-amz-date"], "%Y%m%dT%H%M%SZ")
               - datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)) < datetime.timedelta(minutes=1)
    assert "/us-east-1/s3/aws4_request" in headers["authorization"]


@pytest.mark.parametrize("raw, expected", [
    ("", ""),
    ("b=2&a=1", "a=1&b=2"),
    ("prefix=a/b&list-type=2", "list-type=2&prefix=a%2Fb"),
    ("uploads", "uploads="),
    ("k=a%20b", "k=a%20b"),
    ("k=a+b", "k=a%2Bb"),
])
def test_the_query_is_canonicalised_as_s3_does(raw, expected):
    assert sigv4.canonical_query(raw) == expected


# ---- the gate in front of moto --------------------------------------------------------------------

class InnerApp:
    """Records what reaches the S3 application and answers with the given status."""

    def __init__(self, status="200 OK"):
        self.status = status
        self.seen = []

    def __call__(self, environ, start_response):
        self.seen.append((environ["REQUEST_METHOD"], environ["PATH_INFO"], environ["wsgi.input"].read()))
        start_response(self.status, [("Content-Type", "application/xml")])
        return [b"<ok/>"]


def environ_of(method, url, body=b"", headers=None):
    target = url.split("9000", 1)[1]
    path, _, query = target.partition("?")
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path.replace("%20", " "), "QUERY_STRING": query,
               "RAW_URI": target, "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)}
    for name, value in (headers or {}).items():
        key = name.upper().replace("-", "_")
        environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key] = value
    return environ


def through_gate(gate, environ):
    status = []
    body = b"".join(gate(environ, lambda code, headers, exc_info=None: status.append(code)))
    return status[0], body


@pytest.mark.parametrize("path", ["/minio/health/live", "/minio/health/ready"])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_health_probes_answer_without_credentials(tmp_path, path, method):
    inner = InnerApp()
    status, _ = through_gate(minio_standin.Gate(inner, CREDENTIALS, minio_standin.DiskStore(str(tmp_path))),
                             environ_of(method, "http://minio:9000" + path))
    assert status == "200 OK" and inner.seen == []


def test_an_unsigned_request_never_reaches_s3(tmp_path):
    inner = InnerApp()
    gate = minio_standin.Gate(inner, CREDENTIALS, minio_standin.DiskStore(str(tmp_path)))
    status, body = through_gate(gate, environ_of("PUT", "http://minio:9000/langfuse", headers={"Host": "minio:9000"}))
    assert status == "403 Forbidden" and b"<Code>AccessDenied</Code>" in body and b"<Resource>/langfuse</Resource>" in body
    assert inner.seen == [] and os.listdir(tmp_path) == []


def test_a_signed_upload_reaches_s3_and_is_kept_on_disk(tmp_path):
    inner = InnerApp()
    gate = minio_standin.Gate(inner, CREDENTIALS, minio_standin.DiskStore(str(tmp_path)))
    for url, body in (("http://minio:9000/langfuse", b""), ("http://minio:9000/langfuse/events/p/e%201.json", b'{"a": 1}')):
        headers = sigv4.sign("PUT", url, body, ACCESS, SECRET)
        status, _ = through_gate(gate, environ_of("PUT", url, body, headers))
        assert status == "200 OK"
    assert inner.seen == [("PUT", "/langfuse", b""), ("PUT", "/langfuse/events/p/e 1.json", b'{"a": 1}')]
    assert (tmp_path / "langfuse" / "events" / "p" / "e 1.json").read_bytes() == b'{"a": 1}'


def test_what_s3_refuses_is_not_kept(tmp_path):
    gate = minio_standin.Gate(InnerApp("409 Conflict"), CREDENTIALS, minio_standin.DiskStore(str(tmp_path)))
    url = "http://minio:9000/langfuse"
    status, _ = through_gate(gate, environ_of("PUT", url, b"", sigv4.sign("PUT", url, b"", ACCESS, SECRET)))
    assert status == "409 Conflict" and os.listdir(tmp_path) == []


def test_a_request_with_a_query_is_not_taken_for_an_object(tmp_path):
    gate = minio_standin.Gate(InnerApp(), CREDENTIALS, minio_standin.DiskStore(str(tmp_path)))
    url = "http://minio:9000/langfuse?policy"
    through_gate(gate, environ_of("PUT", url, b"{}", sigv4.sign("PUT", url, b"{}", ACCESS, SECRET)))
    assert os.listdir(tmp_path) == []


def test_the_store_deletes_objects_and_empty_buckets(tmp_path):
    store = minio_standin.DiskStore(str(tmp_path))
    store.record("PUT", "/b", b"")
    store.record("PUT", "/b/k/x", b"1")
    store.record("DELETE", "/b", b"")
    assert (tmp_path / "b" / "k" / "x").exists()
    store.record("DELETE", "/b/k/x", b"")
    assert not (tmp_path / "b" / "k" / "x").exists()
    os.rmdir(tmp_path / "b" / "k")
    store.record("DELETE", "/b", b"")
    assert not (tmp_path / "b").exists()


@pytest.mark.parametrize("path", ["/", "/b/../../etc/passwd", "/./x"])
def test_the_store_never_writes_outside_its_directory(tmp_path, path):
    store = minio_standin.DiskStore(str(tmp_path / "data"))
    store.record("PUT", path, b"x")
    assert not (tmp_path / "data").exists() and os.listdir(tmp_path) == []


def test_the_store_replays_buckets_before_their_objects(tmp_path):
    store = minio_standin.DiskStore(str(tmp_path))
    store.record("PUT", "/b2", b"")
    store.record("PUT", "/b1/k/2", b"two")
    store.record("PUT", "/b1/a", b"one")
    (tmp_path / ".minio.sys").mkdir()
    (tmp_path / "stray-file").write_bytes(b"")
    assert store.contents() == [("/b1", b""), ("/b2", b""), ("/b1/a", b"one"), ("/b1/k/2", b"two")]
    assert minio_standin.DiskStore(str(tmp_path / "missing")).contents() == []


def test_replay_sends_the_request_to_the_application():
    inner = InnerApp("201 Created")
    assert minio_standin.call(inner, "PUT", "/b1/a", b"one") == 201
    assert inner.seen == [("PUT", "/b1/a", b"one")]


def test_the_headers_of_a_wsgi_request():
    environ = {"HTTP_X_AMZ_DATE": "d", "HTTP_HOST": "h", "CONTENT_TYPE": "t", "CONTENT_LENGTH": "", "PATH_INFO": "/"}
    assert minio_standin.request_headers(environ) == {"x-amz-date": "d", "host": "h", "content-type": "t"}


@pytest.mark.parametrize("environ, expected", [
    ({"RAW_URI": "/b/a%20b?x=1"}, ("/b/a%20b", "x=1")),
    ({"REQUEST_URI": "/b/k"}, ("/b/k", "")),
    ({"PATH_INFO": "/b/a b", "QUERY_STRING": "y=2"}, ("/b/a%20b", "y=2")),
    ({}, ("/", "")),
])
def test_the_target_is_taken_as_the_client_sent_it(environ, expected):
    assert minio_standin.raw_target(environ) == expected


# ---- the server's arguments and credentials ------------------------------------------------------

@pytest.mark.parametrize("argv, expected", [
    (["server", "/data"], ("/data", "0.0.0.0", 9000)),
    (["server", "/data", "--address", ":9100", "--console-address", ":9001"], ("/data", "0.0.0.0", 9100)),
    (["server", "--address", "127.0.0.1:9200", "/srv"], ("/srv", "127.0.0.1", 9200)),
])
def test_server_arguments(argv, expected):
    assert minio_standin.parse_server_args(argv) == expected


@pytest.mark.parametrize("argv", [[], ["gateway", "/data"], ["server"], ["server", "/data", "--certs-dir", "/c"]])
def test_bad_server_arguments_stop_the_start(argv):
    with pytest.raises(SystemExit):
        minio_standin.parse_server_args(argv)


@pytest.mark.parametrize("user, password, message", [
    ("ab", "12345678", "MINIO_ROOT_USER length should be at least 3"),
    ("abc", "1234567", "MINIO_ROOT_PASSWORD length should be at least 8"),
])
def test_short_root_credentials_stop_the_start(user, password, message):
    with pytest.raises(SystemExit, match=message):
        minio_standin.root_credentials({"MINIO_ROOT_USER": user, "MINIO_ROOT_PASSWORD": password})


def test_root_credentials_of_the_minimum_length():
    assert minio_standin.root_credentials({"MINIO_ROOT_USER": "abc", "MINIO_ROOT_PASSWORD": "12345678"}) == {"abc": "12345678"}


# ---- mc -------------------------------------------------------------------------------------------

MC_ENV = {"MC_HOST_local": "http://%s:%s@127.0.0.1:9000" % (ACCESS, SECRET)}


class Response(io.BytesIO):
    def __init__(self, status, body=b""):
        super().__init__(body)
        self.status = status

    def __enter__(self):
        return self

    def __exit__(self, *args):
        return False


class Opener:
    """Answers like an S3 server and records each request (method, URL, the credential it carries)."""

    def __init__(self, status=200, body=b"", fail=None):
        self.status, self.body, self.fail = status, body, fail
        self.requests = []

    def __call__(self, request, timeout=None):
        if isinstance(request, str):
            self.requests.append(("GET", request, None))
        else:
            self.requests.append((request.get_method(), request.full_url, request.get_header("Authorization")))
        if self.fail:
            raise self.fail
        if self.status >= 400:
            raise urllib.error.HTTPError(self.requests[-1][1], self.status, "error", {}, io.BytesIO(self.body))
        return Response(self.status, self.body)


def run_mc(argv, opener, environ=None):
    out = io.StringIO()
    code = minio_standin.mc(argv, MC_ENV if environ is None else environ, out=out, opener=opener)
    return code, out.getvalue()


def test_mc_ready_asks_the_readiness_endpoint():
    opener = Opener()
    assert run_mc(["ready", "local"], opener) == (0, "The cluster is ready\n")
    assert opener.requests == [("GET", "http://127.0.0.1:9000/minio/health/ready", None)]


@pytest.mark.parametrize("opener", [Opener(status=503), Opener(fail=urllib.error.URLError("refused")), Opener(fail=OSError())])
def test_mc_ready_fails_when_the_server_is_not_ready(opener):
    assert run_mc(["ready", "local"], opener) == (1, "The cluster is unreachable\n")


LIST = (b'<?xml version="1.0"?><ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Buckets>'
        b'<Bucket><Name>langfuse</Name><CreationDate>2026-11-28T01:02:03.000Z</CreationDate></Bucket>'
        b'<Bucket><Name>other</Name></Bucket></Buckets></ListAllMyBucketsResult>')


def test_mc_ls_lists_buckets_as_mc_does():
    opener = Opener(body=LIST)
    code, out = run_mc(["ls", "local"], opener)
    assert (code, out) == (0, "[2026-11-28 01:02:03 UTC]     0B langfuse/\n[1970-01-01 00:00:00 UTC]     0B other/\n")
    method, url, authorization = opener.requests[0]
    assert (method, url) == ("GET", "http://127.0.0.1:9000/")
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=%s/" % ACCESS)


def test_mc_ls_fails_with_the_s3_error():
    opener = Opener(status=403, body=b"<Error><Code>SignatureDoesNotMatch</Code></Error>")
    assert run_mc(["ls", "local"], opener) == (1, "mc: <ERROR> Unable to list folder. SignatureDoesNotMatch\n")


def test_mc_mb_creates_the_bucket():
    opener = Opener()
    assert run_mc(["mb", "local/langfuse"], opener) == (0, "Bucket created successfully `local/langfuse`.\n")
    assert opener.requests[0][:2] == ("PUT", "http://127.0.0.1:9000/langfuse")


def test_mc_mb_of_an_existing_bucket_fails_unless_told_to_ignore_it():
    body = b"<Error><Code>BucketAlreadyOwnedByYou</Code></Error>"
    assert run_mc(["mb", "local/langfuse"], Opener(status=409, body=body)) == (
        1, "mc: <ERROR> Unable to make bucket `local/langfuse`. BucketAlreadyOwnedByYou\n")
    assert run_mc(["mb", "--ignore-existing", "local/langfuse"], Opener(status=409, body=body))[0] == 0
    assert run_mc(["mb", "--ignore-existing", "local/langfuse"], Opener(status=403, body=b"not xml"))[1].endswith("Unknown\n")


@pytest.mark.parametrize("argv", [["version"], ["ready"], ["mb", "a/b", "c/d"]])
def test_mc_refuses_commands_it_does_not_know(argv):
    code, out = run_mc(argv, Opener())
    assert code == 1 and out.startswith("mc: <ERROR> stand-in knows")


@pytest.mark.parametrize("value", ["", "127.0.0.1:9000", "http://user@127.0.0.1:9000", "ftp://a:b@h:1"])
def test_mc_needs_the_alias_in_its_environment(value):
    with pytest.raises(SystemExit, match="MC_HOST_local"):
        run_mc(["ready", "local"], Opener(), environ={"MC_HOST_local": value})


def test_the_alias_credentials_may_be_url_encoded():
    assert minio_standin.alias_endpoint("x", {"MC_HOST_x": "https://a%2Bb:c%40d@h:9000/"}) == ("https://h:9000", "a+b", "c@d")


def test_creating_a_bucket_that_exists_is_refused_as_minio_refuses_it(tmp_path):
    inner = InnerApp()
    gate = minio_standin.Gate(inner, CREDENTIALS, minio_standin.DiskStore(str(tmp_path)))
    url = "http://minio:9000/langfuse"
    first = through_gate(gate, environ_of("PUT", url, b"", sigv4.sign("PUT", url, b"", ACCESS, SECRET)))
    second = through_gate(gate, environ_of("PUT", url, b"", sigv4.sign("PUT", url, b"", ACCESS, SECRET)))
    assert first[0] == "200 OK" and second[0] == "409 Conflict"
    assert b"<Code>BucketAlreadyOwnedByYou</Code>" in second[1] and len(inner.seen) == 1
    obj = url + "/k"
    assert through_gate(gate, environ_of("PUT", obj, b"x", sigv4.sign("PUT", obj, b"x", ACCESS, SECRET)))[0] == "200 OK"


def test_mc_ls_reads_buckets_in_any_namespace():
    body = (b'<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01"><Buckets><Bucket>'
            b'<Name>langfuse</Name><CreationDate>2026-11-28T01:02:03.000Z</CreationDate></Bucket></Buckets>'
            b'</ListAllMyBucketsResult>')
    assert run_mc(["ls", "local"], Opener(body=body)) == (0, "[2026-11-28 01:02:03 UTC]     0B langfuse/\n")


# ---- exact wording and edges ----------------------------------------------------------------------

def test_the_exact_refusals(monkeypatch):
    path, query, headers = botocore_signed("PUT", "http://minio:9000/b/k", b"body", monkeypatch=monkeypatch)
    cases = [
        (("GET", "/b/k", "X-Amz-Signature=" + "0" * 64, {"Host": "h"}, b""), "presigned URLs are not supported by this stand-in"),
        (("GET", "/", "", {"Host": "h"}, b""), "Access Denied."),
        (("PUT", path, query, dict(headers, Authorization=headers["Authorization"].replace(ACCESS, "other")), b"body"),
         "The Access Key Id you provided does not exist in our records."),
        (("PUT", path, query, dict(headers, Authorization=headers["Authorization"].replace(";host;", ";")), b"body"),
         "the host header and x-amz-date must be signed"),
        (("PUT", path, query, headers, b"tampered"), "The provided 'x-amz-content-sha256' header does not match."),
        (("POST", path, query, headers, b"body"),
         "The request signature we calculated does not match the signature you provided."),
    ]
    for args, message in cases:
        with pytest.raises(sigv4.SignatureError) as refused:
            sigv4.verify(*args, CREDENTIALS)
        assert str(refused.value) == message


def test_the_missing_signed_headers_are_listed(monkeypatch):
    path, query, headers = botocore_signed("GET", "http://minio:9000/", monkeypatch=monkeypatch)
    del headers["Content-Type"]
    del headers["X-Amz-Content-SHA256"]
    with pytest.raises(sigv4.SignatureError) as refused:
        sigv4.verify("GET", path, query, headers, b"", CREDENTIALS)
    assert str(refused.value) == "signed headers are missing: content-type, x-amz-content-sha256"


def test_a_streaming_unsigned_payload_is_accepted():
    headers = {"host": "minio:9000", "x-amz-date": "20261128T010203Z", "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER"}
    signed = ["host", "x-amz-content-sha256", "x-amz-date"]
    signature = sigv4.signature_of("PUT", "/b/k", "", headers, signed, headers["x-amz-content-sha256"], SECRET,
                                   headers["x-amz-date"], "us-east-1", "s3")
    headers["authorization"] = ("AWS4-HMAC-SHA256 Credential=%s/20261128/us-east-1/s3/aws4_request, "
                                "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=%s" % (ACCESS, signature))
    assert sigv4.verify("PUT", "/b/k", "", headers, b"chunks", CREDENTIALS) == ACCESS


def test_header_values_are_trimmed_as_aws_trims_them(monkeypatch):
    monkeypatch.setattr(botocore_auth, "get_current_datetime", lambda: NOW.replace(tzinfo=None))
    request = AWSRequest(method="PUT", url="http://minio:9000/b/k", data=b"x", headers={"X-Amz-Meta-Note": "  a   b  "})
    botocore_auth.S3SigV4Auth(Credentials(ACCESS, SECRET), "s3", "auto").add_auth(request)
    headers = dict(request.prepare().headers, Host="minio:9000")
    assert sigv4.verify("PUT", "/b/k", "", headers, b"x", CREDENTIALS) == ACCESS


def test_a_url_without_a_path_is_signed_for_the_root(monkeypatch):
    ours = sigv4.sign("GET", "http://minio:9000", b"", ACCESS, SECRET, region="auto", now=NOW)
    monkeypatch.setattr(botocore_auth, "get_current_datetime", lambda: NOW.replace(tzinfo=None))
    request = AWSRequest(method="GET", url="http://minio:9000/", data=b"")
    botocore_auth.S3SigV4Auth(Credentials(ACCESS, SECRET), "s3", "auto").add_auth(request)
    assert request.headers["Authorization"] == ours["authorization"]


def test_the_request_headers_include_the_content_length():
    assert minio_standin.request_headers({"CONTENT_LENGTH": "7", "HTTP_HOST": "h"}) == {"content-length": "7", "host": "h"}


def test_a_replayed_request_is_a_complete_wsgi_request():
    seen = {}

    def inner(environ, start_response):
        seen.update(environ)
        seen["body"] = environ["wsgi.input"].read()
        start_response("200 OK", [])
        return [b""]

    assert minio_standin.call(inner, "PUT", "/b/k", b"abc") == 200
    assert {key: seen[key] for key in ("REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "SERVER_NAME", "SERVER_PORT",
                                       "HTTP_HOST", "CONTENT_LENGTH", "wsgi.url_scheme", "wsgi.version",
                                       "wsgi.multithread", "wsgi.multiprocess", "wsgi.run_once", "body")} == {
        "REQUEST_METHOD": "PUT", "PATH_INFO": "/b/k", "QUERY_STRING": "", "SERVER_NAME": "localhost",
        "SERVER_PORT": "9000", "HTTP_HOST": "localhost:9000", "CONTENT_LENGTH": "3", "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0), "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False,
        "body": b"abc"}
    assert seen["wsgi.errors"] is sys.stderr


def gate_response(gate, environ):
    captured = {}

    def start_response(status, headers, exc_info=None):
        captured["status"], captured["headers"] = status, dict(headers)

    body = b"".join(gate(environ, start_response))
    return captured["status"], captured["headers"], body


def test_the_health_answer_and_the_refusals_carry_their_headers(tmp_path):
    gate = minio_standin.Gate(InnerApp(), CREDENTIALS, minio_standin.DiskStore(str(tmp_path)))
    assert gate_response(gate, environ_of("GET", "http://minio:9000/minio/health/ready")) == ("200 OK", {"Content-Length": "0"}, b"")
    status, headers, body = gate_response(gate, environ_of("POST", "http://minio:9000/minio/health/live"))
    assert status == "403 Forbidden" and headers == {"Content-Type": "application/xml", "Content-Length": str(len(body))}
    assert body == ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied.'
                    '</Message><Resource>/minio/health/live</Resource></Error>').encode()
    url = "http://minio:9000/langfuse"
    (tmp_path / "langfuse").mkdir()
    status, headers, body = gate_response(gate, environ_of("PUT", url, b"", sigv4.sign("PUT", url, b"", ACCESS, SECRET)))
    assert status == "409 Conflict" and headers == {"Content-Type": "application/xml", "Content-Length": str(len(body))}
    assert b"<Message>Your previous request to create the named bucket succeeded and you already own it.</Message>" in body


def test_a_bucket_recorded_twice_is_one_directory(tmp_path):
    store = minio_standin.DiskStore(str(tmp_path))
    store.record("PUT", "/b", b"")
    store.record("PUT", "/b", b"")
    assert os.listdir(tmp_path) == ["b"]


@pytest.mark.parametrize("argv, message", [
    ([], "usage: minio server DIR [--address :9000] [--console-address :9001]"),
    (["server", "/d", "--certs-dir"], "minio: unknown flag --certs-dir"),
    (["server", "--address", ":1"], "minio: server needs a data directory"),
])
def test_the_exact_argument_errors(argv, message):
    with pytest.raises(SystemExit) as stopped:
        minio_standin.parse_server_args(argv)
    assert str(stopped.value) == message


@pytest.mark.parametrize("environ, message", [
    ({}, "FATAL Invalid credentials: MINIO_ROOT_USER length should be at least 3"),
    ({"MINIO_ROOT_USER": "abc"}, "FATAL Invalid credentials: MINIO_ROOT_PASSWORD length should be at least 8"),
])
def test_missing_root_credentials_stop_the_start(environ, message):
    with pytest.raises(SystemExit) as stopped:
        minio_standin.root_credentials(environ)
    assert str(stopped.value) == message


def test_the_gate_replays_the_data_directory_into_s3(tmp_path):
    store = minio_standin.DiskStore(str(tmp_path))
    store.record("PUT", "/b", b"")
    store.record("PUT", "/b/k", b"v")
    inner = InnerApp()
    gate, host, port = minio_standin.make_gate(["server", str(tmp_path), "--address", "127.0.0.1:9100"],
                                               {"MINIO_ROOT_USER": ACCESS, "MINIO_ROOT_PASSWORD": SECRET}, inner)
    assert (host, port) == ("127.0.0.1", 9100)
    assert inner.seen == [("PUT", "/b", b""), ("PUT", "/b/k", b"v")]
    assert gate.credentials == CREDENTIALS and gate.store.root == str(tmp_path) and gate.app is inner


def test_mc_is_chosen_by_the_name_it_is_called_as():
    out = io.StringIO()
    assert minio_standin.main(["/usr/bin/mc", "version"], {}, out=out) == 1
    assert out.getvalue().startswith("mc: <ERROR> stand-in knows")


def test_the_alias_error_names_the_variable():
    with pytest.raises(SystemExit) as stopped:
        minio_standin.alias_endpoint("local", {})
    assert str(stopped.value) == "mc: <ERROR> Unable to find alias `local` (set MC_HOST_local)."


class TimedOpener(Opener):
    def __call__(self, request, timeout=None):
        self.timeout = timeout
        self.data = None if isinstance(request, str) else request.data
        return super().__call__(request, timeout)


def test_requests_carry_a_body_only_when_they_put_and_time_out():
    opener = TimedOpener(body=LIST)
    minio_standin.s3_request("GET", "http://h:9000/", ACCESS, SECRET, body=b"ignored", opener=opener)
    assert (opener.data, opener.timeout) == (None, 10)
    minio_standin.s3_request("PUT", "http://h:9000/b", ACCESS, SECRET, body=b"x", opener=opener)
    assert opener.data == b"x"
    run_mc(["ready", "local"], opener)
    assert opener.timeout == 5


@pytest.mark.parametrize("body, code", [(b"<Error><Code>NoSuchBucket</Code></Error>", "NoSuchBucket"),
                                        (b"<Error/>", "Unknown"), (b"not xml", "Unknown")])
def test_the_error_code_of_an_answer(body, code):
    assert minio_standin.error_code(body) == code
