# -*- coding: utf-8 -*-
# Copyright: selfhosted.ai_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""HS256 JSON Web Tokens (RFC 7519) signed with a shared secret: Supabase's API keys.

Supabase's `anon` and `service_role` keys are HS256 JWTs signed with the JWT secret GoTrue,
PostgREST, storage-api and realtime verify them with. `sign` makes one from claims, the same bytes for
the same claims and secret (so a re-run changes nothing); `key_problem` says why a key given as input
cannot serve a role: malformed, not HS256, signed with another secret, for another role, upstream's
demo issuer, or expired.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json

# GoTrue refuses a shorter JWT secret.
MIN_SECRET_LENGTH = 32
# The issuer of the keys printed in Supabase's self-hosting .env.example: public, so anyone can forge them.
DEMO_ISSUER = "supabase-demo"
# The secret in upstream's .env.example; a key signed with it is a demo key whatever its claims say.
DEMO_SECRET = "your-super-secret-jwt-token-with-at-least-32-characters-long"
_HEADER = {"alg": "HS256", "typ": "JWT"}


class JwtError(ValueError):
    """Input a token cannot be made from; the message says what to change."""


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _segment(obj):
    return _b64url(json.dumps(obj, separators=(",", ":"), sort_keys=True).encode("utf-8"))


def _signature(signing_input, secret):
    return _b64url(hmac.new(secret.encode("utf-8"), signing_input.encode("ascii"), hashlib.sha256).digest())


def check_secret(secret):
    if not isinstance(secret, str) or len(secret) < MIN_SECRET_LENGTH:
        raise JwtError("the JWT secret must be a string of at least %d characters" % MIN_SECRET_LENGTH)
    if secret == DEMO_SECRET:
        raise JwtError("the JWT secret is the one printed in Supabase's .env.example: anyone can sign keys with it")


def sign(claims, secret):
    """The compact HS256 token of `claims` (a dict with integer `iat` and `exp`, `exp` later)."""
    check_secret(secret)
    if not isinstance(claims, dict) or not claims:
        raise JwtError("the claims must be a mapping, got %r" % (claims,))
    for name in ("iat", "exp"):
        value = claims.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise JwtError("the claim %r must be a whole number of seconds since 1970, got %r" % (name, value))
    if claims["exp"] <= claims["iat"]:
        raise JwtError("the claim 'exp' (%d) must be later than 'iat' (%d)" % (claims["exp"], claims["iat"]))
    signing_input = _segment(_HEADER) + "." + _segment(claims)
    return signing_input + "." + _signature(signing_input, secret)


def decode(token):
    """(header, claims) of a compact JWT, unverified; JwtError when it is not one."""
    parts = token.split(".") if isinstance(token, str) else []
    if len(parts) != 3 or not all(parts):
        raise JwtError("it is not a JWT (three base64url parts separated by dots)")
    try:
        header, claims = (json.loads(_b64url_decode(part)) for part in parts[:2])
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise JwtError("its header or claims are not base64url-encoded JSON")
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise JwtError("its header and claims must be JSON objects")
    return header, claims


def key_problem(token, secret, role, now):
    """Why `token` cannot be the API key of `role` under `secret` at time `now`, or ""."""
    try:
        header, claims = decode(token)
    except JwtError as exc:
        return str(exc)
    if header.get("alg") != "HS256":
        return "it is signed with %r, not HS256" % (header.get("alg"),)
    if claims.get("iss") == DEMO_ISSUER:
        return "it is one of upstream's demo keys (issuer %r): anyone can use it" % DEMO_ISSUER
    signing_input, _dot, signature = token.rpartition(".")
    if hmac.compare_digest(signature, _signature(signing_input, DEMO_SECRET)):
        return "it is signed with the JWT secret of Supabase's .env.example: anyone can sign keys with it"
    if not hmac.compare_digest(signature, _signature(signing_input, secret)):
        return "it is not signed with the JWT secret in use (supabase_jwt_secret)"
    if claims.get("role") != role:
        return "its role claim is %r, not %r" % (claims.get("role"), role)
    expires = claims.get("exp")
    if isinstance(expires, bool) or not isinstance(expires, int):
        return "it has no expiry ('exp')"
    if expires <= now:
        return "it expired at %d (now %d)" % (expires, now)
    return ""
