"""French sentence splitting on the dossier's hard cases."""

from __future__ import annotations

import pytest

from retrieval.records import Document
from retrieval.sentences import opens_on_reference, split_sentences


def sentences(text: str) -> list[str]:
    return [s.text for s in split_sentences(Document(name="t", title="t", text=text))]


@pytest.mark.parametrize(
    "text",
    [
        "Cela s’est traduit par 3,2 Mds€ levés en 2022 par des entreprises de l’IA.",
        "La puissance passe de 36,85 à 125,9 PFlop/s grâce à l’extension.",
        "Hi! PARIS Cluster 2030 réunit 7 écoles d'ingénieurs.",
        "Quatre années après sa création, l’institut 3IA PR[AI]RIE s'est imposé sur la scène mondiale.",
        "Des spécialités techniques (robotique, mécatronique, etc.), apportant ainsi un profil complémentaire.",
        "Parmi les cas d’usages : analyse de flux, bagages oubliés etc.",
        "Un modèle (e.g. spécialistes IA ; formés à l’IA) est proposé.",
        "Le programme Confiance.ai et le projet Sorbonne.AI sont cités.",
        "Le crédit d’impôt « investissement industries vertes » est en place.",
    ],
)
def test_no_split_inside(text):
    assert sentences(text) == [text]


def test_split_after_amounts_and_abbreviations_that_end_a_sentence():
    text = "Le dispositif reçoit 40 M€. Huit lauréats sont retenus. Parmi eux, etc. Le reste suit."
    assert sentences(text) == [
        "Le dispositif reçoit 40 M€.",
        "Huit lauréats sont retenus.",
        "Parmi eux, etc.",
        "Le reste suit.",
    ]


def test_closing_guillemets_stay_with_their_sentence():
    text = "Il l’appelle « Jeux Olympiques de l’IA ». Le challenge commence. Elle dit « Bravo ! » et repart."
    assert sentences(text) == [
        "Il l’appelle « Jeux Olympiques de l’IA ».",
        "Le challenge commence.",
        "Elle dit « Bravo ! » et repart.",
    ]


def test_each_bullet_is_a_sentence_without_its_marker():
    text = "Les objectifs suivants :\n• lever les verrous de l’IA frugale ;\n• attirer les talents."
    result = split_sentences(Document(name="t", title="t", text=text))
    assert [s.text for s in result] == [
        "Les objectifs suivants :",
        "lever les verrous de l’IA frugale ;",
        "attirer les talents.",
    ]
    assert [s.bullet for s in result] == [False, True, True]


def test_a_line_break_ends_a_sentence_and_offsets_slice_the_text():
    text = "Chef de file\nMission 90+ (acteur émergent)\nCe projet vise à réduire les fuites. Il est testé."
    doc = Document(name="t", title="t", text=text)
    result = split_sentences(doc)
    assert [s.text for s in result] == [
        "Chef de file",
        "Mission 90+ (acteur émergent)",
        "Ce projet vise à réduire les fuites.",
        "Il est testé.",
    ]
    assert all(doc.text[s.start : s.end] == s.text for s in result)


@pytest.mark.parametrize(
    ("text", "leans"),
    [
        ("Ce projet vise les PME.", True),
        ("Il a pour ambition de former.", True),
        # a programme named by its kind alone refers to the one just named
        ("Le projet est porté par la France, les Pays-Bas et l’Union Européenne.", True),
        ("Le programme propose des formations courtes.", True),
        # followed by its name, or by what it is of, it names it
        ("Le projet TIARe (3,3 M€), porté par l’université de Rennes…", False),
        ("Le programme CAIRE propose des formations courtes.", False),
        ("Le projet d’Exascale sera un atout essentiel.", False),
        ("La France pilote un consortium.", False),
    ],
)
def test_a_sentence_leans_on_the_one_before_when_it_opens_on_a_reference(text, leans):
    assert opens_on_reference(text) is leans
