#!/usr/bin/env python3
"""RAG API retrieval latency and ingestion throughput (issue 13), on real PostgreSQL + pgvector.

  .cache/rag-venv/bin/python tests/benchmark/rag_api.py [--chunks 10000 100000] [--queries 200]
  (make benchmark-rag-api: builds the venv and the postgres image, starts a server, runs this)

Retrieval: the index holds N chunks of generated text with precomputed unit vectors (clustered, as
real embeddings are); each query is embedded with the real MiniLM model, then searched through the
service's own Store: `vector` (HNSW) and `hybrid` (HNSW + full text + fusion). Latency is query
embedding + search, without generation. Ingestion: real documents chunked and embedded with MiniLM
and written through the service (RagService.index_text), in chunks per second.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "services" / "rag_api"))

from rag_api.chunking import Chunker  # noqa: E402
from rag_api.embeddings import Embedder, MiniLMEmbedding  # noqa: E402
from rag_api.fusion import relative_score_fusion  # noqa: E402
from rag_api.metrics import Metrics  # noqa: E402
from rag_api.minilm import MiniLM  # noqa: E402
from rag_api.service import RagService  # noqa: E402
from rag_api.settings import load  # noqa: E402
from rag_api.store import Store, vector_literal  # noqa: E402

WORDS = ("pump valve pressure filter sensor controller backup restore invoice billing ledger customer order shipment "
         "warehouse pallet forklift schedule shift engineer incident outage network router switch firewall certificate "
         "database replica index query latency throughput cache queue worker message retry timeout deadline budget "
         "contract supplier audit policy access token password rotation vault key secret storage volume snapshot").split()


def fresh_database(admin_url, name):
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0")
    url = admin_url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION vector")
    return url


def load_chunks(store, count, rng, centers):
    """`count` chunks in documents of 100, with vectors near one of the centers and text about it."""
    per_doc = 100
    with store.pool.connection() as conn:
        for start in range(0, count, per_doc * 50):
            with conn.transaction():
                conn.execute("INSERT INTO rag_documents (id, content_hash, chunk_count) SELECT 'doc-' || g, 'h', %s "
                             "FROM generate_series(%s::int, %s::int) g", (per_doc, start // per_doc, (start + per_doc * 50) // per_doc - 1))
                with conn.cursor().copy("COPY rag_chunks (document_id, ordinal, text, embedding) FROM STDIN") as copy:
                    for index in range(start, min(start + per_doc * 50, count)):
                        topic = index % len(centers)
                        vector = centers[topic] + rng.normal(0, 0.35, centers.shape[1])
                        vector /= np.linalg.norm(vector)
                        words = [WORDS[(topic * 7 + i * 3) % len(WORDS)] for i in range(12)] + [f"CODE-{index}"]
                        copy.write_row((f"doc-{index // per_doc}", index % per_doc, " ".join(words), vector_literal(vector)))
        conn.execute("ANALYZE rag_chunks")


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def retrieval(admin_url, count, queries, model):
    rng = np.random.default_rng(7)
    url = fresh_database(admin_url, f"bench_{count}")
    store = Store(url, 384, 4)
    store.open(30)
    store.migrate()
    centers = rng.normal(0, 1, (200, 384))
    centers /= np.linalg.norm(centers, axis=1, keepdims=True)
    started = time.perf_counter()
    load_chunks(store, count, rng, centers)
    loaded = time.perf_counter() - started
    texts = [f"what happened to the {random.Random(i).choice(WORDS)} with CODE-{i * 37 % count}?" for i in range(queries)]
    results = {}
    for mode in ("vector", "hybrid"):
        latencies = []
        for text in texts:
            begin = time.perf_counter()
            vector = model.encode([text])[0].tolist()
            if mode == "vector":
                store.vector_search(vector, 5)
            else:
                by_vector = store.vector_search(vector, 20, ef_search=40)
                by_text = store.text_search(text, 20)
                relative_score_fusion([[(h.chunk_id, h.score) for h in by_vector], [(h.chunk_id, h.score) for h in by_text]], 5)
            latencies.append((time.perf_counter() - begin) * 1000)
        results[mode] = (statistics.median(latencies), percentile(latencies, 0.95))
    embed = []
    for text in texts[:50]:
        begin = time.perf_counter()
        model.encode([text])
        embed.append((time.perf_counter() - begin) * 1000)
    store.close()
    return loaded, results, statistics.median(embed)


def ingestion(admin_url, model, documents):
    url = fresh_database(admin_url, "bench_ingest")
    settings = load({"RAG_DATABASE_URL": url, "RAG_API_KEY": "b" * 40, "RAG_EMBEDDING_BACKEND": "minilm"})
    store = Store(url, 384, 4)
    store.open(30)
    store.migrate()
    service = RagService(settings, store, Embedder(MiniLMEmbedding(model=model), 384),
                         Chunker(settings.chunk_size, settings.chunk_overlap), None, None, Metrics())
    rng = random.Random(3)
    texts = [". ".join(" ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 20))).capitalize() for _ in range(120)) + "."
             for _ in range(documents)]
    begin = time.perf_counter()
    chunks = sum(service.index_text(text, f"doc-{i}")["chunks"] for i, text in enumerate(texts))
    elapsed = time.perf_counter() - begin
    store.close()
    return chunks, elapsed, settings.chunk_size


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--documents", type=int, default=20)
    args = parser.parse_args()
    admin_url = os.environ["RAG_TEST_ADMIN_URL"]
    model = MiniLM()
    print(f"{'chunks':>8} {'load s':>7} {'mode':>7} {'p50 ms':>7} {'p95 ms':>7}   (query embedding + search, no generation)")
    for count in args.chunks:
        loaded, results, embed_ms = retrieval(admin_url, count, args.queries, model)
        for mode, (p50, p95) in results.items():
            print(f"{count:>8} {loaded:>7.1f} {mode:>7} {p50:>7.1f} {p95:>7.1f}")
        print(f"{'':>8} query embedding alone: p50 {embed_ms:.1f} ms")
    chunks, elapsed, size = ingestion(admin_url, model, args.documents)
    print(f"ingestion: {chunks} chunks of up to {size} words in {elapsed:.1f} s = {chunks / elapsed:.1f} chunks/s "
          "(chunking, MiniLM embedding, one transaction per document)")


if __name__ == "__main__":
    main()
