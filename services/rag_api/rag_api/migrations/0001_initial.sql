-- Documents and their chunks. {dimension} is the embedding model's; the startup check compares it.
CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE rag_documents (
    id           text PRIMARY KEY,
    content_hash text NOT NULL,
    source       text NOT NULL DEFAULT '',
    content_type text NOT NULL DEFAULT '',
    chunk_count  integer NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE rag_chunks (
    id          bigserial PRIMARY KEY,
    document_id text NOT NULL REFERENCES rag_documents (id) ON DELETE CASCADE,
    ordinal     integer NOT NULL,
    text        text NOT NULL,
    embedding   vector({dimension}) NOT NULL,
    -- 'simple': no stemming and no stop words, so names, codes and numbers match as written, in any language.
    text_search tsvector GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED,
    UNIQUE (document_id, ordinal)
);

-- HNSW, not ivfflat: ivfflat built on an empty table has poor recall (REQUIREMENTS B2).
CREATE INDEX rag_chunks_embedding_hnsw ON rag_chunks USING hnsw (embedding vector_cosine_ops);
CREATE INDEX rag_chunks_text_search ON rag_chunks USING gin (text_search);
