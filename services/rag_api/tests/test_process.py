"""The service as a process (`python -m rag_api`): refusals at start-up, and a kill -9 in the middle of
a write that leaves the previous version complete."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import psycopg
import pytest

from helpers import free_port

SERVICE_DIR = Path(__file__).resolve().parents[1]
KEY = "p" * 40


def environment(database_url, ollama, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env.update({"RAG_DATABASE_URL": database_url, "RAG_API_KEY": KEY, "RAG_OLLAMA_URL": ollama,
                "RAG_EMBEDDING_BACKEND": "ollama", "RAG_EMBEDDING_MODEL": "nomic-embed-text", "RAG_LISTEN_HOST": "127.0.0.1",
                "RAG_LISTEN_PORT": str(free_port()), "RAG_CHUNK_SIZE": "16", "RAG_CHUNK_OVERLAP": "0",
                "PYTHONPATH": str(SERVICE_DIR)})
    env.update({k: str(v) for k, v in extra.items()})
    return env


def start(env):
    process = subprocess.Popen([sys.executable, "-m", "rag_api"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{env['RAG_LISTEN_PORT']}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError("the service exited: " + process.stdout.read())
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return process, httpx.Client(base_url=url, headers={"X-API-Key": KEY}, timeout=120)
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise AssertionError("the service did not become healthy")


@pytest.mark.parametrize("extra, message", [
    ({"RAG_API_KEY": "short"}, "configuration error: RAG_API_KEY must be at least 32 characters"),
    ({"RAG_EMBEDDING_BACKEND": "bert"}, "configuration error: RAG_EMBEDDING_BACKEND must be one of"),
])
def test_bad_settings_stop_the_start_naming_the_variable(database_url, ollama, extra, message):
    result = subprocess.run([sys.executable, "-m", "rag_api"], env=environment(database_url, ollama, **extra),
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 2
    assert message in result.stderr


def test_an_unreachable_database_stops_the_start(ollama):
    env = environment(f"postgresql://nobody:x@127.0.0.1:{free_port()}/none?connect_timeout=1", ollama, RAG_DATABASE_WAIT=2)
    result = subprocess.run([sys.executable, "-m", "rag_api"], env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 1
    assert "cannot start: the database is unreachable" in result.stderr


def test_a_dimension_mismatch_refuses_to_start(database_url, ollama):
    process, client = start(environment(database_url, ollama))  # creates the 768-dimension table
    process.terminate()
    process.wait(30)
    result = subprocess.run([sys.executable, "-m", "rag_api"],
                            env=environment(database_url, ollama, RAG_EMBEDDING_DIMENSION=384),
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 1
    assert "holds 768-dimensional embeddings but the embedding model gives 384" in result.stderr
    client.close()


def test_kill_9_while_writing_a_new_version_keeps_the_old_one(database_url, admin_url, ollama):
    env = environment(database_url, ollama)
    process, client = start(env)
    old = client.post("/index-text", json={"document_id": "manual", "text": "The old version. " * 40}).json()
    assert old["status"] == "indexed"
    big = " ".join(f"Sentence {i} of the new version talks about item {i}." for i in range(3000))
    writer = threading.Thread(target=lambda: _ignore_errors(client.post, "/index-text", json={"document_id": "manual", "text": big}))
    writer.start()
    with psycopg.connect(admin_url, autocommit=True) as admin:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # kill while the new chunks are being written, before commit
            if admin.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'rag_api' "
                             "AND query LIKE 'COPY rag_chunks%%' AND state <> 'idle'").fetchone()[0]:
                break
            time.sleep(0.005)
        else:
            raise AssertionError("the write never started")
    os.kill(process.pid, signal.SIGKILL)
    process.wait(30)
    writer.join(30)
    with psycopg.connect(database_url) as conn:
        deadline = time.monotonic() + 30
        while conn.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'rag_api'").fetchone()[0]:
            assert time.monotonic() < deadline, "the killed service's session never ended"
            time.sleep(0.1)
        document = conn.execute("SELECT content_hash, chunk_count FROM rag_documents WHERE id = 'manual'").fetchone()
        chunks = conn.execute("SELECT text FROM rag_chunks WHERE document_id = 'manual' ORDER BY ordinal").fetchall()
    assert document == (old["content_hash"], old["chunks"])
    assert len(chunks) == old["chunks"] and all("old version" in text for (text,) in chunks)
    process, client = start(env)  # the service comes back and finishes the job on the next request
    try:
        assert client.post("/index-text", json={"document_id": "manual", "text": big}).json()["status"] == "indexed"
        assert client.get("/documents/manual").json()["chunks"] > old["chunks"]
    finally:
        process.terminate()
        process.wait(30)
        client.close()


def _ignore_errors(call, *args, **kwargs):
    try:
        call(*args, **kwargs)
    except httpx.HTTPError:
        pass
