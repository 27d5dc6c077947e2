# Supabase's API keys (issue 17, REQUIREMENTS S8, SEC5): HS256 JWTs signed from the derived JWT secret,
# checked with PyJWT, an implementation independent of ours; keys given as input are refused when
# they are upstream's demo keys, signed with another secret, for another role or expired.
import base64
import json

import jwt as pyjwt
import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.selfhosted.ai_stack.plugins.filter.jwt_hs256 import jwt_hs256
from ansible_collections.selfhosted.ai_stack.plugins.filter.jwt_key_problem import jwt_key_problem
from ansible_collections.selfhosted.ai_stack.plugins.plugin_utils.jwt_hs256 import JwtError, decode

# Upstream's .env.example secret, written out (not imported): a changed constant must fail here.
DEMO_SECRET = "your-super-secret-jwt-token-with-at-least-32-characters-long"

SECRET = "k" * 20 + "3Fq9ZxW0pL7vB2nM4tR8yC6d"
OTHER_SECRET = "j" * 20 + "3Fq9ZxW0pL7vB2nM4tR8yC6d"
ISSUED = 1767225600  # 2026-01-01
EXPIRES = 2082758400  # 2036-01-01
NOW = 1795000000  # 2026-11


def claims(role="anon", **more):
    return dict({"role": role, "iss": "supabase", "iat": ISSUED, "exp": EXPIRES}, **more)


# Upstream's .env.example keys (their issuer is supabase-demo, signed with the demo secret).
DEMO_ANON = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9"
             ".CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0")
DEMO_SERVICE = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImV4cCI6MTk4MzgxMjk5Nn0"
                ".EGIM96RAZx35lJzdJsyH-qQwv8Hdp7fsn3W0YpN81IU")


@pytest.mark.parametrize("role", ["anon", "service_role"])
def test_a_signed_key_verifies_with_the_secret_and_carries_its_claims(role):
    token = jwt_hs256(claims(role), SECRET)
    decoded = pyjwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_exp": False})
    assert decoded == claims(role)
    assert pyjwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}


def test_a_key_does_not_verify_with_another_secret():
    with pytest.raises(pyjwt.InvalidSignatureError):
        pyjwt.decode(jwt_hs256(claims(), SECRET), OTHER_SECRET, algorithms=["HS256"])


def test_the_same_claims_give_the_same_key_whatever_their_order():
    forward = claims()
    backward = dict(reversed(list(forward.items())))
    assert jwt_hs256(forward, SECRET) == jwt_hs256(backward, SECRET)


def test_the_token_is_compact_base64url_without_padding():
    token = jwt_hs256(claims(), SECRET)
    assert "=" not in token and " " not in token and token.count(".") == 2
    payload = token.split(".")[1]
    assert json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))) == claims()
    assert b" " not in base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))


SHORT = "jwt_hs256: the JWT secret must be a string of at least 32 characters"
DEMO = "jwt_hs256: the JWT secret is the one printed in Supabase's .env.example: anyone can sign keys with it"


@pytest.mark.parametrize("secret, message", [
    ("short" * 6, SHORT),            # 30 characters
    (None, SHORT),
    (12345678901234567890123456789012345, SHORT),
    (DEMO_SECRET, DEMO),
])
def test_a_weak_secret_is_refused(secret, message):
    with pytest.raises(AnsibleFilterError) as refused:
        jwt_hs256(claims(), secret)
    assert str(refused.value) == message


def test_a_secret_of_exactly_32_characters_is_accepted():
    assert pyjwt.decode(jwt_hs256(claims(), "x" * 32), "x" * 32, algorithms=["HS256"])["role"] == "anon"


WHOLE = "jwt_hs256: the claim %r must be a whole number of seconds since 1970, got %r"


@pytest.mark.parametrize("bad, message", [
    ({"iat": "1767225600"}, WHOLE % ("iat", "1767225600")),
    ({"exp": 2.5e9}, WHOLE % ("exp", 2.5e9)),
    ({"exp": True}, WHOLE % ("exp", True)),
    ({"iat": -1}, WHOLE % ("iat", -1)),
    ({"exp": ISSUED}, "jwt_hs256: the claim 'exp' (1767225600) must be later than 'iat' (1767225600)"),
    ({"exp": ISSUED - 1}, "jwt_hs256: the claim 'exp' (1767225599) must be later than 'iat' (1767225600)"),
])
def test_claims_without_a_valid_lifetime_are_refused(bad, message):
    with pytest.raises(AnsibleFilterError) as refused:
        jwt_hs256(dict(claims(), **bad), SECRET)
    assert str(refused.value) == message


def test_a_claim_of_zero_is_a_valid_issue_time():
    assert pyjwt.decode(jwt_hs256(claims(iat=0), SECRET), SECRET, algorithms=["HS256"])["iat"] == 0


@pytest.mark.parametrize("bad", [None, {}, ["role", "anon"]])
def test_claims_that_are_not_a_mapping_are_refused(bad):
    with pytest.raises(AnsibleFilterError) as refused:
        jwt_hs256(bad, SECRET)
    assert str(refused.value) == "jwt_hs256: the claims must be a mapping, got %r" % (bad,)


def test_a_key_made_here_has_no_problem_for_its_role():
    assert jwt_key_problem(jwt_hs256(claims("service_role"), SECRET), SECRET, "service_role", NOW) == ""


def test_a_key_made_by_pyjwt_with_the_secret_is_accepted():
    token = pyjwt.encode(claims(), SECRET, algorithm="HS256")
    assert jwt_key_problem(token, SECRET, "anon", NOW) == ""


NOT_JWT = "it is not a JWT (three base64url parts separated by dots)"
NOT_JSON = "its header or claims are not base64url-encoded JSON"
NOT_OBJECTS = "its header and claims must be JSON objects"


@pytest.mark.parametrize("token, role, message", [
    (DEMO_ANON, "anon", "it is one of upstream's demo keys (issuer 'supabase-demo'): anyone can use it"),
    (DEMO_SERVICE, "service_role", "it is one of upstream's demo keys (issuer 'supabase-demo'): anyone can use it"),
    (pyjwt.encode(claims(), DEMO_SECRET, algorithm="HS256"), "anon",
     "it is signed with the JWT secret of Supabase's .env.example: anyone can sign keys with it"),
    (pyjwt.encode(claims(), OTHER_SECRET, algorithm="HS256"), "anon", "it is not signed with the JWT secret in use (supabase_jwt_secret)"),
    (pyjwt.encode(claims(), SECRET, algorithm="HS512"), "anon", "it is signed with 'HS512', not HS256"),
    (pyjwt.encode(claims("service_role"), SECRET, algorithm="HS256"), "anon", "its role claim is 'service_role', not 'anon'"),
    (pyjwt.encode(claims(), SECRET, algorithm="HS256"), "service_role", "its role claim is 'anon', not 'service_role'"),
    (pyjwt.encode({"role": "anon", "iss": "supabase"}, SECRET, algorithm="HS256"), "anon", "it has no expiry ('exp')"),
    (pyjwt.encode(claims(exp="2082758400"), SECRET, algorithm="HS256"), "anon", "it has no expiry ('exp')"),
    (pyjwt.encode(claims(exp=True), SECRET, algorithm="HS256"), "anon", "it has no expiry ('exp')"),
    (pyjwt.encode(claims(exp=NOW), SECRET, algorithm="HS256"), "anon", "it expired at %d (now %d)" % (NOW, NOW)),
    (pyjwt.encode(claims(exp=NOW - 60), SECRET, algorithm="HS256"), "anon", "it expired at %d (now %d)" % (NOW - 60, NOW)),
    ("not-a-jwt", "anon", NOT_JWT),
    ("a.b", "anon", NOT_JWT),
    ("a..c", "anon", NOT_JWT),
    (None, "anon", NOT_JWT),
    ("!!!.e30.sig", "anon", NOT_JSON),
    ("e30.bm90IGpzb24.sig", "anon", NOT_JSON),
    ("W10.e30.sig", "anon", NOT_OBJECTS),  # header []
    ("e30.W10.sig", "anon", NOT_OBJECTS),  # claims []
    ("gA.e30.sig", "anon", NOT_JSON),  # header bytes not UTF-8
])
def test_a_key_that_cannot_serve_the_role_is_refused_with_the_reason(token, role, message):
    assert jwt_key_problem(token, SECRET, role, NOW) == message


def test_a_key_one_second_before_its_expiry_is_accepted():
    assert jwt_key_problem(pyjwt.encode(claims(exp=NOW + 1), SECRET, algorithm="HS256"), SECRET, "anon", NOW) == ""


def test_a_tampered_claim_breaks_the_signature():
    header, _, signature = jwt_hs256(claims(), SECRET).split(".")
    forged = base64.urlsafe_b64encode(json.dumps(claims("service_role")).encode()).rstrip(b"=").decode()
    assert "not signed" in jwt_key_problem(".".join([header, forged, signature]), SECRET, "service_role", NOW)


@pytest.mark.parametrize("secret, message", [
    ("short", "the JWT secret must be a string of at least 32 characters"), (None, "the JWT secret must be a string of at least 32 characters"),
    (DEMO_SECRET, "the JWT secret is the one printed in Supabase's .env.example: anyone can sign keys with it")])
def test_checking_a_key_against_a_weak_secret_fails(secret, message):
    with pytest.raises(AnsibleFilterError) as refused:
        jwt_key_problem(jwt_hs256(claims(), SECRET), secret, "anon", NOW)
    assert str(refused.value) == "jwt_key_problem: " + message


@pytest.mark.parametrize("now", ["1795000000", 1.7e9, True, None])
def test_the_time_to_check_against_must_be_whole_seconds(now):
    with pytest.raises(AnsibleFilterError) as refused:
        jwt_key_problem(jwt_hs256(claims(), SECRET), SECRET, "anon", now)
    assert str(refused.value) == "jwt_key_problem: now must be a whole number of seconds since 1970, got %r" % (now,)


@pytest.mark.parametrize("padding", range(8))
def test_claims_of_every_length_decode(padding):
    wanted = claims(sub="x" * padding)
    assert decode(jwt_hs256(wanted, SECRET))[1] == wanted


def test_decode_returns_header_and_claims_unverified():
    assert decode(jwt_hs256(claims(), SECRET)) == ({"alg": "HS256", "typ": "JWT"}, claims())


def test_decode_names_the_error_class():
    with pytest.raises(JwtError):
        decode("x.y")
