"""The model seam: what the pipeline needs of an embedding model, and the one place that picks it.

Every engine gives L2-normalised float32 rows, one per text: ``queries`` for
questions (with the model's query prompt), ``passages`` for what the index
holds, and ``probe`` for a fixed text, which the index manifest records so
that a different model, tokenizer or engine is caught at load.

``open_embedder`` chooses: a registered model name (the test fake) gets its
factory; the default model, when the index in use was built with it, is
answered by onnxruntime without importing torch (``models.onnx_e5``);
anything else, and every build, goes through sentence-transformers
(``models.st``).
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from .config import DEFAULT_MODEL, ENGINES

if TYPE_CHECKING:
    from .config import Settings

PROBE = "query: France 2030 et l’intelligence artificielle"


class ModelError(Exception):
    """The embedding model can't be loaded."""


class Embedder(Protocol):
    """What the index, the search and the answerer use of a model."""

    name: str  # the model name the index manifest records and checks
    dim: int
    engine: str  # which engine computes the vectors ("sentence-transformers", "onnxruntime", "fake")

    def queries(self, texts: list[str]) -> np.ndarray: ...

    def passages(self, texts: list[str], progress: bool = False) -> np.ndarray: ...

    def probe(self) -> list[float]: ...


# Model names answered by a factory of their own instead of sentence-transformers.
_REGISTRY: dict[str, Callable[[Settings], Embedder]] = {}


def register_model(name: str, factory: Callable[[Settings], Embedder]) -> None:
    """Make ``name`` (as ``--model`` or ``Settings.model``) open with ``factory``."""
    _REGISTRY[name] = factory


def _fake(settings: Settings) -> Embedder:
    from .models.fake import HashingEmbedder

    return HashingEmbedder()


FAKE_MODEL = "fake/hashing-ngrams"
register_model(FAKE_MODEL, _fake)


def engine_for(settings: Settings, rebuild: bool = False) -> str:
    """Which engine ``open_embedder`` uses for ``settings`` (without loading anything heavy).

    With ``settings.engine == "auto"`` the default model runs on onnxruntime
    when the index in use was built with it (so its probe can be checked);
    otherwise (no index, another model, a rebuild), or with ``"torch"``,
    sentence-transformers runs it.
    """
    if settings.engine not in ENGINES:
        raise ModelError(f"unknown engine {settings.engine!r} (choose from {', '.join(ENGINES)})")
    if settings.model in _REGISTRY:
        return "registered"
    if (
        settings.engine == "auto"
        and settings.model == DEFAULT_MODEL
        and not rebuild
        and _index_model(settings.index_dir) == DEFAULT_MODEL
    ):
        return "onnxruntime"
    return "sentence-transformers"


def open_embedder(settings: Settings, rebuild: bool = False) -> Embedder:
    """The embedder for ``settings``; the engine is chosen here (``engine_for``) and nowhere else."""
    engine = engine_for(settings, rebuild)
    if engine == "registered":
        return _REGISTRY[settings.model](settings)
    if engine == "onnxruntime":
        from .models.onnx_e5 import OnnxE5Embedder

        return OnnxE5Embedder(settings.cache_dir)
    from .models.st import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(settings.model, settings.cache_dir)


def _index_model(index_dir: Path) -> str | None:
    """The model name the current index's manifest records, if there is a readable one."""
    from .store.base import IndexProblem
    from .store.builds import current_folder
    from .store.manifest import read_manifest

    try:
        return read_manifest(current_folder(index_dir)).get("model", {}).get("name")
    except (IndexProblem, OSError, AttributeError):
        return None


def prepare_environment(settings: Settings) -> None:
    """Process-wide switches, for entry points only (CLI, chat): the default model
    never touches the network, and no weight-loading progress bars or advisory
    warnings on every start."""
    if settings.model == DEFAULT_MODEL:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    logging.getLogger("sentence_transformers").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=FutureWarning)
