"""The one place that picks a store from ``--store`` / RETRIEVAL_STORE and checks the value.

No value: the file store in ``--index`` (FAISS + bm25s, embedded). A
``postgresql://user@host:port/db`` URL: PostgreSQL with pgvector. Anything
else is refused before anything is read or written.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from ..config import Settings, SettingsError
from ..embedder import Embedder
from .base import Store

SCHEMES = ("postgresql", "postgres")


def check_store(value: str | None, source: str = "--store") -> str | None:
    """``value`` if it names a store this project can use (None: the file store); SettingsError else."""
    if value is None or value == "":
        return None
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in SCHEMES or not (parts.hostname or "host=" in parts.query):
        raise SettingsError(
            f"{source} must be a PostgreSQL URL such as postgresql://user@host:5432/db, not {value[:60]!r}"
        )
    if not parts.path.strip("/"):
        raise SettingsError(f"{source} names no database ({value[:60]!r}): postgresql://user@host:port/DB")
    return value


def open_store(
    settings: Settings,
    embedder: Embedder,
    progress: bool = False,
    log: Callable[[str], None] = lambda message: None,
    rebuild: bool = False,
) -> Store:
    """The store ``settings`` name, for ``embedder``. The file store is brought up to date with the
    corpus folder; a PostgreSQL store is only read (``retrieval build``, ``add``, ``remove`` write it)
    unless ``rebuild``, which brings it up to date with the corpus folder first."""
    url = check_store(settings.store, "RETRIEVAL_STORE / --store")
    if url is None:
        from .files import open_file_store

        return open_file_store(
            settings.corpus_dir, settings.index_dir, embedder, progress=progress, log=log, force=rebuild
        )
    from .postgres import PostgresStore

    store = PostgresStore.connect(url, embedder)
    if rebuild:
        store.sync(settings.corpus_dir, embedder, progress=progress, log=log)
    store.contents()  # an empty database or another model's vectors: said now, in one line
    return store


def add_files(
    settings: Settings, embedder: Embedder, paths: list[Path], log: Callable[[str], None] = lambda m: None
) -> list[str]:
    """Put the corpus files ``paths`` into the store of ``settings``, embedding only them; their names.
    DocumentError, with nothing changed, for a file outside the corpus folder."""
    url = check_store(settings.store, "RETRIEVAL_STORE / --store")
    if url is None:
        from . import builds, files

        with builds.build_lock(settings.index_dir):
            return files.add(files.open_current(settings.index_dir), settings.corpus_dir, paths, embedder)
    from .postgres import PostgresStore

    return PostgresStore.connect(url, embedder).add(settings.corpus_dir, paths, embedder)


def remove_documents(
    settings: Settings, embedder: Embedder, names: list[str], log: Callable[[str], None] = lambda m: None
) -> None:
    """Drop the documents ``names`` from the store of ``settings``; DocumentError, with nothing
    changed, if one of them is not in it."""
    url = check_store(settings.store, "RETRIEVAL_STORE / --store")
    if url is None:
        from . import builds, files

        with builds.build_lock(settings.index_dir):
            files.remove(files.open_current(settings.index_dir), names)
        return
    from .postgres import PostgresStore

    PostgresStore.connect(url, embedder).remove(names)
