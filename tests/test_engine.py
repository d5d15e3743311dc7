"""The default model on onnxruntime is the same model as through sentence-transformers,
is chosen on its own for an index built with it, and keeps torch out of `ask`."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from retrieval.config import DEFAULT_MODEL, Settings
from retrieval.corpus import load_corpus
from retrieval.embedder import FAKE_MODEL, engine_for, open_embedder
from retrieval.models.onnx_e5 import OnnxE5Embedder
from retrieval.passages import SplitParams, make_passages
from retrieval.store.builds import current_folder
from retrieval.store.manifest import read_manifest, staleness

from .conftest import CORPUS, ROOT

pytestmark = pytest.mark.slow  # the real model on both engines

# The bar the issue sets for an engine that claims to be the same model.
SAME_MODEL_COSINE = 0.999


@pytest.fixture(scope="module")
def onnx_embedder(embedder) -> OnnxE5Embedder:
    return OnnxE5Embedder(Settings().cache_dir)


@pytest.fixture(scope="module")
def sentences():
    return [s.text for p in make_passages(load_corpus(CORPUS)[0]) for s in p.sentences]


def test_token_ids_are_sentence_transformers_ids_on_every_question_and_sentence(
    embedder, onnx_embedder, questions, sentences
):
    reference = embedder.model.tokenizer
    texts = [f"query: {q.question}" for q in questions] + [f"passage: {s}" for s in sentences]
    # Edges the dossier lacks: controls dropped, odd spaces, NFKC forms, unknown characters fused, truncation.
    texts += [
        "query: a\x01b\u200bc\u00a0d  e\tf",
        "query: ｆｕｌｌ ﬁ ① ㎞ é",
        "query: 😀😀 ☃ 中文 العربية",
        "query: " + "mot " * 700,
    ]
    mismatched = [
        t[:60]
        for t in texts
        if onnx_embedder.tokenizer.encode(t) != reference(t, truncation=True)["input_ids"]
    ]
    assert mismatched == []


def test_question_vectors_are_the_sentence_transformers_vectors(embedder, onnx_embedder, questions):
    texts = [q.question for q in questions]
    ours, reference = onnx_embedder.queries(texts), embedder.queries(texts)
    assert ours.dtype == np.float32 and ours.shape == reference.shape
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    cosine = (ours * reference).sum(axis=1)
    print(
        f"onnxruntime vs sentence-transformers over {len(texts)} questions: cosine mean {cosine.mean():.6f}, min {cosine.min():.6f}"
    )
    assert cosine.min() >= SAME_MODEL_COSINE


def test_the_index_probe_is_checked_against_the_engine(assistant, onnx_embedder):
    manifest = read_manifest(current_folder(assistant.settings.index_dir))
    assert staleness(manifest, assistant.settings.corpus_dir, onnx_embedder, SplitParams()) is None
    flipped = dict(manifest, model=dict(manifest["model"], probe=[-x for x in manifest["model"]["probe"]]))
    assert (
        staleness(flipped, assistant.settings.corpus_dir, onnx_embedder, SplitParams())
        == "the model's weights changed"
    )


def test_the_engine_is_chosen_from_the_settings_and_the_index(assistant, tmp_path):
    built = assistant.settings
    assert open_embedder(built).engine == "onnxruntime"
    assert engine_for(built.with_(engine="torch")) == "sentence-transformers"
    assert engine_for(built, rebuild=True) == "sentence-transformers"  # building goes through torch
    # No index yet, or one built with another model: the build needs sentence-transformers.
    assert engine_for(built.with_(index_dir=tmp_path / "none")) == "sentence-transformers"
    other = tmp_path / "other"
    folder = other / "build-x"
    folder.mkdir(parents=True)
    (other / "CURRENT").write_text("build-x\n")
    (folder / "manifest.json").write_text(json.dumps({"model": {"name": FAKE_MODEL}, "files": {}}))
    assert engine_for(built.with_(index_dir=other)) == "sentence-transformers"
    assert open_embedder(built.with_(index_dir=other, engine="torch")).engine == "sentence-transformers"
    assert built.model == DEFAULT_MODEL


_ASK = """
import json, sys
from retrieval.cli import main
code = main(sys.argv[1:])
heavy = [m for m in ("torch", "sentence_transformers", "transformers", "gradio", "matplotlib") if m in sys.modules]
print(json.dumps({"code": code, "heavy": heavy}), file=sys.stderr)
"""


@pytest.mark.parametrize("command", ["ask", "search"])
def test_ask_and_search_on_a_built_index_never_import_torch(assistant, command):
    s = assistant.settings
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _ASK,
            command,
            "Combien reçoivent les IA clusters ?",
            "--json",
            "--corpus",
            str(s.corpus_dir),
            "--index",
            str(s.index_dir),
            "--cache",
            str(s.cache_dir),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    status = json.loads(done.stderr.strip().splitlines()[-1])
    assert status == {"code": 0, "heavy": []}, done.stderr
    out = json.loads(done.stdout)
    if command == "ask":
        assert "360 M€" in out["answer"] and not out["abstained"]
    else:
        assert out[0]["passage_id"].endswith("p07-03")
