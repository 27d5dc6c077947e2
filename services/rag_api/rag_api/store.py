"""PostgreSQL + pgvector storage: versioned migrations, transactional replace, vector and full-text search."""

import re
from dataclasses import dataclass
from importlib import resources

from psycopg_pool import ConnectionPool

MIGRATION_LOCK = 0x5241475F4D494752  # any constant shared by every replica: "RAG_MIGR"
MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class StartupError(RuntimeError):
    pass


@dataclass(frozen=True)
class Document:
    id: str
    content_hash: str
    source: str
    content_type: str
    chunk_count: int
    updated_at: str

    def as_dict(self):
        return {"id": self.id, "content_hash": self.content_hash, "source": self.source,
                "content_type": self.content_type, "chunks": self.chunk_count, "updated_at": self.updated_at}


@dataclass(frozen=True)
class Hit:
    chunk_id: int
    document_id: str
    ordinal: int
    text: str
    score: float


def migrations():
    """(version, sql) of every migration shipped with the service, in order."""
    found = []
    for entry in resources.files("rag_api.migrations").iterdir():
        match = MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.read_text(encoding="utf-8")))
    return sorted(found)


def vector_literal(vector):
    return "[" + ",".join(repr(float(value)) for value in vector) + "]"


def _document(row):
    return Document(row[0], row[1], row[2], row[3], row[4], row[5].isoformat())


_DOCUMENT_COLUMNS = "id, content_hash, source, content_type, chunk_count, updated_at"


class Store:
    def __init__(self, database_url, dimension, pool_size, word_row_budget=2000):
        self.dimension = dimension
        self.word_row_budget = word_row_budget
        self.pool = ConnectionPool(database_url, min_size=1, max_size=pool_size, open=False,
                                   kwargs={"application_name": "rag_api", "client_encoding": "utf8"})

    def open(self, timeout):
        self.pool.open(wait=True, timeout=timeout)

    def close(self):
        self.pool.close()

    def migrate(self):
        """Applies pending migrations (one replica at a time), then checks the embedding dimension."""
        with self.pool.connection() as conn:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
                conn.execute("CREATE TABLE IF NOT EXISTS rag_schema_migrations ("
                             "version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
                applied = {row[0] for row in conn.execute("SELECT version FROM rag_schema_migrations")}
                for version, sql in migrations():
                    if version not in applied:
                        conn.execute(sql.replace("{dimension}", str(int(self.dimension))))
                        conn.execute("INSERT INTO rag_schema_migrations (version) VALUES (%s)", (version,))
            self.check_dimension(conn)

    def check_dimension(self, conn):
        row = conn.execute("SELECT atttypmod FROM pg_attribute "
                           "WHERE attrelid = 'rag_chunks'::regclass AND attname = 'embedding'").fetchone()
        if row[0] != self.dimension:
            raise StartupError(
                f"the table rag_chunks holds {row[0]}-dimensional embeddings but the embedding model gives "
                f"{self.dimension} (RAG_EMBEDDING_DIMENSION): use the model the index was built with, or "
                f"drop the tables rag_chunks, rag_documents and rag_schema_migrations and index again")

    def ping(self):
        try:
            with self.pool.connection(timeout=5) as conn:
                conn.execute("SELECT 1")
            return None
        except Exception as error:  # the pool raises its own errors as well as psycopg's
            return str(error) or type(error).__name__

    def get(self, document_id):
        with self.pool.connection() as conn:
            row = conn.execute(f"SELECT {_DOCUMENT_COLUMNS} FROM rag_documents WHERE id = %s", (document_id,)).fetchone()
        return _document(row) if row else None

    def documents(self, limit, offset):
        with self.pool.connection() as conn:
            rows = conn.execute(f"SELECT {_DOCUMENT_COLUMNS} FROM rag_documents ORDER BY id LIMIT %s OFFSET %s",
                                (limit, offset)).fetchall()
            total = conn.execute("SELECT count(*) FROM rag_documents").fetchone()[0]
        return [_document(row) for row in rows], total

    def counts(self):
        with self.pool.connection() as conn:
            return conn.execute("SELECT (SELECT count(*) FROM rag_documents), (SELECT count(*) FROM rag_chunks)").fetchone()

    def replace(self, document_id, content_hash, source, content_type, chunks, vectors):
        """Stores a document's chunks in place of its previous ones, in one transaction.

        Returns "unchanged" when the stored version has the same hash, else "indexed". A failure at any
        point rolls back: the previous version stays complete and queryable.
        """
        with self.pool.connection() as conn:
            with conn.transaction():
                # Serialises writers of one document; readers see the old version until commit.
                conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (document_id,))
                row = conn.execute("SELECT content_hash FROM rag_documents WHERE id = %s", (document_id,)).fetchone()
                if row and row[0] == content_hash:
                    return "unchanged"
                conn.execute(
                    "INSERT INTO rag_documents (id, content_hash, source, content_type, chunk_count) "
                    "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (id) DO UPDATE SET content_hash = EXCLUDED.content_hash, "
                    "source = EXCLUDED.source, content_type = EXCLUDED.content_type, "
                    "chunk_count = EXCLUDED.chunk_count, updated_at = now()",
                    (document_id, content_hash, source, content_type, len(chunks)))
                conn.execute("DELETE FROM rag_chunks WHERE document_id = %s", (document_id,))
                with conn.cursor().copy("COPY rag_chunks (document_id, ordinal, text, embedding) FROM STDIN") as copy:
                    for ordinal, (text, vector) in enumerate(zip(chunks, vectors, strict=True)):
                        copy.write_row((document_id, ordinal, text, vector_literal(vector)))
        return "indexed"

    def delete(self, document_id):
        with self.pool.connection() as conn:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (document_id,))
                return conn.execute("DELETE FROM rag_documents WHERE id = %s", (document_id,)).rowcount > 0

    def vector_search(self, vector, limit, ef_search=None):
        with self.pool.connection() as conn:
            with conn.transaction():
                if ef_search:
                    conn.execute(f"SET LOCAL hnsw.ef_search = {int(ef_search)}")
                rows = conn.execute(
                    "SELECT id, document_id, ordinal, text, 1 - (embedding <=> %s::vector) FROM rag_chunks "
                    "ORDER BY embedding <=> %s::vector LIMIT %s",
                    (vector_literal(vector), vector_literal(vector), limit)).fetchall()
        return [Hit(*row) for row in rows]

    def text_search(self, query, limit):
        """Chunks holding any of the query's words, those holding more (and rarer-placed) first.

        A word that ANALYZE found in more than `word_row_budget` chunks is left out: ranking every chunk
        that holds "the" or "code" costs time in proportion to the table and, like an IDF weight near
        zero, tells nothing about which chunk is meant. A query of such words only finds nothing here;
        hybrid retrieval then rests on the vector side.
        """
        with self.pool.connection() as conn:
            rows = conn.execute(
                "WITH common AS ("
                "  SELECT e.lexeme FROM pg_stats s JOIN pg_class t ON t.oid = 'rag_chunks'::regclass"
                "  CROSS JOIN LATERAL unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS e(lexeme, freq)"
                "  WHERE s.schemaname = current_schema() AND s.tablename = 'rag_chunks' AND s.attname = 'text_search'"
                "    AND e.lexeme IS NOT NULL AND e.freq * t.reltuples > %s), "
                "q AS (SELECT to_tsquery('simple', string_agg(quote_literal(lexeme), ' | ')) AS query "
                "      FROM unnest(to_tsvector('simple', %s)) WHERE lexeme NOT IN (SELECT lexeme FROM common)) "
                "SELECT c.id, c.document_id, c.ordinal, c.text, ts_rank_cd(c.text_search, q.query, 1) "
                "FROM rag_chunks c, q WHERE q.query IS NOT NULL AND c.text_search @@ q.query "
                "ORDER BY 5 DESC, c.id LIMIT %s", (self.word_row_budget, query, limit)).fetchall()
        return [Hit(*row) for row in rows]
