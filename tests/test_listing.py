"""Announced lists: the count a sentence announces, and the items found after it in the dossier.

The expected items were copied from the raw dossier text (pp. 15, 16, 20-22), not
from the code's output.
"""

from __future__ import annotations

import pytest

from retrieval.asked import asked
from retrieval.corpus import load_corpus
from retrieval.listing import announced, items, stated_count
from retrieval.passages import make_passages

from .conftest import CORPUS


def own(question: str) -> frozenset[str]:
    return asked(question).own


@pytest.mark.parametrize(
    ("text", "question", "count"),
    [
        (
            "Enfin quatre projets viennent compléter l’offre de formation sur les territoires :",
            "Quels projets complètent l'offre ?",
            4,
        ),
        ("8 nouveaux lauréats de la vague 2 de l’appel à projets", "Quels sont les lauréats ?", 8),
        ("Trois projets de démonstrateurs d’IA embarquée :", "Quels sont les démonstrateurs ?", 3),
        # a count of something the question doesn't ask for is no list
        ("ces deux dernières années, à construire un leadership", "What are the three levers?", None),
        ("Enfin quatre projets viennent compléter l’offre :", "Quels métiers prépare le diplôme ?", None),
        # longer than can be quoted whole, or a lone item
        ("Les 12 autres projets lauréats de la saison 1", "Quels projets lauréats ?", None),
        ("1 projets", "Quels projets ?", None),
        # a count inside a number is no count
        ("1,5 milliards de téléchargements", "Quels téléchargements ?", None),
    ],
)
def test_the_count_a_sentence_announces(text, question, count):
    assert announced(text, 8, own(question), stated_count(question)) == count


def test_a_list_of_as_many_items_as_the_question_says_is_announced_whatever_it_calls_them():
    question = "Quels sont les huit projets retenus dans la vague 2 ?"
    assert stated_count(question) == 8
    heading = "8 nouveaux lauréats de la vague 2 de l’appel à projets"  # lauréats, not projets
    assert announced(heading, 8, own(question), stated_count(question)) == 8
    assert announced("Trois projets de démonstrateurs :", 8, own(question), stated_count(question)) == 3
    assert announced("sept lauréats :", 8, own(question), stated_count(question)) is None
    assert stated_count("Quels projets complètent l'offre ?") is None


@pytest.fixture(scope="module")
def dossier():
    documents, _ = load_corpus(CORPUS)
    document = documents[0]
    sentences = {s.start: s for p in make_passages(documents) for s in p.sentences}
    return document, sentences


def found(dossier, announcement: str, count: int) -> list[str]:
    document, sentences = dossier
    at = document.text.index(announcement) + len(announcement)
    return [" ".join(document.text[a:b].split()) for a, b in items(document, at, count, sentences)]


def test_paragraph_items_are_the_paragraphs_that_open_on_an_amount(dossier):
    # p. 15: four paragraphs, the second one inside a list of its own (CAP IA's three axes)
    got = found(
        dossier, "Enfin quatre projets viennent compléter l’offre de formation sur les territoires :", 4
    )
    assert [g.split(" (")[0] for g in got] == [
        "Le projet NORMANTHIIA",
        "Le projet CAP IA",
        "Le projet ADOPT’IA",
        "Le projet CAIRE",
    ]


def test_paragraphs_between_items_that_carry_no_amount_are_skipped(dossier):
    # p. 13: MACMIA runs over three paragraphs before AISorb's
    got = found(dossier, "deuxième saison de CMA, désormais au fil de l’eau", 2)
    assert got[0].startswith("MACMIA (5,9 M€)") and got[1].startswith("AISorb (5 M€)")


def test_bullet_items_are_each_bullets_first_sentence(dossier):
    got = found(
        dossier, "7 nouveaux lauréats de l’appel à projets « Communs numériques pour l’IA générative »", 7
    )
    assert [g.split()[0] for g in got] == [
        "AGM",
        "Photoroom,",
        "PODRIA,",
        "AI",
        "CC-SWH",
        "OpenLLM-France",
        "Scribe",
    ]


def test_table_items_are_the_rows_cells(dossier):
    got = found(dossier, "Huit projets ont été sélectionnés", 8)
    names = [
        "IA Eco Pilot",
        "Urba(IA)",
        "Predict AI'r",
        "Mission 90+",
        "PREVIZO",
        "PEP-BIOccIA",
        "IA.rbre",
        "AMELIA",
    ]
    assert len(got) == 8
    for row, name in zip(got, names):
        assert name in row and "Ce projet" not in row


def test_items_stop_at_the_next_section(dossier):
    # « Trois projets de démonstrateurs… : » has three bullets, then a new section starts
    got = found(dossier, "Trois projets de démonstrateurs d’IA embarquée en conditions réelles :", 8)
    assert len(got) == 3
