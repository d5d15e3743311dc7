"""French-first sentence splitting over a clean document.

A sentence ends at a line break, or at ``.``, ``!``, ``?`` or ``…`` (with
any closing quotes or brackets after it) followed by a space and something
that can start a sentence. It does not end after a known abbreviation
("etc." followed by lowercase never ends one anyway), after a single
initial, or when what came before is a single word ("Hi! PARIS"). Numbers
use commas ("3,2 Mds€", "125,9 PFlop/s"), so a dot inside a token never ends
a sentence ("Confiance.ai", "Sorbonne.AI").
"""

from __future__ import annotations

import re

from .records import BULLET, Document, Sentence

# A sentence opening on one of these leans on what comes before it.
_ANAPHORA = re.compile(
    r"^(?:Il|Elle|Ils|Elles|Ce|Cet|Cette|Ces|Celui|Celle|Ceux|Celles|Son|Sa|Ses|Leur|Leurs|Cela|Ceci|"
    r"Ainsi|Par ailleurs|De plus|En outre|Pour y parvenir|Parmi eux|Parmi ces|Ce dernier|Cette dernière)\b"
)


# « Le projet est porté par… » after a sentence about the Exascale project: a programme named by its
# kind alone, not followed by its name (« Le projet TIARe… ») or what it is of (« Le projet d'Exascale… »).
_DEFINITE = re.compile(
    r"^(?:Le|La|L['’])\s?(?:projet|programme|dispositif|consortium|centre|cluster|plateforme|réseau|appel à projets|"
    r"partenariat|fonds|supercalculateur|institut)\s+(?!d[eu]\b|d['’]|des\b)(?=[a-zà-ÿ])"
)


def opens_on_reference(text: str) -> bool:
    """The sentence leans on what comes before it (« Ce projet vise… », « Il a pour… », « Le projet
    est porté par… »)."""
    return bool(_ANAPHORA.match(text) or _DEFINITE.match(text))


# Abbreviations after which a following capital does not start a sentence.
ABBREVIATIONS = frozenset(
    [
        "m",
        "mm",
        "mme",
        "mmes",
        "mlle",
        "dr",
        "pr",
        "me",
        "st",
        "ste",
        "cf",
        "p",
        "pp",
        "n°",
        "no",
        "vol",
        "art",
        "al",
        "fig",
        "env",
        "av",
        "apr",
        "ex",
        "éd",
        "ed",
        "mr",
        "mrs",
        "ms",
        "prof",
        "inc",
        "ltd",
        "vs",
        "e.g",
        "i.e",
    ]
)
_CLOSERS = '»"”’)]'
_OPENERS = '«"“‘([' + BULLET
_CANDIDATE = re.compile(r"[.!?…]+[" + re.escape(_CLOSERS) + r"]*(?=\s)")


def split_sentences(doc: Document) -> list[Sentence]:
    """All sentences of ``doc``, in order, each a verbatim slice of ``doc.text``."""
    sentences: list[Sentence] = []
    pos = 0
    for line in doc.text.split("\n"):
        start = pos
        pos += len(line) + 1
        if not line.strip():
            continue
        body = 2 if line.startswith(BULLET + " ") else 0
        for s, e in line_sentences(line, body):
            a, b = start + s, start + e
            heading = any(hs <= a < he for hs, he in doc.headings)
            bullet = bool(body) and s == body
            sentences.append(Sentence(a, b, doc.text[a:b], doc.page_at(a), heading, bullet, doc.unit_at(a)))
    return sentences


def line_sentences(line: str, offset: int = 0) -> list[tuple[int, int]]:
    """(start, end) of each sentence in one line of clean text, from ``offset``."""
    spans = []
    start = _skip_space(line, offset)
    for m in _CANDIDATE.finditer(line, offset):
        end = m.end()
        nxt = _skip_space(line, end)
        if nxt >= len(line) or not _ends_sentence(line, start, m.start(), nxt):
            continue
        spans.append((start, end))
        start = nxt
    tail = line[start:].rstrip()
    if tail:
        spans.append((start, start + len(tail)))
    return spans


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i].isspace():
        i += 1
    return i


def _ends_sentence(line: str, start: int, punct: int, nxt: int) -> bool:
    following = line[nxt]
    if not (following.isupper() or following.isdigit() or following in _OPENERS):
        return False
    before = line[start:punct].split()
    if len(before) < 2:  # "Hi! PARIS", "M. Dupont" at the start of a sentence
        return False
    word = before[-1].lstrip(_OPENERS).lower()
    return not (line[punct] == "." and (word in ABBREVIATIONS or (len(word) == 1 and word.isalpha())))
