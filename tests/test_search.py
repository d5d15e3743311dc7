"""retrieval.search: the fusions on hand-made lists, the Searcher on the tiny index built with the fake
model (through the real seam, `open_embedder`). No real model; well under a second."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from retrieval.search import RETRIEVERS, RRF_K, by_best_sentence, minmax_sum, rrf

DENSE = [(0, 0.9), (1, 0.5), (2, 0.1)]
LEXICAL = [(2, 12.0), (0, 6.0)]


def test_minmax_scales_each_list_to_0_1_and_a_missing_passage_gets_0_there():
    fused = minmax_sum(DENSE, LEXICAL)
    assert fused == pytest.approx({0: 1.0 + 0.0, 1: 0.5, 2: 0.0 + 1.0})


def test_minmax_gives_a_list_of_equal_scores_full_marks_and_skips_an_empty_list():
    assert minmax_sum([(4, 0.3), (5, 0.3)], []) == {4: 1.0, 5: 1.0}
    assert minmax_sum() == {}


def test_rrf_sums_reciprocal_ranks_whatever_the_scores():
    fused = rrf(DENSE, LEXICAL)
    assert fused == pytest.approx(
        {0: 1 / (RRF_K + 1) + 1 / (RRF_K + 2), 1: 1 / (RRF_K + 2), 2: 1 / (RRF_K + 3) + 1 / (RRF_K + 1)}
    )
    # Only ranks count: scaling the scores changes nothing.
    assert rrf([(i, s * 100) for i, s in DENSE], LEXICAL) == fused


def _ids(hits):
    return [h.passage.passage_id for h in hits]


@pytest.mark.parametrize("retriever", RETRIEVERS)
def test_every_retriever_finds_the_passage_that_says_it(fake_assistant, retriever):
    searcher = fake_assistant.searcher
    hits = searcher.search(searcher.encode("Quand ouvrira la ligne de tramway ?"), k=2, retriever=retriever)
    assert hits[0].passage.document == "tram.txt"
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))  # BM25 lists only passages with a term
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_hits_carry_each_retrievers_rank_and_only_theirs(fake_assistant):
    searcher = fake_assistant.searcher
    query = searcher.encode("Quel est le budget du plan vélo ?")
    dense = [i for i, _ in searcher.dense(query)]
    lexical = [i for i, _ in searcher.bm25(query)]
    passages = fake_assistant.index.passages
    for h in searcher.search(query, k=3):
        i = passages.index(h.passage)
        assert h.dense_rank == dense.index(i) + 1
        assert h.lexical_rank == (lexical.index(i) + 1 if i in lexical else None)
    assert all(h.dense_rank is None for h in searcher.search(query, retriever="bm25"))
    assert all(h.lexical_rank is None for h in searcher.search(query, retriever="dense"))


def test_bm25_lists_only_passages_holding_a_query_term(fake_assistant):
    searcher = fake_assistant.searcher
    hits = searcher.search(searcher.encode("tramway"), k=10, retriever="bm25")
    assert _ids(hits) == ["tram#p01-01"]


def test_an_unknown_retriever_is_refused(fake_assistant):
    searcher = fake_assistant.searcher
    with pytest.raises(ValueError, match="unknown retriever 'splade'"):
        searcher.search(searcher.encode("budget"), retriever="splade")


def test_a_follow_up_is_searched_with_its_context_but_scored_on_its_own_terms(fake_assistant):
    searcher = fake_assistant.searcher
    query = searcher.encode("Et les bus ?", "Quel est le budget du plan vélo ?")
    assert query.text == "Quel est le budget du plan vélo ? Et les bus ?"
    assert query.question == "Et les bus ?"
    assert query.terms == ["bus"]
    assert set(query.context_terms) == {"budget", "plan", "velo"}
    assert query.all_terms == [*query.terms, *query.context_terms]
    assert np.array_equal(query.vector, fake_assistant.embedder.queries([query.text])[0])


def test_a_question_is_embedded_once_and_its_vector_cannot_be_changed(fake_assistant):
    searcher = fake_assistant.searcher
    first = searcher.encode("Combien de km de pistes ?").vector
    assert searcher.encode("Combien de km de pistes ?").vector is first
    with pytest.raises(ValueError):
        first[0] = 1.0


def test_a_passage_is_scored_by_its_sentence_nearest_to_the_question():
    """The store found passage 0 nearer as a whole; passage 1 holds the one sentence that is the
    question's topic, and comes first with that sentence's cosine. Equal scores keep row order."""
    passages = [
        SimpleNamespace(document="a", sentences=[SimpleNamespace(start=0), SimpleNamespace(start=10)]),
        SimpleNamespace(document="a", sentences=[SimpleNamespace(start=10), SimpleNamespace(start=20)]),
        SimpleNamespace(document="b", sentences=[SimpleNamespace(start=0)]),
    ]
    vectors = np.array([[0.6, 0.8], [0.6, 0.8], [1.0, 0.0], [0.6, 0.8]], dtype=np.float32)
    contents = SimpleNamespace(
        passages=passages,
        sentence_rows={("a", 0): 0, ("a", 10): 1, ("a", 20): 2, ("b", 0): 3},
        sentence_vectors=vectors,
    )
    question = np.array([1.0, 0.0], dtype=np.float32)
    ranked = by_best_sentence(contents, [(0, 0.9), (2, 0.7), (1, 0.5)], question)
    assert ranked == [(1, pytest.approx(1.0)), (0, pytest.approx(0.6)), (2, pytest.approx(0.6))]
    assert by_best_sentence(contents, [], question) == []


def test_the_dense_list_holds_the_stores_passages_by_their_best_sentence(fake_assistant):
    searcher = fake_assistant.searcher
    contents = fake_assistant.index
    query = searcher.encode("Quel est le budget du plan vélo ?")
    ranked = searcher.dense(query)
    found = {i for i, _ in fake_assistant.store.dense(contents, query.vector, len(contents.passages))}
    assert {i for i, _ in ranked} == found
    for i, score in ranked:
        passage = contents.passages[i]
        best = max(float(contents.sentence_vector(passage, s) @ query.vector) for s in passage.sentences)
        assert score == pytest.approx(best)
    assert [s for _, s in ranked] == sorted((s for _, s in ranked), reverse=True)
