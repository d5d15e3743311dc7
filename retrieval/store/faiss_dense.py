"""The file store's dense ranker: FAISS, exact up to FLAT_MAX passages, HNSW past it."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from .base import Ranked

# Past this many passages the dense index is HNSW (approximate) instead of
# exact search: about 70 times this dossier.
FLAT_MAX = 10_000
HNSW_M, HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH = 32, 80, 96


class Dense:
    """A FAISS index over passage vectors, row i being passage i of the contents."""

    def __init__(self, index: faiss.Index) -> None:
        self.index = index
        if isinstance(index, faiss.IndexHNSW):
            index.hnsw.efSearch = HNSW_EF_SEARCH

    @classmethod
    def build(cls, vectors: np.ndarray, exact: bool | None = None) -> Dense:
        """Exact search up to FLAT_MAX vectors (or when ``exact``), HNSW beyond."""
        dim = vectors.shape[1]
        if exact if exact is not None else len(vectors) <= FLAT_MAX:
            index = faiss.IndexFlatIP(dim)
        else:
            index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(index)

    @property
    def kind(self) -> str:
        return type(self.index).__name__

    @property
    def approximate(self) -> bool:
        return isinstance(self.index, faiss.IndexHNSW)

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    @property
    def dim(self) -> int:
        return int(self.index.d)

    def vectors(self) -> np.ndarray:
        """Every stored vector, in row order (to rebuild after a change)."""
        return self.index.reconstruct_n(0, self.size) if self.size else np.zeros((0, self.dim), np.float32)

    def search(self, vector: np.ndarray, n: int, rows: np.ndarray | None = None) -> Ranked:
        """The ``n`` nearest rows, only among ``rows`` when given."""
        n = min(n, self.size if rows is None else len(rows))
        if n <= 0:
            return []
        params = None
        if rows is not None:
            selector = faiss.IDSelectorBatch(rows)
            params = (
                faiss.SearchParametersHNSW(sel=selector, efSearch=HNSW_EF_SEARCH)
                if self.approximate
                else faiss.SearchParameters(sel=selector)
            )
        scores, ids = self.index.search(vector[None, :].astype(np.float32), n, params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]

    def save(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path) -> Dense:
        return cls(faiss.read_index(str(path)))
