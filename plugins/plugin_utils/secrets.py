# -*- coding: utf-8 -*-
# Copyright: selfhosted.ai_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Deterministic secrets derived from one master key (DESIGN.md "Secrets", REQUIREMENTS SEC1/SEC5).

Every secret of the stack is HKDF-SHA256(master key, purpose): the same master key and purpose
always give the same secret, so re-runs change nothing and nothing has to be stored, while two
purposes never share or resemble a secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import string

MASTER_KEY_VARIABLE = "aistack_secret_key"
MASTER_KEY_MIN_LENGTH = 32
MIN_LENGTH = 16
MAX_LENGTH = 1024
FORMATS = ("hex", "base64url", "alnum")

_ALNUM = string.ascii_letters + string.digits
_HKDF_SALT = b"selfhosted.ai_stack/derive_secret/v1"
_HASH_LEN = hashlib.sha256().digest_size


class SecretError(ValueError):
    """Bad input to a secret derivation; the message names the variable and the fix."""


def check_master_key(master_key):
    if master_key is None or not isinstance(master_key, str) or master_key == "":
        raise SecretError(
            "%s is missing: put a random key of at least %d characters into your vault "
            "(for example `openssl rand -hex 32`) and encrypt it with ansible-vault."
            % (MASTER_KEY_VARIABLE, MASTER_KEY_MIN_LENGTH)
        )
    if len(master_key) < MASTER_KEY_MIN_LENGTH:
        raise SecretError(
            "%s is %d characters long; it must have at least %d: generate a new one with "
            "`openssl rand -hex 32` (every derived secret changes with it)."
            % (MASTER_KEY_VARIABLE, len(master_key), MASTER_KEY_MIN_LENGTH)
        )


# Words that mark a key someone meant to replace; a random key of 32+ characters contains none by chance
# (hex and base64 of a random key: well under one in a million for the shortest, "todo" is not listed).
PLACEHOLDER_WORDS = ("changeme", "change_me", "change-me", "replaceme", "replace_me", "placeholder",
                     "example", "secret", "password", "passw0rd", "default", "insecure", "xxxxxxxx")
MASTER_KEY_MIN_DISTINCT = 10


def master_key_weakness(master_key):
    """Why `master_key` must not protect a deployment, or "" when it passes.

    Catches what a person types instead of a generated key: too short, a placeholder word, one word or
    pattern repeated, or too few different characters. A generated key (`openssl rand -hex 32`) passes.
    """
    try:
        check_master_key(master_key)
    except SecretError as err:
        return str(err)
    lowered = master_key.lower()
    for word in PLACEHOLDER_WORDS:
        if word in lowered:
            return "%s contains the placeholder %r" % (MASTER_KEY_VARIABLE, word)
    for period in range(1, len(master_key) // 2 + 1):
        unit = master_key[:period]
        if (unit * (len(master_key) // period + 1))[:len(master_key)] == master_key:
            return "%s is %r repeated" % (MASTER_KEY_VARIABLE, unit)
    distinct = len(set(master_key))
    if distinct < MASTER_KEY_MIN_DISTINCT:
        return "%s uses only %d different characters (at least %d expected of a random key)" % (
            MASTER_KEY_VARIABLE, distinct, MASTER_KEY_MIN_DISTINCT)
    return ""


def _key_stream(master_key, purpose):
    """HKDF-SHA256 (RFC 5869) output blocks for info=purpose, as long as asked for."""
    prk = hmac.new(_HKDF_SALT, master_key.encode("utf-8"), hashlib.sha256).digest()
    info = purpose.encode("utf-8")
    block = b""
    for counter in range(1, 256):
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        yield block
    raise SecretError("secret derivation ran out of output (255 blocks)")


def derive_bytes(master_key, purpose, size):
    check_master_key(master_key)
    _check_purpose(purpose)
    out = b""
    for block in _key_stream(master_key, purpose):
        out += block
        if len(out) >= size:
            return out[:size]
    return out  # not reached: _key_stream raises first


def _check_purpose(purpose):
    if not isinstance(purpose, str) or not purpose.strip():
        raise SecretError("the purpose of a derived secret must be a non-empty string, e.g. 'redis/password'")


def derive_secret(master_key, purpose, fmt, length):
    """Return the secret for `purpose` in `fmt` with exactly `length` characters (defaults: the filter's)."""
    check_master_key(master_key)
    _check_purpose(purpose)
    if fmt not in FORMATS:
        raise SecretError("unknown secret format %r: use one of %s" % (fmt, ", ".join(FORMATS)))
    if isinstance(length, bool) or not isinstance(length, int) or not MIN_LENGTH <= length <= MAX_LENGTH:
        raise SecretError("secret length must be a whole number from %d to %d, got %r" % (MIN_LENGTH, MAX_LENGTH, length))

    if fmt == "hex":
        return derive_bytes(master_key, purpose, (length + 1) // 2).hex()[:length]
    if fmt == "base64url":
        raw = derive_bytes(master_key, purpose, (length * 3 + 3) // 4 + 1)
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")[:length]
    return _alnum(master_key, purpose, length)


def _alnum(master_key, purpose, length):
    # Rejection sampling keeps every character equally likely: 248 = 4 * 62.
    chars = []
    for block in _key_stream(master_key, purpose):
        for byte in block:
            if byte < 248:
                chars.append(_ALNUM[byte % 62])
                if len(chars) == length:
                    return "".join(chars)
    return "".join(chars)  # not reached: _key_stream raises first


def bcrypt_salt(master_key, purpose):
    """A valid 22-character bcrypt salt (bcrypt's own base64 of 16 derived bytes)."""
    raw = derive_bytes(master_key, purpose, 16)
    alphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    bits = int.from_bytes(raw, "big") << 4  # 128 bits padded to 132 = 22 * 6
    return "".join(alphabet[(bits >> (6 * i)) & 63] for i in reversed(range(22)))
