"""The service's configuration, read from the environment once at start-up.

Every variable is `RAG_`-prefixed; a secret may come from `<NAME>_FILE` instead (Docker secrets).
A bad value stops the start with a message that names the variable.
"""

import os
from dataclasses import dataclass

EMBEDDING_BACKENDS = ("ollama", "minilm")


class SettingsError(ValueError):
    pass


def _raw(env, name, default=None):
    path = env.get(name + "_FILE")
    if path:
        try:
            with open(path, encoding="utf-8") as handle:
                return handle.read().strip()
        except OSError as error:
            raise SettingsError(f"{name}_FILE: cannot read {path}: {error.strerror}") from error
    value = env.get(name, default)
    if value is None:
        raise SettingsError(f"{name} is required")
    return value


def _number(env, name, default, low, high, parse=int):
    raw = _raw(env, name, str(default))
    try:
        value = parse(raw)
    except ValueError as error:
        kind = "an integer" if parse is int else "a number"
        raise SettingsError(f"{name} must be {kind}, got {raw!r}") from error
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _int(env, name, default, low, high):
    return _number(env, name, default, low, high)


def _float(env, name, default, low, high):
    return _number(env, name, default, low, high, parse=float)


@dataclass(frozen=True)
class Settings:
    database_url: str
    api_key: str
    embedding_backend: str
    embedding_model: str
    embedding_dimension: int
    ollama_url: str
    llm_model: str
    ollama_timeout: float
    docling_url: str
    docling_api_key: str
    docling_timeout: float
    docling_async_above_bytes: int
    max_file_bytes: int
    chunk_size: int
    chunk_overlap: int
    top_k_max: int
    pool_size: int
    database_wait: float

    def __repr__(self):
        return f"Settings(embedding_backend={self.embedding_backend!r}, embedding_model={self.embedding_model!r})"


def load(env=None):
    env = os.environ if env is None else env
    api_key = _raw(env, "RAG_API_KEY")
    if len(api_key) < 32:
        raise SettingsError("RAG_API_KEY must be at least 32 characters (derive it from the master key)")
    backend = _raw(env, "RAG_EMBEDDING_BACKEND", "ollama")
    if backend not in EMBEDDING_BACKENDS:
        raise SettingsError(f"RAG_EMBEDDING_BACKEND must be one of {', '.join(EMBEDDING_BACKENDS)}, got {backend!r}")
    # In words. MiniLM reads at most 256 word pieces (about 190 words); nomic-embed-text 2048 tokens.
    chunk_size = _int(env, "RAG_CHUNK_SIZE", 160 if backend == "minilm" else 400, 16, 8192)
    overlap = _int(env, "RAG_CHUNK_OVERLAP", 20 if backend == "minilm" else 50, 0, 4096)
    if overlap >= chunk_size:
        raise SettingsError(f"RAG_CHUNK_OVERLAP ({overlap}) must be smaller than RAG_CHUNK_SIZE ({chunk_size})")
    return Settings(
        database_url=_raw(env, "RAG_DATABASE_URL"),
        api_key=api_key,
        embedding_backend=backend,
        embedding_model=_raw(env, "RAG_EMBEDDING_MODEL", "all-MiniLM-L6-v2" if backend == "minilm" else "nomic-embed-text"),
        embedding_dimension=_int(env, "RAG_EMBEDDING_DIMENSION", 384 if backend == "minilm" else 768, 1, 2000),
        ollama_url=_raw(env, "RAG_OLLAMA_URL", "http://ollama:11434").rstrip("/"),
        llm_model=_raw(env, "RAG_LLM_MODEL", "llama3.1:8b"),
        ollama_timeout=_float(env, "RAG_OLLAMA_TIMEOUT", 300, 1, 3600),
        docling_url=_raw(env, "RAG_DOCLING_URL", "").rstrip("/"),
        docling_api_key=_raw(env, "RAG_DOCLING_API_KEY", ""),
        docling_timeout=_float(env, "RAG_DOCLING_TIMEOUT", 120, 1, 3600),
        docling_async_above_bytes=_int(env, "RAG_DOCLING_ASYNC_ABOVE_BYTES", 5 * 1024 * 1024, 0, 2**40),
        max_file_bytes=_int(env, "RAG_MAX_FILE_BYTES", 50 * 1024 * 1024, 1, 2**40),
        chunk_size=chunk_size,
        chunk_overlap=overlap,
        top_k_max=_int(env, "RAG_TOP_K_MAX", 50, 1, 1000),
        pool_size=_int(env, "RAG_POOL_SIZE", 4, 1, 100),
        database_wait=_float(env, "RAG_DATABASE_WAIT", 60, 1, 3600),
    )
