"""The analyzer every stage shares, and the IDF weights used to score sentences.

One analyzer serves indexing, querying and sentence overlap: elisions cut
("l’IA" -> "IA"), lowercase, French and English stopwords out, Snowball
French stem (PyStemmer), then accents folded so "developpement" matches
"développement".
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection

import Stemmer
from bm25s.stopwords import STOPWORDS_EN_PLUS, STOPWORDS_FRENCH

from .text import fold

_ELISION = re.compile(r"\b(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu|quoiqu)['’]", re.IGNORECASE)
_TOKEN = re.compile(r"\d+(?:[.,]\d+)+|\w{2,}|\d")
# Question words carry no topic, in either language; nor do these connectives,
# which the Snowball French list lacks.
_EXTRA = [
    "combien",
    "comment",
    "où",
    "quand",
    "pourquoi",
    "quel",
    "quelle",
    "quels",
    "quelles",
    "lequel",
    "laquelle",
    "lesquels",
    "lesquelles",
    "quoi",
    "est-ce",
    "cela",
    "ça",
    "how",
    "much",
    "many",
    "what",
    "which",
    "who",
    "whom",
    "whose",
    "where",
    "when",
    "why",
    "does",
    "do",
    "did",
    # English words that stand for something said, or say little ("the one in Grenoble",
    # "which cluster gets…", "who else…"), which bm25s's list lacks and the cross-lingual
    # map would take for dossier words ("one" → « UNA », "gets" → « gestes »)
    "one",
    "ones",
    "get",
    "gets",
    "getting",
    "got",
    "else",
    "donc",
    "car",
    "ni",
    "alors",
    "etc",
]
STOPWORDS = frozenset(fold(w) for w in (*STOPWORDS_FRENCH, *STOPWORDS_EN_PLUS, *_EXTRA))
_stemmer = Stemmer.Stemmer("french")


def analyze(text: str) -> list[str]:
    """The index terms of ``text``."""
    words = [w for w in _TOKEN.findall(_ELISION.sub(" ", text).lower()) if fold(w) not in STOPWORDS]
    return [fold(stem) for stem in _stemmer.stemWords(words)]


class Lexicon:
    """Document frequencies of the index terms over the passages: the IDF weights the answerer
    and the checker use, whichever store ranks the passages."""

    def __init__(self, df: dict[str, int], n_docs: int) -> None:
        self.df = df
        self.n_docs = n_docs

    @classmethod
    def build(cls, tokens: list[list[str]]) -> Lexicon:
        """From each passage's terms (``passage_terms``)."""
        df: dict[str, int] = {}
        for terms in tokens:
            for term in set(terms):
                if term:
                    df[term] = df.get(term, 0) + 1
        return cls(df, len(tokens))

    def idf(self, term: str) -> float:
        """BM25's IDF; a term the corpus never uses weighs as much as the rarest."""
        df = self.df.get(term, 0)
        return math.log(1 + (self.n_docs - df + 0.5) / (df + 0.5))

    def weighing(self, query_terms: list[str]) -> dict[str, float]:
        """Each query term the corpus knows, with its share of their IDF mass (they sum to 1)."""
        unique = {t: self.idf(t) for t in dict.fromkeys(query_terms) if t in self.df}
        total = sum(unique.values())
        return {t: w / total for t, w in unique.items()} if total else {}

    def coverage(self, query_terms: list[str], text_terms: set[str]) -> float:
        """Share of the IDF mass of the query terms the corpus knows that ``text_terms`` contain (0..1)."""
        return covered(self.weighing(query_terms), text_terms)

    def unknown_share(self, terms: list[str], counted: set[str] | None = None) -> float:
        """Share of the IDF mass of ``terms`` that the corpus never uses; with ``counted``,
        only unknown terms in that set count against it (others are left out)."""
        unique = dict.fromkeys(terms)  # in the question's order: sums come out the same every run
        unknown = [t for t in unique if t not in self.df and (counted is None or t in counted)]
        total = sum(self.idf(t) for t in unique if t in self.df or t in unknown)
        return sum(self.idf(t) for t in unknown) / total if total else 0.0


def passage_terms(text: str) -> list[str]:
    """What BM25 indexes of a passage: its terms, or one empty term for a passage without any
    (bm25s needs a token per document)."""
    return analyze(text) or [""]


def covered(weighing: dict[str, float], *term_sets: Collection[str]) -> float:
    """The share of ``weighing`` (``Lexicon.weighing``) whose terms are in any of ``term_sets``."""
    return sum(w for t, w in weighing.items() if any(t in terms for terms in term_sets))
