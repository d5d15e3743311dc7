"""Check claimed quotes against the dossier: verbatim, altered, paraphrase or absent.

A text attributed to the dossier is checked sentence by sentence (the whole
text first, in case it is one quote spanning several sentences). For each:

1. *Exact*: after normalising case, apostrophes, spaces and line breaks, and
   leaving out the quotation marks and ellipses around it, the claim is a
   slice of a document: **verbatim**, with that slice as the source. A quote
   cut at either end of a dossier sentence, or spanning two, is still one.
2. *Candidates*: dossier sentences close to the claim by words (the
   sentences of the passages BM25 ranks first) and, unless one of those is
   already the claim's sentence with words changed, by meaning (the claim's
   vector against the index's sentence vectors), each alone and followed by
   the next one; rapidfuzz's partial ratio keeps the closest few.
3. *Alignment*: each kept candidate is aligned with the claim word by word
   (difflib). Numbers ("3,2", "13 600", "50M€"), dates, names and words are
   tokens of their own, so "360" against "400" is a change the claim makes,
   never a few characters lost in a similarity score. Dossier words beyond
   the claim's first and last word are a cut, not a change. Same words
   (punctuation aside): **verbatim**. Close enough (``ALTERED_MIN``):
   **altered**, with the diff and every changed number, date, name or word.
4. Otherwise the dossier's closest sentences by meaning: a **paraphrase**
   when they are close and share the claim's rarer terms -- shown as related reading, never
   as a source, since nothing proves the claim says what they say -- or
   **absent**, with the closest passages as related reading.

Every quote in the result (source or related) is ``document.text[start:end]``.
"""

from __future__ import annotations

import difflib
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from rapidfuzz import fuzz, process

from .config import RELATED
from .lexical import analyze
from .pipeline import QuestionError
from .records import Document, Passage, Sentence
from .sentences import split_sentences
from .text import prepare_input

if TYPE_CHECKING:
    from .pipeline import Assistant

VERDICTS = ("verbatim", "altered", "paraphrase", "absent")
CHANGE_KINDS = ("number", "date", "name", "word")
# A text to check is a quote or a paragraph; past this it is cut (with a notice).
MAX_CHECK_CHARS = 4000
# A piece of the input with fewer words is no sentence of its own ("Hi! PARIS"):
# it is checked with the sentence before (or after) it.
MIN_CLAIM_WORDS = 3
# Candidates: sentences nearest by meaning, and the sentences of the passages
# BM25 ranks first; the closest by rapidfuzz's partial ratio are aligned.
DENSE_SENTENCES = 10
BM25_PASSAGES = 5
ALIGNED = 6
# Share of the claim's and the cited span's words the two have in common, in
# order or moved (2 x common / (claim + span)), from which a claim is the dossier's sentence
# with words changed rather than another sentence. On the dev split of
# eval/checks.jsonl altered cases score >= 0.875, paraphrases and fabricated
# sentences <= 0.42 against their closest span; this sits between.
ALTERED_MIN = 0.6
# A claim that is not the dossier's sentence is a paraphrase of one of its
# closest sentences by meaning when the cosine is at least PARAPHRASE_MIN and
# those sentences hold at least PARAPHRASE_TERMS of the IDF mass of the
# claim's index terms (BM25's analyzer): on the dev split, cosines alone don't
# separate (paraphrases 0.867-0.925, fabricated sentences on the dossier's
# topics 0.816-0.890), the terms do (paraphrases >= 0.42, fabricated <= 0.33).
PARAPHRASE_MIN = 0.85
PARAPHRASE_TERMS = 0.38

_QUOTES_AROUND = " \t\n«»“”„\"‘’'…."
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'"})
_DASHES = str.maketrans({"–": "-", "—": "-", "‑": "-", "\u00a0": " ", "\u202f": " "})
# Tokens: grouped thousands ("13 600"), decimals ("3,2", "36,85"), words with
# their inner hyphens, apostrophes, dots and slashes ("l’IA", "IA-clusters",
# "Confiance.ai", "PFlop/s") and a glued € or % ("M€", "50M€", "25%"), lone symbols.
_TOKEN = re.compile(
    r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?!\d)(?:€|%)?"
    r"|\d+(?:[.,]\d+)+(?:€|%)?"
    r"|[^\W_]+(?:[’'\-.@/][^\W_]+)*(?:€|%)?"
    r"|[€%$£+#&]"
)
_MONTHS = frozenset(
    [
        "janvier",
        "février",
        "fevrier",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "aout",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
        "decembre",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ]
)
_NUMBER_WORDS = frozenset(
    [
        "un",
        "une",
        "deux",
        "trois",
        "quatre",
        "cinq",
        "six",
        "sept",
        "huit",
        "neuf",
        "dix",
        "onze",
        "douze",
        "treize",
        "quatorze",
        "quinze",
        "seize",
        "vingt",
        "trente",
        "quarante",
        "cinquante",
        "soixante",
        "cent",
        "cents",
        "mille",
        "million",
        "millions",
        "milliard",
        "milliards",
        "moitié",
        "tiers",
        "quart",
        "double",
        "triple",
        "dizaine",
        "douzaine",
        "quinzaine",
        "vingtaine",
        "centaine",
        "centaines",
        "millier",
        "milliers",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "twelve",
        "twenty",
        "hundred",
        "thousand",
        "billion",
        "billions",
        "half",
    ]
)
# A number's unit, shown with it in a change ("360 M€", not "360").
_UNITS = frozenset(
    [
        "m€",
        "mds€",
        "md€",
        "k€",
        "€",
        "%",
        "euros",
        "millions",
        "milliards",
        "million",
        "milliard",
        "pflop/s",
        "gpu",
    ]
)
_YEAR = re.compile(r"^(?:1[89]|20)\d\d$")


class CheckError(QuestionError):
    """A text that can't be checked (empty, or no words once cleaned); the CLI's usage error."""


@dataclass(frozen=True)
class Source:
    """A verbatim slice of a cleaned document: ``document.text[start:end] == quote``."""

    passage_id: str
    document: str
    page: int | None
    section: str | None
    quote: str
    start: int
    end: int


@dataclass(frozen=True)
class Change:
    """One difference between the claim and the dossier: what the input says, what the dossier says."""

    kind: str  # number | date | name | word
    input: str
    dossier: str


@dataclass(frozen=True)
class Claim:
    """The verdict on one sentence of the input.

    ``diff`` holds (op, text) pairs: "equal" (the dossier's words, kept),
    "delete" (the dossier's words the claim drops or changes), "insert" (the
    claim's words the dossier doesn't have); the equal and delete texts, in
    order, are the source's quote. ``source`` is set for verbatim and altered
    only; ``related`` is the closest reading for a paraphrase (sentences) or
    an absent claim (passages).
    """

    text: str
    verdict: str
    source: Source | None = None
    diff: tuple[tuple[str, str], ...] = ()
    changed: tuple[Change, ...] = ()
    related: tuple[Source, ...] = ()
    similarity: float = 0.0  # word overlap with the closest dossier span (Alignment.similarity)


@dataclass(frozen=True)
class CheckResult:
    input: str
    claims: tuple[Claim, ...]
    timings_ms: dict[str, float] = field(default_factory=dict)
    notice: str | None = None


@dataclass(frozen=True)
class Token:
    key: str  # what is compared: lowercase, straight apostrophes and dashes
    text: str  # as written
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    """The words, numbers and symbols of ``text`` with their offsets (punctuation left out)."""
    return [Token(_key(m.group()), m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _key(token: str) -> str:
    return " ".join(token.translate(_APOSTROPHES).translate(_DASHES).lower().split())


def token_kind(tokens: list[Token], i: int, first: bool) -> str:
    """date, number, name or word, for token ``i`` of a sequence (``first``: it opens a sentence)."""
    t = tokens[i]
    nxt = tokens[i + 1].key if i + 1 < len(tokens) else ""
    if _YEAR.match(t.key) and i > 1 and tokens[i - 1].text[:1].isupper() and not tokens[i - 1].text.isupper():
        return "name"  # "France 2030", "Hi! PARIS Cluster 2030"
    if t.key in _MONTHS or _YEAR.match(t.key) or (t.key.isdigit() and len(t.key) <= 2 and nxt in _MONTHS):
        return "date"
    if any(c.isdigit() for c in t.key) or t.key in _NUMBER_WORDS:
        return "number"
    shouting = (
        t.text.isupper() and len(t.text) > 1 and all(x.text.isupper() for x in tokens if x.text.isalpha())
    )
    if not first and not shouting and (t.text[:1].isupper() or any(c.isupper() for c in t.text[1:])):
        return "name"
    return "word"


_PRECEDENCE = {kind: n for n, kind in enumerate(CHANGE_KINDS)}


@dataclass(frozen=True)
class Alignment:
    """A claim aligned with a stretch of dossier tokens: opcodes over (dossier, claim)."""

    ops: tuple[tuple[str, int, int, int, int], ...]
    matched: int  # words in order in both
    claim_len: int
    span_len: int
    common: int = 0  # words in both, in any order (a reordered claim keeps them all)

    @property
    def similarity(self) -> float:
        """Share of words the claim and the span have in common, in order or moved."""
        total = self.claim_len + self.span_len
        return 2 * max(self.matched, self.common) / total if total else 0.0

    @property
    def identical(self) -> bool:
        return bool(self.ops) and all(op[0] == "equal" for op in self.ops)


def align(dossier: list[Token], claim: list[Token]) -> Alignment:
    """Word alignment of ``claim`` with ``dossier``; dossier words before the claim's first
    and after its last word are a cut, not a change, and are left out of the ops."""
    matcher = difflib.SequenceMatcher(None, [t.key for t in dossier], [t.key for t in claim], autojunk=False)
    ops = [tuple(op) for op in matcher.get_opcodes()]
    ops = _split_edge(ops, dossier, claim)
    # Words the claim moved (found among the cut words) make the cut part of the change.
    inserted = {
        claim[j].key for tag, _, _, j1, j2 in ops if tag in ("insert", "replace") for j in range(j1, j2)
    }
    while (
        ops and ops[0][0] == "delete" and not inserted & {dossier[i].key for i in range(ops[0][1], ops[0][2])}
    ):
        ops.pop(0)
    while (
        ops
        and ops[-1][0] == "delete"
        and not inserted & {dossier[i].key for i in range(ops[-1][1], ops[-1][2])}
    ):
        ops.pop()
    matched = sum(i2 - i1 for tag, i1, i2, _, _ in ops if tag == "equal")
    span = (ops[-1][2] - ops[0][1]) if ops else 0
    inside = Counter(t.key for t in dossier[ops[0][1] : ops[-1][2]]) if ops else Counter()
    common = sum((inside & Counter(t.key for t in claim)).values())
    return Alignment(tuple(ops), matched, len(claim), span, common)


def _split_edge(ops: list[tuple], dossier: list[Token], claim: list[Token]) -> list[tuple]:
    """A replace at either end that eats more dossier words than the claim has there is a
    cut plus a change: the claim's words replace as many dossier words next to them when the
    first of each are of a kind ("360" and "400"); otherwise the claim adds them ("…, à Lyon")."""
    if ops and ops[-1][0] == "replace":
        tag, i1, i2, j1, j2 = ops[-1]
        if i2 - i1 > j2 - j1:
            if token_kind(dossier, i1, i1 == 0) == token_kind(claim, j1, j1 == 0):
                keep = i1 + (j2 - j1)
                ops[-1:] = [("replace", i1, keep, j1, j2), ("delete", keep, i2, j2, j2)]
            else:
                ops[-1:] = [("insert", i1, i1, j1, j2), ("delete", i1, i2, j2, j2)]
    if ops and ops[0][0] == "replace":
        tag, i1, i2, j1, j2 = ops[0]
        if i2 - i1 > j2 - j1:
            if token_kind(dossier, i2 - 1, i2 - 1 == 0) == token_kind(claim, j2 - 1, j2 - 1 == 0):
                cut = i2 - (j2 - j1)
                ops[:1] = [("delete", i1, cut, j1, j1), ("replace", cut, i2, j1, j2)]
            else:
                ops[:1] = [("delete", i1, i2, j1, j1), ("insert", i2, i2, j1, j2)]
    return ops


def changes(dossier: list[Token], claim: list[Token], ops: tuple, claim_first: int = 0) -> tuple[Change, ...]:
    """Every non-equal stretch as a Change of its most telling kind (date > number > name > word)."""
    out: list[Change] = []
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal":
            continue
        kinds = [token_kind(dossier, i, i == 0) for i in range(i1, i2)]
        kinds += [token_kind(claim, j, j == claim_first) for j in range(j1, j2)]
        kind = min(kinds, key=_PRECEDENCE.__getitem__) if kinds else "word"
        said = _surface(claim, j1, j2)
        says = _surface(dossier, i1, i2)
        if kind in ("number", "date") and i2 < len(dossier) and j2 < len(claim):
            unit_d, unit_c = dossier[i2], claim[j2]
            if unit_d.key == unit_c.key and (
                unit_d.key in _UNITS or unit_d.key in _MONTHS
            ):  # "400 M€", "18 mars"
                said, says = f"{said} {unit_c.text}", f"{says} {unit_d.text}"
        out.append(Change(kind, said, says))
    return tuple(out)


def _surface(tokens: list[Token], a: int, b: int) -> str:
    return " ".join(t.text for t in tokens[a:b])


@dataclass
class _Unit:
    """A candidate: one dossier sentence, or a sentence and the next."""

    document: Document
    passage: Passage
    start: int
    end: int
    tokens: list[Token]

    @property
    def text(self) -> str:
        return self.document.text[self.start : self.end]


class Checker:
    """Checks claims against an assistant's index with its embedder; built once per index."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.index = index = assistant.index  # one state of the store, for every check of this checker
        # Sentences in reading order, each with its first passage; rows of the sentence vectors.
        first: dict[tuple[str, int], tuple[Passage, Sentence]] = {}
        for p in index.passages:
            for s in p.sentences:
                first.setdefault((p.document, s.start), (p, s))
        self.order = sorted(first, key=lambda key: key)
        self.position = {key: n for n, key in enumerate(self.order)}
        self.sentences = first
        self.by_row = {row: key for key, row in index.sentence_rows.items()}
        self._folded = {d.name: _fold_map(d.text) for d in index.documents}
        self._tokens: dict[tuple[str, int], list[Token]] = {}

    # ------------------------------------------------------------ public

    def check(self, text: str) -> CheckResult:
        """Verdicts for each sentence of ``text``; CheckError if there is nothing to check."""
        t0 = time.perf_counter()
        text, notice = prepare_text(text)
        whole = self._exact(text)
        claims: list[Claim] = []
        retrieval = 0.0
        if whole is not None:
            claims.append(Claim(text, "verbatim", whole, (("equal", whole.quote),), similarity=1.0))
        else:
            for part in split_claims(text):
                claim, spent = self._check_one(part)
                claims.append(claim)
                retrieval += spent
        total = (time.perf_counter() - t0) * 1000
        timings = {
            "retrieval": round(retrieval, 2),
            "align": round(total - retrieval, 2),
            "total": round(total, 2),
        }
        return CheckResult(text, tuple(claims), timings, notice)

    # ----------------------------------------------------------- stages

    def _check_one(self, text: str) -> tuple[Claim, float]:
        exact = self._exact(text)
        if exact is not None:
            return Claim(text, "verbatim", exact, (("equal", exact.quote),), similarity=1.0), 0.0
        claim = tokenize(text)
        if not claim:
            return Claim(text, "absent"), 0.0
        # Words first: a claim that is a dossier sentence with a few words changed shares most
        # of its terms with it, and BM25 finds it without embedding the claim.
        t0 = time.perf_counter()
        index, searcher = self.index, self.assistant.searcher
        top_passages = [i for i, _ in searcher.store.lexical(index, analyze(text), BM25_PASSAGES)]
        keys = [
            (index.passages[i].document, s.start) for i in top_passages for s in index.passages[i].sentences
        ]
        spent = (time.perf_counter() - t0) * 1000
        best = self._best(claim, text, list(dict.fromkeys(keys)))
        if not _same_sentence(best):
            # Then meaning: the sentences nearest to the claim's vector join the candidates.
            t0 = time.perf_counter()
            query = searcher.encode(text, contents=index)
            cosines = index.sentence_vectors @ query.vector
            nearest = np.argsort(-cosines)[:DENSE_SENTENCES]
            spent += (time.perf_counter() - t0) * 1000
            keys = [self.by_row[int(r)] for r in nearest] + keys
            best = self._best(claim, text, list(dict.fromkeys(keys)))
        if best is not None and _same_sentence(best):
            return self._aligned(text, claim, *best), spent
        # Not the dossier's sentence: so the claim was embedded above, and its closest sentences decide.
        overlap = round(best[1].similarity, 4) if best else 0.0
        top = float(cosines[nearest[0]]) if len(nearest) else 0.0
        terms: set[str] = set()
        for r in nearest[:RELATED]:
            terms.update(_terms(self.sentences[self.by_row[int(r)]][1].text))
        shared = self.index.lexical.coverage(query.terms, terms)
        if top >= PARAPHRASE_MIN and shared >= PARAPHRASE_TERMS:
            related = tuple(self._sentence_source(self.by_row[int(r)]) for r in nearest[:RELATED])
            return Claim(text, "paraphrase", related=related, similarity=overlap), spent
        hits = searcher.search(query, k=RELATED, contents=index)
        related = tuple(_passage_source(h.passage) for h in hits)
        return Claim(text, "absent", related=related, similarity=overlap), spent

    def _best(
        self, claim: list[Token], text: str, keys: list[tuple[str, int]]
    ) -> tuple[_Unit, Alignment] | None:
        units: list[_Unit] = []
        for key in keys:
            units.append(self._unit(key, key))
            n = self.position[key] + 1
            if n < len(self.order) and self.order[n][0] == key[0]:
                units.append(self._unit(key, self.order[n]))
        if not units:
            return None
        folded = _fold(text)
        scored = process.extract(
            folded, [_fold(u.text) for u in units], scorer=fuzz.partial_ratio, limit=ALIGNED
        )
        best: tuple[_Unit, Alignment] | None = None
        for _, _score, i in scored:
            alignment = align(units[i].tokens, claim)
            if best is None or _better(alignment, best[1]):
                best = (units[i], alignment)
        return best

    def _aligned(self, text: str, claim: list[Token], unit: _Unit, a: Alignment) -> Claim:
        first, last = a.ops[0][1], a.ops[-1][2] - 1
        # A claim that opens or ends on words the dossier doesn't have: the span is where its neighbours are.
        doc_text = unit.document.text
        start = unit.tokens[first].start if first < len(unit.tokens) else unit.tokens[-1].end
        end = unit.tokens[last].end if last >= first else start
        start, end = unit.start + start, unit.start + end
        end = _closing(doc_text, end, text)
        diff = _diff(unit, claim, text, a.ops, start, end)
        source = self._source(unit.document, unit.passage, start, end)
        if a.identical:
            return Claim(text, "verbatim", source, diff, similarity=1.0)
        found = changes(unit.tokens, claim, a.ops, claim_first=0)
        return Claim(text, "altered", source, diff, found, similarity=round(a.similarity, 4))

    def _exact(self, text: str) -> Source | None:
        """The claim as a slice of a document once case, apostrophes and spaces are normalised."""
        needle = _fold(text.strip(_QUOTES_AROUND))
        if len(needle) < 2 or not any(c.isalnum() for c in needle):
            return None
        for doc in self.index.documents:
            folded, offsets = self._folded[doc.name]
            at = folded.find(needle)
            while at >= 0:
                after = at + len(needle)
                # Whole words only: "rance 2030" is no quote of "France 2030".
                if not (at and folded[at - 1].isalnum()) and not (
                    after < len(folded) and folded[after].isalnum()
                ):
                    start, end = offsets[at], offsets[after - 1] + 1
                    passage = self._passage_at(doc.name, start)
                    return self._source(doc, passage, start, _closing(doc.text, end, text))
                at = folded.find(needle, at + 1)
        return None

    # ---------------------------------------------------------- helpers

    def _unit(self, key: tuple[str, int], last: tuple[str, int]) -> _Unit:
        passage, sentence = self.sentences[key]
        end = self.sentences[last][1].end
        doc = self.index.document(passage.document)
        cache = (key[0], key[1], end)
        if cache not in self._tokens:
            self._tokens[cache] = tokenize(doc.text[sentence.start : end])
        return _Unit(doc, passage, sentence.start, end, self._tokens[cache])

    def _passage_at(self, document: str, offset: int) -> Passage:
        for p in self.index.passages:
            if p.document == document and p.start <= offset < p.end:
                return p
        return next(p for p in self.index.passages if p.document == document)

    def _source(self, doc: Document, passage: Passage, start: int, end: int) -> Source:
        quote = doc.text[start:end]
        return Source(passage.passage_id, doc.name, doc.page_at(start), passage.section, quote, start, end)

    def _sentence_source(self, key: tuple[str, int]) -> Source:
        passage, sentence = self.sentences[key]
        doc = self.index.document(passage.document)
        return self._source(doc, passage, sentence.start, sentence.end)


@lru_cache(maxsize=65536)
def _terms(text: str) -> frozenset[str]:
    return frozenset(analyze(text))


def _passage_source(p: Passage) -> Source:
    return Source(p.passage_id, p.document, p.page, p.section, p.text, p.start, p.end)


def _same_sentence(best: tuple[_Unit, Alignment] | None) -> bool:
    """The claim is the candidate's words, or them with some changed (altered)."""
    return best is not None and (best[1].identical or best[1].similarity >= ALTERED_MIN)


def _better(a: Alignment, b: Alignment) -> bool:
    """Higher similarity, then more matched words, then the shorter span (one sentence over two)."""
    return (a.similarity, a.matched, -a.span_len) > (b.similarity, b.matched, -b.span_len)


def _closing(doc_text: str, end: int, claim: str) -> int:
    """Take in the dossier's closing punctuation when the claim ends with punctuation too."""
    stripped = claim.rstrip(' \t\n«»“”"')
    if stripped and not stripped[-1].isalnum():
        while end < len(doc_text) and doc_text[end] in '.!?…»)]"”' and doc_text[end] != "\n":
            end += 1
    return end


def _diff(
    unit: _Unit, claim: list[Token], text: str, ops: tuple, start: int, end: int
) -> tuple[tuple[str, str], ...]:
    """(op, text) pieces: the dossier's own text for equal and delete (each running to the next
    dossier word of the diff, so together they are the quote), the claim's words for insert."""
    doc = unit.document.text
    bounds = [unit.start + unit.tokens[i1].start for _, i1, i2, _, _ in ops if i2 > i1] + [end]
    bounds[0] = start
    out: list[tuple[str, str]] = []
    n = 0
    for tag, i1, i2, j1, j2 in ops:
        if i2 > i1:
            out.append(("equal" if tag == "equal" else "delete", doc[bounds[n] : bounds[n + 1]]))
            n += 1
        if j2 > j1 and tag != "equal":
            out.append(("insert", text[claim[j1].start : claim[j2 - 1].end]))
    return tuple(out)


def _fold(text: str) -> str:
    """Lowercase, straight apostrophes and dashes, one space for any run of whitespace."""
    return " ".join(text.translate(_APOSTROPHES).translate(_DASHES).lower().split())


def _fold_map(text: str) -> tuple[str, list[int]]:
    """``_fold(text)`` and, for each of its characters, the offset it comes from in ``text``."""
    chars: list[str] = []
    offsets: list[int] = []
    space = True
    for i, ch in enumerate(text):
        if ch.isspace() or ch in "\u00a0\u202f":
            if not space:
                chars.append(" ")
                offsets.append(i)
            space = True
            continue
        low = ch.translate(_APOSTROPHES).translate(_DASHES).lower()
        if len(low) != 1:
            low = ch
        chars.append(low)
        offsets.append(i)
        space = False
    return "".join(chars), offsets


def prepare_text(raw: str) -> tuple[str, str | None]:
    """The text to check and a notice if it had to be cut; CheckError if it has no words."""
    return prepare_input(
        raw, MAX_CHECK_CHARS, CheckError, "text to check", "paste a sentence attributed to the dossier"
    )


def split_claims(text: str) -> list[str]:
    """The sentences of ``text`` with the project's French-aware splitter; quotation marks around
    a sentence are not part of it."""
    # « Quoted. » Next: the splitter wants the closing mark against the full stop; moving the
    # spaces (same length) keeps every offset valid in the original text.
    shifted = text.replace(" »", "» ").replace("« ", " «")
    doc = Document(name="input", title="", text=shifted)
    spans: list[list[int]] = []
    for s in split_sentences(doc):
        if spans and len(tokenize(text[s.start : s.end])) < MIN_CLAIM_WORDS:
            spans[-1][1] = s.end  # "…le cluster Hi! PARIS.": a fragment belongs to the sentence before
        elif spans and len(tokenize(text[spans[-1][0] : spans[-1][1]])) < MIN_CLAIM_WORDS:
            spans[-1][1] = s.end
        else:
            spans.append([s.start, s.end])
    parts = [text[a:b].strip(' «»“”"') for a, b in spans]
    return [p for p in parts if any(c.isalnum() for c in p)] or [text]


def check(assistant: Assistant, text: str) -> CheckResult:
    """Check ``text`` with ``assistant``'s index and embedder (the checker is built once per assistant)."""
    checker = getattr(assistant, "_checker", None)
    if checker is None or checker.index is not assistant.index:
        checker = Checker(assistant)
        assistant._checker = checker  # type: ignore[attr-defined]
    return checker.check(text)
