"""Settings from the environment (rag_api.settings): defaults, files, and refusals that name the variable."""

import dataclasses

import pytest

from rag_api.settings import SettingsError, load

BASE = {"RAG_DATABASE_URL": "postgresql://u:p@db/rag", "RAG_API_KEY": "k" * 32}


def test_defaults_for_the_ollama_backend():
    settings = load(dict(BASE))
    assert (settings.embedding_backend, settings.embedding_model, settings.embedding_dimension) == ("ollama", "nomic-embed-text", 768)
    assert (settings.chunk_size, settings.chunk_overlap, settings.top_k_max) == (400, 50, 50)
    assert (settings.ollama_url, settings.llm_model, settings.docling_url, settings.docling_api_key) == ("http://ollama:11434", "llama3.1:8b", "", "")
    assert (settings.max_file_bytes, settings.docling_async_above_bytes, settings.pool_size) == (52428800, 5242880, 4)
    assert (settings.ollama_timeout, settings.docling_timeout, settings.database_wait) == (300.0, 120.0, 60.0)


def test_defaults_for_the_minilm_backend():
    settings = load({**BASE, "RAG_EMBEDDING_BACKEND": "minilm"})
    assert (settings.embedding_model, settings.embedding_dimension, settings.chunk_size, settings.chunk_overlap) == ("all-MiniLM-L6-v2", 384, 160, 20)


def test_values_and_trailing_slashes():
    settings = load({**BASE, "RAG_OLLAMA_URL": "http://OLLAMA-BOX/", "RAG_DOCLING_URL": "http://DOCLING-BOX//", "RAG_CHUNK_SIZE": "16",
                     "RAG_EMBEDDING_MODEL": "mxbai-embed-large", "RAG_LLM_MODEL": "qwen2.5:7b", "RAG_DOCLING_API_KEY": "dk",
                     "RAG_MAX_FILE_BYTES": str(2**40), "RAG_DOCLING_ASYNC_ABOVE_BYTES": str(2**40), "RAG_POOL_SIZE": "100",
                     "RAG_CHUNK_OVERLAP": "15", "RAG_TOP_K_MAX": "1000", "RAG_EMBEDDING_DIMENSION": "2000",
                     "RAG_OLLAMA_TIMEOUT": "1", "RAG_DOCLING_TIMEOUT": "3600"})
    assert (settings.ollama_url, settings.docling_url) == ("http://OLLAMA-BOX", "http://DOCLING-BOX")
    assert (settings.embedding_model, settings.llm_model, settings.docling_api_key) == ("mxbai-embed-large", "qwen2.5:7b", "dk")
    assert (settings.max_file_bytes, settings.docling_async_above_bytes, settings.pool_size) == (2**40, 2**40, 100)
    assert (settings.chunk_size, settings.chunk_overlap, settings.top_k_max, settings.embedding_dimension) == (16, 15, 1000, 2000)
    assert (settings.ollama_timeout, settings.docling_timeout) == (1.0, 3600.0)


def test_secrets_come_from_files(tmp_path):
    (tmp_path / "key").write_text("f" * 40 + "\n")
    (tmp_path / "url").write_text("postgresql://from-file/rag")
    settings = load({"RAG_API_KEY_FILE": str(tmp_path / "key"), "RAG_DATABASE_URL_FILE": str(tmp_path / "url")})
    assert (settings.api_key, settings.database_url) == ("f" * 40, "postgresql://from-file/rag")


def test_secrets_stay_out_of_repr():
    text = repr(load({**BASE, "RAG_DOCLING_API_KEY": "docling-secret"}))
    assert text == "Settings(embedding_backend='ollama', embedding_model='nomic-embed-text')"


def test_settings_cannot_be_changed_after_loading():
    with pytest.raises(dataclasses.FrozenInstanceError):
        load(dict(BASE)).api_key = "other"


@pytest.mark.parametrize("change, message", [
    ({"RAG_API_KEY": None}, "RAG_API_KEY is required"),
    ({"RAG_DATABASE_URL": None}, "RAG_DATABASE_URL is required"),
    ({"RAG_API_KEY": "k" * 31}, "RAG_API_KEY must be at least 32"),
    ({"RAG_API_KEY_FILE": "/nonexistent/key"}, "RAG_API_KEY_FILE: cannot read /nonexistent/key: No such file or directory"),
    ({"RAG_EMBEDDING_BACKEND": "openai"}, "RAG_EMBEDDING_BACKEND must be one of ollama, minilm, got 'openai'"),
    ({"RAG_CHUNK_SIZE": "big"}, "RAG_CHUNK_SIZE must be an integer, got 'big'"),
    ({"RAG_CHUNK_SIZE": "15"}, "RAG_CHUNK_SIZE must be between 16 and 8192, got 15"),
    ({"RAG_CHUNK_SIZE": "8193"}, "RAG_CHUNK_SIZE must be between 16 and 8192, got 8193"),
    ({"RAG_CHUNK_SIZE": "100", "RAG_CHUNK_OVERLAP": "100"}, "RAG_CHUNK_OVERLAP (100) must be smaller than RAG_CHUNK_SIZE (100)"),
    ({"RAG_CHUNK_OVERLAP": "-1"}, "RAG_CHUNK_OVERLAP must be between 0 and 4096"),
    ({"RAG_EMBEDDING_DIMENSION": "0"}, "RAG_EMBEDDING_DIMENSION must be between 1 and 2000"),
    ({"RAG_EMBEDDING_DIMENSION": "2001"}, "RAG_EMBEDDING_DIMENSION must be between 1 and 2000"),
    ({"RAG_TOP_K_MAX": "0"}, "RAG_TOP_K_MAX must be between 1 and 1000"),
    ({"RAG_OLLAMA_TIMEOUT": "soon"}, "RAG_OLLAMA_TIMEOUT must be a number, got 'soon'"),
    ({"RAG_OLLAMA_TIMEOUT": "0.5"}, "RAG_OLLAMA_TIMEOUT must be between 1 and 3600, got 0.5"),
    ({"RAG_DOCLING_TIMEOUT": "3601"}, "RAG_DOCLING_TIMEOUT must be between 1 and 3600"),
    ({"RAG_MAX_FILE_BYTES": "0"}, "RAG_MAX_FILE_BYTES must be between 1 and"),
    ({"RAG_MAX_FILE_BYTES": str(2**40 + 1)}, "RAG_MAX_FILE_BYTES must be between 1 and 1099511627776"),
    ({"RAG_DOCLING_ASYNC_ABOVE_BYTES": str(2**40 + 1)}, "RAG_DOCLING_ASYNC_ABOVE_BYTES must be between 0 and 1099511627776"),
    ({"RAG_POOL_SIZE": "101"}, "RAG_POOL_SIZE must be between 1 and 100"),
    ({"RAG_DATABASE_WAIT": "0"}, "RAG_DATABASE_WAIT must be between 1 and 3600"),
    ({"RAG_DOCLING_ASYNC_ABOVE_BYTES": "-1"}, "RAG_DOCLING_ASYNC_ABOVE_BYTES must be between 0 and"),
])
def test_bad_values_name_the_variable(change, message):
    env = dict(BASE)
    for name, value in change.items():
        if value is None:
            env.pop(name)
        else:
            env[name] = value
    with pytest.raises(SettingsError) as raised:
        load(env)
    assert str(raised.value).startswith(message)
