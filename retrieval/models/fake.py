"""A tiny deterministic embedder for fast tests: character trigrams hashed into a small vector.

Texts that share words get close vectors, so search and answers behave
sensibly on a small corpus, without torch, a model file or any randomness
(crc32, unlike ``hash``, is the same in every process).
"""

from __future__ import annotations

import zlib

import numpy as np

from ..embedder import FAKE_MODEL, PROBE

# Small enough to be instant, large enough that a few dozen trigrams rarely collide.
FAKE_DIM = 64
NGRAM = 3


class HashingEmbedder:
    """Bag of hashed character trigrams, L2-normalised; registered as ``FAKE_MODEL``."""

    engine = "fake"

    def __init__(self, dim: int = FAKE_DIM) -> None:
        self.name = FAKE_MODEL
        self.dim = dim

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        for word in text.lower().split():
            padded = f" {word} "
            for i in range(max(1, len(padded) - NGRAM + 1)):
                h = zlib.crc32(padded[i : i + NGRAM].encode("utf-8"))
                v[h % self.dim] += 1.0 if h & 0x8000_0000 else -1.0
        norm = float(np.linalg.norm(v))
        return v / norm if norm else v

    def _encode(self, texts: list[str]) -> np.ndarray:
        return (
            np.stack([self._vector(t) for t in texts]).astype(np.float32)
            if texts
            else np.zeros((0, self.dim), np.float32)
        )

    def queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts)

    def passages(self, texts: list[str], progress: bool = False) -> np.ndarray:
        return self._encode(texts)

    def probe(self) -> list[float]:
        return [round(float(x), 6) for x in self._vector(PROBE)]
