# REQUIREMENTS SEC1, SEC5: one master key, a unique secret per purpose.
import re
import string

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.selfhosted.ai_stack.plugins.filter.derive_secret import derive_secret

MASTER = "m" * 16 + "0123456789abcdef"  # 32 characters
OTHER_MASTER = "n" * 16 + "0123456789abcdef"


def test_same_input_same_secret():
    assert derive_secret(MASTER, "redis/password") == derive_secret(MASTER, "redis/password")


@pytest.mark.parametrize("fmt", ["hex", "base64url", "alnum"])
def test_purposes_are_independent(fmt):
    secrets = {derive_secret(MASTER, "svc%d/password" % i, fmt, 32) for i in range(200)}
    assert len(secrets) == 200


def test_master_key_changes_every_secret():
    assert derive_secret(MASTER, "redis/password") != derive_secret(OTHER_MASTER, "redis/password")


def test_secrets_do_not_share_prefixes_across_lengths_of_other_purposes():
    a = derive_secret(MASTER, "langfuse/salt", "hex", 64)
    b = derive_secret(MASTER, "langfuse/nextauth", "hex", 64)
    assert a[:8] != b[:8]


@pytest.mark.parametrize(
    "fmt, length, pattern",
    [
        ("hex", 16, r"[0-9a-f]{16}"),
        ("hex", 63, r"[0-9a-f]{63}"),
        ("hex", 64, r"[0-9a-f]{64}"),
        ("hex", 1024, r"[0-9a-f]{1024}"),
        ("base64url", 43, r"[A-Za-z0-9_-]{43}"),
        ("base64url", 17, r"[A-Za-z0-9_-]{17}"),
        ("alnum", 32, r"[A-Za-z0-9]{32}"),
        ("alnum", 1024, r"[A-Za-z0-9]{1024}"),
    ],
)
def test_format_and_length_exact(fmt, length, pattern):
    assert re.fullmatch(pattern, derive_secret(MASTER, "p", fmt, length))


def test_shorter_secret_is_a_prefix_of_longer_one_for_hex():
    # One purpose, one key stream: the length only cuts it.
    assert derive_secret(MASTER, "p", "hex", 64).startswith(derive_secret(MASTER, "p", "hex", 32))


def test_alnum_uses_the_whole_alphabet():
    text = derive_secret(MASTER, "alphabet", "alnum", 1024)
    assert set(text) == set(string.ascii_letters + string.digits)


def test_known_vector_is_stable():
    # Guards against an accidental change of the derivation: every deployed secret would change.
    first = derive_secret("k" * 32, "redis/password", "hex", 64)
    assert first == derive_secret("k" * 32, "redis/password", "hex", 64)
    import hashlib
    import hmac
    prk = hmac.new(b"selfhosted.ai_stack/derive_secret/v1", b"k" * 32, hashlib.sha256).digest()
    t1 = hmac.new(prk, b"redis/password" + b"\x01", hashlib.sha256).hexdigest()
    assert first == t1


@pytest.mark.parametrize(
    "master, message",
    [
        (None, "aistack_secret_key is missing"),
        ("", "aistack_secret_key is missing"),
        ("short", "aistack_secret_key is 5 characters long"),
        ("x" * 31, "aistack_secret_key is 31 characters long"),
        (12345678901234567890123456789012345, "aistack_secret_key is missing"),
    ],
)
def test_bad_master_key_refused(master, message):
    with pytest.raises(AnsibleFilterError, match=message):
        derive_secret(master, "redis/password")


@pytest.mark.parametrize(
    "purpose, fmt, length, message",
    [
        ("", "hex", 32, "purpose"),
        ("  ", "hex", 32, "purpose"),
        (None, "hex", 32, "purpose"),
        ("p", "base32", 32, "unknown secret format"),
        ("p", "hex", 15, "length"),
        ("p", "hex", 1025, "length"),
        ("p", "hex", "32", "length"),
        ("p", "hex", True, "length"),
    ],
)
def test_bad_arguments_refused(purpose, fmt, length, message):
    with pytest.raises(AnsibleFilterError, match=message):
        derive_secret(MASTER, purpose, fmt, length)


# Known answers, hard-coded (issue 12): every deployed secret is one of these computations, so a changed
# derivation, alphabet or encoding must fail here before it silently changes users' passwords.
@pytest.mark.parametrize("fmt, length, expected", [
    ("hex", 64, "15ee98beff3b97a2a14e9ba822710f1a321033f8c2b9a589b70b7730cb12c70f"),
    ("hex", 20, "15ee98beff3b97a2a14e"),
    ("base64url", 43, "Fe6Yvv87l6KhTpuoInEPGjIQM_jCuaWJtwt3MMsSxw8"),
    ("base64url", 16, "Fe6Yvv87l6KhTpuo"),
    ("alnum", 40, "v0Ce7BMLqFSIZpAYqZi9Pn7l5Wrsnp1KdyT86v41"),
    ("alnum", 16, "v0Ce7BMLqFSIZpAY"),
    ("alnum", 100, "v0Ce7BMLqFSIZpAYqZi9Pn7l5Wrsnp1KdyT86v41MYggBIJAz8ktyU2psFgkiwm5P7Uth4UmX877gX4HHu9k4MN0u7q22Qjh475X"),
])
def test_known_answers_of_every_format(fmt, length, expected):
    assert derive_secret("k" * 32, "redis/password", fmt, length) == expected


def test_known_answer_of_the_defaults_alnum_32():
    assert derive_secret("k" * 32, "redis/password") == "v0Ce7BMLqFSIZpAYqZi9Pn7l5Wrsnp1K"


def test_known_answer_of_the_bcrypt_salt():
    from ansible_collections.selfhosted.ai_stack.plugins.plugin_utils.secrets import bcrypt_salt

    assert bcrypt_salt("k" * 32, "traefik/htpasswd/admin") == "iqGClBtcjGttysDnjiF4wu"


# Odd lengths of base64url: the last character carries bits of a byte that a shorter read would miss.
@pytest.mark.parametrize("length, expected", [
    (18, "wDC0nR3mOrQyHKPPy-"),
    (19, "wDC0nR3mOrQyHKPPy-P"),
    (22, "wDC0nR3mOrQyHKPPy-P52m"),
])
def test_known_answers_of_base64url_at_odd_lengths(length, expected):
    assert derive_secret(MASTER, "p", "base64url", length) == expected


def test_the_key_stream_ends_after_255_blocks():
    """HKDF (RFC 5869) allows 255 blocks of output: exactly that much is given, one byte more is refused."""
    import hashlib

    from ansible_collections.selfhosted.ai_stack.plugins.plugin_utils.secrets import SecretError, derive_bytes

    longest = derive_bytes(MASTER, "p", 255 * 32)
    assert hashlib.sha256(longest).hexdigest() == "d3ea90d21df9084d6d39bd064b7aaecdc0e616e5d2702c9fbc8031fee4c03f68"
    with pytest.raises(SecretError, match=r"^secret derivation ran out of output \(255 blocks\)$"):
        derive_bytes(MASTER, "p", 255 * 32 + 1)


# The whole message, as the operator reads it.
@pytest.mark.parametrize("purpose, fmt, length, message", [
    ("", "hex", 32, "the purpose of a derived secret must be a non-empty string, e.g. 'redis/password'"),
    ("p", "base32", 32, "unknown secret format 'base32': use one of hex, base64url, alnum"),
    ("p", "hex", 15, "secret length must be a whole number from 16 to 1024, got 15"),
])
def test_refusal_messages_in_full(purpose, fmt, length, message):
    with pytest.raises(AnsibleFilterError) as raised:
        derive_secret(MASTER, purpose, fmt, length)
    assert str(raised.value) == "derive_secret: " + message
