"""Bring an English question's words to the dossier's French vocabulary.

BM25 and the term overlap of the answerer only see the question's own words,
and an English question shares few with a French dossier ("hire" /
"recruter", "students" / "étudiants"). The multilingual model that embeds
the passages also maps words across languages: every word of the dossier is
embedded once at build time, and at question time each content word of an
English question is mapped to the dossier word nearest to it, when that one
is near enough. The mapped words join the question's terms, with the dossier
words a bilingual dictionary gives for the question's words (``glossary``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from .glossary import GLOSSARY, lemmas
from .lexical import STOPWORDS, analyze
from .records import Document
from .text import fold

# Cosine from which a dossier word stands for a question word. e5-small puts
# translations at 0.93-0.97 ("energy" / "énergie" 0.97, "students" /
# "étudiants" 0.95) and near misses at 0.88-0.92 ("peak" / "peu" 0.92);
# chosen before scoring, not tuned on the question set.
MIN_COSINE = 0.92
_WORD = re.compile(r"[^\W\d_]{3,}")
WORDS_FILE, VECTORS_FILE = "vocabulary.json", "vocabulary.npy"


def content_words(text: str) -> list[str]:
    """Lowercased words of three letters or more that aren't stopwords, each once, in order."""
    return list(
        dict.fromkeys(w for w in (m.lower() for m in _WORD.findall(text)) if fold(w) not in STOPWORDS)
    )


class Vocabulary:
    """The dossier's words and their embeddings (as queries, like the question's words)."""

    def __init__(self, words: list[str], vectors: np.ndarray) -> None:
        self.words = words
        self.vectors = vectors.astype(np.float32)
        self._english: dict[str, list[str]] | None = None  # English lemma -> index terms, on first use

    @classmethod
    def build(cls, documents: list[Document], embed) -> Vocabulary:
        """``embed``: texts -> normalised vectors (the model's query side)."""
        words = sorted({w for d in documents for w in content_words(d.text)})
        vectors = embed(words) if words else np.zeros((0, 0), dtype=np.float32)
        return cls(words, np.asarray(vectors))

    def nearest(self, vectors: np.ndarray) -> list[list[str]]:
        """For each of ``vectors`` (one per question word), the index terms of the dossier word
        nearest to it, or none when no dossier word is near enough."""
        if not len(self.words) or not len(vectors):
            return [[] for _ in range(len(vectors))]
        similarity = vectors @ self.vectors.T
        best = similarity.argmax(axis=1)
        return [
            analyze(self.words[j]) if similarity[row, j] >= MIN_COSINE else [] for row, j in enumerate(best)
        ]

    def english_terms(self, words: list[str]) -> list[str]:
        """Index terms of the dossier words whose translation (``glossary``) is one of ``words``,
        English question words: "schools" brings « écoles », "spring" « printemps »."""
        english = self._by_english()
        found: list[str] = []
        for word in words:
            lemma = next((lemma for lemma in lemmas(word) if lemma in english), None)
            if lemma:
                found.extend(english[lemma])
        return list(dict.fromkeys(found))

    def _by_english(self) -> dict[str, list[str]]:
        if self._english is None:  # two threads may both build it: the same map, either kept
            english: dict[str, list[str]] = {}
            for word, translations in GLOSSARY.english(self.words).items():
                for lemma in translations:
                    english.setdefault(lemma, []).extend(analyze(word))
            self._english = english
        return self._english

    def save(self, folder: Path) -> None:
        (Path(folder) / WORDS_FILE).write_text(json.dumps(self.words, ensure_ascii=False), encoding="utf-8")
        np.save(Path(folder) / VECTORS_FILE, self.vectors)

    @classmethod
    def load(cls, folder: Path) -> Vocabulary:
        words = json.loads((Path(folder) / WORDS_FILE).read_text(encoding="utf-8"))
        vectors = np.load(Path(folder) / VECTORS_FILE, allow_pickle=False)
        if not isinstance(words, list) or len(words) != len(vectors):
            raise ValueError("vocabulary words and vectors don't match")
        return cls([str(w) for w in words], vectors)


class WordVectors:
    """Question words' vectors: one model call per question, for the words not seen before."""

    # Words kept between questions; past this the cache starts afresh (a few MB).
    MAX_WORDS = 4096

    def __init__(self, embed) -> None:
        self._embed = embed
        self._cache: dict[str, np.ndarray] = {}

    def __call__(self, words: list[str]) -> np.ndarray:
        new = [w for w in words if w not in self._cache]
        if new:
            if len(self._cache) + len(new) > self.MAX_WORDS:
                self._cache = {}
            self._cache.update(zip(new, (np.asarray(v) for v in self._embed(new))))
        return np.array([self._cache[w] for w in words])
