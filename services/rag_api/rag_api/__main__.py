"""`python -m rag_api`: read the settings, migrate the database, check the dimension, serve."""

import logging
import os
import sys

import httpx
import uvicorn

from . import embeddings
from . import settings as settings_module
from .app import create_app
from .chunking import Chunker
from .docling import Docling
from .metrics import Metrics
from .service import RagService
from .store import StartupError, Store


def ollama_model_probe(settings):
    def probe():
        try:
            response = httpx.post(f"{settings.ollama_url}/api/show", json={"model": settings.embedding_model}, timeout=5)
        except httpx.HTTPError as error:
            return f"Ollama at {settings.ollama_url}: {str(error) or type(error).__name__}"
        if response.status_code == 404:
            return f"Ollama has no model {settings.embedding_model} (pull it)"
        return None if response.is_success else f"Ollama answered {response.status_code}"
    return probe


def build(settings, embedding_model=None):
    """The store and the app; `embedding_model` replaces the one the settings name (tests share one MiniLM)."""
    from llama_index.llms.ollama import Ollama

    store = Store(settings.database_url, settings.embedding_dimension, settings.pool_size)
    model = embedding_model or embeddings.build(settings)
    probe = (lambda: None) if settings.embedding_backend == "minilm" else ollama_model_probe(settings)
    metrics = Metrics(store)
    service = RagService(
        settings, store, embeddings.Embedder(model, settings.embedding_dimension),
        Chunker(settings.chunk_size, settings.chunk_overlap),
        Ollama(model=settings.llm_model, base_url=settings.ollama_url, request_timeout=settings.ollama_timeout),
        Docling(settings.docling_url, settings.docling_api_key, settings.docling_timeout, settings.docling_async_above_bytes),
        metrics)
    return store, create_app(service, metrics, probe, settings.max_file_bytes)


def main():
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = settings_module.load()
    except settings_module.SettingsError as error:
        print(f"rag_api: configuration error: {error}", file=sys.stderr)
        return 2
    store, app = build(settings)
    try:
        store.open(timeout=settings.database_wait)
        store.migrate()
    except StartupError as error:
        print(f"rag_api: cannot start: {error}", file=sys.stderr)
        return 1
    except Exception as error:
        print(f"rag_api: cannot start: the database is unreachable or refused the migration: {error}", file=sys.stderr)
        return 1
    uvicorn.run(app, host=os.environ.get("RAG_LISTEN_HOST", "0.0.0.0"), port=int(os.environ.get("RAG_LISTEN_PORT", "8000")),
                log_level="info", access_log=False, proxy_headers=True, forwarded_allow_ips="*")
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
