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


def test_passage_sizes_aim_at_40_to_120_words(loaded):
    _, passages = loaded
    words = sorted(p.words for p in passages)
    assert words[len(words) // 2] >= 60
    in_range = [w for w in words if 40 <= w <= 120]
    assert len(in_range) >= 0.85 * len(words)
    long_ones = [p for p in passages if p.words > 120]
    assert all(len(p.sentences) == 1 or p.words <= 150 for p in long_ones)


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
