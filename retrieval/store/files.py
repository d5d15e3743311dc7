"""The default store, embedded in the process: FAISS for vectors, bm25s for terms, in build folders.

A change (a build, ``add``, ``remove``) writes a whole new build folder and
switches ``CURRENT`` to it (``builds.py``); ``manifest.json`` records what it
was built from and the checksum of each file (``manifest.py``). Only new or
changed documents are embedded: the others' vectors are read back from the
build in service.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ..corpus import corpus_checksum
from ..crosslingual import VECTORS_FILE, WORDS_FILE, Vocabulary
from ..embedder import Embedder
from ..lexical import Lexicon, passage_terms
from ..passages import SplitParams
from . import builds
from .base import Contents, DocumentError, IndexCorrupt, IndexMissing, IndexProblem, Ingested, Ranked
from .bm25 import BM25
from .codec import document_record, passage_record, read_document, read_passage
from .faiss_dense import Dense
from .ingest import assemble, embed, plan_add, plan_sync
from .manifest import checksums, new_manifest, read_manifest, staleness, verify

FILES = ("corpus.json", "dense.faiss", "sentences.npy", "lexicon.json", "bm25", WORDS_FILE, VECTORS_FILE)


class FileStore:
    """FAISS + bm25s over one ``Contents``; ``folder`` is the build it was read from or written to."""

    kind = "files"

    def __init__(
        self,
        contents: Contents,
        dense: Dense,
        bm25: BM25,
        manifest: dict,
        folder: Path | None = None,
        index_dir: Path | None = None,
    ) -> None:
        self._contents = contents
        self.dense_index = dense
        self.bm25 = bm25
        self.manifest = manifest
        self.folder = folder
        self.index_dir = index_dir

    @classmethod
    def from_parts(
        cls,
        parts: Sequence[Ingested],
        manifest: dict,
        word_vectors: dict[str, np.ndarray] | None = None,
        exact: bool | None = None,
    ) -> FileStore:
        """Rank ``parts`` in memory (nothing written); ``manifest`` gets the counts and dense type."""
        if not parts:
            raise DocumentError("a store keeps at least one document; nothing changed")
        tokens = [passage_terms(q.index_text()) for p in parts for q in p.passages]
        contents = assemble(parts, word_vectors, tokens=tokens)
        vectors = [p.passage_vectors for p in parts]
        dense = Dense.build(np.concatenate(vectors), exact=exact)
        manifest = dict(
            manifest,
            dense={"type": dense.kind, "ntotal": dense.size, "metric": "inner_product"},
            counts={
                "documents": len(contents.documents),
                "passages": len(contents.passages),
                "sentences": len(contents.sentence_rows),
            },
        )
        return cls(contents, dense, BM25.build(tokens), manifest)

    # --------------------------------------------------------------- reading

    def contents(self) -> Contents:
        return self._contents

    def dense(
        self, contents: Contents, vector: np.ndarray, n: int, documents: frozenset[str] | None = None
    ) -> Ranked:
        rows = None if documents is None else contents.passage_rows(documents)
        return self.dense_index.search(vector, n, rows)

    def lexical(
        self, contents: Contents, terms: list[str], n: int, documents: frozenset[str] | None = None
    ) -> Ranked:
        rows = None if documents is None else contents.passage_rows(documents)
        return self.bm25.top(terms, n, rows)

    def describe(self) -> dict:
        m = self.manifest
        return {
            "store": self.kind,
            "folder": str(self.folder) if self.folder else "(in memory)",
            "built_at": m.get("built_at"),
            "model": m["model"]["name"],
            "dense": m["dense"]["type"],
            **m["counts"],
        }

    # --------------------------------------------------------------- writing

    def parts(self) -> list[Ingested]:
        """Every document as ``put`` takes it, vectors read back from FAISS."""
        c = self._contents
        vectors = self.dense_index.vectors()
        words = dict(zip(c.vocabulary.words, c.vocabulary.vectors))
        starts: dict[str, list[int]] = {d.name: [] for d in c.documents}
        for doc, start in c.sentence_rows:
            starts[doc].append(start)
        out = []
        for d in c.documents:
            rows = [c.rows[p.passage_id] for p in c.passages if p.document == d.name]
            keys = [c.sentence_rows[(d.name, s)] for s in starts[d.name]]
            ws = c.words.get(d.name, [])
            out.append(
                Ingested(
                    d,
                    c.checksums.get(d.name, ""),
                    [c.passages[i] for i in rows],
                    vectors[rows],
                    starts[d.name],
                    c.sentence_vectors[keys],
                    ws,
                    np.array([words[w] for w in ws], dtype=np.float32).reshape(len(ws), -1),
                )
            )
        return out

    def put(self, documents: Sequence[Ingested], removed: Sequence[str] = ()) -> None:
        """A new build with ``documents`` added or replaced and ``removed`` gone (saved when the
        store has an index folder)."""
        self.change(documents, removed)

    def change(
        self,
        documents: Sequence[Ingested],
        removed: Sequence[str] = (),
        files: dict[str, str] | None = None,
        excluded: set[str] | None = None,
        warnings: list[str] | None = None,
    ) -> None:
        gone = set(removed) | {d.document.name for d in documents}
        kept = [p for p in self.parts() if p.document.name not in gone]
        corpus = dict(self.manifest.get("corpus", {}))
        held = dict(corpus.get("files", {}))
        for name in removed:
            held.pop(name, None)
        held.update(files or {d.document.name: d.checksum for d in documents})
        corpus["files"] = held
        if excluded is not None:
            corpus["excluded"] = sorted(excluded)
        if warnings is not None:
            corpus["warnings"] = warnings
        new = type(self).from_parts([*kept, *documents], dict(self.manifest, corpus=corpus))
        new.manifest["corpus"]["documents"] = [d.name for d in new._contents.documents]
        if self.index_dir is not None:
            new.save(self.index_dir)
        self.__dict__.update(new.__dict__ | {"index_dir": self.index_dir})

    def save(self, index_dir: Path) -> Path:
        """Write this store as a new build and switch ``CURRENT`` to it."""
        index_dir = Path(index_dir)
        with builds.staging(index_dir) as tmp:
            c = self._contents
            _write_json(
                tmp / "corpus.json",
                {
                    "documents": [document_record(d) for d in c.documents],
                    "passages": [passage_record(p) for p in c.passages],
                    "sentence_rows": [[doc, start, row] for (doc, start), row in c.sentence_rows.items()],
                    "checksums": c.checksums,
                    "words": c.words,
                },
            )
            self.dense_index.save(tmp / "dense.faiss")
            np.save(tmp / "sentences.npy", c.sentence_vectors)
            (tmp / "lexicon.json").write_text(
                json.dumps({"n_docs": c.lexical.n_docs, "df": c.lexical.df}, ensure_ascii=False)
            )
            self.bm25.save(tmp)
            c.vocabulary.save(tmp)
            manifest = dict(self.manifest, files=checksums(tmp))
            _write_json(tmp / "manifest.json", manifest)
            final = builds.publish(tmp, index_dir, manifest["files"]["dense.faiss"][:8])
        self.manifest, self.folder, self.index_dir = manifest, final, index_dir
        return final

    # --------------------------------------------------------------- loading

    @classmethod
    def load(cls, folder: Path, manifest: dict | None = None) -> FileStore:
        """Read a verified build folder; IndexCorrupt on anything inconsistent."""
        manifest = manifest or read_manifest(folder)
        verify(folder, manifest, FILES)
        try:
            record = json.loads((folder / "corpus.json").read_text(encoding="utf-8"))
            documents = [read_document(d) for d in record["documents"]]
            by_name = {d.name: d for d in documents}
            passages = [read_passage(p, by_name[p["document"]]) for p in record["passages"]]
            rows = {(doc, int(start)): int(row) for doc, start, row in record["sentence_rows"]}
            dense = Dense.load(folder / "dense.faiss")
            sentence_vectors = np.load(folder / "sentences.npy", allow_pickle=False)
            lexicon_record = json.loads((folder / "lexicon.json").read_text())
            lexicon = Lexicon(
                {str(k): int(v) for k, v in lexicon_record["df"].items()}, int(lexicon_record["n_docs"])
            )
            bm25 = BM25.load(folder, len(passages))
            vocabulary = Vocabulary.load(folder)
            contents = Contents(
                documents,
                passages,
                sentence_vectors,
                rows,
                lexicon,
                vocabulary,
                checksums={str(k): str(v) for k, v in record["checksums"].items()},
                words={str(k): [str(w) for w in v] for k, v in record["words"].items()},
            )
        except IndexCorrupt:
            raise
        except Exception as exc:  # any decoding failure of a checksummed file means corruption
            raise IndexCorrupt(
                f"{folder}: cannot read the index ({exc.__class__.__name__}: {exc})".splitlines()[0]
            ) from exc
        dim = manifest.get("model", {}).get("dim")
        if dense.size != len(passages) or dense.dim != dim:
            raise IndexCorrupt(
                f"{folder}: {dense.size} vectors of size {dense.dim} for {len(passages)} passages of size {dim}"
            )
        if sentence_vectors.shape != (len(rows), dim) or lexicon.n_docs != len(passages):
            raise IndexCorrupt(f"{folder}: sentence vectors or BM25 index don't match the passages")
        if vocabulary.vectors.shape[1:] not in ((dim,), (0,)):
            raise IndexCorrupt(f"{folder}: vocabulary vectors don't match the model's size {dim}")
        return cls(contents, dense, bm25, manifest, folder, folder.parent)


def build(
    corpus_dir: Path,
    embedder: Embedder,
    params: SplitParams = SplitParams(),
    progress: bool = False,
    log: Callable[[str], None] = lambda message: None,
) -> FileStore:
    """Read the corpus and compute everything the file store holds (in memory)."""
    plan = plan_sync(corpus_dir, {})
    for warning in plan.warnings:
        log(warning)
    parts = embed(plan.documents, plan.checksums, embedder, params, progress=progress)
    corpus = {
        "checksum": corpus_checksum(corpus_dir),
        "documents": [d.name for d in plan.documents],
        "warnings": plan.warnings,
        "files": plan.checksums,
        "excluded": [],
    }
    return FileStore.from_parts(parts, new_manifest(embedder, params, corpus, {}, {}))


def open_file_store(
    corpus_dir: Path,
    index_dir: Path,
    embedder: Embedder,
    params: SplitParams = SplitParams(),
    progress: bool = False,
    log: Callable[[str], None] = lambda message: None,
    force: bool = False,
) -> FileStore:
    """The store for this corpus and model: loaded if up to date, else brought up to date.

    A missing index, a changed model or settings, or ``force``, rebuild it all; a changed
    corpus re-embeds only the documents that changed; ``log`` says why. A corrupt index
    raises IndexCorrupt unless ``force`` asks for a rebuild anyway. If the index folder
    can't be written, the new index is used from memory and ``log`` says so.
    """
    index_dir = Path(index_dir)
    if index_dir.exists() and not index_dir.is_dir():
        raise IndexProblem(f"index folder {index_dir} is a file, not a folder")

    def why() -> str | None:
        return builds.settled(index_dir, lambda: _reason_to_build(corpus_dir, index_dir, embedder, params))

    reason = "rebuild requested" if force else why()
    if reason is None:
        return open_current(index_dir)
    try:
        with builds.build_lock(index_dir):
            # Another process may have finished the same build while we waited.
            if not force and (reason := why()) is None:
                return open_current(index_dir)
            log(f"building the index: {reason}")
            if reason == "the corpus changed":
                store = open_current(index_dir)
                sync(store, corpus_dir, embedder, params, progress, log)
                return store
            store = build(corpus_dir, embedder, params, progress=progress, log=log)
            store.save(index_dir)
            return store
    except PermissionError as exc:
        log(f"index folder not writable ({exc.strerror}: {exc.filename}); using a fresh index from memory")
        return build(corpus_dir, embedder, params, progress=progress, log=log)
    except (FileExistsError, NotADirectoryError) as exc:  # a file where a folder should be
        raise IndexProblem(f"cannot use index folder {index_dir}: {exc.strerror} ({exc.filename})") from exc


def sync(
    store: FileStore,
    corpus_dir: Path,
    embedder: Embedder,
    params: SplitParams = SplitParams(),
    progress: bool = False,
    log: Callable[[str], None] = lambda message: None,
) -> None:
    """Embed the documents of ``corpus_dir`` that changed and drop those gone, in one new build."""
    corpus = store.manifest.get("corpus", {})
    excluded = set(corpus.get("excluded", ()))
    plan = plan_sync(corpus_dir, store.contents().checksums, excluded)
    for warning in plan.warnings:
        log(warning)
    parts = embed(plan.documents, plan.checksums, embedder, params, progress=progress)
    store.manifest["corpus"] = dict(corpus, checksum=corpus_checksum(corpus_dir))
    store.change(parts, plan.removed, files=plan.checksums, warnings=plan.warnings)


def add(store: FileStore, corpus_dir: Path, paths: Sequence[Path], embedder: Embedder) -> list[str]:
    """Put the corpus files ``paths`` into ``store`` (embedded now); their names."""
    plan = plan_add(corpus_dir, paths)
    parts = embed(plan.documents, plan.checksums, embedder, SplitParams())
    excluded = set(store.manifest.get("corpus", {}).get("excluded", ())) - set(plan.checksums)
    store.change(parts, files=plan.checksums, excluded=excluded)
    return [d.name for d in plan.documents]


def remove(store: FileStore, names: Sequence[str]) -> None:
    """Drop the documents ``names`` (kept out of later syncs until added again)."""
    store.contents().check_names(names)
    excluded = set(store.manifest.get("corpus", {}).get("excluded", ())) | set(names)
    store.change([], names, excluded=excluded)


def open_current(index_dir: Path) -> FileStore:
    """The build ``CURRENT`` names, loaded and verified, even while builds switch it."""
    return builds.settled(Path(index_dir), lambda: FileStore.load(builds.current_folder(index_dir)))


def _reason_to_build(
    corpus_dir: Path, index_dir: Path, embedder: Embedder, params: SplitParams
) -> str | None:
    try:
        folder = builds.current_folder(index_dir)
    except IndexMissing as exc:
        return str(exc)
    return staleness(read_manifest(folder), corpus_dir, embedder, params)


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
