"""Shared fixtures: the real model, a real index of the real dossier, built once per run."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.config import Settings
from retrieval.embedder import Embedder
from retrieval.questions import load_questions

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
QUESTIONS = ROOT / "eval" / "questions.jsonl"
DOSSIER = CORPUS / "france2030-ia-dossier-de-presse-2024-05-22.txt"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return Embedder(Settings().model, Settings().cache_dir)


@pytest.fixture(scope="session")
def settings(tmp_path_factory) -> Settings:
    """The real corpus with an index folder of this test run."""
    return Settings().with_(corpus_dir=CORPUS, index_dir=tmp_path_factory.mktemp("index"))


@pytest.fixture(scope="session")
def assistant(settings, embedder):
    from retrieval.pipeline import Assistant

    return Assistant(settings, embedder=embedder)


@pytest.fixture(scope="session")
def questions():
    return load_questions(QUESTIONS)


@pytest.fixture
def tiny_corpus(tmp_path) -> Path:
    """A two-document corpus that indexes in a second."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "notes.md").write_text(
        "# Le plan vélo\n\nLa ville construit 40 km de pistes cyclables en 2025. "
        "Le budget du plan est de 12 M€.\n\n# Les bus\n\nLes bus passeront toutes les 8 minutes.\n",
        encoding="utf-8",
    )
    (folder / "tram.txt").write_text("La ligne de tramway ouvrira en 2027 entre la gare et le port.\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def report(assistant, questions):
    """The whole question set through the real pipeline, once."""
    from retrieval.evaluate import run

    return run(assistant, questions)
