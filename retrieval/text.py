"""Small text helpers shared by the stages: folding, normalising, language."""

from __future__ import annotations

import re
import unicodedata

import regex

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'"})
# What a question may hide: control characters, lone surrogates (undecodable
# argv bytes), line and paragraph separators, the zero-width space and the
# Hangul fillers (blank-looking letters) stand between words: they become a
# space. Every other invisible format character (Unicode category Cf: soft
# hyphen, word joiner, joiners, bidi controls, BOM, tag characters) sits
# inside a word: it is dropped.
_SPACE_LIKE = regex.compile(r"[\p{Cc}\p{Cs}\p{Zl}\p{Zp}\u200b\u115f\u1160\u3164\uffa0]")
_INVISIBLE = regex.compile(r"\p{Cf}")

# Frequent words that tell French from English in a question.
_FRENCH = frozenset(
    [
        "le",
        "la",
        "les",
        "des",
        "du",
        "de",
        "un",
        "une",
        "et",
        "est",
        "sont",
        "qui",
        "que",
        "quoi",
        "quel",
        "quelle",
        "quels",
        "quelles",
        "combien",
        "comment",
        "où",
        "quand",
        "pourquoi",
        "pour",
        "par",
        "sur",
        "dans",
        "avec",
        "au",
        "aux",
        "ce",
        "cette",
        "ces",
        "il",
        "elle",
        "ils",
        "elles",
        "on",
        "a",
        "ont",
        "été",
        "sera",
        "seront",
        "qu",
        "est-ce",
        "l",
        "d",
    ]
)
_ENGLISH = frozenset(
    [
        "the",
        "a",
        "an",
        "of",
        "and",
        "is",
        "are",
        "was",
        "were",
        "who",
        "what",
        "which",
        "when",
        "where",
        "why",
        "how",
        "much",
        "many",
        "for",
        "by",
        "on",
        "in",
        "with",
        "to",
        "does",
        "do",
        "did",
        "will",
        "would",
        "can",
        "could",
        "be",
        "been",
        "this",
        "that",
        "these",
        "those",
        "it",
        "its",
        "their",
        "there",
    ]
)


def fold(text: str) -> str:
    """Lowercase, strip accents, straighten apostrophes: "Élève’s" -> "eleve's"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES).lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalize_space(text: str) -> str:
    """Collapse whitespace and straighten apostrophes, for comparing strings."""
    return " ".join(text.translate(_APOSTROPHES).split())


def clean_question(text: str) -> str:
    """Drop control and invisible format characters, collapse whitespace."""
    return " ".join(_INVISIBLE.sub("", _SPACE_LIKE.sub(" ", text)).split())


def prepare_input(
    raw: object, limit: int, error: type[Exception], subject: str, hint: str
) -> tuple[str, str | None]:
    """``raw`` cleaned (``clean_question``) and a notice if it had to be cut at ``limit`` characters;
    ``error`` if it is not a string or has no words. ``subject`` ("question", "text to check") and
    ``hint`` (what to type instead) word the messages."""
    if not isinstance(raw, str):
        raise error(f"the {subject} must be a string")
    text = clean_question(raw)
    if not text:
        raise error(f"the {subject} is empty: {hint}")
    if not any(ch.isalnum() for ch in text):
        raise error(f"the {subject} has no words: {hint}")
    notice = None
    if len(text) > limit:
        cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
        notice = f"{subject.split()[0]} cut to its first {len(cut)} characters (limit {limit})"
        text = cut
    return text, notice


def language(text: str) -> str:
    """ "fr" or "en", by counting function words (French wins ties)."""
    words = re.findall(r"[a-zà-ÿ'-]+", text.lower().translate(_APOSTROPHES))
    words = [w.split("'")[-1] if "'" in w and len(w.split("'")[0]) <= 2 else w for w in words]
    fr = sum(w in _FRENCH for w in words) + sum(c in "éèêàùçôîœ" for c in text.lower())
    en = sum(w in _ENGLISH for w in words)
    return "en" if en > fr else "fr"
