"""Fixtures: a real PostgreSQL + pgvector server, the real MiniLM model, the Ollama test double.

PostgreSQL runs from the test image `aistack-test/postgres` (Debian's PostgreSQL 17 + pgvector; built
by tests/images/build.sh) on a loopback port, or wherever RAG_TEST_ADMIN_URL points (a superuser URL;
tests/rag_api.sh sets it for the mutation runs, which share one server).
Every test gets a database of its own, owned by a non-superuser, with the vector extension created
by the superuser first — as the postgres role does for the service.
"""

import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import psycopg
import pytest

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "tests" / "ollama-double"))
import ollama_double  # noqa: E402  (the double lives outside any package)

POSTGRES_IMAGE = os.environ.get("RAG_TEST_POSTGRES_IMAGE", "aistack-test/postgres:" + (REPO / "tests/images/postgres/tag").read_text().strip())
ADMIN_PASSWORD = "test-admin-password"
OWNER, OWNER_PASSWORD = "rag_owner", "rag-owner-password"
API_KEY = "k" * 40


def _wait_for(url, seconds=60):
    deadline = time.monotonic() + seconds
    while True:
        try:
            with psycopg.connect(url, connect_timeout=2) as conn:
                conn.execute("SELECT 1")
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def _ensure_owner(url):
    with psycopg.connect(url, autocommit=True) as conn:
        try:
            conn.execute(f"CREATE ROLE {OWNER} LOGIN PASSWORD '{OWNER_PASSWORD}'")
        except (psycopg.errors.DuplicateObject, psycopg.errors.UniqueViolation):
            pass  # made by an earlier run on the same server (RAG_TEST_ADMIN_URL), or one side by side


@pytest.fixture(scope="session")
def admin_url():
    if os.environ.get("RAG_TEST_ADMIN_URL"):
        _ensure_owner(os.environ["RAG_TEST_ADMIN_URL"])
        yield os.environ["RAG_TEST_ADMIN_URL"]
        return
    name = f"rag-api-test-postgres-{os.getpid()}"
    yield from _postgres_container(name)


def _postgres_container(name):
    subprocess.run(["docker", "run", "-d", "--rm", "--name", name, "-e", "POSTGRES_PASSWORD=" + ADMIN_PASSWORD,
                    "-p", "127.0.0.1::5432", POSTGRES_IMAGE, "postgres", "-c", "fsync=off", "-c", "max_connections=300"],
                   check=True, stdout=subprocess.DEVNULL)
    try:
        port = subprocess.run(["docker", "port", name, "5432/tcp"], check=True, capture_output=True, text=True).stdout.split(":")[-1].strip()
        url = f"postgresql://postgres:{ADMIN_PASSWORD}@127.0.0.1:{port}/postgres"
        _wait_for(url)
        _ensure_owner(url)
        yield url
    finally:
        subprocess.run(["docker", "rm", "-f", name], check=False, capture_output=True)


@pytest.fixture()
def database_url(admin_url):
    """A fresh database owned by the (non-superuser) service user, with pgvector created in it."""
    name = "rag_" + uuid.uuid4().hex[:12]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} OWNER {OWNER} ENCODING 'UTF8' TEMPLATE template0")  # as postgres_databases does
    with psycopg.connect(admin_url.rsplit("/", 1)[0] + "/" + name, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION vector")
    host = admin_url.split("@", 1)[1].rsplit("/", 1)[0]
    yield f"postgresql://{OWNER}:{OWNER_PASSWORD}@{host}/{name}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def minilm():
    from rag_api.minilm import MiniLM

    return MiniLM()


@pytest.fixture(scope="session")
def ollama():
    """The Ollama test double (generation only here; embeddings come from the real MiniLM)."""
    server = ollama_double.serve(port=0, models=["llama3.1:8b", "nomic-embed-text:latest"])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
