"""The PostgreSQL store's schema, created and versioned by the project (``SCHEMA_VERSION``).

One row per document (its cleaned text and sentence vectors), one per passage
(its vector under an HNSW index, its French full-text vector under GIN), one
per (term, passage) with the term's frequency (``postings``: the project's own
analyzer's terms, so BM25 is computed in SQL exactly as bm25s computes it), one
per word of the documents with its vector (``words``, shared: documents on one
subject share most of their vocabulary, so a copy per document would grow the
database and every reader's memory with the number of documents), and one row of
corpus statistics whose ``generation`` moves at every change.
"""

from __future__ import annotations

# Bump when a table changes; a database at another version is refused with a clear message.
SCHEMA_VERSION = 2
# pgvector's HNSW graph: the same neighbourhood size and build effort as the file store's FAISS
# HNSW, so that recall@10 compares like for like (pgvector's defaults are m=16, 64).
HNSW_M, HNSW_EF_CONSTRUCTION = 32, 80
# One writer at a time: ingestion takes this transaction-level advisory lock (an arbitrary key).
WRITE_LOCK = 0x7265_7472


def create_statements(dim: int) -> list[str]:
    """The schema for vectors of size ``dim``, idempotent (``IF NOT EXISTS``)."""
    return [
        "CREATE EXTENSION IF NOT EXISTS vector",
        "CREATE TABLE IF NOT EXISTS retrieval_meta (key text PRIMARY KEY, value jsonb NOT NULL)",
        """CREATE TABLE IF NOT EXISTS documents (
            name text PRIMARY KEY,
            checksum text NOT NULL,
            record jsonb NOT NULL,
            sentence_starts integer[] NOT NULL,
            sentence_vectors bytea NOT NULL,
            words text[] NOT NULL,
            added_at timestamptz NOT NULL DEFAULT now()
        )""",
        # Keys and references all include the document: Citus can distribute the three tables
        # by document, colocated (README, "Scaling out").
        f"""CREATE TABLE IF NOT EXISTS passages (
            id bigserial,
            document text NOT NULL REFERENCES documents (name) ON DELETE CASCADE,
            passage_id text NOT NULL,
            record jsonb NOT NULL,
            body text NOT NULL,
            embedding vector({int(dim)}) NOT NULL,
            fts tsvector GENERATED ALWAYS AS (to_tsvector('french', body)) STORED,
            length integer NOT NULL,
            PRIMARY KEY (document, id),
            UNIQUE (document, passage_id)
        )""",
        "CREATE INDEX IF NOT EXISTS passages_id ON passages (id)",
        f"""CREATE INDEX IF NOT EXISTS passages_embedding ON passages
            USING hnsw (embedding vector_ip_ops) WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION})""",
        "CREATE INDEX IF NOT EXISTS passages_fts ON passages USING gin (fts)",
        """CREATE TABLE IF NOT EXISTS postings (
            document text NOT NULL,
            term text NOT NULL,
            passage bigint NOT NULL,
            tf integer NOT NULL,
            length integer NOT NULL,  -- the passage's, copied here so BM25 reads postings alone
            PRIMARY KEY (document, passage, term),
            FOREIGN KEY (document, passage) REFERENCES passages (document, id) ON DELETE CASCADE
        )""",
        # Covering: a query term's postings, their document frequency and scores come from the
        # index alone (an index-only scan), not from a heap row per posting.
        "CREATE INDEX IF NOT EXISTS postings_term ON postings (term) INCLUDE (document, passage, tf, length)",
        # The cross-lingual vocabulary's vectors, one row per word whatever the number of
        # documents using it; a word no document uses any more stays (it costs a row, not a wrong answer).
        "CREATE TABLE IF NOT EXISTS words (word text PRIMARY KEY, vector bytea NOT NULL)",
        """CREATE TABLE IF NOT EXISTS corpus_stats (
            id integer PRIMARY KEY CHECK (id = 1),
            passages bigint NOT NULL,
            terms bigint NOT NULL,
            generation bigint NOT NULL
        )""",
        "INSERT INTO corpus_stats VALUES (1, 0, 0, 0) ON CONFLICT (id) DO NOTHING",
    ]


# BM25 as bm25s scores it ("lucene": k1 1.5, b 0.75): IDF over every passage, term frequency
# normalised by the passage's length against the mean; a query term given twice counts twice.
BM25_K1, BM25_B = 1.5, 0.75
BM25_QUERY = f"""
WITH q AS (SELECT term, count(*) AS qtf FROM unnest(%(terms)s::text[]) AS term GROUP BY term),
stats AS (SELECT passages::float8 AS n, terms::float8 / greatest(passages, 1) AS avgdl FROM corpus_stats),
df AS (SELECT q.term, q.qtf, count(*)::float8 AS df FROM q JOIN postings USING (term) GROUP BY q.term, q.qtf)
SELECT p.passage,
       sum(df.qtf * ln(1 + (stats.n - df.df + 0.5) / (df.df + 0.5))
           * p.tf / ({BM25_K1} * ((1 - {BM25_B}) + {BM25_B} * p.length / stats.avgdl) + p.tf)) AS score
FROM df JOIN postings p USING (term) CROSS JOIN stats
WHERE %(documents)s::text[] IS NULL OR p.document = ANY(%(documents)s::text[])
GROUP BY p.passage
ORDER BY score DESC, p.passage
LIMIT %(n)s
"""

# Ordered by the distance alone, so that pgvector's HNSW index can serve it (ties are
# ordered by row afterwards); the filtered form lets an iterative index scan go on past
# the passages of other documents.
DENSE_QUERY = """
SELECT id, -(embedding <#> %(vector)s::vector) AS score FROM passages {where}
ORDER BY embedding <#> %(vector)s::vector
LIMIT %(n)s
"""
DOCUMENT_FILTER = "WHERE document = ANY(%(documents)s::text[])"
