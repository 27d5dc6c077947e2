"""Builds the service the way rag_api.__main__ does, with the test's database and backends."""

import socket

from fastapi.testclient import TestClient

from rag_api import embeddings
from rag_api import settings as settings_module
from rag_api.__main__ import build


def make_settings(database_url, ollama_url, **extra):
    env = {"RAG_DATABASE_URL": database_url, "RAG_API_KEY": "k" * 40, "RAG_EMBEDDING_BACKEND": "minilm",
           "RAG_OLLAMA_URL": ollama_url, "RAG_CHUNK_SIZE": "30", "RAG_CHUNK_OVERLAP": "5"}
    env.update({key: str(value) for key, value in extra.items()})
    return settings_module.load(env)


def make_client(settings, minilm=None):
    """The app as the settings describe it; with `minilm`, that (shared) model embeds."""
    store, app = build(settings, embeddings.MiniLMEmbedding(model=minilm) if minilm else None)
    store.open(settings.database_wait)
    store.migrate()
    client = TestClient(app, headers={"X-API-Key": settings.api_key})
    client.store = store
    return client


def free_port():
    """A loopback port nothing listens on (closed once this returns)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
