"""From documents to what a store holds: embed them (``embed``), and assemble a ``Contents``
from per-document parts (``assemble``); which files changed since a store was written
(``document_checksums``).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..corpus import CorpusError, _titles, corpus_listing, load_documents, read_file
from ..crosslingual import Vocabulary, content_words
from ..embedder import Embedder
from ..lexical import Lexicon, passage_terms
from ..passages import SplitParams, make_passages
from ..records import Document, Passage, Sentence
from .base import Contents, DocumentError, Ingested


def document_checksum(name: str, title: str | None, data: bytes) -> str:
    """What identifies a document's content: its name, its title and its file's bytes."""
    return hashlib.sha256(f"{name}\0{title or ''}\0".encode() + hashlib.sha256(data).digest()).hexdigest()


def document_checksums(corpus_dir: Path) -> dict[str, str]:
    """The checksum of every file of the corpus folder (readable or not), by document name."""
    corpus_dir = Path(corpus_dir)
    titles = _titles(corpus_dir)
    out = {}
    for path in corpus_listing(corpus_dir)[0]:
        name = path.relative_to(corpus_dir).as_posix()
        try:
            data = read_file(path)
        except OSError as exc:
            data = f"unreadable:{exc.errno}".encode()
        out[name] = document_checksum(name, titles.get(name), data)
    return out


def unique_sentences(passages: list[Passage]) -> dict[tuple[str, int], tuple[str | None, Sentence]]:
    """Each sentence once (overlapping passages share some), keyed by (document, start),
    with its section title; the order is the row order of the sentence vectors."""
    seen: dict[tuple[str, int], tuple[str | None, Sentence]] = {}
    for p in passages:
        for s in p.sentences:
            seen.setdefault((p.document, s.start), (p.section, s))
    return seen


def embed(
    documents: list[Document],
    checksums: dict[str, str],
    embedder: Embedder,
    params: SplitParams = SplitParams(),
    progress: bool = False,
) -> list[Ingested]:
    """Split and embed ``documents`` in one model call (the same batches whatever the store)."""
    passages = make_passages(documents, params)
    sentences = unique_sentences(passages)
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
    words = {d.name: sorted(set(content_words(d.text))) for d in documents}
    vocabulary = sorted({w for ws in words.values() for w in ws})
    word_vectors = np.asarray(embedder.queries(vocabulary)) if vocabulary else np.zeros((0, embedder.dim))
    word_row = {w: i for i, w in enumerate(vocabulary)}
    out = []
    for doc in documents:
        rows = [i for i, p in enumerate(passages) if p.document == doc.name]
        keys = [i for i, key in enumerate(sentences) if key[0] == doc.name]
        out.append(
            Ingested(
                document=doc,
                checksum=checksums.get(doc.name, ""),
                passages=[passages[i] for i in rows],
                passage_vectors=passage_vectors[rows],
                sentence_starts=[s.start for _, s in (list(sentences.values())[i] for i in keys)],
                sentence_vectors=sentence_vectors[keys],
                words=words[doc.name],
                word_vectors=word_vectors[[word_row[w] for w in words[doc.name]]].astype(np.float32),
            )
        )
    return out


def assemble(
    parts: Sequence[Ingested],
    word_vectors: dict[str, np.ndarray] | None = None,
    tokens: list[list[str]] | None = None,
) -> Contents:
    """The contents of a store holding ``parts``, in that order. ``word_vectors`` (word -> vector)
    stands in for parts whose ``word_vectors`` were not loaded; ``tokens``, the passages' terms
    when already computed."""
    documents = [p.document for p in parts]
    passages = [q for p in parts for q in p.passages]
    keys = [(p.document.name, start) for p in parts for start in p.sentence_starts]
    dim = next((p.sentence_vectors.shape[1] for p in parts if p.sentence_vectors.ndim == 2), 0)
    vectors = [p.sentence_vectors for p in parts if len(p.sentence_vectors)]
    sentence_vectors = np.concatenate(vectors) if vectors else np.zeros((0, dim), dtype=np.float32)
    lexicon = Lexicon.build(
        tokens if tokens is not None else [passage_terms(q.index_text()) for q in passages]
    )
    known = dict(word_vectors or {})
    for p in parts:
        known.update(zip(p.words, p.word_vectors))
    words = sorted({w for p in parts for w in p.words})
    vocabulary = Vocabulary(
        words, np.stack([known[w] for w in words]) if words else np.zeros((0, 0), dtype=np.float32)
    )
    return Contents(
        documents,
        passages,
        sentence_vectors,
        {key: i for i, key in enumerate(keys)},
        lexicon,
        vocabulary,
        checksums={p.document.name: p.checksum for p in parts},
        words={p.document.name: p.words for p in parts},
    )


def outstanding(corpus_dir: Path, excluded: set[str]) -> dict[str, str]:
    """The checksums a store in step with ``corpus_dir`` holds: every file but those removed."""
    return {name: c for name, c in document_checksums(corpus_dir).items() if name not in excluded}


@dataclass
class Plan:
    """What a store must change to be in step with the corpus folder."""

    documents: list[Document]  # to embed and put (new or changed)
    checksums: dict[str, str]  # of every file accounted for, put or skipped
    removed: list[str]  # held but gone from the folder (or unreadable now)
    warnings: list[str]


def plan_sync(corpus_dir: Path, held: dict[str, str], excluded: set[str] = frozenset()) -> Plan:
    """The documents of ``corpus_dir`` whose checksum differs from ``held`` (read and cleaned), and
    the held ones that are gone; CorpusError if the folder holds no readable text at all."""
    corpus_dir = Path(corpus_dir)
    files = outstanding(corpus_dir, excluded)
    listing_warnings = corpus_listing(corpus_dir)[1]
    changed = [n for n in files if held.get(n) != files[n]]
    documents, warnings = load_documents(corpus_dir, changed)
    unreadable = {n for n in changed if n not in {d.name for d in documents}}
    removed = [n for n in held if n not in files or n in unreadable]
    if not files or (len(unreadable) == len(files)):
        raise CorpusError(
            f"no readable text in corpus folder {corpus_dir}"
            + "".join(f"; {w}" for w in [*listing_warnings, *warnings])
        )
    return Plan(documents, files, removed, [*listing_warnings, *warnings])


def plan_add(corpus_dir: Path, paths: Sequence[Path]) -> Plan:
    """``paths``, each a file of the corpus folder, read and cleaned; DocumentError (nothing read)
    for a path outside the folder or not one of its documents, or a file without text."""
    corpus_dir = Path(corpus_dir)
    root = Path(os.path.abspath(corpus_dir))
    listed = {p.relative_to(corpus_dir).as_posix() for p in corpus_listing(corpus_dir)[0]}
    names = []
    for path in paths:
        resolved = Path(os.path.abspath(path))  # ".." taken out, links kept: listed files only
        name = resolved.relative_to(root).as_posix() if resolved.is_relative_to(root) else None
        if name is None or name not in listed:
            where = "is not a document of" if name is not None else "is outside"
            raise DocumentError(f"{str(path)[:120]} {where} the corpus folder {corpus_dir}; nothing changed")
        names.append(name)
    documents, warnings = load_documents(corpus_dir, names)
    if warnings:
        raise DocumentError(f"{warnings[0]}; nothing changed")
    files = document_checksums(corpus_dir)
    return Plan(documents, {n: files[n] for n in names}, [], [])
