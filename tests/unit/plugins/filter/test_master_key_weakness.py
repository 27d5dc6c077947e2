# SEC1: every secret derives from aistack_secret_key, so a guessable key is refused.
import pytest

from ansible_collections.selfhosted.ai_stack.plugins.filter.master_key_weakness import FilterModule
from ansible_collections.selfhosted.ai_stack.plugins.plugin_utils.secrets import PLACEHOLDER_WORDS, master_key_weakness


@pytest.mark.parametrize(
    "key",
    [
        "3f0c9a7be2d14c58a61f0e9b7d2c4a85e1b3f6d9c8a7e5b4d3c2f1a0e9b8c7d6",  # openssl rand -hex 32
        "Q2h5dGVrZXktZ2VuZXJhdGVkLWJ5LW9wZW5zc2w9PQ",  # base64
        "0123456789abcdefghijklmnopqrstuv",  # exactly 32, ten or more characters
    ],
)
def test_generated_keys_pass(key):
    assert master_key_weakness(key) == ""


@pytest.mark.parametrize(
    "key, reason",
    [
        (None, "aistack_secret_key is missing"),
        ("", "aistack_secret_key is missing"),
        (12345, "aistack_secret_key is missing"),
        ("0123456789abcdefghijklmnopqrstu", "is 31 characters long"),
        ("changemechangemechangeme-4f9a1c7b3e", "contains the placeholder 'changeme'"),
        ("CHANGE_ME_0123456789abcdefghijklmnop", "contains the placeholder 'change_me'"),
        ("my-example-key-0123456789abcdefghij", "contains the placeholder 'example'"),
        ("SuperSecret0123456789abcdefghijklmn", "contains the placeholder 'secret'"),
        ("password0123456789abcdefghijklmnopq", "contains the placeholder 'password'"),
        ("abcdabcdabcdabcdabcdabcdabcdabcdab", "is 'abcd' repeated"),
        ("a" * 40, "is 'a' repeated"),
        ("0123456789012345678901234567890123", "is '0123456789' repeated"),
        ("abcdeedcbaabcdeeabcdbbccddaaeeabcdea", "uses only 5 different characters"),
        ("123456781234567812345678123456789", "uses only 9 different characters"),
    ],
)
def test_weak_keys_are_refused_with_the_reason(key, reason):
    weakness = master_key_weakness(key)
    assert reason in weakness
    assert weakness.startswith("aistack_secret_key")


@pytest.mark.parametrize("word", PLACEHOLDER_WORDS)
def test_every_placeholder_word_is_refused_by_name(word):
    key = "Q7f2k9Lm3Xp8Wv4Z" + word.upper() + "b6Nc1Rt5Hs0Jd"
    assert master_key_weakness(key) == "aistack_secret_key contains the placeholder %r" % word


def test_ten_different_characters_are_enough_nine_are_not():
    ten = "0123456789" + "9876543210" + "0246813579" + "13"  # 32 characters, not one pattern repeated
    assert master_key_weakness(ten) == ""
    assert "uses only 9 different characters" in master_key_weakness(ten.replace("9", "8"))


def test_a_key_typed_twice_is_refused():
    half = "Q7f2k9Lm3Xp8Wv4Z"
    assert master_key_weakness(half * 2) == "aistack_secret_key is %r repeated" % half


@pytest.mark.parametrize("key", [
    "abcdabcd" + "0123456789efghijklmnopqrstuv",
    # It starts and ends with the same 16 characters, but no pattern repeats to fill it.
    "0123456789abcdef" + "Z" + "0123456789abcdef",
])
def test_a_key_repeating_only_in_part_is_not_called_repeated(key):
    assert master_key_weakness(key) == ""


def test_the_filter_is_registered():
    assert FilterModule().filters()["master_key_weakness"] is master_key_weakness
