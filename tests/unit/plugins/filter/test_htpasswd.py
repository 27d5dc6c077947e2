import pytest
from ansible.errors import AnsibleFilterError
from passlib.hash import bcrypt

from ansible_collections.selfhosted.ai_stack.plugins.filter.htpasswd import htpasswd

KEY = "k" * 40


def test_line_verifies_with_bcrypt():
    line = htpasswd("s3cret-pass", "admin", KEY, rounds=4)
    user, hashed = line.split(":", 1)
    assert user == "admin"
    assert hashed.startswith("$2y$04$")
    assert bcrypt.verify("s3cret-pass", hashed)
    assert not bcrypt.verify("other-pass", hashed)


def test_same_input_same_line():
    assert htpasswd("pw-one", "admin", KEY, rounds=4) == htpasswd("pw-one", "admin", KEY, rounds=4)


@pytest.mark.parametrize(
    "changed",
    [
        dict(password="pw-two"),
        dict(user="operator"),
        dict(salt_key="j" * 40),
    ],
)
def test_any_input_changes_the_line(changed):
    args = dict(password="pw-one", user="admin", salt_key=KEY, rounds=4)
    base = htpasswd(**args)
    args.update(changed)
    assert htpasswd(**args).split(":", 1)[1] != base.split(":", 1)[1]


def test_salt_differs_per_user():
    a = htpasswd("same", "alice", KEY, rounds=4).split("$")[3][:22]
    b = htpasswd("same", "bob", KEY, rounds=4).split("$")[3][:22]
    assert a != b


@pytest.mark.parametrize(
    "password, user, salt_key, rounds, message",
    [
        ("", "admin", KEY, 4, "password for user 'admin' is empty"),
        (None, "admin", KEY, 4, "empty"),
        ("pw", "", KEY, 4, "user name"),
        ("pw", "ad:min", KEY, 4, "user name"),
        ("pw", "admin", "short", 4, "aistack_secret_key"),
        ("pw", "admin", KEY, 3, "rounds"),
        ("pw", "admin", KEY, 17, "rounds"),
    ],
)
def test_bad_input_refused(password, user, salt_key, rounds, message):
    with pytest.raises(AnsibleFilterError, match=message):
        htpasswd(password, user, salt_key, rounds)


def test_known_answer_at_the_default_cost_12():
    # Issue 12: hard-coded, so a lowered cost or a changed salt derivation fails here.
    line = htpasswd("s3cret-pass", "admin", "k" * 32)
    assert line == "admin:$2y$12$/34DHM4oia4EQbdwagIZieaH5kpMJKMoRQveFlSIU9WwULUsTy80q"


class RecordingBcrypt:
    """Stands in for passlib's bcrypt where only the arguments matter (a cost of 16 takes seconds)."""

    def __init__(self):
        self.calls = []

    def using(self, **settings):
        self.calls.append(settings)
        return self

    def hash(self, password):
        return "$2y$hash"


@pytest.mark.parametrize("rounds", [4, 16])
def test_the_first_and_last_cost_are_accepted(monkeypatch, rounds):
    import ansible_collections.selfhosted.ai_stack.plugins.filter.htpasswd as plugin
    fake = RecordingBcrypt()
    monkeypatch.setattr(plugin, "_bcrypt", fake)
    assert plugin.htpasswd("pw", "admin", "k" * 32, rounds) == "admin:$2y$hash"
    assert fake.calls[0]["rounds"] == rounds and fake.calls[0]["ident"] == "2y"


# The whole message, as the operator reads it.
@pytest.mark.parametrize("password, user, key, rounds, message", [
    ("", "admin", "k" * 32, 12, "htpasswd: the password for user 'admin' is empty; set one or derive it with derive_secret"),
    ("pw", "ad:min", "k" * 32, 12, "htpasswd: the user name must be a non-empty string without ':', got 'ad:min'"),
    ("pw", "admin", "k" * 32, 17, "htpasswd: rounds must be a whole number from 4 to 16, got 17"),
    ("pw", "admin", "short", 12, "htpasswd: aistack_secret_key is 5 characters long"),
])
def test_refusal_messages_in_full(password, user, key, rounds, message):
    import ansible_collections.selfhosted.ai_stack.plugins.filter.htpasswd as plugin
    with pytest.raises(AnsibleFilterError) as raised:
        plugin.htpasswd(password, user, key, rounds)
    assert str(raised.value).startswith(message)


def test_without_passlib_the_message_says_how_to_install_it(monkeypatch):
    import ansible_collections.selfhosted.ai_stack.plugins.filter.htpasswd as plugin
    monkeypatch.setattr(plugin, "_bcrypt", None)
    with pytest.raises(AnsibleFilterError) as raised:
        plugin.htpasswd("pw", "admin", "k" * 32)
    assert str(raised.value) == "htpasswd: passlib and bcrypt are required on the controller (pip install -r requirements.txt)"
