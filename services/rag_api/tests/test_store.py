"""Storage guarantees (rag_api.store) on real PostgreSQL + pgvector: migrations, the dimension check,
all-or-nothing replacement (B2: HNSW index)."""

import dataclasses
import inspect
import threading

import psycopg
import psycopg_pool
import pytest

from helpers import free_port
from rag_api.store import Document, StartupError, Store, migrations, vector_literal


def unit(i, dimension=4):
    vector = [0.0] * dimension
    vector[i % dimension] = 1.0
    return vector


@pytest.fixture()
def store(database_url):
    store = Store(database_url, 4, 4)
    store.open(30)
    store.migrate()
    yield store
    store.close()


def rows(store, document_id):
    with store.pool.connection() as conn:
        return conn.execute("SELECT ordinal, text FROM rag_chunks WHERE document_id = %s ORDER BY ordinal", (document_id,)).fetchall()


def test_migrations_are_numbered_and_create_an_hnsw_index(store):
    assert [version for version, _ in migrations()] == [1]
    with store.pool.connection() as conn:
        indexes = dict(conn.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'rag_chunks'").fetchall())
        applied = conn.execute("SELECT version FROM rag_schema_migrations").fetchall()
    assert "USING hnsw (embedding vector_cosine_ops)" in indexes["rag_chunks_embedding_hnsw"]
    assert "USING gin (text_search)" in indexes["rag_chunks_text_search"]
    assert applied == [(1,)]


def test_migrating_again_and_side_by_side_applies_each_migration_once(database_url, store):
    others = [Store(database_url, 4, 4) for _ in range(3)]
    for other in others:
        other.open(30)
    threads = [threading.Thread(target=other.migrate) for other in others]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with store.pool.connection() as conn:
        assert conn.execute("SELECT count(*) FROM rag_schema_migrations").fetchone()[0] == 1
    for other in others:
        other.close()


def test_a_different_embedding_dimension_refuses_to_start_naming_both(database_url, store):
    other = Store(database_url, 768, 2)
    other.open(30)
    try:
        with pytest.raises(StartupError) as raised:
            other.migrate()
        assert "holds 4-dimensional embeddings but the embedding model gives 768 (RAG_EMBEDDING_DIMENSION)" in str(raised.value)
    finally:
        other.close()


def test_replace_is_all_or_nothing(store):
    assert store.replace("doc", "h1", "a.md", "text/markdown", ["one", "two"], [unit(0), unit(1)]) == "indexed"
    with pytest.raises(psycopg.errors.DataException):  # the third vector has the wrong dimension: COPY fails late
        store.replace("doc", "h2", "a.md", "text/markdown", ["new one", "new two", "new three"], [unit(0), unit(1), [1.0, 2.0]])
    assert rows(store, "doc") == [(0, "one"), (1, "two")]
    assert (store.get("doc").content_hash, store.get("doc").chunk_count) == ("h1", 2)
    assert [hit.text for hit in store.vector_search(unit(1), 1)] == ["two"]


def test_replace_with_the_stored_hash_writes_nothing(store):
    store.replace("doc", "h1", "", "", ["one"], [unit(0)])
    before = store.get("doc").updated_at
    assert store.replace("doc", "h1", "", "", ["other"], [unit(1)]) == "unchanged"
    assert rows(store, "doc") == [(0, "one")] and store.get("doc").updated_at == before


def test_vector_search_orders_by_cosine_similarity(store):
    store.replace("a", "ha", "", "", ["x", "y"], [unit(0), unit(1)])
    store.replace("b", "hb", "", "", ["z"], [[0.6, 0.8, 0.0, 0.0]])
    hits = store.vector_search([1.0, 0.0, 0.0, 0.0], 3)
    assert [(hit.document_id, hit.text, round(hit.score, 3)) for hit in hits] == [("a", "x", 1.0), ("b", "z", 0.6), ("a", "y", 0.0)]
    assert len(store.vector_search([1.0, 0.0, 0.0, 0.0], 2, ef_search=100)) == 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        hits[0].score = 2.0


def test_text_search_matches_any_word_and_ranks_more_matches_first(store):
    store.replace("a", "ha", "", "", ["the pump failed with code AB-1234", "the pump works", "nothing here"], [unit(0)] * 3)
    hits = store.text_search("Why did the pump fail with AB-1234?", 5)
    assert [hit.text for hit in hits] == ["the pump failed with code AB-1234", "the pump works"]
    assert hits[0].score > hits[1].score
    assert store.text_search("?!", 5) == [] and store.text_search("absent", 5) == []


def test_text_search_leaves_out_words_that_analyze_found_in_more_chunks_than_the_budget(store):
    texts = [f"the common word, entry {i}" for i in range(40)] + ["the rare code QX-58213"]
    store.replace("a", "ha", "", "", texts, [unit(0)] * len(texts))
    with store.pool.connection() as conn:
        conn.execute("ANALYZE rag_chunks")
    assert len(store.text_search("common", 50)) == 40  # 40 chunks, within the default budget
    store.word_row_budget = 39
    assert store.text_search("common", 50) == [] and store.text_search("the", 50) == []
    assert [hit.text for hit in store.text_search("the common QX-58213", 50)] == ["the rare code QX-58213"]
    store.word_row_budget = 40
    assert len(store.text_search("common", 50)) == 40


def test_the_word_budget_is_2000_chunks_unless_given():
    assert inspect.signature(Store).parameters["word_row_budget"].default == 2000


def test_delete_takes_the_chunks_too_and_reports_unknown_ids(store):
    store.replace("a", "ha", "", "", ["x"], [unit(0)])
    assert store.delete("a") is True and store.delete("a") is False
    assert rows(store, "a") == [] and store.counts() == (0, 0)


def test_documents_pages_and_counts(store):
    for name in ("c", "a", "b"):
        store.replace(name, "h" + name, name + ".md", "text/markdown", ["x", "y"], [unit(0), unit(1)])
    page, total = store.documents(2, 1)
    assert [d.id for d in page] == ["b", "c"] and total == 3
    assert store.counts() == (3, 6)
    described = page[0].as_dict()
    assert described == {"id": "b", "content_hash": "hb", "source": "b.md", "content_type": "text/markdown", "chunks": 2,
                         "updated_at": described["updated_at"]}
    assert described["updated_at"].startswith("20") and "T" in described["updated_at"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        page[0].id = "other"


@pytest.mark.parametrize("vector, literal", [([1, 0.5], "[1.0,0.5]"), ([], "[]"), ([-1e-9], "[-1e-09]")])
def test_vector_literal(vector, literal):
    assert vector_literal(vector) == literal


def test_ping_reports_a_closed_pool(store):
    assert store.ping() is None
    store.pool.close()
    assert store.ping()


def test_replace_refuses_chunks_and_vectors_that_do_not_pair_up(store):
    with pytest.raises(ValueError):
        store.replace("doc", "h", "", "", ["one", "two"], [unit(0)])
    assert store.get("doc") is None


def test_the_sessions_are_named_rag_api(store):
    with store.pool.connection() as conn:
        assert conn.execute("SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()").fetchone() == ("rag_api",)


def test_open_waits_for_the_database_and_gives_up(database_url):
    unreachable = Store(f"postgresql://nobody:x@127.0.0.1:{free_port()}/none?connect_timeout=1", 4, 1)
    with pytest.raises(psycopg_pool.PoolTimeout):
        unreachable.open(1)
    unreachable.close()


def test_ping_names_an_error_without_a_message(store, monkeypatch):
    def fail(**_kwargs):
        raise psycopg_pool.PoolTimeout()
    monkeypatch.setattr(store.pool, "connection", fail)
    assert store.ping() == "PoolTimeout"


def test_documents_are_values():
    assert Document("a", "h", "s", "t", 1, "now") == Document("a", "h", "s", "t", 1, "now")
