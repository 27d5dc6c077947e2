"""The HTTP API (FastAPI)."""

import hmac
import time
from typing import Optional

from fastapi import Depends, FastAPI, File, Form, Header, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field

from . import __version__
from .errors import RequestError, UpstreamError


class IndexText(BaseModel):
    text: str = Field(description="The text to index.")
    document_id: Optional[str] = Field(None, description="Stable id; defaults to text:<sha256 of the text>.")
    source: str = Field("", description="Where the text came from, returned with the document.")


class Query(BaseModel):
    query: str
    top_k: int = Field(5, description="How many chunks to retrieve.")
    mode: str = Field("hybrid", description="hybrid (full-text and vector, fused) or vector.")
    generate: bool = Field(True, description="Generate an answer from the retrieved chunks.")


def create_app(service, metrics, embedding_probe, max_upload_bytes):
    # No /docs page: its assets come from a CDN an air-gapped host cannot reach. The schema needs the key.
    app = FastAPI(title="selfhosted.ai_stack RAG API", version=__version__, openapi_url=None, docs_url=None, redoc_url=None,
                  description="Index documents into PostgreSQL/pgvector and answer questions from them.")
    api_key = service.settings.api_key.encode()

    def require_key(x_api_key: Optional[str] = Header(None), authorization: Optional[str] = Header(None)):
        given = x_api_key or (authorization[7:] if authorization and authorization.lower().startswith("bearer ") else "")
        if not hmac.compare_digest(given.encode(), api_key):
            raise RequestError(401, "a valid X-API-Key header is required")

    @app.middleware("http")
    async def observe(request: Request, call_next):
        start = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        endpoint = route.path if route is not None else "unmatched"
        metrics.requests.labels(request.method, endpoint, str(response.status_code)).observe(time.perf_counter() - start)
        return response

    @app.exception_handler(RequestError)
    async def request_error(_request, error):
        return JSONResponse({"detail": error.message}, status_code=error.status)

    @app.exception_handler(UpstreamError)
    async def upstream_error(_request, error):
        return JSONResponse({"detail": error.message, "backend": error.backend}, status_code=error.status)

    keyed = [Depends(require_key)]

    @app.post("/index-text", dependencies=keyed)
    def index_text(body: IndexText):
        return service.index_text(body.text, body.document_id, body.source)

    @app.post("/index-document", dependencies=keyed)
    def index_document(file: UploadFile = File(...), document_id: Optional[str] = Form(None)):
        content = file.file.read(max_upload_bytes + 1)
        return service.index_file(file.filename, content, document_id)

    @app.post("/query", dependencies=keyed)
    def query(body: Query):
        return service.query(body.query, body.top_k, body.mode, body.generate)

    @app.get("/documents", dependencies=keyed)
    def documents(limit: int = 100, offset: int = 0):
        return service.documents(limit, offset)

    @app.get("/documents/{document_id:path}", dependencies=keyed)
    def document(document_id: str):
        return service.document(document_id)

    @app.delete("/documents/{document_id:path}", dependencies=keyed)
    def delete(document_id: str):
        return service.delete(document_id)

    @app.get("/openapi.json", dependencies=keyed, include_in_schema=False)
    def openapi():
        return app.openapi()

    @app.get("/health")
    def health():
        healthy, body = service.health(embedding_probe)
        return JSONResponse(body, status_code=200 if healthy else 503)

    @app.get("/metrics")
    def metrics_endpoint():
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app
