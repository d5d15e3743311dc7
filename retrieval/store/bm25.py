"""The file store's lexical ranker: bm25s over the passages' terms."""

from __future__ import annotations

from pathlib import Path

import bm25s
import numpy as np

from .base import Ranked


class BM25:
    """bm25s's index, row i being passage i of the contents."""

    def __init__(self, bm25: bm25s.BM25, size: int) -> None:
        self.bm25 = bm25
        self.size = size

    @classmethod
    def build(cls, tokens: list[list[str]]) -> BM25:
        """From each passage's terms (``lexical.passage_terms``)."""
        bm25 = bm25s.BM25()
        bm25.index(tokens, show_progress=False)
        return cls(bm25, len(tokens))

    def scores(self, terms: list[str]) -> np.ndarray:
        """BM25 score of every passage for the query ``terms``."""
        ids = self.bm25.get_tokens_ids(terms)
        if not ids:
            return np.zeros(self.size, dtype=np.float32)
        return self.bm25.get_scores_from_ids(ids)

    def top(self, terms: list[str], n: int, rows: np.ndarray | None = None) -> Ranked:
        """The ``n`` best-scoring rows (only among ``rows`` when given), score > 0 only."""
        scores = self.scores(terms)
        if rows is not None:
            kept = np.zeros_like(scores)
            kept[rows] = scores[rows]
            scores = kept
        n = min(n, len(scores))
        if n <= 0:
            return []
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]

    def save(self, folder: Path) -> None:
        self.bm25.save(str(Path(folder) / "bm25"), show_progress=False)

    @classmethod
    def load(cls, folder: Path, size: int) -> BM25:
        return cls(bm25s.BM25.load(str(Path(folder) / "bm25")), size)
