"""retrieval.answer on hand-built passages (layout rules, selection, citations) and, for judging and
composing, on the tiny index built with the fake model. No real model; well under a second."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest

from retrieval import scoring
from retrieval.answer import (
    CLOSEST,
    MAX_RUN,
    NO_ANSWER,
    AnswerParams,
    Candidate,
    _by_chance,
    _cite,
    _terms,
    _topic_terms,
    compose,
    context_after,
    context_before,
    judge,
    reach,
    rerank,
    select,
    typed_first,
)
from retrieval.lexical import Lexicon, analyze
from retrieval.records import TABLE_ROW, Document, Hit, Passage, Sentence, Unit
from retrieval.search import Query

from .factories import DOCUMENT, features, index_of, laid_out

PARAMS = AnswerParams()


def test_a_sentence_opening_on_a_pronoun_brings_the_sentence_before():
    p, _ = laid_out(["Le projet Alpha est lancé en 2024 par la région.", "Il vise les PME du territoire."])
    assert context_before(p, 1) == [0]
    assert context_before(p, 0) == []


def test_a_sentence_that_stands_alone_brings_nothing():
    p, _ = laid_out(["Le projet Alpha est lancé en 2024.", "Le budget total atteint 12 M€ sur cinq ans."])
    assert context_before(p, 1) == [] and context_after(p, 1) == []


def test_a_pronoun_after_table_cells_brings_the_cells_up_to_the_limit():
    cells = [f"Cellule {i}" for i in range(MAX_RUN + 2)]
    p, _ = laid_out([*cells, "Ce projet vise les PME du territoire."])
    last = len(cells)
    assert context_before(p, last) == list(range(last - MAX_RUN, last))


def test_a_title_brings_the_next_sentence_and_a_colon_its_list_items():
    p, _ = laid_out(
        ["Les lauréats", "Trois projets sont retenus :", "• Alpha", "• Beta", "• Gamma", "La suite viendra."],
        headings=(0,),
    )
    assert context_after(p, 0) == [1]
    assert context_after(p, 1) == [2, 3, 4]


def test_inside_a_table_row_a_description_brings_its_cells_and_a_cell_the_rest_of_its_row():
    lines = ["Alpha", "Région Sud", "Le projet outille les PME.", "Il dure trois ans."]
    p, doc = laid_out(lines)
    body = p.sentences[2].start
    unit = Unit(0, len(doc.text), TABLE_ROW, head="Alpha", body=body)
    p, doc = laid_out(lines, units=[unit], unit_of={i: 0 for i in range(4)})
    assert reach(p, 3, doc.units) == ([0, 1], [])
    assert reach(p, 0, doc.units) == ([], [1, 2])


def _ranked(p, scores: list[float]) -> list[Candidate]:
    return [Candidate(p, i, (), s) for i, s in enumerate(scores)]


SENTENCES = [
    "Le budget du plan est de 12 M€.",
    "La ville construit 40 km de pistes.",
    "Les travaux commencent en 2025.",
]


def test_an_amount_in_euros_has_the_words_of_its_unit():
    """« Combien de milliards d'euros… » finds its words in « 54 Mds€ » as in « 10 milliards
    d’euros »."""
    assert {"milliard", "euros"} <= _terms("54 Mds€ sont investis sur cinq ans")
    assert {"million", "euros"} <= _terms("MIAI Cluster – 70 M€")
    assert _terms("10 milliards d’euros") == frozenset(analyze("10 milliards d’euros"))
    assert not {"milliard", "million", "euros"} & _terms("sur cinq ans")


def test_a_sentence_of_a_paragraph_has_the_terms_of_the_sentence_opening_it():
    units = [Unit(0, 10, "heading"), Unit(10, 200, "paragraph"), Unit(200, 300, "paragraph")]
    p, _ = laid_out(
        [
            "Les projets",
            "Le projet Alpha (3 M€) forme les agents publics.",
            "Il crée trois écoles de printemps.",
            "Le programme vise les PME.",
            "Le projet Beta équipe les mairies.",
        ],
        units=units,
        unit_of={0: 0, 1: 1, 2: 1, 3: 1, 4: 2},
    )
    assert "alpha" in _topic_terms(p, 2) and _topic_terms(p, 2) == _topic_terms(p, 3)
    assert _topic_terms(p, 1) == frozenset()  # it opens its paragraph
    assert _topic_terms(p, 4) == frozenset()  # another paragraph, which it opens
    assert "alpha" not in _topic_terms(p, 0)


def test_a_runner_up_is_quoted_only_when_nearly_as_likely_as_the_best():
    p, doc = laid_out(SENTENCES)
    index = index_of(doc)
    far = _ranked(p, [0.0, -5.0, -6.0])  # exp(-5) is far below extra_ratio
    assert select(far, PARAMS, index) == ([(p, 0)], [(p, 0)])
    close = _ranked(p, [0.0, -0.1, -0.2])
    assert len(select(close, PARAMS, index)[0]) == PARAMS.max_sentences
    wide = dataclasses.replace(PARAMS, max_sentences=3)
    assert select(close, wide, index) == ([(p, 0), (p, 1), (p, 2)], [(p, 0)])


def test_a_list_question_brings_the_other_items_of_the_best_sentences_list():
    p, doc = laid_out(["Les lauréats sont :", "• Alpha", "• Beta", "• Gamma"])
    best = [Candidate(p, 2, (), 0.0), Candidate(p, 0, (), -9.0)]
    items = sorted(j for _, j in select(best, PARAMS, index_of(doc), many=True)[0])
    assert items == [1, 2, 3]
    assert select(best, PARAMS, index_of(doc), many=False) == ([(p, 2)], [(p, 2)])


def test_the_best_sentence_is_the_first_quote_even_when_a_list_item_stands_before_it():
    p, doc = laid_out(["Les lauréats sont :", "• Alpha", "• Beta", "• Gamma"])
    best = [Candidate(p, 2, (), 0.0)]  # Beta: Alpha stands before it in the dossier
    citations = _cite(*select(best, PARAMS, index_of(doc), many=True), index_of(doc))
    assert [c.quote for c in citations] == ["Beta", "Alpha", "Gamma"]


def _paragraphs(text: str, units: list[Unit] = (), unit: int | None = None, headings: tuple[int, ...] = ()):
    """One passage of ``text`` whose lines are its sentences (blank lines between paragraphs)."""
    spans, at = [], 0
    for line in text.split("\n"):
        if line:
            spans.append((at, at + len(line)))
        at += len(line) + 1
    sentences = tuple(
        Sentence(a, b, text[a:b], 1, heading=i in headings, unit=unit) for i, (a, b) in enumerate(spans)
    )
    doc = Document(DOCUMENT, "Notes", text, pages=[(0, 1)], units=list(units))
    return Passage("notes#p01-01", DOCUMENT, "Notes", 1, "Notes", 0, len(text), text, sentences), doc


def test_a_row_description_chosen_as_the_answer_is_quoted_after_its_cells():
    # the cells and the description a paragraph apart: two quotes, the row's name read first
    text = "Advizeo\nIA Eco Pilot\n\nCe projet vise à réduire les consommations des bâtiments."
    row = Unit(0, len(text), TABLE_ROW, head="Advizeo IA Eco Pilot", body=text.index("Ce projet"))
    p, doc = _paragraphs(text, [row], unit=0)
    chosen, answer = select([Candidate(p, 2, (), 0.0)], PARAMS, index_of(doc))
    assert answer == [(p, 0), (p, 1), (p, 2)]
    citations = _cite(chosen, answer, index_of(doc))
    assert [c.quote for c in citations] == ["Advizeo\nIA Eco Pilot", p.sentences[2].text]


def test_a_title_and_the_sentence_it_heads_are_one_quote():
    text = "Un nouvel appel à projets\n\nLe Gouvernement a lancé le 5 avril 2024 un nouveau dispositif.\n\nLa suite."
    p, doc = _paragraphs(text, headings=(0,))
    citations = _cite(*select([Candidate(p, 0, (), 0.0)], PARAMS, index_of(doc)), index_of(doc))
    assert [c.quote for c in citations] == [text[: text.index("\n\nLa suite")]]  # verbatim, the break kept
    apart = _cite([(p, 1), (p, 2)], [(p, 1)], index_of(doc))  # two paragraphs, no title: two quotes
    assert len(apart) == 2


def test_citations_number_passages_by_first_use_and_merge_neighbours_on_a_line():
    p1, doc = laid_out(["Alpha reçoit 3 M€.", "Beta reçoit 2 M€."])
    p2 = dataclasses.replace(p1, passage_id="notes#p01-02")
    citations = _cite([(p2, 1), (p1, 0), (p2, 0)], [(p2, 1)], index_of(doc))
    assert [(c.n, c.passage.passage_id) for c in citations] == [(1, "notes#p01-02"), (2, "notes#p01-01")]
    merged = citations[0]
    assert merged.quote == doc.text  # two sentences a line break apart: one quote, verbatim
    assert doc.text[merged.start : merged.end] == merged.quote


def test_rerank_lists_the_passage_quoted_first_first():
    p1, _ = laid_out(SENTENCES)
    p2 = dataclasses.replace(p1, passage_id="notes#p01-02")
    p3 = dataclasses.replace(p1, passage_id="notes#p01-03")
    hits = [Hit(p1, 1, 0.9), Hit(p2, 2, 0.5), Hit(p3, 3, 0.1)]
    ordered = rerank(hits, [Candidate(p3, 0, ()), Candidate(p2, 0, ())])
    assert [h.passage.passage_id for h in ordered] == ["notes#p01-03", "notes#p01-02", "notes#p01-01"]
    assert [h.rank for h in ordered] == [1, 2, 3]


@pytest.fixture(scope="module")
def weights(fake_settings):
    from retrieval.pipeline import load_weights

    return load_weights(fake_settings)


def _query_and_hits(assistant, question):
    query = assistant.query(question)
    return query, assistant.retrieve(query)


def test_judge_is_sure_of_the_sentence_that_answers(fake_assistant, weights):
    query, hits = _query_and_hits(fake_assistant, "Quel est le budget du plan vélo ?")
    judged = judge(query, hits, fake_assistant.index, weights, PARAMS)
    assert judged.confidence == "high" and judged.probability >= weights.high
    assert judged.ranked[0].sentence.text == "Le budget du plan est de 12 M€."
    assert len(judged.signals) == len(scoring.CONFIDENCE_FEATURES)


def test_compose_quotes_verbatim_with_numbered_sources_and_returns_a_frozen_answer(fake_assistant, weights):
    query, hits = _query_and_hits(fake_assistant, "Quel est le budget du plan vélo ?")
    answer = compose(query, hits, fake_assistant.index, weights)
    assert answer.text == "« Le budget du plan est de 12 M€. » [1]"
    assert not answer.abstained and answer.confidence == "high" and answer.language == "fr"
    c = answer.citations[0]
    assert fake_assistant.index.document(c.passage.document).text[c.start : c.end] == c.quote
    assert answer.hits[0].passage == c.passage and answer.asked == query.text
    with pytest.raises(dataclasses.FrozenInstanceError):
        answer.text = "changed"  # type: ignore[misc]


def test_compose_declines_a_question_off_the_dossiers_topics(fake_assistant, weights):
    """The off-topic question is less likely answered than an on-topic one; with the thresholds
    between them (the fitted ones belong to the real model, not to the fake), it is declined."""
    on = compose(
        *_query_and_hits(fake_assistant, "Quel est le budget du plan vélo ?"), fake_assistant.index, weights
    )
    query, hits = _query_and_hits(fake_assistant, "Qui a gagné la coupe du monde ?")
    off = compose(query, hits, fake_assistant.index, weights)
    assert off.evidence < on.evidence
    between = (off.evidence + on.evidence) / 2
    answer = compose(
        query, hits, fake_assistant.index, dataclasses.replace(weights, high=between, low=between)
    )
    assert answer.abstained and answer.confidence == "none" and answer.citations == []
    assert answer.text == NO_ANSWER["fr"]
    assert [h.rank for h in answer.hits] == list(range(1, len(hits) + 1))  # kept as related reading


def test_a_short_question_sharing_a_light_word_with_the_best_sentence_shares_it_by_chance():
    """« Quel temps fera-t-il demain ? » and « …le monde de demain. »: « demain » is the lightest of
    its three words, so the sentence holds less than an average word's weight. The same sentence
    for a question whose rare word it holds, or for a longer question, is no chance; a word the
    dossier never uses (« signent ») is left to the model."""
    p, document = laid_out(["Le monde de demain se construit.", "Ministre de la Culture"])
    # « demain » in many passages, « temps » and « fer » in one each; no « signent »
    lexicon = Lexicon({"demain": 40, "temp": 1, "fer": 1, "mond": 5, "ministr": 2, "dossi": 3}, 100)
    index = SimpleNamespace(document=index_of(document).document, lexical=lexicon)

    def by_chance(question: str, position: int = 0) -> bool:
        query = Query(question, np.zeros(2), analyze(question))
        return _by_chance(query, Candidate(p, position, ()), index)

    assert by_chance("Quel temps fera-t-il demain ?")
    assert not by_chance("Quel monde fera-t-il demain ?")  # « monde » is the rarer there
    assert not by_chance("Quel temps fera le monde qui se construit demain ?")  # no short question
    assert not by_chance("Quels ministres signent le dossier ?", 1)
    assert by_chance("Quels ministres signent le dossier ?", 0)  # the sentence holds none of them


def test_a_declined_answer_speaks_the_questions_language(fake_assistant, weights):
    never = dataclasses.replace(weights, high=1.1, low=1.1)  # no probability reaches them
    for question, lang in (
        ("Quel est le budget du plan vélo ?", "fr"),
        ("What is the bike plan's budget?", "en"),
    ):
        query, hits = _query_and_hits(fake_assistant, question)
        answer = compose(query, hits, fake_assistant.index, never)
        assert answer.abstained and answer.language == lang and answer.text == NO_ANSWER[lang]


def test_a_low_confidence_answer_says_it_is_only_the_closest(fake_assistant, weights):
    query, hits = _query_and_hits(fake_assistant, "Quel est le budget du plan vélo ?")
    unsure = dataclasses.replace(weights, high=1.1, low=0.0)  # nothing is sure, nothing declined
    answer = compose(query, hits, fake_assistant.index, unsure)
    assert answer.confidence == "low" and not answer.abstained
    assert answer.text.startswith(CLOSEST["fr"]) and "« Le budget du plan est de 12 M€. » [1]" in answer.text


def test_no_passage_no_answer(fake_assistant, weights):
    query = fake_assistant.query("Quel est le budget du plan vélo ?")
    answer = compose(query, [], fake_assistant.index, weights)
    assert answer.abstained and answer.hits == [] and answer.text == NO_ANSWER["fr"]


def test_an_english_question_about_a_name_the_dossier_never_gives_gets_no_value(fake_assistant, weights):
    """ "Canada" brings no dossier word (not spelt as one, near one or translating one): the
    plan's 12 M€ is the closest the dossier comes, not Canada's budget. An acronym ("EU") may
    be spelt otherwise in French, and a title's words translate a French title: both are left
    to the model."""
    sure = dataclasses.replace(weights, high=0.0, low=0.0)  # the model would answer anything
    for question, confidence in (
        ("What is the plan budget?", "high"),
        ("What is Canada's plan budget?", "low"),
        ("What is the EU plan budget?", "high"),
        # a title in English ("the Bike Plan of the City"): its words need not be the dossier's
        ("What is the Bike Plan of the City budget?", "high"),
    ):
        query, hits = _query_and_hits(fake_assistant, question)
        answer = compose(query, hits, fake_assistant.index, sure)
        assert answer.confidence == confidence, question
        assert "12 M€" in answer.citations[0].quote
    assert "canada" in fake_assistant.query("What is Canada's plan budget?").unknown


def test_the_title_above_the_best_answers_with_it_when_it_carries_what_is_asked():
    """« Combien d'entreprises ont été accompagnées par IA Booster ? »: the best sentence names the
    programme and no count; its title gives the count and covers less of the question. The title
    comes first and is quoted with the sentence it heads; another sentence's title is not
    chosen, nor the title when it is too improbable."""
    p, document = laid_out(
        [
            "Plus de 200 entreprises accompagnées",
            "Le dispositif Booster vise à accompagner les PME.",
            "Autres chiffres : 12 écoles",
            "La plateforme rassemble les contenus.",
        ],
        headings=(0, 2),
    )
    title, best, other_title, _ = (
        Candidate(p, i, features(i in (0, 2), 0.5 if i in (0, 2) else 1.0, "amount", i in (0, 2), 12))
        for i in range(4)
    )
    params = AnswerParams()

    def order(*scored: tuple[Candidate, float]) -> list[int]:
        return [c.position for c in typed_first([dataclasses.replace(c, score=s) for c, s in scored], params)]

    assert order((best, 10.0), (other_title, 9.8), (title, 9.5)) == [0, 1, 2]
    assert order((best, 10.0), (other_title, 9.8)) == [1, 2]
    assert order((best, 10.0), (other_title, 9.8), (title, 1.0)) == [1, 2, 0]
    ranked = typed_first(
        [dataclasses.replace(best, score=10.0), dataclasses.replace(title, score=9.5)], params
    )
    quoted, answer = select(ranked, params, index_of(document))
    assert [i for _, i in answer] == [0] and [i for _, i in quoted][:2] == [0, 1]
