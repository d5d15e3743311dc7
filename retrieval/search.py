"""Retrieve passages: dense (FAISS), lexical (BM25) and their fusion.

Hybrid search fuses the two ranked lists by reciprocal rank fusion,
score = sum over retrievers of 1 / (RRF_K + rank), which needs no score
calibration between a cosine and a BM25 score.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .embedder import Embedder
from .index import Index
from .lexical import analyze
from .records import Hit

RRF_K = 60
CANDIDATES = 50  # how deep each retriever's list goes into the fusion
RETRIEVERS = ("hybrid", "dense", "bm25")


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

    @property
    def all_terms(self) -> list[str]:
        return [*self.terms, *self.context_terms]


class Searcher:
    def __init__(self, index: Index, embedder: Embedder) -> None:
        self.index = index
        self.embedder = embedder

    def encode(self, text: str, context: str | None = None) -> Query:
        """The query for ``text``, searched together with ``context`` when given."""
        full = f"{context} {text}" if context else text
        return Query(full, self.embedder.queries([full])[0], analyze(text), tuple(analyze(context or "")), text)

    def dense(self, query: Query, n: int = CANDIDATES) -> list[tuple[int, float]]:
        n = min(n, len(self.index.passages))
        scores, ids = self.index.dense.search(query.vector[None, :].astype(np.float32), n)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]

    def bm25(self, query: Query, n: int = CANDIDATES) -> list[tuple[int, float]]:
        scores = self.index.lexical.scores(query.all_terms)
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]

    def search(self, query: Query, k: int = 10, retriever: str = "hybrid") -> list[Hit]:
        """The top ``k`` passages, best first, with each retriever's rank."""
        if retriever not in RETRIEVERS:
            raise ValueError(f"unknown retriever {retriever!r} (choose from {', '.join(RETRIEVERS)})")
        dense = self.dense(query) if retriever in ("hybrid", "dense") else []
        lexical = self.bm25(query) if retriever in ("hybrid", "bm25") else []
        dense_rank = {i: r for r, (i, _) in enumerate(dense, start=1)}
        dense_score = dict(dense)
        lexical_rank = {i: r for r, (i, _) in enumerate(lexical, start=1)}
        if retriever == "dense":
            scored = dense
        elif retriever == "bm25":
            scored = lexical
        else:
            fused: dict[int, float] = {}
            for ranks in (dense_rank, lexical_rank):
                for i, r in ranks.items():
                    fused[i] = fused.get(i, 0.0) + 1.0 / (RRF_K + r)
            scored = sorted(fused.items(), key=lambda item: (-item[1], dense_rank.get(item[0], 10**9)))
        return [
            Hit(
                passage=self.index.passages[i],
                rank=rank,
                score=score,
                dense_rank=dense_rank.get(i),
                lexical_rank=lexical_rank.get(i),
                dense_score=dense_score.get(i),
            )
            for rank, (i, score) in enumerate(scored[:k], start=1)
        ]
