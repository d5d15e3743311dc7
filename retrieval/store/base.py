"""The store seam: what search, answer, check, bench and eval need of wherever the passages live.

A store holds documents, their passages with a vector each, their sentences'
vectors and the terms BM25 ranks them by. Readers take one ``Contents`` (the
documents, passages and statistics of one consistent state) and rank its
passages with ``dense`` and ``lexical``; writers ``put`` whole documents, so a
reader sees a document entirely or not at all. One file per backend:
``files.py`` (FAISS + bm25s, embedded, the default) and ``postgres.py``
(PostgreSQL + pgvector); ``select.py`` picks one from ``--store``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from ..crosslingual import Vocabulary
from ..lexical import Lexicon
from ..records import Document, Passage, Sentence
from ..units import table_labels

# (row in ``Contents.passages``, score), best first.
Ranked = list[tuple[int, float]]


class IndexProblem(Exception):
    """A store that can't be used as it is; the message says why in one line."""


class IndexCorrupt(IndexProblem):
    """Files or rows that don't match what was written: refused, never silently used."""


class IndexMissing(IndexProblem):
    """No index yet: one is built."""


class DocumentError(IndexProblem):
    """A document name or file the store can't take (unknown, outside the corpus folder)."""


@dataclass(frozen=True)
class Ingested:
    """One document ready for a store: cleaned, split, embedded (``ingest.embed``)."""

    document: Document
    checksum: str  # of the file and its title: an unchanged document is not embedded again
    passages: list[Passage]
    passage_vectors: np.ndarray  # a row per passage
    sentence_starts: list[int]  # each sentence once, in reading order
    sentence_vectors: np.ndarray  # a row per sentence start
    words: list[str]  # its content words (crosslingual vocabulary)
    word_vectors: np.ndarray  # a row per word


@dataclass
class Contents:
    """The documents, passages and term statistics of one state of a store, in memory.

    Rankers return rows of ``passages``; the answerer reads the documents, the
    sentence vectors and the IDF weights of the same state, so an answer never
    mixes two versions of the store.
    """

    documents: list[Document]
    passages: list[Passage]
    sentence_vectors: np.ndarray
    sentence_rows: dict[tuple[str, int], int]
    lexical: Lexicon
    vocabulary: Vocabulary
    checksums: dict[str, str] = field(default_factory=dict)  # document name -> checksum
    words: dict[str, list[str]] = field(default_factory=dict)  # document name -> content words

    def __post_init__(self) -> None:
        self._by_name = {d.name: d for d in self.documents}
        self.rows = {p.passage_id: i for i, p in enumerate(self.passages)}
        # built on first use: most questions never need them
        self._sections: dict[tuple[str, str | None], list[Passage]] = {}
        self._labels: dict[str, dict[int, str]] = {}

    def document(self, name: str) -> Document:
        return self._by_name[name]

    def table_labels(self, document: str) -> dict[int, str]:
        """The column labels of each table row of ``document`` that has them, by unit index."""
        if document not in self._labels:
            self._labels[document] = table_labels(self.document(document))
        return self._labels[document]

    def section(self, passage: Passage) -> list[Passage]:
        """The passages of ``passage``'s section (of its document), in order."""
        if not self._sections:  # filled whole, then published: the chat's threads share it
            sections: dict[tuple[str, str | None], list[Passage]] = {}
            for p in self.passages:
                sections.setdefault((p.document, p.section), []).append(p)
            self._sections = sections
        return self._sections[(passage.document, passage.section)]

    def sentence_vector(self, passage: Passage, sentence: Sentence) -> np.ndarray:
        return self.sentence_vectors[self.sentence_rows[(passage.document, sentence.start)]]

    def check_names(self, names: Collection[str] | None) -> frozenset[str] | None:
        """``names`` as a filter; DocumentError naming any the store doesn't hold."""
        if names is None:
            return None
        unknown = sorted(set(names) - self._by_name.keys())
        if unknown:
            known = ", ".join(sorted(self._by_name)[:10])
            raise DocumentError(f"unknown document {unknown[0]!r} (the store holds: {known})")
        return frozenset(names)

    def passage_rows(self, names: frozenset[str]) -> np.ndarray:
        """Rows of the passages of the documents ``names``."""
        return np.array([i for i, p in enumerate(self.passages) if p.document in names], dtype=np.int64)


class Store(Protocol):
    """Where passages live; ``documents`` restricts a ranking to those documents (None: all)."""

    kind: str  # "files" or "postgresql"

    def contents(self) -> Contents:
        """The current state (a PostgreSQL store reloads what changed since the last call)."""
        ...

    def dense(
        self, contents: Contents, vector: np.ndarray, n: int, documents: frozenset[str] | None = None
    ) -> Ranked:
        """The ``n`` passages nearest to ``vector`` (inner product of normalised vectors)."""
        ...

    def lexical(
        self, contents: Contents, terms: list[str], n: int, documents: frozenset[str] | None = None
    ) -> Ranked:
        """The ``n`` passages BM25 ranks first for ``terms`` (score > 0 only)."""
        ...

    def put(self, documents: Sequence[Ingested], removed: Sequence[str] = ()) -> None:
        """Add or replace ``documents`` and drop ``removed``, each document whole or not at all."""
        ...

    def describe(self) -> dict:
        """Counts and settings for `retrieval info` and the logs."""
        ...
