"""The items of an announced list, for a question that asks for a list.

A press kit announces its lists by count: « Enfin quatre projets viennent
compléter l’offre de formation sur les territoires : », a heading « 8 nouveaux
lauréats de la vague 2… », « Parmi ces 12 lauréats, quatre projets sont portés
par… ». The items then follow in the document's structure, not in one
sentence: bullets, table rows, or paragraphs that each open on a project and
its amount, often over several passages, with prose in between. When a list
question's plausible sentences include such an announcement, the answer is
the announcement and the items that follow it, found by that structure.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left

from .asked import value
from .lexical import analyze
from .records import HEADING, LIST, PAGE_HEADER, TABLE_ROW, TITLE_NAME, Document, Passage, Sentence, Unit
from .store.base import Contents

_COUNTS = {
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "cinq": 5,
    "six": 6,
    "sept": 7,
    "huit": 8,
    "neuf": 9,
    "dix": 10,
    "onze": 11,
    "douze": 12,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,  # "six" is French too
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
# A count and the plural noun it counts, with at most one adjective or acronym between, and
# what the noun is of (« 8 nouveaux lauréats », « quatre projets », « Trois projets de
# démonstrateurs », « neuf IA-clusters », "nine AI clusters").
_ANNOUNCED = re.compile(
    r"(?<![\w,.])(\d{1,2}|" + "|".join(_COUNTS) + r")\s+((?:[^\W\d]+[sx]\s+|(?-i:[A-Z]{2,})\s+)?"
    r"(?:[^\W\d]+-)?[^\W\d]{3,}[sx](?:\s+(?:de|d’|d')\s*[^\W\d]+)?)\b",
    re.IGNORECASE,
)


def _counted(m: re.Match) -> int:
    word = m.group(1).lower()
    return int(word) if word.isdigit() else _COUNTS[word]


def stated_count(question: str) -> int | None:
    """How many items ``text`` says there are (« les huit projets retenus », « 14 premiers lauréats »)."""
    m = _ANNOUNCED.search(question)
    return _counted(m) if m else None


def announced(text: str, most: int, asked_terms: frozenset[str], count: int | None = None) -> int | None:
    """The number of items ``text`` announces (2 to ``most``) of something the question names
    (« Quels projets… » and « quatre projets »; not « ces deux dernières années »), or as many
    as the question says there are (``count``: « les huit projets… » and « 8 nouveaux
    lauréats »), or None: a longer list can't be quoted whole, and a lone item is no list."""
    for m in _ANNOUNCED.finditer(text):
        n = _counted(m)
        if 2 <= n <= most and (n == count or set(analyze(m.group(2))) & asked_terms):
            return n
    return None


def items(
    document: Document, after: int, count: int, sentences: dict[int, Sentence]
) -> list[tuple[int, int]]:
    """(start, end) of what is quoted of each of the ``count`` items that follow offset ``after``
    in its section: the first sentence of each bullet, the cells of each table row, or the first
    sentence of each paragraph that opens on an amount (« Le projet CAIRE (7,8 M€), porté
    par… »), whichever kind comes first. Fewer when the section ends first. Or, when a heading
    with an amount comes first, the headings with an amount that follow, each opening a section
    of its own (« MIAI Cluster (Université Grenoble Alpes) – 70 M€ » and the eight other
    IA-clusters after « …les neuf lauréats de l’AMI IA-clusters… »), up to the first heading
    without one. ``sentences``: the document's sentences by start."""
    starts = sorted(sentences)
    found: list[tuple[int, int]] = []
    kind = None
    for unit in document.units:
        if unit.end <= after or unit.kind == PAGE_HEADER:
            continue
        if unit.kind == HEADING:
            if unit.start < after:
                continue
            if kind not in (None, HEADING) or value(document.text[unit.start : unit.end]) is None:
                break
            kind = HEADING
            found.append((unit.start, unit.end))
            if len(found) >= count:
                return found
            continue
        if kind == HEADING:  # what a heading item heads
            continue
        lo, hi = bisect_left(starts, max(unit.start, after)), bisect_left(starts, unit.end)
        inside = [sentences[s] for s in starts[lo:hi]]
        bullets = [(s.start, s.end) for s in inside if s.bullet]  # each item's first sentence
        if unit.kind == TABLE_ROW:
            this, picked = TABLE_ROW, [(unit.start, unit.body if unit.body else unit.end)]
        elif unit.kind == LIST and bullets and kind != "amount":
            this, picked = LIST, bullets
        else:  # a paragraph, or a list whose introduction is itself an item of amounts
            this, picked = "amount", [(s.start, s.end) for s in inside[:1] if value(s.text) is not None]
        if not picked or (kind and this != kind):
            continue
        kind = kind or this
        found.extend(picked)
        if len(found) >= count:
            return found[:count]
    return found


def enumerate_list(
    ranked: list, index: Contents, question: str, asked_terms: frozenset[str], ratio: float, most: int
) -> list[tuple[Passage, int]] | None:
    """(passage, position) of an announcement of what ``question`` (its index terms
    ``asked_terms``) asks for among the plausible ``ranked`` candidates (those within ``ratio``
    of the best's probability), then of the sentences of each item it announces;
    None when no plausible sentence announces a list whose items can all be found."""
    if not ranked:
        return None
    documents: dict[str, tuple[dict[int, tuple[Passage, int]], list[int]]] = {}  # read once each
    stated = stated_count(question)
    for c in ranked:
        if math.exp(c.score - ranked[0].score) < ratio:
            break
        sentence = c.sentence
        if listed_inline(sentence.text, asked_terms, stated):  # it answers alone
            return [(c.passage, c.position)]
        count = announced(sentence.text, most, asked_terms, stated)
        if count is None or not (sentence.heading or sentence.text.rstrip().endswith(":") or _opens(c)):
            continue
        document = index.document(c.passage.document)
        if document.name not in documents:
            where = _positions(index, document.name)
            documents[document.name] = (where, sorted(where))
        where, starts = documents[document.name]
        spans = items(document, sentence.end, count, {s: p.sentences[i] for s, (p, i) in where.items()})
        if len(spans) < count:
            continue
        picked = [(c.passage, c.position)]
        for a, b in spans:
            picked.extend(where[s] for s in starts[bisect_left(starts, a) : bisect_left(starts, b)])
        return picked
    return None


def listed_inline(text: str, asked_terms: frozenset[str], count: int | None) -> bool:
    """``text`` announces the items asked for and gives them all after a colon, in the same
    sentence (« …des 4 lauréats existants de la précédente vague : Bordeaux Métropole, le GIP
    Vendée Numérique, la Ville de Metz et la Ville de Noisy-le-Grand. »)."""
    for m in _ANNOUNCED.finditer(text):
        n = _counted(m)
        _, colon, tail = text[m.end() :].partition(":")
        if not colon or not (n == count or set(analyze(m.group(2))) & asked_terms):
            continue
        parts = [p for p in re.split(r",\s*|\s+et\s+|\s+and\s+", tail.strip().rstrip(".")) if p.strip()]
        if len(parts) == n:
            return True
    return False


def _opens(candidate) -> bool:
    """The sentence opens its paragraph (an announcement in running text leads what follows)."""
    p, i = candidate.passage, candidate.position
    text = p.text
    a = p.sentences[i].start - p.start
    return a == 0 or text[max(0, a - 2) : a] == "\n\n" or i == 0


def _positions(index: Contents, name: str) -> dict[int, tuple[Passage, int]]:
    """Sentence start -> (passage, position) for every sentence of document ``name`` (the first
    passage that holds it)."""
    out: dict[int, tuple[Passage, int]] = {}
    for p in index.passages:
        if p.document == name:
            for i, s in enumerate(p.sentences):
                out.setdefault(s.start, (p, i))
    return out


# What a list question asks for, by name: « Quels établissements… », "Which projects…".
_ITEMS_NOUN = re.compile(r"\b(?:quel(?:le)?s|which|what)\s+([^\W\d]+)", re.IGNORECASE)


def matching_rows(
    ranked: list, index: Contents, question: str, terms: list[str], ratio: float, most: int
) -> list[tuple[Passage, int]] | None:
    """(passage, position) of the cells of every row of a table that carry what a list question
    asks of its rows (« Quels projets … sont portés par des collectivités ? » and the rows marked
    « (collectivité) »), in the table's order; None when no plausible candidate is a row of a
    table, or no word of the question marks some of its rows (two at least) and not all.

    The word is the question's rarest that the cells of the best plausible row carry, when
    other rows carry it too and some don't: a table's rows share their call's words (« IA »),
    and a name (« les membres du consortium Urba(IA) ») is one row's. The noun that says what
    the items are (« Quels établissements… ») sorts nothing: a row that happens to hold it
    (« Etablissement Public Territorial ») is no answer to a question about other items.
    """
    model = _plausible(ranked, index, ratio, TABLE_ROW)
    if model is None:
        return None
    document = index.document(model.passage.document)
    rows = _table(document, model.sentence.unit)
    cells = {k: set(analyze(document.text[u.start : u.body or u.end])) for k, u in rows.items()}
    own = cells[model.sentence.unit]
    noun = _ITEMS_NOUN.search(question)
    kind = set(analyze(noun.group(1))) if noun else set()  # what the items are, not what sorts them
    carried = [t for t in dict.fromkeys(terms) if t in own and t not in kind]
    if not carried:
        return None
    term = max(carried, key=index.lexical.idf)
    if not 2 <= sum(term in c for c in cells.values()) < len(rows):
        return None  # a name (« …du consortium Urba(IA) ? ») or what every row shares
    kept = [rows[k] for k in sorted(rows) if term in cells[k]][:most]
    return _quoted(index, document, [(u.start, u.body or u.end) for u in kept])


def named_run(ranked: list, index: Contents, ratio: float, most: int) -> list[tuple[Passage, int]] | None:
    """(passage, position) of every name beside its title in the run of them that the best
    plausible such candidate belongs to (the signatories: « Marina Ferrari / Secrétaire d’Etat
    chargée du Numérique », « Sylvie Retailleau / Ministre… »…), in the document's order, up to
    ``most``; None when no plausible candidate (within ``ratio`` of the best's probability) is a
    name beside its title. A list question about people (« Quels ministres signent… ? ») wants
    them all, and the ranker spreads its probability over the alike lines, quoting some."""
    model = _plausible(ranked, index, ratio, TITLE_NAME)
    if model is None:
        return None
    document = index.document(model.passage.document)
    run = _run(document, model.sentence.unit, TITLE_NAME)
    return _quoted(index, document, [(run[k].start, run[k].end) for k in sorted(run)][:most])


def _plausible(ranked: list, index: Contents, ratio: float, kind: str):
    """The best candidate within ``ratio`` of the best's probability whose unit is of ``kind``."""
    return next(
        (
            c
            for c in ranked
            if math.exp(c.score - ranked[0].score) >= ratio
            and c.sentence.unit is not None
            and index.document(c.passage.document).units[c.sentence.unit].kind == kind
        ),
        None,
    )


def _quoted(index: Contents, document: Document, spans: list[tuple[int, int]]) -> list[tuple[Passage, int]]:
    """(passage, position) of the sentences that start within each (start, end) of ``document``."""
    where = _positions(index, document.name)
    starts = sorted(where)
    return [where[s] for a, b in spans for s in starts[bisect_left(starts, a) : bisect_left(starts, b)]]


def _table(document: Document, unit: int) -> dict[int, Unit]:
    """The rows (by unit index) of the table that row ``unit`` belongs to."""
    return _run(document, unit, TABLE_ROW)


def _run(document: Document, unit: int, kind: str) -> dict[int, Unit]:
    """The units (by index) of ``kind`` in the run around ``unit`` in its section, running page
    headers between them skipped: a table's rows, a list of names beside their titles."""
    units = document.units
    section = document.section_at(units[unit].start)

    def run(step: int) -> list[int]:
        out, k = [], unit + step
        while 0 <= k < len(units) and units[k].kind in (kind, PAGE_HEADER):
            if units[k].kind == kind:
                if document.section_at(units[k].start) != section:
                    break
                out.append(k)
            k += step
        return out

    return {k: units[k] for k in (*run(-1), unit, *run(1))}
