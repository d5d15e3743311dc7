"""Announced lists: the count a sentence announces, and the items found after it in the dossier.

The expected items were copied from the raw dossier text (pp. 15, 16, 20-22), not
from the code's output.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from retrieval.asked import asked
from retrieval.corpus import load_corpus
from retrieval.lexical import Lexicon, analyze, passage_terms
from retrieval.listing import announced, items, listed_inline, matching_rows, named_run, stated_count
from retrieval.passages import make_passages

from .conftest import CORPUS, IA_CLUSTERS


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


def test_a_list_given_whole_after_a_colon_in_its_sentence_answers_alone():
    laureates = frozenset(analyze("Quels sont les lauréats de la précédente vague ?"))
    inline = (
        "Ces 8 nouveaux lauréats rejoignent la communauté des 4 lauréats existants de la précédente "
        "vague de l’appel à projets : Bordeaux Métropole, le GIP Vendée Numérique, la Ville de Metz "
        "et la Ville de Noisy-le-Grand."
    )
    assert listed_inline(inline, laureates, None)
    # the items follow in the next paragraphs, or fewer are given than announced
    assert not listed_inline("Enfin quatre lauréats viennent compléter l’offre :", laureates, None)
    assert not listed_inline(
        "les 3 lauréats existants : Bordeaux Métropole et la Ville de Metz.", laureates, None
    )
    # a count of something the question doesn't ask for, unless the question says how many
    assert not listed_inline("trois villes : Metz, Brest et Paris.", laureates, None)
    assert listed_inline("trois villes : Metz, Brest et Paris.", laureates, 3)


def test_a_list_of_as_many_items_as_the_question_says_is_announced_whatever_it_calls_them():
    question = "Quels sont les huit projets retenus dans la vague 2 ?"
    assert stated_count(question) == 8
    heading = "8 nouveaux lauréats de la vague 2 de l’appel à projets"  # lauréats, not projets
    assert announced(heading, 8, own(question), stated_count(question)) == 8
    assert announced("Trois projets de démonstrateurs :", 8, own(question), stated_count(question)) == 3
    assert announced("sept lauréats :", 8, own(question), stated_count(question)) is None
    assert stated_count("Quels projets complètent l'offre ?") is None
    # a hyphenated noun, an acronym before it, an English count
    assert stated_count("Quels sont les neuf IA-clusters ?") == 9
    assert stated_count("Which are the nine AI clusters?") == 9
    assert stated_count("quels sont les neuf ia clusters ?") is None  # "ia" in lower case is no acronym


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


def test_heading_items_are_the_headings_with_an_amount_that_follow(dossier):
    # pp. 7-10: each IA-cluster is a heading « name (university) – amount » opening its own section
    got = found(dossier, "de financement de France 2030 sur cinq années.", 9)
    assert [g.split(" (")[0] for g in got] == list(IA_CLUSTERS)
    # the headings only: not the paragraphs they head; and a heading without an amount ends them
    assert all(g.endswith("M€") for g in got)
    assert found(dossier, "de financement de France 2030 sur cinq années.", 12) == got


def test_items_stop_at_the_next_section(dossier):
    # « Trois projets de démonstrateurs… : » has three bullets, then a new section starts
    got = found(dossier, "Trois projets de démonstrateurs d’IA embarquée en conditions réelles :", 8)
    assert len(got) == 3


@pytest.fixture(scope="module")
def table_index():
    documents, _ = load_corpus(CORPUS)
    passages = make_passages(documents)
    lexicon = Lexicon.build([passage_terms(p.index_text()) for p in passages])
    by_name = {d.name: d for d in documents}
    return SimpleNamespace(document=by_name.__getitem__, passages=passages, lexical=lexicon)


def candidate_at(index, text: str) -> SimpleNamespace:
    """The candidate sentence that holds ``text`` (first passage that has it), scored 0."""
    for p in index.passages:
        for i, s in enumerate(p.sentences):
            if text in s.text:
                return SimpleNamespace(passage=p, position=i, sentence=s, score=0.0)
    raise AssertionError(text)


def rows_quoted(index, question: str, model: str) -> list[str] | None:
    picked = matching_rows([candidate_at(index, model)], index, question, analyze(question), 0.1, 8)
    return None if picked is None else [p.sentences[i].text for p, i in picked]


def test_the_rows_a_list_question_asks_for_are_those_its_rare_word_marks(table_index):
    # p. 21-22: of the eight frugal-AI laureates, four are marked « (collectivité) », four
    # « (acteur émergent) » (read in the raw dossier)
    got = rows_quoted(
        table_index, "Quels projets de la vague 2 IA frugale sont portés par des collectivités ?", "Urba(IA)"
    )
    assert [g for g in got if "(collectivité)" in g] == [
        "Urba(IA) (collectivité)",
        "Predict AI'r (collectivité)",
        "PREVIZO (collectivité)",
        "PEP-BIOccIA (collectivité)",
    ]
    assert not any("émergent" in g for g in got)
    assert "Région Occitanie" in got and "OpenIG, CNRS, TerrOïko." in got  # each row's cells
    assert not any(g.startswith("Ce projet") for g in got)  # not the descriptions
    got = rows_quoted(
        table_index, "Quels lauréats de la vague 2 sont portés par des acteurs émergents ?", "IA Eco Pilot"
    )
    assert [g.split(" (")[0] for g in got if "émergent" in g] == [
        "IA Eco Pilot",
        "Mission 90+",
        "IA.rbre",
        "AMELIA",
    ]


@pytest.mark.parametrize(
    ("question", "model"),
    [
        # the rarest word the row carries is its own name: the question is about that row
        ("Quels sont les membres du consortium Urba(IA) ?", "Urba(IA)"),
        # no word of the question in the row's cells sorts the table
        ("Quels projets de la vague 2 ont été retenus ?", "Urba(IA)"),
        # the word is what the question asks for, not what sorts the rows (« Etablissement
        # Public Territorial » heads two rows of the frugal-AI table)
        ("Quels établissements pilotent les neuf projets du PEPR IA ?", "Predict AI'r"),
        # the best sentence is no table row
        ("Quels projets sont portés par des collectivités ?", "Huit projets ont été sélectionnés"),
    ],
)
def test_no_rows_are_picked_when_no_word_of_the_question_sorts_a_table(table_index, question, model):
    assert rows_quoted(table_index, question, model) is None


def test_a_list_of_people_is_the_run_of_names_beside_their_titles(table_index):
    # p. 1: the editorial's six signatories, each a name above its title; the ranker finds one
    picked = named_run([candidate_at(table_index, "Rachida Dati")], table_index, 0.1, 12)
    lines = [p.sentences[i].text for p, i in picked]
    assert lines[0::2] == [
        "Marina Ferrari",
        "Sylvie Retailleau",
        "Christophe Béchu",
        "Catherine Vautrin",
        "Bruno Le Maire",
        "Rachida Dati",
    ]
    assert lines[1] == "Secrétaire d’Etat chargée du Numérique" and lines[-1] == "Ministre de la Culture"
    assert len(named_run([candidate_at(table_index, "Rachida Dati")], table_index, 0.1, 4)) == 2 * 4
    # no name beside a title among the plausible candidates: no run
    assert (
        named_run([candidate_at(table_index, "Huit projets ont été sélectionnés")], table_index, 0.1, 12)
        is None
    )
