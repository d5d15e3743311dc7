"""Retrieve passages: dense, lexical (BM25) and their fusion, from any store.

The dense list is the passages nearest to the question in the store's vector
index, each then scored by its sentence nearest to the question: a passage
holds several facts and its own vector blurs them, while a question asks for
one (``by_best_sentence``).

"hybrid" adds the two scores after scaling each list to 0..1 (min-max over
its top candidates; a passage missing from a list gets 0 there). "rrf" is
reciprocal rank fusion, sum of 1 / (RRF_K + rank), kept for comparison: on
the dev split min-max fusion ranked better, so it is the default (the README
gives the figures, `retrieval eval` measures them).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .asked import frame_words
from .crosslingual import WordVectors, content_words
from .embedder import Embedder
from .lexical import analyze
from .records import Hit
from .store.base import Contents, Ranked, Store
from .text import language

RRF_K = 60
CANDIDATES = 50  # how deep each retriever's list goes into the fusion
RETRIEVERS = ("hybrid", "dense", "bm25", "rrf")


@dataclass(frozen=True)
class Query:
    """A question as each stage needs it: its text, vector and index terms.

    For a follow-up, ``text`` holds the previous question and the new one,
    ``terms`` the new one's terms and ``context_terms`` the previous one's.
    """

    text: str
    vector: np.ndarray
    terms: list[str]
    context_terms: tuple[str, ...] = ()
    question: str = ""  # the new question alone
    # An English question's words that bring no dossier word: neither spelt as one, nor near one,
    # nor a translation of one ("Canada", "Kingdom"): what the dossier never names.
    unknown: tuple[str, ...] = ()

    @property
    def all_terms(self) -> list[str]:
        return [*self.terms, *self.context_terms]


class Searcher:
    def __init__(self, store: Store, embedder: Embedder) -> None:
        self.store = store
        self.embedder = embedder
        # Questions come back (examples, retries, batch files): embed each once.
        self.vector = lru_cache(maxsize=512)(self._embed)
        self.words = WordVectors(embedder.queries)

    def encode(self, text: str, context: str | None = None, contents: Contents | None = None) -> Query:
        """The query for ``text``, searched together with ``context`` when given; an English
        question's words also bring the dossier's French words nearest to them and those the
        glossary translates as them (in ``contents``, default the store's current state); the
        words that bring none are the query's ``unknown``."""
        full = f"{context} {text}" if context else text
        frame = set(frame_words(text))  # words that only say what is asked match nothing
        terms = [t for t in analyze(text) if t not in {u for w in frame for u in analyze(w)}]
        unknown: tuple[str, ...] = ()
        if language(text) == "en":
            words = [w for w in content_words(text) if w not in frame]
            contents = contents or self.store.contents()
            nearest = contents.vocabulary.nearest(self.words(words))
            translated = [contents.vocabulary.english_terms([w]) for w in words]
            terms = list(dict.fromkeys([*terms, *(t for found in (*nearest, *translated) for t in found)]))
            unknown = tuple(
                w
                for w, near, french in zip(words, nearest, translated, strict=True)
                if not near and not french and not any(t in contents.lexical.df for t in analyze(w))
            )
        return Query(full, self.vector(full), terms, tuple(analyze(context or "")), text, unknown)

    def _embed(self, text: str) -> np.ndarray:
        vector = self.embedder.queries([text])[0]
        vector.setflags(write=False)
        return vector

    def dense(
        self,
        query: Query,
        n: int = CANDIDATES,
        documents: frozenset[str] | None = None,
        contents: Contents | None = None,
    ) -> Ranked:
        contents = contents or self.store.contents()
        return by_best_sentence(
            contents, self.store.dense(contents, query.vector, n, documents), query.vector
        )

    def bm25(
        self,
        query: Query,
        n: int = CANDIDATES,
        documents: frozenset[str] | None = None,
        contents: Contents | None = None,
    ) -> Ranked:
        return self.store.lexical(contents or self.store.contents(), query.all_terms, n, documents)

    def search(
        self,
        query: Query,
        k: int = 10,
        retriever: str = "hybrid",
        documents: frozenset[str] | None = None,
        contents: Contents | None = None,
    ) -> list[Hit]:
        """The top ``k`` passages of ``contents`` (default the store's current state; of
        ``documents`` only, when given), best first, with each retriever's rank."""
        if retriever not in RETRIEVERS:
            raise ValueError(f"unknown retriever {retriever!r} (choose from {', '.join(RETRIEVERS)})")
        contents = contents or self.store.contents()
        dense = self.dense(query, documents=documents, contents=contents) if retriever != "bm25" else []
        lexical = self.bm25(query, documents=documents, contents=contents) if retriever != "dense" else []
        dense_rank = {i: r for r, (i, _) in enumerate(dense, start=1)}
        dense_score = dict(dense)
        lexical_score = dict(lexical)
        lexical_rank = {i: r for r, (i, _) in enumerate(lexical, start=1)}
        if retriever == "dense":
            scored = dense
        elif retriever == "bm25":
            scored = lexical
        else:
            fused = rrf(dense, lexical) if retriever == "rrf" else minmax_sum(dense, lexical)
            scored = sorted(fused.items(), key=lambda item: (-item[1], dense_rank.get(item[0], 10**9)))
        return [
            Hit(
                passage=contents.passages[i],
                rank=rank,
                score=score,
                dense_rank=dense_rank.get(i),
                lexical_rank=lexical_rank.get(i),
                dense_score=dense_score.get(i),
                lexical_score=lexical_score.get(i),
            )
            for rank, (i, score) in enumerate(scored[:k], start=1)
        ]


def by_best_sentence(contents: Contents, ranked: Ranked, vector: np.ndarray) -> Ranked:
    """``ranked`` passages scored by their sentence nearest to ``vector`` (the sentence vectors the
    answerer reads, with their section's title), best first, ties by row.

    On the dev split's 5-fold cross-validation this ranked the passage that holds the answer
    first more often than the passages' own vectors, and gave more right answers; the README
    gives the figures. The store's index still finds the passages: their sentences only reorder
    them, so a large store is searched as before."""
    rows = [
        [contents.sentence_rows[(p.document, s.start)] for s in p.sentences]
        for p in (contents.passages[i] for i, _ in ranked)
    ]
    if not ranked or not all(rows):  # a passage has sentences; if not, the store's order stays
        return ranked
    # one product for all the sentences, then each passage's best
    cosines = contents.sentence_vectors[[row for own in rows for row in own]] @ vector
    best = np.maximum.reduceat(cosines, np.cumsum([0, *map(len, rows[:-1])]))
    return sorted(((i, float(b)) for (i, _), b in zip(ranked, best)), key=lambda r: (-r[1], r[0]))


def rrf(*ranked: Ranked) -> dict[int, float]:
    fused: dict[int, float] = {}
    for results in ranked:
        for rank, (i, _) in enumerate(results, start=1):
            fused[i] = fused.get(i, 0.0) + 1.0 / (RRF_K + rank)
    return fused


def minmax_sum(*ranked: Ranked) -> dict[int, float]:
    fused: dict[int, float] = {}
    for results in ranked:
        if not results:
            continue
        scores = [s for _, s in results]
        low, high = min(scores), max(scores)
        for i, s in results:
            fused[i] = fused.get(i, 0.0) + ((s - low) / (high - low) if high > low else 1.0)
    return fused
