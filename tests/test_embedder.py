"""The model seam: the fake model goes through the real path, and the engine is chosen in one place."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from retrieval.config import DEFAULT_MODEL, Settings
from retrieval.embedder import FAKE_MODEL, ModelError, open_embedder
from retrieval.models.fake import HashingEmbedder

from .conftest import ROOT


def test_the_fake_is_deterministic_normalised_and_closer_for_shared_words(fake_embedder):
    texts = [
        "La ligne de tramway ouvrira en 2027",
        "Quand ouvrira la ligne de tramway ?",
        "Le budget du plan vélo",
    ]
    a, b = fake_embedder.passages(texts), HashingEmbedder().queries(texts)
    assert a.dtype == np.float32 and a.shape == (3, fake_embedder.dim)
    assert np.array_equal(a, b)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-6)
    assert a[0] @ a[1] > a[0] @ a[2] + 0.2
    assert fake_embedder.probe() == HashingEmbedder().probe()


def test_the_registered_name_opens_the_fake_whatever_the_engine():
    for engine in ("auto", "torch"):
        embedder = open_embedder(Settings().with_(model=FAKE_MODEL, engine=engine))
        assert embedder.engine == "fake" and embedder.name == FAKE_MODEL


def test_an_unknown_engine_is_one_clear_error():
    with pytest.raises(ModelError, match="unknown engine 'cuda'"):
        open_embedder(Settings().with_(engine="cuda"))


def test_an_embedder_of_another_model_is_refused(tiny_corpus, tmp_path, fake_embedder):
    from retrieval.pipeline import Assistant

    settings = Settings().with_(corpus_dir=tiny_corpus, index_dir=tmp_path / "index", model=DEFAULT_MODEL)
    with pytest.raises(ValueError, match="is not the configured model"):
        Assistant.open(settings, embedder=fake_embedder)
    assert not (tmp_path / "index").exists()


# Runs in a new process: nothing the test session imported can hide a torch import.
_END_TO_END = """
import json, sys
from retrieval.config import Settings
from retrieval.embedder import FAKE_MODEL
from retrieval.pipeline import Assistant

settings = Settings().with_(corpus_dir=sys.argv[1], index_dir=sys.argv[2], model=FAKE_MODEL)
assistant = Assistant.open(settings)
out = {}
for question in sys.argv[3:]:
    answer = assistant.ask(question)
    out[question] = {"abstained": answer.abstained, "quotes": [c.quote for c in answer.citations],
                     "documents": [c.passage.document for c in answer.citations]}
heavy = [m for m in ("torch", "sentence_transformers", "transformers", "onnxruntime") if m in sys.modules]
print(json.dumps({"answers": out, "engine": assistant.embedder.engine, "heavy": heavy}))
"""


@pytest.mark.slow  # builds an index, in a new process
def test_the_assistant_answers_end_to_end_with_the_fake_and_no_torch(tiny_corpus, tmp_path):
    # The shipped thresholds are fitted on the real model's scores, not the fake's: an off-topic
    # question that shares words with the corpus ("la", "du") may pass them with the fake, so the
    # off-topic question here shares none.
    tram, budget, offtopic = (
        "Quand ouvrira la ligne de tramway ?",
        "Quel est le budget du plan vélo ?",
        "Quel temps fera-t-il demain ?",
    )
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _END_TO_END,
            str(tiny_corpus),
            str(tmp_path / "index"),
            tram,
            budget,
            offtopic,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["engine"] == "fake" and result["heavy"] == []
    answers = result["answers"]
    assert answers[tram]["quotes"] == ["La ligne de tramway ouvrira en 2027 entre la gare et le port."]
    assert answers[tram]["documents"] == ["tram.txt"]
    assert answers[budget]["quotes"][0] == "Le budget du plan est de 12 M€."
    assert answers[offtopic]["abstained"] and answers[offtopic]["quotes"] == []
    manifest_model = json.loads(next((tmp_path / "index").glob("build-*/manifest.json")).read_text())["model"]
    assert manifest_model["name"] == FAKE_MODEL and manifest_model["dim"] == HashingEmbedder().dim
