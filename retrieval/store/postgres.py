"""PostgreSQL + pgvector: one database that many app processes read while another ingests.

Passages carry their vector (``vector(dim)`` under an HNSW index) and their
terms (``postings``, BM25 computed in SQL as bm25s computes it; a French
full-text column under GIN is kept beside it, see the README). A document is
written in one transaction (its row, passages and postings, and the corpus
statistics' ``generation``), so a reader sees it whole or not at all.

Each process keeps the documents and passages in memory (``Contents``) for
the answerer; ``contents()`` asks for the ``generation`` and, when it moved,
reloads in one REPEATABLE READ transaction only the documents whose checksum
changed. Rankings come from SQL, and a passage id the loaded state doesn't
hold (a document committed a moment later) is left out of that answer.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import numpy as np

from ..embedder import Embedder
from ..lexical import passage_terms
from ..passages import SplitParams
from .base import Contents, DocumentError, IndexMissing, IndexProblem, Ingested, Ranked
from .codec import document_record, passage_record, read_document, read_passage
from .ingest import assemble, embed, plan_add, plan_sync
from .manifest import model_change, splitting
from .pg_schema import (
    BM25_QUERY,
    DENSE_QUERY,
    DOCUMENT_FILTER,
    SCHEMA_VERSION,
    WRITE_LOCK,
    create_statements,
)

# pgvector's HNSW search breadth, as the file store's FAISS efSearch.
EF_SEARCH = 96
# Seconds to wait for the database before saying it can't be reached.
CONNECT_TIMEOUT_S = 10


def _vector(v: np.ndarray) -> str:
    """pgvector's text form of a vector."""
    return "[" + ",".join(f"{x:.8g}" for x in np.asarray(v, dtype=np.float32)) + "]"


def _matrix(data: bytes, dim: int) -> np.ndarray:
    return np.frombuffer(data, dtype=np.float32).reshape(-1, dim).copy()


def safe_url(url: str) -> str:
    """``url`` without its password, for messages and `retrieval info`."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


class PostgresStore:
    """A PostgreSQL database as a store (see the module docstring)."""

    kind = "postgresql"

    def __init__(self, conn, url: str, dim: int) -> None:
        self.conn = conn
        self.url = url
        self.dim = dim
        self._lock = threading.RLock()  # one connection, shared by the chat's threads
        self._contents: Contents | None = None
        self._generation: int | None = None
        self._ids: dict[int, int] = {}  # passages.id -> row in the loaded contents
        self._parts: list[Ingested] = []
        self._words: dict[str, np.ndarray] = {}  # the word vectors loaded so far, one per word
        self.stale: str | None = None

    # ------------------------------------------------------------ connecting

    @classmethod
    def connect(cls, url: str, embedder: Embedder) -> PostgresStore:
        """Open the database at ``url`` for ``embedder``'s vectors, creating the schema if it is new;
        IndexProblem (one line) if it can't be reached, is at another schema version or holds
        another model's vectors."""
        import psycopg

        try:
            conn = psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
        except psycopg.Error as exc:
            reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            raise IndexProblem(f"cannot connect to {safe_url(url)}: {reason}") from None
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        store = cls(conn, url, embedder.dim)
        store._prepare(embedder)
        return store

    def _prepare(self, embedder: Embedder) -> None:
        with self.conn.transaction():
            self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            version = self._meta("schema")
            if version is None:
                for statement in create_statements(self.dim):
                    self.conn.execute(statement)
                self._set_meta("schema", SCHEMA_VERSION)
            elif version != SCHEMA_VERSION:
                raise IndexProblem(
                    f"{safe_url(self.url)} has schema version {version}; this version of the project "
                    f"uses {SCHEMA_VERSION} (use a new database, or drop its tables to rebuild)"
                )
        model = self._meta("model")
        self.stale = model_change(model, embedder) if model else None
        if model and model.get("dim") != self.dim:
            self.stale = f"vectors of size {model.get('dim')}, the model's are {self.dim}"

    def _meta(self, key: str):
        """A value of ``retrieval_meta``; None when unset or in a database without the schema."""
        if self.conn.execute("SELECT to_regclass('retrieval_meta')").fetchone()[0] is None:
            return None
        row = self.conn.execute("SELECT value FROM retrieval_meta WHERE key = %s", (key,)).fetchone()
        return row[0] if row else None

    def _set_meta(self, key: str, value) -> None:
        self.conn.execute(
            "INSERT INTO retrieval_meta VALUES (%s, %s::jsonb) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            (key, json.dumps(value)),
        )

    def close(self) -> None:
        self.conn.close()

    # --------------------------------------------------------------- reading

    def generation(self) -> int:
        with self._lock:
            return int(self.conn.execute("SELECT generation FROM corpus_stats").fetchone()[0])

    def contents(self) -> Contents:
        """The documents as committed now (reloading only those that changed since the last call)."""
        with self._lock:
            if self.stale:
                raise IndexProblem(
                    f"{safe_url(self.url)} holds vectors of another model ({self.stale}): "
                    "`retrieval build --store URL` rebuilds it"
                )
            generation = self.generation()
            if self._contents is None or generation != self._generation:
                self._reload()
            assert self._contents is not None
            return self._contents

    def _reload(self) -> None:
        held = {p.document.name: p for p in self._parts} if self._contents else {}
        with self.conn.transaction():  # one snapshot: every document whole
            generation = int(self.conn.execute("SELECT generation FROM corpus_stats").fetchone()[0])
            rows = self.conn.execute(
                "SELECT d.name, d.checksum FROM documents d "
                "JOIN (SELECT document, min(id) AS first FROM passages GROUP BY document) f ON f.document = d.name "
                "ORDER BY f.first"
            ).fetchall()
            parts, ids = [], {}
            for name, checksum in rows:
                old = held.get(name)
                part = old if old is not None and old.checksum == checksum else self._load_document(name)
                parts.append(part)
            for pid, document, passage_id in self.conn.execute(
                "SELECT id, document, passage_id FROM passages"
            ):
                ids[(document, passage_id)] = pid
            new = sorted({w for p in parts for w in p.words} - self._words.keys())
            if new:
                for word, vector in self.conn.execute(
                    "SELECT word, vector FROM words WHERE word = ANY(%s)", (new,)
                ):
                    self._words[word] = np.frombuffer(vector, dtype=np.float32)
        if not parts:
            raise IndexMissing(
                f"{safe_url(self.url)} holds no documents yet: `retrieval build --store URL` ingests the corpus"
            )
        contents = assemble(parts, self._words)
        # Each document's sentence vectors become a view of the contents' one array, so a reader
        # holds them once (the next reload reuses the unchanged documents' from these views).
        offset, shared = 0, []
        for part in parts:
            n = len(part.sentence_starts)
            shared.append(replace(part, sentence_vectors=contents.sentence_vectors[offset : offset + n]))
            offset += n
        self._parts = shared
        self._ids = {ids[(p.document, p.passage_id)]: row for row, p in enumerate(contents.passages)}
        self._contents, self._generation = contents, generation

    def _load_document(self, name: str) -> Ingested:
        record, checksum, starts, sentence_vectors, words = self.conn.execute(
            "SELECT record, checksum, sentence_starts, sentence_vectors, words "
            "FROM documents WHERE name = %s",
            (name,),
        ).fetchone()
        document = read_document(record)
        passages = [
            read_passage(r, document)
            for (r,) in self.conn.execute(
                "SELECT record FROM passages WHERE document = %s ORDER BY id", (name,)
            ).fetchall()
        ]
        return Ingested(
            document,
            checksum,
            passages,
            np.zeros((0, self.dim), np.float32),  # passage vectors stay in the database
            list(starts),
            _matrix(sentence_vectors, self.dim),
            list(words),
            np.zeros((0, self.dim), np.float32),  # word vectors are shared, in ``self._words``
        )

    def _rows(self, ranked) -> Ranked:
        out = [(self._ids[int(i)], float(s)) for i, s in ranked if int(i) in self._ids]
        return sorted(out, key=lambda item: -item[1])  # stable: ties stay in row order

    def dense(
        self, contents: Contents, vector: np.ndarray, n: int, documents: frozenset[str] | None = None
    ) -> Ranked:
        with self._lock, self.conn.transaction():
            self.conn.execute(f"SET LOCAL hnsw.ef_search = {EF_SEARCH}")
            if documents is not None:
                self.conn.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
            query = DENSE_QUERY.format(where=DOCUMENT_FILTER if documents is not None else "")
            ranked = self.conn.execute(
                query, {"vector": _vector(vector), "n": n, "documents": sorted(documents or ())}
            ).fetchall()
        return self._rows(sorted(ranked, key=lambda r: (-r[1], r[0])))

    def lexical(
        self, contents: Contents, terms: list[str], n: int, documents: frozenset[str] | None = None
    ) -> Ranked:
        if not terms:
            return []
        with self._lock:
            ranked = self.conn.execute(
                BM25_QUERY,
                {"terms": list(terms), "n": n, "documents": None if documents is None else sorted(documents)},
            ).fetchall()
        return self._rows([(i, s) for i, s in ranked if s > 0])

    def describe(self) -> dict:
        with self._lock:
            documents, passages, sentences = self.conn.execute(
                "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM passages), "
                "(SELECT coalesce(sum(cardinality(sentence_starts)), 0) FROM documents)"
            ).fetchone()
            names = [r[0] for r in self.conn.execute("SELECT name FROM documents ORDER BY name")]
            model = self._meta("model") or {}
        return {
            "store": self.kind,
            "folder": safe_url(self.url),
            "built_at": None,
            "model": model.get("name"),
            "dense": "pgvector hnsw",
            "schema": SCHEMA_VERSION,
            "documents": int(documents),
            "passages": int(passages),
            "sentences": int(sentences),
            "generation": self.generation(),
            "document names": names,
        }

    # --------------------------------------------------------------- writing

    def put(self, documents: Sequence[Ingested], removed: Sequence[str] = ()) -> None:
        """Each document in its own transaction (whole or not at all), then each removal."""
        for part in documents:
            with self._lock, self.conn.transaction():
                self._lock_writes()
                gone, gone_terms = self._delete(part.document.name)
                added, added_terms = self._insert(part)
                self._bump(added - gone, added_terms - gone_terms)
        for name in removed:
            with self._lock, self.conn.transaction():
                self._lock_writes()
                gone, gone_terms = self._delete(name)
                self._bump(-gone, -gone_terms)

    def _lock_writes(self) -> None:
        self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))

    def _delete(self, name: str) -> tuple[int, int]:
        """Drop a document (its passages and postings go with it); how many passages and terms."""
        gone, terms = self.conn.execute(
            "WITH d AS (DELETE FROM passages WHERE document = %s RETURNING length) "
            "SELECT count(*), coalesce(sum(length), 0) FROM d",
            (name,),
        ).fetchone()
        self.conn.execute("DELETE FROM documents WHERE name = %s", (name,))
        return int(gone), int(terms)

    def _insert(self, part: Ingested) -> tuple[int, int]:
        """Write a document, its passages and postings; how many passages and terms."""
        doc = part.document
        self.conn.execute(
            "INSERT INTO documents (name, checksum, record, sentence_starts, sentence_vectors, words) "
            "VALUES (%s, %s, %s::jsonb, %s, %s, %s)",
            (
                doc.name,
                part.checksum,
                json.dumps(document_record(doc), ensure_ascii=False),
                part.sentence_starts,
                np.ascontiguousarray(part.sentence_vectors, dtype=np.float32).tobytes(),
                part.words,
            ),
        )
        vectors = np.ascontiguousarray(part.word_vectors, dtype=np.float32).reshape(-1, self.dim)
        self.conn.execute(
            "INSERT INTO words SELECT * FROM unnest(%s::text[], %s::bytea[]) ON CONFLICT (word) DO NOTHING",
            (part.words, [v.tobytes() for v in vectors]),
        )
        n = len(part.passages)
        ids = [
            r[0]
            for r in self.conn.execute(
                "SELECT nextval(pg_get_serial_sequence('passages', 'id')) FROM generate_series(1, %s)", (n,)
            )
        ]
        ids.sort()
        terms = [passage_terms(p.index_text()) for p in part.passages]
        with self.conn.cursor().copy(
            "COPY passages (id, document, passage_id, record, body, embedding, length) FROM STDIN"
        ) as copy:
            for pid, p, v, t in zip(ids, part.passages, part.passage_vectors, terms):
                copy.write_row(
                    (
                        pid,
                        doc.name,
                        p.passage_id,
                        json.dumps(passage_record(p)),
                        p.index_text(),
                        _vector(v),
                        len(t),
                    )
                )
        with self.conn.cursor().copy(
            "COPY postings (document, term, passage, tf, length) FROM STDIN"
        ) as copy:
            for pid, t in zip(ids, terms):
                counts: dict[str, int] = {}
                for term in t:
                    counts[term] = counts.get(term, 0) + 1
                for term, tf in counts.items():
                    copy.write_row((doc.name, term, pid, tf, len(t)))
        return n, sum(len(t) for t in terms)

    def _bump(self, passages: int, terms: int) -> None:
        """The statistics BM25 reads, and the generation readers compare, in the writer's transaction."""
        self.conn.execute(
            "UPDATE corpus_stats SET passages = passages + %s, terms = terms + %s, generation = generation + 1",
            (passages, terms),
        )

    def record_model(self, embedder: Embedder, params: SplitParams) -> None:
        with self._lock, self.conn.transaction():
            self._set_meta("model", {"name": embedder.name, "dim": embedder.dim, "probe": embedder.probe()})
            self._set_meta("splitting", splitting(params))
        self.stale = None

    def held(self) -> dict[str, str]:
        with self._lock:
            return dict(self.conn.execute("SELECT name, checksum FROM documents").fetchall())

    def sync(
        self,
        corpus_dir: Path,
        embedder: Embedder,
        params: SplitParams = SplitParams(),
        progress: bool = False,
        log: Callable[[str], None] = lambda message: None,
    ) -> None:
        """Bring the database in step with ``corpus_dir``: embed only new or changed documents (by
        checksum), drop those gone; everything when the model or splitting changed."""
        held = self.held()
        if self.stale or (held and self._meta("splitting") != splitting(params)):
            log(f"re-embedding every document: {self.stale or 'the splitting changed'}")
            held = {}
            self.put([], list(self.held()))
            if self.stale:  # the shared word vectors are the old model's too
                with self._lock, self.conn.transaction():
                    self._lock_writes()
                    self.conn.execute("DELETE FROM words")
        plan = plan_sync(corpus_dir, held)
        for warning in plan.warnings:
            log(warning)
        if plan.documents:
            log(f"embedding {len(plan.documents)} new or changed document(s)")
        self.record_model(embedder, params)
        self.put(embed(plan.documents, plan.checksums, embedder, params, progress=progress), plan.removed)

    def add(self, corpus_dir: Path, paths: Sequence[Path], embedder: Embedder) -> list[str]:
        """Put the corpus files ``paths`` (embedded now); their names."""
        if self.stale:
            self.contents()  # raises: this database holds another model's vectors
        plan = plan_add(corpus_dir, paths)
        self.record_model(embedder, SplitParams())
        self.put(embed(plan.documents, plan.checksums, embedder))
        return [d.name for d in plan.documents]

    def remove(self, names: Sequence[str]) -> None:
        """Drop ``names``; DocumentError (nothing changed) if one isn't in the database."""
        held = self.held()
        unknown = [n for n in names if n not in held]
        if unknown:
            raise DocumentError(
                f"unknown document {unknown[0]!r} in {safe_url(self.url)} (it holds: {', '.join(sorted(held)[:10])})"
            )
        self.put([], list(names))
