"""The index on disk: built on demand, rebuilt when stale, refused when corrupt, swapped atomically."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from retrieval import index as idx
from retrieval.index import IndexCorrupt, current_folder, open_index


def _open(corpus, folder, embedder, logs=None, **kw):
    return open_index(corpus, folder, embedder, log=(logs.append if logs is not None else lambda m: None), **kw)


def test_a_missing_index_is_built_and_then_reused(tiny_corpus, tmp_path, embedder):
    logs: list[str] = []
    first = _open(tiny_corpus, tmp_path / "index", embedder, logs)
    assert any("building the index: no index" in m for m in logs)
    assert first.manifest["counts"]["documents"] == 2
    logs.clear()
    second = _open(tiny_corpus, tmp_path / "index", embedder, logs)
    assert logs == []
    assert second.folder == first.folder
    assert [p.passage_id for p in second.passages] == [p.passage_id for p in first.passages]


def test_manifest_records_what_the_index_was_built_from(tiny_corpus, tmp_path, embedder):
    built = _open(tiny_corpus, tmp_path / "index", embedder)
    m = built.manifest
    assert m["model"]["name"] == embedder.name and m["model"]["dim"] == 384 and len(m["model"]["probe"]) == 384
    assert m["splitting"] == {"min_words": 40, "max_words": 120, "overlap": 1}
    assert m["dense"] == {"type": "IndexFlatIP", "ntotal": len(built.passages), "metric": "inner_product"}
    assert len(m["corpus"]["checksum"]) == 64 and "faiss-cpu" in m["versions"]
    assert set(m["files"]) >= {"corpus.json", "dense.faiss", "sentences.npy", "lexicon.json"}


def test_a_changed_corpus_makes_the_index_stale_and_it_is_rebuilt(tiny_corpus, tmp_path, embedder):
    first = _open(tiny_corpus, tmp_path / "index", embedder)
    (tiny_corpus / "tram.txt").write_text("La ligne de tramway ouvrira en 2028.\n", encoding="utf-8")
    logs: list[str] = []
    second = _open(tiny_corpus, tmp_path / "index", embedder, logs)
    assert logs == ["building the index: the corpus changed"]
    assert second.folder != first.folder
    assert any("2028" in p.text for p in second.passages)
    assert not first.folder.exists()  # the old build is pruned


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
        (lambda f: (f / "dense.faiss").write_bytes((f / "dense.faiss").read_bytes()[:100]), "dense.faiss does not match"),
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
    assert idx.load(current_folder(tmp_path / "index")).manifest["files"] == rebuilt.manifest["files"]


def test_a_manifest_that_does_not_match_the_vectors_is_refused(tiny_corpus, tmp_path, embedder):
    built = _open(tiny_corpus, tmp_path / "index", embedder)
    manifest = json.loads((built.folder / "manifest.json").read_text())
    manifest["model"]["dim"] = 768
    (built.folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexCorrupt, match="vectors of size 384"):
        idx.load(built.folder)


def test_an_interrupted_build_leaves_the_previous_index_in_service(tiny_corpus, tmp_path, embedder, monkeypatch):
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
    assert idx.load(good.folder).manifest["files"] == good.manifest["files"]


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
    assert built.folder is None and built.passages
    assert any("not writable" in m for m in logs)
    assert list(read_only_folder.iterdir()) == []


def test_past_the_flat_limit_the_dense_index_is_hnsw(tiny_corpus, tmp_path, embedder, monkeypatch):
    monkeypatch.setattr(idx, "FLAT_MAX", 1)
    built = _open(tiny_corpus, tmp_path / "index", embedder)
    assert built.faiss_type == "IndexHNSWFlat"
    again = idx.load(built.folder)
    assert again.dense.hnsw.efSearch == idx.HNSW_EF_SEARCH


def test_killing_a_build_process_leaves_the_previous_index_in_service(tiny_corpus, tmp_path, embedder):
    import signal
    import sys
    import time

    from .conftest import ROOT

    index_dir = tmp_path / "index"
    good = _open(tiny_corpus, index_dir, embedder)
    (tiny_corpus / "tram.txt").write_text("Une version que le build tué n'écrira jamais.\n", encoding="utf-8")
    for delay in (0.5, 3.0, 6.0):  # during start-up, model loading and embedding
        proc = subprocess.Popen(
            [sys.executable, "-m", "retrieval", "build", "--corpus", str(tiny_corpus), "--index", str(index_dir)],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert current_folder(index_dir) == good.folder
        assert idx.load(good.folder).manifest["files"] == good.manifest["files"]
    logs: list[str] = []
    fresh = _open(tiny_corpus, index_dir, embedder, logs)
    assert logs == ["building the index: the corpus changed"]
    assert any("jamais" in p.text for p in fresh.passages)
