"""What the endpoints do, without HTTP: index, query, list, delete, health."""

import hashlib
import os
import time

from llama_index.core.llms import ChatMessage

from .errors import RequestError, UpstreamError, is_timeout
from .fusion import relative_score_fusion

DIRECT_TYPES = {".txt": "text/plain", ".md": "text/markdown", ".markdown": "text/markdown"}
DOCLING_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".html": "text/html", ".htm": "text/html", ".xhtml": "application/xhtml+xml",
    ".csv": "text/csv", ".adoc": "text/asciidoc", ".asciidoc": "text/asciidoc",
}
SUPPORTED_TYPES = sorted(DIRECT_TYPES) + sorted(DOCLING_TYPES)
MODES = ("hybrid", "vector")
MAX_DOCUMENT_ID = 512
SYSTEM_PROMPT = ("Answer the question using only the numbered context passages. Cite the passages you used as [1], "
                 "[2], ... If the context does not contain the answer, say that you do not know.")


def content_hash(data):
    return hashlib.sha256(data).hexdigest()


def check_document_id(document_id):
    if not document_id or len(document_id) > MAX_DOCUMENT_ID or not document_id.isprintable():
        raise RequestError(422, f"document_id must be 1 to {MAX_DOCUMENT_ID} printable characters")
    return document_id


class Timer:
    def __init__(self, observe):
        self.observe = observe

    def __enter__(self):
        self.start = time.perf_counter()

    def __exit__(self, *exc):
        self.observe(time.perf_counter() - self.start)


class RagService:
    def __init__(self, settings, store, embedder, chunker, llm, docling, metrics):
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self.chunker = chunker
        self.llm = llm
        self.docling = docling
        self.metrics = metrics

    def _unchanged(self, document_id, digest):
        """The answer for content already stored under this id, or None: nothing to convert or embed."""
        stored = self.store.get(document_id)
        if stored is None or stored.content_hash != digest:
            return None
        self.metrics.indexed.labels("unchanged").inc()
        return {"document_id": document_id, "status": "unchanged", "content_hash": digest, "chunks": stored.chunk_count}

    def _index(self, document_id, digest, text, source, content_type):
        chunks = self.chunker.split(text)
        if not chunks:
            raise RequestError(422, "the document holds no text to index")
        with Timer(self.metrics.embedding_seconds.labels("documents").observe):
            vectors = self.embedder.documents(chunks)
        # "unchanged" here only when another request stored the same content meanwhile: same chunks
        result = self.store.replace(document_id, digest, source, content_type, chunks, vectors)
        self.metrics.indexed.labels(result).inc()
        return {"document_id": document_id, "status": result, "content_hash": digest, "chunks": len(chunks)}

    def index_text(self, text, document_id=None, source=""):
        if not isinstance(text, str) or not text.strip():
            raise RequestError(422, "text is empty")
        digest = content_hash(text.encode("utf-8"))
        document_id = check_document_id("text:" + digest if document_id is None else document_id)
        return self._unchanged(document_id, digest) or self._index(document_id, digest, text, source, "text/plain")

    def index_file(self, filename, content, document_id=None):
        filename = os.path.basename(filename or "")
        extension = os.path.splitext(filename)[1].lower()
        if extension not in DIRECT_TYPES and extension not in DOCLING_TYPES:
            raise RequestError(415, f"unsupported file type {extension or '(none)'!r} of {filename!r}; "
                                    f"supported: {', '.join(SUPPORTED_TYPES)}")
        if len(content) > self.settings.max_file_bytes:
            raise RequestError(413, f"the file is {len(content)} bytes, the limit is {self.settings.max_file_bytes} (RAG_MAX_FILE_BYTES)")
        if not content:
            raise RequestError(422, f"{filename} is empty")
        document_id = check_document_id(filename if document_id is None else document_id)
        digest = content_hash(content)
        unchanged = self._unchanged(document_id, digest)  # the same bytes: no conversion, no embedding
        if unchanged:
            return unchanged
        if extension in DIRECT_TYPES:
            try:
                text = content.decode("utf-8")
            except UnicodeDecodeError as error:
                raise RequestError(422, f"{filename} is not UTF-8 text: {error.reason} at byte {error.start}") from error
            content_type = DIRECT_TYPES[extension]
        else:
            if not self.docling.configured:
                raise RequestError(422, f"{extension} files need Docling Serve, and none is configured (RAG_DOCLING_URL)")
            content_type = DOCLING_TYPES[extension]
            text = self.docling.convert(filename, content, content_type)
        return self._index(document_id, digest, text, filename, content_type)

    def _retrieve(self, question, top_k, mode):
        with Timer(self.metrics.embedding_seconds.labels("query").observe):
            vector = self.embedder.query(question)
        if mode == "vector":
            return [(hit, hit.score) for hit in self.store.vector_search(vector, top_k)]
        candidates = max(top_k * 4, 20)
        by_vector = self.store.vector_search(vector, candidates, ef_search=max(40, candidates))
        by_text = self.store.text_search(question, candidates)
        hits = {hit.chunk_id: hit for hit in by_vector + by_text}
        fused = relative_score_fusion([[(h.chunk_id, h.score) for h in by_vector], [(h.chunk_id, h.score) for h in by_text]], top_k)
        return [(hits[chunk_id], score) for chunk_id, score in fused]

    def query(self, question, top_k=5, mode="hybrid", generate=True):
        if not isinstance(question, str) or not question.strip():
            raise RequestError(422, "query is empty")
        if not isinstance(top_k, int) or isinstance(top_k, bool) or not 1 <= top_k <= self.settings.top_k_max:
            raise RequestError(422, f"top_k must be an integer from 1 to {self.settings.top_k_max}, got {top_k!r}")
        if mode not in MODES:
            raise RequestError(422, f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        with Timer(self.metrics.retrieval_seconds.labels(mode).observe):
            ranked = self._retrieve(question, top_k, mode)
        sources = [{"document_id": hit.document_id, "chunk": hit.ordinal, "text": hit.text, "score": round(score, 6)}
                   for hit, score in ranked]
        answer = self._generate(question, sources) if generate and sources else None
        return {"query": question, "mode": mode, "answer": answer, "sources": sources}

    def _generate(self, question, sources):
        context = "\n\n".join(f"[{i}] {source['text']}" for i, source in enumerate(sources, start=1))
        messages = [ChatMessage(role="system", content=SYSTEM_PROMPT),
                    ChatMessage(role="user", content=f"Context:\n{context}\n\nQuestion: {question}")]
        try:
            with Timer(self.metrics.generation_seconds.observe):
                return self.llm.chat(messages).message.content
        except Exception as error:
            raise UpstreamError("generation", f"generation with {self.settings.llm_model} failed: {error}",
                                timeout=is_timeout(error)) from error

    def document(self, document_id):
        stored = self.store.get(document_id)
        if stored is None:
            raise RequestError(404, f"no document {document_id!r}")
        return stored.as_dict()

    def documents(self, limit=100, offset=0):
        if not 1 <= limit <= 1000 or offset < 0:
            raise RequestError(422, "limit must be from 1 to 1000 and offset 0 or more")
        found, total = self.store.documents(limit, offset)
        return {"documents": [d.as_dict() for d in found], "total": total, "limit": limit, "offset": offset}

    def delete(self, document_id):
        if not self.store.delete(document_id):
            raise RequestError(404, f"no document {document_id!r}")
        return {"document_id": document_id, "status": "deleted"}

    def health(self, embedding_probe):
        checks = {"database": self.store.ping(), "embedding": embedding_probe()}
        if self.docling.configured:
            checks["docling"] = self.docling.ping()
        healthy = all(problem is None for problem in checks.values())
        return healthy, {"status": "ok" if healthy else "unhealthy",
                         "checks": {name: problem or "ok" for name, problem in checks.items()}}
