"""retrieval.lexical (the analyzer every stage shares, IDF weights and coverage) and the file store's
BM25 ranker (retrieval.store.bm25)."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval.lexical import Lexicon, analyze, passage_terms
from retrieval.store.bm25 import BM25

TEXTS = [
    "Le budget du plan vélo est de 12 M€.",
    "Les bus passeront toutes les 8 minutes ; le budget des bus augmente.",
    "La ligne de tramway ouvrira en 2027.",
]


def test_elisions_stopwords_and_question_words_go_accents_fold_and_stems_meet():
    assert analyze("Combien l’intelligence artificielle coûte-t-elle ?") == analyze(
        "intelligence artificielle coute"
    )
    assert analyze("Quel développement ?") == analyze("les developpements") == ["developp"]
    assert analyze("Où est-ce que c'est ? How much does it cost?") == ["cost"]


def test_decimal_numbers_stay_one_term():
    assert "3,2" in analyze("3,2 milliards d’euros")


def test_a_lone_digit_is_a_term_and_digits_glued_to_letters_stay_one():
    # « la phase 2 » is not « La première phase »: the digit tells them apart
    assert analyze("la phase 2 de la stratégie") == ["phas", "2", "strateg"]
    assert analyze("cycle 3 (CM1-CM2-6e)") == ["cycl", "3", "cm1", "cm2", "6e"]


@pytest.fixture(scope="module")
def lexical() -> Lexicon:
    return Lexicon.build([passage_terms(t) for t in TEXTS])


@pytest.fixture(scope="module")
def bm25() -> BM25:
    return BM25.build([passage_terms(t) for t in TEXTS])


def test_bm25_ranks_the_texts_holding_the_terms(bm25):
    scores = bm25.scores(analyze("tramway"))
    assert int(np.argmax(scores)) == 2 and scores[0] == scores[1] == 0
    budget = bm25.scores(analyze("budget des bus"))
    assert budget[1] > budget[0] > 0 == budget[2]
    assert [i for i, _ in bm25.top(analyze("budget des bus"), 5)] == [1, 0]
    assert [i for i, _ in bm25.top(analyze("budget des bus"), 5, rows=np.array([0, 2]))] == [0]


def test_terms_the_corpus_never_uses_score_zero_everywhere(bm25):
    assert not bm25.scores(["inconnu"]).any()
    assert bm25.scores([]).shape == (len(TEXTS),)


def test_a_rarer_term_weighs_more_and_an_unknown_one_most(lexical):
    assert lexical.idf("budget") < lexical.idf("tramway") < lexical.idf("inconnu")


def test_coverage_is_the_share_of_the_known_terms_idf_mass(lexical):
    query = analyze("budget tramway inconnu")
    budget, tram = lexical.idf("budget"), lexical.idf("tramway")
    assert lexical.coverage(query, {"tramway"}) == pytest.approx(tram / (budget + tram))
    assert lexical.coverage(query, {"inconnu"}) == 0.0  # the unknown term counts on neither side
    assert lexical.coverage(["inconnu"], {"inconnu"}) == 0.0


def test_unknown_share_counts_what_the_corpus_never_uses(lexical):
    terms = analyze("budget Zorglub")
    unknown = lexical.idf("zorglub")
    assert lexical.unknown_share(terms) == pytest.approx(unknown / (unknown + lexical.idf("budget")))
    assert lexical.unknown_share(terms, counted=set()) == 0.0  # only unknown names may count
    assert lexical.unknown_share(analyze("budget")) == 0.0


def test_saved_and_loaded_it_scores_the_same(bm25, tmp_path):
    bm25.save(tmp_path)
    again = BM25.load(tmp_path, bm25.size)
    query = analyze("budget des bus")
    assert np.allclose(again.scores(query), bm25.scores(query))


def test_english_words_that_stand_for_something_said_are_no_terms():
    # the cross-lingual map took "one" for « UNA » and "gets" for « gestes »
    assert analyze("Which cluster gets the most? And the one in Grenoble?") == ["clust", "grenobl"]


def test_the_weights_sum_the_same_in_every_process():
    # Sums over a set of strings followed its hash order, which changes from one process to
    # the next: the last bit of a feature moved, equal scores swapped, and a refit gave other
    # confidence weights.
    import subprocess
    import sys

    code = (
        "from retrieval.lexical import Lexicon\n"
        "lex = Lexicon({f'w{i}': 1 + i % 7 for i in range(40)}, 50)\n"
        "terms = [f'w{i}' for i in range(0, 40, 3)] + ['inconnu', 'absent']\n"
        "print(repr(lex.unknown_share(terms)), repr(lex.unknown_share(terms, {'absent'})))\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": str(seed), "PATH": ""},
        ).stdout
        for seed in range(8)
    }
    assert len(outputs) == 1, outputs
