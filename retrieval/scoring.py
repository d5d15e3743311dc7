"""The two fitted models of the answerer: which sentence answers, and how sure to be.

Both are linear over a few named features, so they run as one dot product per
candidate at question time (no learning library is imported there). Their
weights live in ``weights.json`` beside this file, written by `retrieval fit`
(see ``fit.py``) from the dev split of the question set; `retrieval eval --cv`
reports what they give when fitted on the other folds only.

- The **ranker** scores each candidate sentence; trained listwise (softmax over
  a question's candidates, the sentences that hold a gold span as targets).
- The **confidence** model gives the probability that the best sentence answers
  the question; two thresholds turn it into "high" (an answer), "low" (the
  closest the dossier comes, shown as such) and "none" (no answer).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .asked import AGENT, AMOUNT, DATE, NAME, PLACE

WEIGHTS_FILE = Path(__file__).with_name("weights.json")
# A number, a date or a place is rare in a sentence, so carrying one says much; proper
# names are everywhere in a press kit, so carrying one says less: two pairs of features.
VALUE_TYPES = (AMOUNT, DATE, PLACE)
NAME_TYPES = (AGENT, NAME)

# Per candidate sentence. Products let one linear model weigh a signal by how
# much it can know for this question (lexical overlap means little for an
# English question over a French dossier).
FEATURES = (
    "dense_sentence",  # cosine of the sentence (averaged with its section-titled version) to the question
    "dense_passage",  # cosine of its passage's sentence nearest to the question (``search.by_best_sentence``)
    "bm25_passage",  # its passage's BM25 score over the best of the candidates' passages
    "inverse_rank",  # 1 / its passage's rank in the fused list
    "lexical",  # share of the question's term weight found in the sentence (and the lines it leans on);
    # a follow-up's, of its own terms or of them with the previous question's, whichever is more
    "lexical_known",  # the same, times the share of the question's terms the dossier knows
    "lexical_section",  # the same with its section title's terms
    "lexical_topic",  # the same with the terms of the sentence that opens its unit too
    "context",  # a follow-up: share of the previous question's terms found
    "typed",  # the question asks for an amount, a date or a place and the sentence carries it
    "untyped",  # the question asks for one of those and the sentence doesn't carry it
    "named",  # the question asks for a person, an organisation or a name and the sentence has a new one
    "unnamed",  # the question asks for one of those and the sentence names none it doesn't already give
    "heading",  # a bare heading
    "short",  # a short line of its own (cell, label)
    "log_words",  # log of the words quoted with it
    "dense_english",  # dense_sentence for an English question
    "lexical_english",  # lexical for an English question
)

# Per question, from its best candidates.
CONFIDENCE_FEATURES = (
    "best_score",  # the ranker's score of the best sentence
    "best_share",  # its softmax share among the candidates
    "margin",  # best score minus the runner-up's
    "best_dense",
    "best_lexical",
    "best_untyped",  # the best sentence lacks the asked amount, date or place
    "unknown",  # share of the question's term weight the dossier never uses
    "unknown_names",  # the same for its names only ("Strasbourg", "ChatGPT")
    "missing_french",  # a French question: share of its term weight absent from the best sentence and its section
    "known_english",  # the dossier-known share of an English question's terms
    "english",
)


def features(
    *,
    dense_sentence: float,
    dense_passage: float,
    bm25_passage: float,
    passage_rank: int,
    lexical: float,
    lexical_section: float,
    lexical_topic: float,
    known: float,
    context: float,
    asks_type: str | None,
    carries_type: bool,
    heading: bool,
    short: bool,
    words: int,
    english: bool,
) -> tuple[float, ...]:
    """The ranker's feature vector, in the order of ``FEATURES``."""
    return (
        dense_sentence,
        dense_passage,
        bm25_passage,
        1.0 / passage_rank,
        lexical,
        lexical * known,
        lexical_section,
        lexical_topic,
        context,
        float(asks_type in VALUE_TYPES and carries_type),
        float(asks_type in VALUE_TYPES and not carries_type),
        float(asks_type in NAME_TYPES and carries_type),
        float(asks_type in NAME_TYPES and not carries_type),
        float(heading),
        float(short),
        math.log1p(words),
        dense_sentence * english,
        lexical * english,
    )


_POSITION = {name: i for i, name in enumerate(FEATURES)}


def feature(values: tuple[float, ...], name: str) -> float:
    """One named feature of a candidate's vector."""
    return values[_POSITION[name]]


def typed_choice(features: list[tuple[float, ...]], scores: list[float], ratio: float) -> int | None:
    """Which of the candidates (best score first) to answer with instead of the best, if any.

    When the best sentence lacks the amount, date or place asked for, the best plausible
    one (probability at least ``ratio`` of the best's) that carries it and covers the
    question's terms as fully with its section title: "Where will ALT-EDIC be based?" is
    answered by the seat given in the ALT-EDIC section, not by a sentence of that section
    that names ALT-EDIC and no place.
    """
    if not features or feature(features[0], "untyped") == 0.0:
        return None
    topic = feature(features[0], "lexical_section")
    for i in range(1, len(features)):
        if math.exp(scores[i] - scores[0]) < ratio:
            break
        if feature(features[i], "typed") and feature(features[i], "lexical_section") >= topic:
            return i
    return None


@dataclass(frozen=True)
class Weights:
    ranker: np.ndarray  # one weight per FEATURES
    confidence: np.ndarray  # one weight per CONFIDENCE_FEATURES, then the intercept
    high: float  # probability from which an answer is given
    low: float  # probability from which the closest sentence is shown as such
    about: dict  # what they were fitted on

    def as_json(self) -> dict:
        return {
            "ranker": dict(zip(FEATURES, map(float, self.ranker))),
            "confidence": {
                **dict(zip(CONFIDENCE_FEATURES, map(float, self.confidence[:-1]))),
                "intercept": float(self.confidence[-1]),
            },
            "thresholds": {"high": self.high, "low": self.low},
            "about": self.about,
        }

    @classmethod
    def from_json(cls, data: dict) -> Weights:
        ranker = np.array([float(data["ranker"][name]) for name in FEATURES])
        conf = data["confidence"]
        confidence = np.array(
            [float(conf[name]) for name in CONFIDENCE_FEATURES] + [float(conf["intercept"])]
        )
        thresholds = data["thresholds"]
        return cls(
            ranker, confidence, float(thresholds["high"]), float(thresholds["low"]), data.get("about", {})
        )


def load_weights(path: Path = WEIGHTS_FILE) -> Weights:
    return Weights.from_json(json.loads(Path(path).read_text(encoding="utf-8")))


def rank_scores(matrix: np.ndarray, weights: Weights) -> np.ndarray:
    return matrix @ weights.ranker


def confidence_features(
    scores: np.ndarray,
    best: tuple[float, ...],
    unknown: float,
    unknown_names: float,
    missing: float,
    english: bool,
) -> np.ndarray:
    """The confidence model's input, from the ranked scores and the best candidate's features."""
    shares = np.exp(scores - scores.max())
    shares /= shares.sum()
    f = dict(zip(FEATURES, best))
    return np.array(
        [
            scores[0],
            shares[0],
            scores[0] - scores[1] if len(scores) > 1 else 1.0,
            f["dense_sentence"],
            f["lexical"],
            f["untyped"],
            unknown,
            unknown_names,
            missing * (not english),
            (1.0 - unknown) * english,
            float(english),
        ]
    )


def probability(x: np.ndarray, weights: Weights) -> float:
    z = float(x @ weights.confidence[:-1] + weights.confidence[-1])
    return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))


def level(p: float, weights: Weights) -> str:
    return "high" if p >= weights.high else "low" if p >= weights.low else "none"
