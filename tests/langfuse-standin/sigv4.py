"""AWS Signature Version 4, checked the way an S3 server checks it (header authorization).

The MinIO stand-in (minio_standin.py) refuses every request whose signature is not made with its
root credentials, as MinIO does: a stand-in that accepted any key would hide a wrong access key in
the role. Presigned URLs (query authorization) are refused as unsupported rather than accepted.
"""

import datetime
import hashlib
import hmac
import re
from urllib.parse import quote, unquote, urlsplit

ALGORITHM = "AWS4-HMAC-SHA256"
AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=([^/,\s]+)/(\d{8})/([^/,\s]+)/([^/,\s]+)/aws4_request,\s*"
    r"SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$"
)
UNSIGNED = ("UNSIGNED-PAYLOAD", "STREAMING-UNSIGNED-PAYLOAD-TRAILER")


class SignatureError(Exception):
    """A request the server refuses: `code` is S3's error code."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def _hmac(key, text):
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def signing_key(secret, date, region, service):
    key = _hmac(("AWS4" + secret).encode(), date)
    return _hmac(_hmac(_hmac(key, region), service), "aws4_request")


def canonical_query(raw_query):
    """The query string with each name and value encoded once, sorted (as S3 canonicalises it)."""
    pairs = []
    for part in raw_query.split("&") if raw_query else []:
        name, _, value = part.partition("=")
        pairs.append((quote(unquote(name), safe="-_.~"), quote(unquote(value), safe="-_.~")))
    return "&".join("%s=%s" % pair for pair in sorted(pairs))


def canonical_headers(headers, signed):
    lowered = {name.lower(): value for name, value in headers.items()}
    return "".join("%s:%s\n" % (name, " ".join(lowered[name].split())) for name in signed)


def signature_of(method, raw_path, raw_query, headers, signed, payload, secret, amz_date, region, service):
    request = "\n".join([
        method,
        quote(unquote(raw_path), safe="/-_.~"),
        canonical_query(raw_query),
        canonical_headers(headers, signed),
        ";".join(signed),
        payload,
    ])
    scope = "/".join([amz_date[:8], region, service, "aws4_request"])
    to_sign = "\n".join([ALGORITHM, amz_date, scope, hashlib.sha256(request.encode()).hexdigest()])
    key = signing_key(secret, amz_date[:8], region, service)
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def sign(method, url, body, access_key, secret_key, region="us-east-1", service="s3", now=None):
    """The headers that authorise `method url` with `body` (bytes), as an S3 client sends them."""
    parts = urlsplit(url)
    amz_date = (now or datetime.datetime.now(datetime.timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
    payload = hashlib.sha256(body).hexdigest()
    headers = {"host": parts.netloc, "x-amz-content-sha256": payload, "x-amz-date": amz_date}
    signed = sorted(headers)
    signature = signature_of(method, parts.path or "/", parts.query, headers, signed, payload,
                             secret_key, amz_date, region, service)
    headers["authorization"] = "%s Credential=%s/%s/%s/%s/aws4_request, SignedHeaders=%s, Signature=%s" % (
        ALGORITHM, access_key, amz_date[:8], region, service, ";".join(signed), signature)
    return headers


def verify(method, raw_path, raw_query, headers, body, credentials):
    """Return the access key of a correctly signed request; raise SignatureError otherwise.

    `credentials` maps access keys to secret keys; `headers` are the request's, any case."""
    if "X-Amz-Signature=" in raw_query:
        raise SignatureError("AccessDenied", "presigned URLs are not supported by this stand-in")
    lowered = {name.lower(): value for name, value in headers.items()}
    match = AUTH_RE.match(lowered.get("authorization", ""))
    if not match:
        raise SignatureError("AccessDenied", "Access Denied.")
    access_key, date, region, service, signed_list, signature = match.groups()
    if access_key not in credentials:
        raise SignatureError("InvalidAccessKeyId", "The Access Key Id you provided does not exist in our records.")
    signed = signed_list.split(";")
    amz_date = lowered.get("x-amz-date", "")
    if "host" not in signed or "x-amz-date" not in signed or not amz_date.startswith(date):
        raise SignatureError("AccessDenied", "the host header and x-amz-date must be signed")
    missing = [name for name in signed if name not in lowered]
    if missing:
        raise SignatureError("AccessDenied", "signed headers are missing: %s" % ", ".join(missing))
    payload = lowered.get("x-amz-content-sha256", "")
    if payload not in UNSIGNED and payload != hashlib.sha256(body).hexdigest():
        raise SignatureError("XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match.")
    expected = signature_of(method, raw_path, raw_query, headers, signed, payload,
                            credentials[access_key], amz_date, region, service)
    if not hmac.compare_digest(expected, signature):
        raise SignatureError(
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        )
    return access_key
