"""The embedding backends, as LlamaIndex embedding models: Ollama (default) or the local MiniLM."""

from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.bridge.pydantic import PrivateAttr
from llama_index.embeddings.ollama import OllamaEmbedding

from .errors import UpstreamError, is_timeout

# nomic-embed-text was trained with task prefixes; without them retrieval quality drops.
NOMIC_PREFIXES = {"query_instruction": "search_query:", "text_instruction": "search_document:"}
MINILM_BATCH = 32


class MiniLMEmbedding(BaseEmbedding):
    """all-MiniLM-L6-v2 on this process's CPU (rag_api.minilm), batched by similar length."""

    _model: Any = PrivateAttr()

    def __init__(self, model=None, **kwargs):
        super().__init__(model_name="all-MiniLM-L6-v2", embed_batch_size=MINILM_BATCH, **kwargs)
        if model is None:
            from .minilm import MiniLM

            model = MiniLM()
        self._model = model

    @classmethod
    def class_name(cls):
        return "MiniLMEmbedding"

    def _encode(self, texts: list[str]) -> list[list[float]]:
        # Padding costs as much as text: group texts of similar length into a batch.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors: list[Any] = [None] * len(texts)
        for start in range(0, len(order), MINILM_BATCH):
            batch = order[start:start + MINILM_BATCH]
            for index, vector in zip(batch, self._model.encode([texts[i] for i in batch]), strict=True):
                vectors[index] = vector.tolist()
        return vectors

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._encode([query])[0]

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._encode([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._encode(texts)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


def ollama_embedding(settings):
    extra = NOMIC_PREFIXES if settings.embedding_model.split(":")[0] == "nomic-embed-text" else {}
    return OllamaEmbedding(model_name=settings.embedding_model, base_url=settings.ollama_url, embed_batch_size=32,
                           client_kwargs={"timeout": settings.ollama_timeout}, **extra)


def build(settings):
    if settings.embedding_backend == "minilm":
        return MiniLMEmbedding()
    return ollama_embedding(settings)


class Embedder:
    """What the service asks of a backend, with its failures turned into UpstreamError."""

    def __init__(self, model, dimension):
        self.model = model
        self.dimension = dimension

    def _checked(self, vectors):
        for vector in vectors:
            if len(vector) != self.dimension:
                raise UpstreamError("embedding", f"the embedding model returned {len(vector)} dimensions, "
                                                 f"RAG_EMBEDDING_DIMENSION is {self.dimension}")
        return vectors

    def _call(self, compute):
        try:
            return self._checked(compute())
        except UpstreamError:
            raise
        except Exception as error:
            raise UpstreamError("embedding", f"embedding failed: {error}", timeout=is_timeout(error)) from error

    def documents(self, texts):
        return self._call(lambda: self.model.get_text_embedding_batch(list(texts)))

    def query(self, text):
        return self._call(lambda: [self.model.get_query_embedding(text)])[0]
