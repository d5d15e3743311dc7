"""The file store's build folders and the ``CURRENT`` switch between them.

On disk, ``index/CURRENT`` names the build folder in use. A build is written
into a temporary folder, moved into place, and only then does ``CURRENT``
switch to it (an atomic rename), so a reader never sees a half-written
index and an interrupted build leaves the previous one in service.
"""

from __future__ import annotations

import fcntl
import itertools
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from ..files import write_atomic
from .base import IndexMissing, IndexProblem

# What ``publish`` names a build folder; ``CURRENT`` naming anything else is not followed.
BUILD_NAME = re.compile(r"build-[0-9A-Za-z-]+")
# A reader that finds its build gone while ``CURRENT`` moved opens the new one; a
# few tries, since only a build finishing in that instant causes it.
OPEN_ATTEMPTS = 3
# A temporary build folder younger than this may belong to a build running right now.
TMP_GRACE_S = 3600

T = TypeVar("T")


@contextmanager
def staging(index_dir: Path) -> Iterator[Path]:
    """A temporary folder inside ``index_dir`` to write a build into; removed if writing fails."""
    index_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-build-", dir=index_dir))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def publish(tmp: Path, index_dir: Path, tag: str) -> Path:
    """Move the written build ``tmp`` into place and switch ``CURRENT`` to it."""
    fsync_tree(tmp)
    # Never reuse a name: the same corpus built twice in a second would
    # otherwise replace the folder a reader is opening.
    base = name = f"build-{time.strftime('%Y%m%d-%H%M%S')}-{tag}"
    for n in itertools.count(1):
        if not (index_dir / name).exists():
            break
        name = f"{base}-{n}"
    final = index_dir / name
    previous = current_name(index_dir)
    os.replace(tmp, final)
    write_atomic(index_dir / "CURRENT", name + "\n")
    prune(index_dir, keep={name, previous})
    return final


def fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as f:
                os.fsync(f.fileno())


def prune(index_dir: Path, keep: set[str | None]) -> None:
    """Remove older builds and leftovers of interrupted ones (not locked by a live build).

    The build just replaced is kept: a reader that read ``CURRENT`` a moment
    before the switch may still be opening it. It goes at the next build.
    """
    for path in index_dir.iterdir():
        if path.is_dir() and path.name not in keep and path.name.startswith(("build-", ".tmp-build-")):
            if path.name.startswith(".tmp-build-") and time.time() - path.stat().st_mtime < TMP_GRACE_S:
                continue
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


def current_name(index_dir: Path) -> str | None:
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
    name = current_name(index_dir) or ""
    folder = index_dir / name
    if not BUILD_NAME.fullmatch(name) or folder.is_symlink() or not folder.is_dir():
        raise IndexMissing(f"{pointer} names no build folder ({name[:80]!r}); `retrieval build` makes one")
    return folder


def settled(index_dir: Path, read: Callable[[], T]) -> T:
    """``read()`` again if it failed while a build switched ``CURRENT`` under it.

    A build keeps the build it replaces, so this only matters when two builds
    finish while one reader is still opening the first.
    """
    for attempt in range(1, OPEN_ATTEMPTS + 1):
        before = current_name(index_dir)
        try:
            return read()
        except IndexProblem:
            if attempt == OPEN_ATTEMPTS or current_name(index_dir) == before:
                raise
    raise AssertionError("unreachable")
