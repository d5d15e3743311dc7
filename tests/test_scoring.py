"""The fitted models' seam: features, weights file, confidence levels; and the fitting itself
on made-up samples (no model, no index)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from retrieval import scoring
from retrieval.fit import MAX_DECLINED, Sample, fit_confidence, fit_ranker, folds
from retrieval.questions import Item

from .factories import features


def test_the_shipped_weights_match_the_features_and_say_what_they_were_fitted_on():
    weights = scoring.load_weights()
    assert weights.ranker.shape == (len(scoring.FEATURES),)
    assert weights.confidence.shape == (len(scoring.CONFIDENCE_FEATURES) + 1,)
    assert 0.0 <= weights.low <= weights.high <= 1.0
    assert weights.about.get("split") == "dev"
    again = scoring.Weights.from_json(json.loads(json.dumps(weights.as_json())))
    assert np.allclose(again.ranker, weights.ranker) and again.high == weights.high


def test_a_weights_file_missing_a_feature_is_refused():
    data = scoring.load_weights().as_json()
    del data["ranker"]["dense_sentence"]
    with pytest.raises(KeyError):
        scoring.Weights.from_json(data)


def test_features_follow_the_declared_order():
    f = scoring.features(
        dense_sentence=0.8,
        dense_passage=0.7,
        bm25_passage=0.5,
        passage_rank=4,
        lexical=0.5,
        lexical_section=0.6,
        lexical_topic=0.7,
        known=0.5,
        context=0.0,
        asks_type="date",
        carries_type=False,
        heading=True,
        short=False,
        words=9,
        english=True,
    )
    named = dict(zip(scoring.FEATURES, f))
    assert len(f) == len(scoring.FEATURES)
    assert named["inverse_rank"] == 0.25 and named["lexical_known"] == 0.25
    assert named["lexical_section"] == 0.6 and named["lexical_topic"] == 0.7
    assert named["typed"] == 0.0 and named["untyped"] == 1.0 and named["heading"] == 1.0
    assert named["named"] == 0.0 and named["unnamed"] == 0.0
    assert named["dense_english"] == 0.8 and named["lexical_english"] == 0.5


def test_levels_follow_the_two_thresholds():
    w = scoring.Weights(
        np.zeros(len(scoring.FEATURES)), np.zeros(len(scoring.CONFIDENCE_FEATURES) + 1), 0.6, 0.3, {}
    )
    assert [scoring.level(p, w) for p in (0.9, 0.6, 0.45, 0.3, 0.1)] == ["high", "high", "low", "low", "none"]
    assert scoring.probability(np.zeros(len(scoring.CONFIDENCE_FEATURES)), w) == 0.5


def _item(n: int, answerable: bool = True, kind: str = "direct", context: str | None = None) -> Item:
    evidence = ("x",) if answerable else ()
    return Item(f"q{n}", "?", "fr", kind, evidence, evidence, "dev", context)


def _samples(rng: np.random.Generator, count: int) -> list[Sample]:
    """Candidates where feature 0 (dense_sentence) marks the right sentence, the rest is noise;
    unanswerable questions have no clear winner."""
    dim = len(scoring.FEATURES)
    out = []
    for n in range(count):
        answerable = n % 4 != 0
        matrix = rng.normal(0, 1, (8, dim))
        positive = np.zeros(8, dtype=bool)
        if answerable:
            positive[n % 8] = True
            matrix[n % 8, 0] += 4.0
        out.append(Sample(_item(n, answerable), matrix, positive, 0.0, 0.0, False, [0.0] * 8))
    return out


def test_the_ranker_learns_which_feature_marks_the_answer():
    samples = _samples(np.random.default_rng(0), 120)
    w = fit_ranker(samples)
    assert w[0] == max(w) and w[0] > 1.0
    top = [bool(s.positive[np.argmax(s.matrix @ w)]) for s in samples if s.positive.any()]
    assert np.mean(top) >= 0.9


def test_the_confidence_thresholds_decline_few_answerable_questions_held_out():
    training = _samples(np.random.default_rng(1), 400)
    ranker = fit_ranker(training)
    coef, high, low = fit_confidence(training, ranker)
    from retrieval.fit import signals

    held = _samples(np.random.default_rng(2), 4000)  # questions the thresholds never saw
    x = signals(held, ranker)
    p = 1 / (1 + np.exp(-(x @ coef[:-1] + coef[-1])))
    answerable = np.array([s.item.answerable for s in held])
    assert np.mean(p[answerable] < high) <= 2 * MAX_DECLINED
    assert 0.0 < low <= high
    assert np.mean(p[~answerable] < high) > 0.5  # no clear winner: most are declined


def test_a_sentence_carrying_the_asked_value_comes_first_when_as_much_on_topic():
    untyped, typed = features(False, 1.0), features(True, 1.0)
    assert scoring.typed_choice([untyped, untyped, typed], [10.0, 9.5, 8.0], 0.05) == 2
    # less on topic (another organisation's seat), or too improbable: the best stays
    assert scoring.typed_choice([untyped, features(True, 0.5)], [10.0, 9.0], 0.05) is None
    assert scoring.typed_choice([untyped, typed], [10.0, 5.0], 0.05) is None
    # the best carries it, or nothing of the kind is asked
    assert scoring.typed_choice([typed, untyped], [10.0, 9.0], 0.05) is None
    assert scoring.typed_choice([features(None, 1.0), typed], [10.0, 9.0], 0.05) is None


def test_folds_are_stable_balanced_and_keep_a_follow_up_with_its_question():
    items = [_item(n, kind="direct" if n % 2 else "number") for n in range(40)]
    items.append(_item(99, kind="followup", context="q3"))
    assignment = folds(items, 5)
    assert assignment == folds(items, 5)
    assert sorted(set(assignment)) == [0, 1, 2, 3, 4]
    assert assignment[-1] == assignment[3]
    counts = np.bincount(assignment[:40])
    assert counts.max() - counts.min() <= 2
