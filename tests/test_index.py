"""The index on disk: built on demand, rebuilt when stale, refused when corrupt, swapped atomically."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from retrieval.store import faiss_dense
from retrieval.store import files as idx
from retrieval.store.base import IndexCorrupt, IndexMissing, IndexProblem
from retrieval.store.builds import current_folder
from retrieval.store.files import FileStore, open_file_store

pytestmark = pytest.mark.slow  # real indexes built with the real model


def _open(corpus, folder, embedder, logs=None, **kw):
    return open_file_store(
        corpus, folder, embedder, log=(logs.append if logs is not None else lambda m: None), **kw
    )


def test_a_missing_index_is_built_and_then_reused(tiny_corpus, tmp_path, embedder):
    logs: list[str] = []
    first = _open(tiny_corpus, tmp_path / "index", embedder, logs)
    assert any("building the index: no index" in m for m in logs)
    assert first.manifest["counts"]["documents"] == 2
    logs.clear()
    second = _open(tiny_corpus, tmp_path / "index", embedder, logs)
    assert logs == []
    assert second.folder == first.folder
    assert [p.passage_id for p in second.contents().passages] == [
        p.passage_id for p in first.contents().passages
    ]


def test_manifest_records_what_the_index_was_built_from(tiny_corpus, tmp_path, embedder):
    built = _open(tiny_corpus, tmp_path / "index", embedder)
    m = built.manifest
    assert (
        m["model"]["name"] == embedder.name and m["model"]["dim"] == 384 and len(m["model"]["probe"]) == 384
    )
    assert m["splitting"] == {"min_words": 40, "max_words": 120, "overlap": 1, "whole_words": 160}
    assert m["dense"] == {
        "type": "IndexFlatIP",
        "ntotal": len(built.contents().passages),
        "metric": "inner_product",
    }
    assert len(m["corpus"]["checksum"]) == 64 and "faiss-cpu" in m["versions"]
    assert set(m["files"]) >= {"corpus.json", "dense.faiss", "sentences.npy", "lexicon.json"}


def test_a_changed_corpus_makes_the_index_stale_and_it_is_rebuilt(tiny_corpus, tmp_path, embedder):
    first = _open(tiny_corpus, tmp_path / "index", embedder)
    (tiny_corpus / "tram.txt").write_text("La ligne de tramway ouvrira en 2028.\n", encoding="utf-8")
    logs: list[str] = []
    second = _open(tiny_corpus, tmp_path / "index", embedder, logs)
    assert logs == ["building the index: the corpus changed"]
    assert second.folder != first.folder
    assert any("2028" in p.text for p in second.contents().passages)
    assert first.folder.exists()  # kept: a reader may still be opening it
    (tiny_corpus / "tram.txt").write_text("La ligne de tramway ouvrira en 2029.\n", encoding="utf-8")
    third = _open(tiny_corpus, tmp_path / "index", embedder)
    assert not first.folder.exists()  # pruned at the next build
    assert second.folder.exists() and third.folder.exists()
    assert sorted(p.name for p in (tmp_path / "index").iterdir() if p.name.startswith("build-")) == sorted(
        [second.folder.name, third.folder.name]
    )


def test_a_changed_model_makes_the_index_stale(tiny_corpus, tmp_path, embedder):
    built = _open(tiny_corpus, tmp_path / "index", embedder)
    manifest_path = built.folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["model"]["probe"] = [-x for x in manifest["model"]["probe"]]
    manifest_path.write_text(json.dumps(manifest))
    logs: list[str] = []
    _open(tiny_corpus, tmp_path / "index", embedder, logs)
    assert logs == ["building the index: the model's weights changed"]


@pytest.mark.parametrize(
    "damage, message",
    [
        (
            lambda f: (f / "dense.faiss").write_bytes((f / "dense.faiss").read_bytes()[:100]),
            "dense.faiss does not match",
        ),
        (lambda f: (f / "sentences.npy").write_bytes(b"\x00" * 64), "sentences.npy does not match"),
        (lambda f: (f / "corpus.json").unlink(), "corpus.json is missing"),
        (lambda f: (f / "manifest.json").write_text("{not json"), "manifest.json is unreadable"),
        (lambda f: (f / "manifest.json").write_text("[]"), "manifest.json has no file list"),
    ],
)
def test_a_corrupt_index_is_refused_with_a_clear_message(tiny_corpus, tmp_path, embedder, damage, message):
    built = _open(tiny_corpus, tmp_path / "index", embedder)
    damage(built.folder)
    with pytest.raises(IndexCorrupt, match=message):
        _open(tiny_corpus, tmp_path / "index", embedder)
    # an explicit rebuild replaces it
    rebuilt = _open(tiny_corpus, tmp_path / "index", embedder, force=True)
    assert FileStore.load(current_folder(tmp_path / "index")).manifest["files"] == rebuilt.manifest["files"]


def test_a_manifest_that_does_not_match_the_vectors_is_refused(tiny_corpus, tmp_path, embedder):
    built = _open(tiny_corpus, tmp_path / "index", embedder)
    manifest = json.loads((built.folder / "manifest.json").read_text())
    manifest["model"]["dim"] = 768
    (built.folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexCorrupt, match="vectors of size 384"):
        FileStore.load(built.folder)


def test_an_interrupted_build_leaves_the_previous_index_in_service(
    tiny_corpus, tmp_path, embedder, monkeypatch
):
    good = _open(tiny_corpus, tmp_path / "index", embedder)
    (tiny_corpus / "tram.txt").write_text("Texte modifié pendant un build qui échoue.\n", encoding="utf-8")

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(idx.np, "save", crash)  # dies half way through writing
    with pytest.raises(KeyboardInterrupt):
        _open(tiny_corpus, tmp_path / "index", embedder)
    monkeypatch.undo()
    assert current_folder(tmp_path / "index") == good.folder
    assert not [p for p in (tmp_path / "index").iterdir() if p.name.startswith(".tmp-build-")]
    assert FileStore.load(good.folder).manifest["files"] == good.manifest["files"]


@pytest.fixture
def read_only_folder(tmp_path):
    """A folder nobody can write to, root included (chattr +i where chmod is not enough)."""
    folder = tmp_path / "index"
    folder.mkdir()
    os.chmod(folder, 0o555)
    immutable = False
    if os.access(folder, os.W_OK) and shutil.which("chattr"):
        immutable = subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode == 0
    probe = folder / ".probe"
    try:
        probe.touch()
        probe.unlink()
        writable = True
    except OSError:
        writable = False
    try:
        if writable:
            pytest.skip("cannot make a folder read-only here (root without chattr)")
        yield folder
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(folder)], check=False)
        os.chmod(folder, 0o755)


def test_a_read_only_index_folder_still_answers_from_memory(tiny_corpus, read_only_folder, embedder):
    logs: list[str] = []
    built = _open(tiny_corpus, read_only_folder, embedder, logs)
    assert built.folder is None and built.contents().passages
    assert any("not writable" in m for m in logs)
    assert list(read_only_folder.iterdir()) == []


def test_past_the_flat_limit_the_dense_index_is_hnsw(tiny_corpus, tmp_path, embedder, monkeypatch):
    monkeypatch.setattr(faiss_dense, "FLAT_MAX", 1)
    built = _open(tiny_corpus, tmp_path / "index", embedder)
    assert built.dense_index.kind == "IndexHNSWFlat"
    again = FileStore.load(built.folder)
    assert again.dense_index.index.hnsw.efSearch == faiss_dense.HNSW_EF_SEARCH


def test_killing_a_build_process_leaves_the_previous_index_in_service(tiny_corpus, tmp_path, embedder):
    import signal
    import sys
    import time

    from .conftest import ROOT

    index_dir = tmp_path / "index"
    good = _open(tiny_corpus, index_dir, embedder)
    (tiny_corpus / "tram.txt").write_text("Une version que le build tué n'écrira jamais.\n", encoding="utf-8")

    def build(into: Path) -> subprocess.Popen:
        command = [
            sys.executable,
            "-m",
            "retrieval",
            "build",
            "--corpus",
            str(tiny_corpus),
            "--index",
            str(into),
        ]
        return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    # How long a whole build takes here (into another folder): the kills land
    # during start-up, model loading and embedding whatever the machine's speed.
    start = time.perf_counter()
    assert build(tmp_path / "timing").wait() == 0
    duration = time.perf_counter() - start
    for share in (0.1, 0.4, 0.7):
        proc = build(index_dir)
        time.sleep(share * duration)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert current_folder(index_dir) == good.folder
        assert FileStore.load(good.folder).manifest["files"] == good.manifest["files"]
    logs: list[str] = []
    fresh = _open(tiny_corpus, index_dir, embedder, logs)
    assert logs == ["building the index: the corpus changed"]
    assert any("jamais" in p.text for p in fresh.contents().passages)


# ------------------------------------------------------- switch under readers


def test_a_reader_opening_the_build_just_replaced_still_loads_it(
    tiny_corpus, tmp_path, embedder, monkeypatch
):
    """Fault injection: a build finishes between a reader reading CURRENT and opening the folder it named."""
    index_dir = tmp_path / "index"
    first = _open(tiny_corpus, index_dir, embedder)
    other = idx.build(tiny_corpus, embedder)
    real, switched = idx.read_manifest, []

    def racing(folder):
        if not switched:
            switched.append(other.save(index_dir))
        return real(folder)

    monkeypatch.setattr(idx, "read_manifest", racing)
    loaded = _open(tiny_corpus, index_dir, embedder)
    assert switched and switched[0] != first.folder
    assert loaded.folder in (first.folder, switched[0]) and loaded.contents().passages


def test_a_reader_overtaken_by_two_builds_opens_the_newest(tiny_corpus, tmp_path, embedder, monkeypatch):
    """Two builds finish while one reader opens the first: its folder is gone, it retries on the new CURRENT."""
    index_dir = tmp_path / "index"
    first = _open(tiny_corpus, index_dir, embedder)
    others = [idx.build(tiny_corpus, embedder), idx.build(tiny_corpus, embedder)]
    real, switched = idx.read_manifest, []

    def racing(folder):
        if not switched:
            switched.extend(o.save(index_dir) for o in others)
        return real(folder)

    monkeypatch.setattr(idx, "read_manifest", racing)
    loaded = _open(tiny_corpus, index_dir, embedder)
    assert not first.folder.exists()
    assert loaded.folder == switched[1] == current_folder(index_dir)


def test_the_same_corpus_built_twice_in_a_second_gets_two_folders(tiny_corpus, tmp_path, embedder):
    index_dir = tmp_path / "index"
    built = idx.build(tiny_corpus, embedder)
    a, b = built.save(index_dir), built.save(index_dir)
    assert a != b and a.exists() and b.exists() and current_folder(index_dir) == b


REBUILDER = """
import sys, time
from pathlib import Path
from retrieval.config import Settings
from retrieval.embedder import open_embedder
from retrieval.store.files import open_file_store
corpus, index, times, ready = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
embedder = open_embedder(Settings().with_(corpus_dir=corpus, index_dir=index), rebuild=True)
while not ready.exists():
    time.sleep(0.1)
for i in range(times):
    open_file_store(corpus, index, embedder, force=True)
    print(i, flush=True)
"""

ASKER = """
import sys
from pathlib import Path
from retrieval.config import Settings
from retrieval.pipeline import Assistant
settings = Settings().with_(corpus_dir=sys.argv[1], index_dir=sys.argv[2])
ready, stop = Path(sys.argv[3]), Path(sys.argv[4])
assistant = Assistant.open(settings)
ready.touch()
while not stop.exists():
    try:
        assistant = Assistant.open(settings, embedder=assistant.embedder)
        answer = assistant.ask("Quel est le budget du plan vélo ?")
        print("ok" if "12 M€" in answer.text else "wrong: " + answer.text, assistant.store.folder.name, flush=True)
    except Exception as exc:
        print("error:", type(exc).__name__, str(exc).replace(chr(10), " "), flush=True)
"""


def test_loading_and_asking_in_loops_while_another_process_rebuilds_30_times_never_fails(
    tiny_corpus, tmp_path, embedder
):
    """Fault injection with real processes: one rebuilds 30 times, one asks in a loop, this one loads in a loop."""
    import sys

    from .conftest import ROOT

    index_dir, ready, stop = tmp_path / "index", tmp_path / "ready", tmp_path / "stop"
    _open(tiny_corpus, index_dir, embedder)  # the first build, before the race
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = dict(cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    asker = subprocess.Popen(
        [sys.executable, "-c", ASKER, str(tiny_corpus), str(index_dir), str(ready), str(stop)], **run
    )
    rebuilder = subprocess.Popen(
        [sys.executable, "-c", REBUILDER, str(tiny_corpus), str(index_dir), "30", str(ready)], **run
    )
    loads, errors, folders = 0, [], set()
    try:
        while rebuilder.poll() is None and asker.poll() is None:
            try:
                folders.add(idx.open_current(index_dir).folder)
                loads += 1
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        stop.touch()
        rebuilt, rebuild_err = rebuilder.communicate(timeout=600)
        asked, ask_err = asker.communicate(timeout=600)
    assert rebuilder.returncode == 0, rebuild_err.decode()[-2000:]
    assert asker.returncode == 0, ask_err.decode()[-2000:]
    assert rebuilt.decode().split() == [str(i) for i in range(30)]
    answers = asked.decode().splitlines()
    failed = [line for line in answers if not line.startswith("ok ")]
    print(
        f"{loads} loads ({len(errors)} errors) and {len(answers)} answers ({len(failed)} errors) over 30 rebuilds"
    )
    assert errors == [] and failed == []
    assert loads >= 100 and len(folders) >= 10  # the loads really ran across the switches
    assert len(answers) >= 30 and len({line.split()[-1] for line in answers}) >= 5


# ------------------------------------------------------- CURRENT and manifest


@pytest.mark.parametrize(
    "name", [".", "..", "/etc", "../index", "build-x/../..", "", "corpus.json", "build-\x00"]
)
def test_current_naming_anything_but_a_build_folder_is_not_followed(tiny_corpus, tmp_path, embedder, name):
    index_dir = tmp_path / "index"
    built = _open(tiny_corpus, index_dir, embedder)
    (index_dir / "CURRENT").write_text(name + "\n", encoding="utf-8")
    with pytest.raises(IndexMissing, match="names no build folder"):
        current_folder(index_dir)
    logs: list[str] = []
    rebuilt = _open(tiny_corpus, index_dir, embedder, logs)  # treated as no index: a new build
    assert logs and "names no build folder" in logs[0]
    assert rebuilt.folder.parent == index_dir and rebuilt.folder != built.folder


def test_a_build_folder_that_is_a_link_is_not_followed(tiny_corpus, tmp_path, embedder):
    index_dir = tmp_path / "index"
    built = _open(tiny_corpus, index_dir, embedder)
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(built.folder, elsewhere)
    (index_dir / "build-linked").symlink_to(elsewhere)
    (index_dir / "CURRENT").write_text("build-linked\n", encoding="utf-8")
    with pytest.raises(IndexMissing, match="names no build folder"):
        current_folder(index_dir)


@pytest.mark.parametrize(
    "name", ["../outside.txt", "/etc/hostname", "bm25/../../outside.txt", "./corpus.json"]
)
def test_a_manifest_listing_files_outside_its_build_folder_is_refused(tiny_corpus, tmp_path, embedder, name):
    from retrieval.files import file_digest

    built = _open(tiny_corpus, tmp_path / "index", embedder)
    outside = tmp_path / "index" / "outside.txt"
    outside.write_text("not part of any build\n", encoding="utf-8")
    target = outside if "outside" in name else built.folder / "corpus.json"
    if name == "/etc/hostname" and os.path.isfile(name):
        target = type(outside)(name)
    manifest = json.loads((built.folder / "manifest.json").read_text())
    manifest["files"][name] = file_digest(target)
    (built.folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexCorrupt, match="lists a file outside its build folder"):
        FileStore.load(built.folder)


def test_a_nan_probe_is_not_the_same_model(tiny_corpus, tmp_path, embedder):
    built = _open(tiny_corpus, tmp_path / "index", embedder)
    manifest_path = built.folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["model"]["probe"] = [float("nan")] * len(manifest["model"]["probe"])
    manifest_path.write_text(json.dumps(manifest))
    assert "NaN" in manifest_path.read_text()
    logs: list[str] = []
    _open(tiny_corpus, tmp_path / "index", embedder, logs)
    assert logs == ["building the index: the model's weights changed"]


def test_an_index_folder_that_is_a_file_is_a_one_line_error(tiny_corpus, tmp_path, embedder):
    afile = tmp_path / "index"
    afile.write_text("not a folder\n")
    with pytest.raises(IndexProblem, match="is a file, not a folder"):
        _open(tiny_corpus, afile, embedder)
    with pytest.raises(IndexProblem, match="cannot use index folder"):
        _open(tiny_corpus, afile / "inner", embedder)
    assert afile.read_text() == "not a folder\n"
