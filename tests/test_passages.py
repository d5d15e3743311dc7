"""Passages: whole sentences, within a section, covering the whole text, with stable ids."""

from __future__ import annotations

import pytest

from retrieval.corpus import load_corpus
from retrieval.passages import SplitParams, make_passages
from retrieval.sentences import split_sentences

from .conftest import CORPUS


@pytest.fixture(scope="module")
def loaded():
    documents, _ = load_corpus(CORPUS)
    return documents, make_passages(documents)


def test_every_sentence_is_in_a_passage_and_no_sentence_is_cut(loaded):
    documents, passages = loaded
    doc = documents[0]
    all_sentences = split_sentences(doc)
    in_passages = {(s.start, s.end) for p in passages for s in p.sentences}
    assert {(s.start, s.end) for s in all_sentences} == in_passages
    boundaries = {s.start for s in all_sentences}, {s.end for s in all_sentences}
    for p in passages:
        assert p.start in boundaries[0] and p.end in boundaries[1]
        assert p.text == doc.text[p.start : p.end]
        assert all(p.text[s.start - p.start : s.end - p.start] == s.text for s in p.sentences)


def test_passages_stay_inside_one_section(loaded):
    documents, passages = loaded
    doc = documents[0]
    for p in passages:
        assert {doc.section_at(s.start) for s in p.sentences} == {p.section}


def test_passage_sizes_aim_at_40_to_120_words_and_keep_units_whole(loaded):
    """Past 120 words only to keep a unit whole (a table row with its description, a
    laureate's paragraph): up to ``whole_words``, or one uncuttable sentence."""
    documents, passages = loaded
    params = SplitParams()
    words = sorted(p.words for p in passages)
    assert words[len(words) // 2] >= 60
    in_range = [w for w in words if params.min_words <= w <= params.max_words]
    assert len(in_range) >= 0.75 * len(words)
    assert len([w for w in words if params.min_words <= w <= params.whole_words]) >= 0.9 * len(words)
    assert all(len(p.sentences) == 1 or p.words <= params.whole_words for p in passages)


def test_no_passage_cuts_a_unit_it_could_hold(loaded):
    documents, passages = loaded
    doc = documents[0]
    params = SplitParams()
    for unit in doc.units:
        if len(doc.text[unit.start : unit.end].split()) > params.whole_words:
            continue
        for p in passages:
            overlaps = p.start < unit.end and unit.start < p.end
            assert not overlaps or (p.start <= unit.start and unit.end <= p.end), (p.passage_id, unit)


def test_a_passage_starting_inside_a_unit_carries_its_head(loaded):
    documents, passages = loaded
    doc = documents[0]
    continued = 0
    for p in passages:
        i = doc.unit_at(p.start)
        unit = doc.units[i]
        if p.start > unit.start and unit.head and p.head:
            assert p.head == unit.head and p.index_text().split("\n").count(unit.head) == 1
            assert unit.head not in p.text
            continued += 1
    assert continued >= 3  # the Communs numériques and IA embarquée lists, long paragraphs


def test_a_passage_opening_on_a_reference_carries_the_sentence_it_refers_to(loaded):
    _, passages = loaded
    by_start = {p.sentences[0].text[:40]: p for p in passages}
    # « il » is the PEPR, named two sentences earlier, in the passage before
    pepr = by_start["Coordonné par Inria en partenariat avec "]
    assert pepr.head.startswith(
        "Tel est l’objectif du dispositif « programme et équipement de recherche » (PEPR)"
    )
    assert "PEPR" in pepr.index_text() and "PEPR" not in pepr.text
    # « Ces premiers projets… » refers to the sentence closing the passage before
    projects = by_start["Ces premiers projets du programme de rec"]
    assert projects.head and projects.head in passages[passages.index(projects) - 1].text
    # a passage opening on a sentence of its own carries none
    assert all(p.head is None for p in passages if p.sentences[0].text.startswith("Tel est l’objectif"))


def test_overlap_is_at_most_one_sentence(loaded):
    _, passages = loaded
    for a, b in zip(passages, passages[1:]):
        shared = {s.start for s in a.sentences} & {s.start for s in b.sentences}
        assert len(shared) <= SplitParams().overlap


def test_ids_are_stable_and_unique(loaded):
    documents, passages = loaded
    again = make_passages(load_corpus(CORPUS)[0])
    assert [p.passage_id for p in passages] == [p.passage_id for p in again]
    assert len({p.passage_id for p in passages}) == len(passages)
    first = passages[0]
    assert first.passage_id == "france2030-ia-dossier-de-presse-2024-05-22#p01-01"
    assert first.page == 1 and first.document == documents[0].name
