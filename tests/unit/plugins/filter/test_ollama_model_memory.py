# REQUIREMENTS S4: the sizing table of the stack analysis guards the model list before any pull.
import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.selfhosted.ai_stack.plugins.filter.ollama_model_memory import ollama_model_memory, parse_size

KNOWN = {"nomic-embed-text": 0.137}


@pytest.mark.parametrize(
    "name, parameters, gigabytes",
    [
        ("llama3.2:1b", 1.0, 2),
        ("llama3.2:3b", 3.0, 4),
        ("qwen2.5:7b", 7.0, 8),
        ("llama3.1:8b", 8.0, 8),
        ("llama3.1:8b-instruct-q4_K_M", 8.0, 8),
        ("qwen2.5:0.5b", 0.5, 2),
        ("smollm2:135m", 0.135, 2),
        ("phi3:3.8b", 3.8, 4),
        ("phi4:14b", 14.0, 16),
        ("qwen2.5:32b", 32.0, 32),
        ("llama3.1:70b", 70.0, 64),
        ("mixtral:8x7b", 56.0, 64),
        ("llama3.1:405b", 405.0, 405),
        ("registry.local:5000/team/mistral-7b:q4", 7.0, 8),
    ],
)
def test_sizes_from_the_name(name, parameters, gigabytes):
    [entry] = ollama_model_memory([name], 1024 * 1024)
    assert (entry["parameters_b"], entry["memory_gb"], entry["source"]) == (parameters, gigabytes, "name")


def test_known_server_and_override_sources():
    sized = ollama_model_memory(
        ["nomic-embed-text", "custom:prod", "tuned:v2"], 16384, known=KNOWN,
        present={"custom:prod": "3.2B"}, memory_gb={"tuned:v2": 12})
    assert [(s["name"], s["memory_gb"], s["source"]) for s in sized] == [
        ("nomic-embed-text:latest", 2, "known"), ("custom:prod", 4, "server"), ("tuned:v2", 12.0, "override")]


def test_the_server_wins_over_the_name():
    [entry] = ollama_model_memory(["odd-1b:latest"], 16384, present={"odd-1b": "8.0B"})
    assert entry["memory_gb"] == 8 and entry["source"] == "server"


def test_default_models_fit_the_seed_limit():
    sized = ollama_model_memory(["llama3.1:8b", "nomic-embed-text"], 16384, known=KNOWN)
    assert [s["memory_gb"] for s in sized] == [8, 2]


@pytest.mark.parametrize(
    "models, limit, message",
    [
        (["llama3.1:8b"], 6144, "ollama_models: llama3.1:8b needs about 8 GB of memory (8B parameters, from the name) "
                                "but ollama_resources_limits_memory_mb is 6144 MB"),
        (["llama3.1:70b"], 16384, "llama3.1:70b needs about 64 GB"),
        (["mystery-model"], 16384, "cannot tell how much memory 'mystery-model' needs"),
        (["llama3.1:8bb"], 16384, "cannot tell how much memory 'llama3.1:8bb' needs"),
        (["bad name"], 16384, "'bad name' is not a model name"),
        ("llama3.1:8b", 16384, "must be a list"),
        (["llama3.1:8b"], "lots", "ollama_resources_limits_memory_mb must be a number"),
    ],
)
def test_refusals_name_the_model_and_the_variable(models, limit, message):
    with pytest.raises(AnsibleFilterError, match=message.replace("(", r"\(").replace(")", r"\)")):
        ollama_model_memory(models, limit, known=KNOWN)


def test_override_beyond_the_limit_is_refused():
    with pytest.raises(AnsibleFilterError, match="set in ollama_model_memory_gb"):
        ollama_model_memory(["tuned:v2"], 8192, memory_gb={"tuned:v2": 12})


def test_variable_names_follow_the_caller():
    with pytest.raises(AnsibleFilterError, match="^models: .* but ollama_limit is 1024 MB"):
        ollama_model_memory(["llama3.1:8b"], 1024, variable="models", limit_variable="ollama_limit")


@pytest.mark.parametrize("text, size", [("8.0B", 8.0), ("137M", 0.137), ("8x7b", 56.0), ("latest", None), ("q4", None)])
def test_parse_size(text, size):
    assert parse_size(text) == size


# The size table's every edge (issue 12: a moved boundary changes which models fit).
@pytest.mark.parametrize("parameters, gigabytes", [
    (1.5, 2), (1.6, 4), (4, 4), (4.1, 8), (9, 8), (9.1, 16), (14, 16), (14.1, 32), (34, 32), (34.1, 64),
    (72, 64), (72.1, 73), (405, 405),
])
def test_memory_for_every_edge_of_the_table(parameters, gigabytes):
    from ansible_collections.selfhosted.ai_stack.plugins.filter.ollama_model_memory import memory_for
    assert memory_for(parameters) == gigabytes


def test_a_model_needing_exactly_the_limit_fits():
    assert ollama_model_memory(["llama3.1:8b"], 8 * 1024)[0]["memory_gb"] == 8
    with pytest.raises(AnsibleFilterError):
        ollama_model_memory(["llama3.1:8b"], 8 * 1024 - 1)


def test_a_name_with_a_registry_port_gets_the_latest_tag():
    from ansible_collections.selfhosted.ai_stack.plugins.filter.ollama_model_memory import normalize
    assert normalize("registry.local:5000/library/phi3") == "registry.local:5000/library/phi3:latest"
    assert normalize("registry.local:5000/library/phi3:3.8b") == "registry.local:5000/library/phi3:3.8b"


# The whole message, as the operator reads it.
@pytest.mark.parametrize("models, limit, kwargs, message", [
    ("llama3.1:8b", 8192, {}, "ollama_models must be a list of model names such as llama3.1:8b, got 'llama3.1:8b'"),
    (["llama3.1:8b"], "lots", {}, "ollama_resources_limits_memory_mb must be a number of MB, got 'lots'"),
    (["-bad"], 8192, {}, "ollama_models: '-bad' is not a model name (e.g. llama3.1:8b or nomic-embed-text)"),
    (["mystery"], 8192, {}, "ollama_models: cannot tell how much memory 'mystery' needs - its name has no size such as 8b "
     "or 135m and it is neither on the server nor in ollama_model_parameters. Check the name on ollama.com/library; "
     "if it is right, add it to ollama_model_memory_gb, e.g. {'mystery:latest': 8}"),
    (["mystery"], 4096, {"memory_gb": {"mystery": 6}}, "ollama_models: mystery needs about 6 GB of memory (set in "
     "ollama_model_memory_gb) but ollama_resources_limits_memory_mb is 4096 MB: pick a smaller model (e.g. a 3b or 1b "
     "variant) or raise ollama_resources_limits_memory_mb on a host that has the memory"),
])
def test_refusal_messages_in_full(models, limit, kwargs, message):
    with pytest.raises(AnsibleFilterError) as raised:
        ollama_model_memory(models, limit, **kwargs)
    assert str(raised.value) == message


def test_a_size_in_the_namespace_is_not_the_models():
    from ansible_collections.selfhosted.ai_stack.plugins.filter.ollama_model_memory import size_from_name
    assert size_from_name("hf.co/team-70b-lab/phi-3b:latest") == 3.0
