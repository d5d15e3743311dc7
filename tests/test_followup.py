"""retrieval.followup: which questions lean on the one before, and what context they are searched with."""

from __future__ import annotations

import pytest

from retrieval.followup import MAX_TOPIC_TERMS, is_followup, with_context
from retrieval.lexical import analyze

PREVIOUS = "Combien reçoit le cluster MIAI de Grenoble ?"


@pytest.mark.parametrize(
    "question",
    [
        "Et pour Toulouse ?",  # a continuation opener
        "And in Lyon?",
        "What about Toulouse?",
        "Quand a-t-il été lancé ?",  # a pronoun standing for what was said before
        "Qui finance ses projets ?",
        "Pourquoi ?",  # no topic word at all
        "Avec quel partenaire local ?",  # a preposition before the interrogative, no subject
        "For how long?",
    ],
)
def test_elliptic_questions_are_follow_ups(question):
    assert is_followup(question)


@pytest.mark.parametrize(
    "question",
    [
        PREVIOUS,  # a complete question
        "Quand ChatGPT a-t-il été lancé ?",  # the pronoun's subject is named
        "Qui finance le cluster ?",  # two topic words, no opener, no pronoun
        "Dans quelle ville est Inria ?",  # a preposition before the interrogative, a subject named
        # An opener does not make a question with its own topic a follow-up.
        "Et combien reçoivent les clusters de Grenoble et de Toulouse pour la recherche ?",
    ],
)
def test_questions_that_name_their_topic_stand_alone(question):
    assert not is_followup(question)


def test_more_topic_terms_than_the_limit_stand_alone_even_after_an_opener():
    question = "Et " + " ".join(
        ["robotique", "santé", "climat", "énergie", "agriculture"][: MAX_TOPIC_TERMS + 1]
    )
    assert len(analyze(question)) == MAX_TOPIC_TERMS + 1
    assert not is_followup(question)


def test_a_follow_up_gets_the_previous_question_stripped():
    assert with_context("Et quand ?", f"  {PREVIOUS} ") == PREVIOUS


def test_a_name_in_the_follow_up_takes_the_place_of_the_previous_question_s():
    # searched with Grenoble and MIAI, "Et pour Toulouse ?" came back with Grenoble's amount
    assert with_context("Et pour Toulouse ?", PREVIOUS) == "Combien reçoit le cluster de ?"
    assert (
        with_context("And the one in Grenoble?", "How much is the Toulouse AI cluster getting?")
        == "How much is the cluster getting?"
    )
    # a follow-up that names nothing keeps what the previous question named
    assert with_context(
        "Et quel laboratoire de recherche ?", "Quelle métropole est partenaire d'IA.rbre ?"
    ) == ("Quelle métropole est partenaire d'IA.rbre ?")


@pytest.mark.parametrize("previous", [None, "", "   "])
def test_without_a_previous_question_there_is_no_context(previous):
    assert with_context("Et pour Toulouse ?", previous) is None


def test_a_question_that_stands_alone_drops_the_previous_one():
    assert with_context("Quel est le rôle de l'INRIA dans le PEPR IA ?", PREVIOUS) is None
