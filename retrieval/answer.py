"""Compose an extractive answer: the dossier's own sentences, quoted with [n] markers.

Every sentence of the top passages is scored against the question: its
embedding (computed at build time) against the question's, the share of the
question's rarer terms found in it or in the lines it depends on, its
passage's rank, and, when the question asks for an amount or a date,
whether it holds one. The best sentence is quoted with the runners-up that
score nearly as well. A sentence is never quoted without what it needs to
be read: the cells of its table row before a sentence that opens on a
pronoun ("Ce projet vise…"), the sentence after a bare title, the list
after an introduction ending in a colon. When even the best sentence is weak evidence, the assistant
says the dossier does not answer and offers the passages as related reading.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from . import scoring
from .asked import PLACE, Asked, amount_shape, another_stage, asked, carries, spelt_euros, stages, value
from .lexical import analyze, covered
from .listing import enumerate_list, matching_rows, named_run, stated_count
from .records import (
    PAGE_HEADER,
    TABLE_HEADER,
    TABLE_ROW,
    TITLE_NAME,
    Answer,
    Citation,
    Hit,
    Passage,
    Sentence,
    Unit,
)
from .search import Query
from .sentences import opens_on_reference
from .store.base import Contents
from .text import language

NO_ANSWER = {
    "fr": "Le dossier ne répond pas à cette question.",
    "en": "The dossier does not answer this question.",
}
# A "low" answer: the closest sentences, never presented as the answer.
CLOSEST = {
    "fr": "Le dossier ne le dit pas exactement ; ce qui s’en rapproche le plus :",
    "en": "The dossier does not say this exactly; the closest it comes is:",
}
MAX_SHORT_WORDS = 10
ALL_ABSENT = 1.0 - 1e-9  # a share of the question's terms that is all of them (float sums)
# A name found in at most this many passages is a thing the dossier names where it describes it
# (« Mistral », « CAIRE »), not one of its topics (« France », « PEPR », « 3IA »).
LOCAL_NAME = 2
MAX_RUN = 6
# A question of this many index terms or fewer says what it is about in each of them.
SHORT_QUESTION = 3
_CODE = re.compile(r"\d")  # a name with a digit is a code (« H100 »), the same in any language
_NAME = re.compile(r"\b(?:[A-ZÀ-Ý][\w’'-]*|\w*\d\w*)")
# "Canada", "Kingdom's", not an acronym ("EU", "PhD")
_PROPER = re.compile(r"([A-ZÀ-Ý][a-zà-ÿ]+)(?:['’]s)?")
# Small words inside an English title ("Skills and Jobs of the Future", "Secretary of State for
# Digital Affairs"): a title of three capitalised words or more renders a French one.
_TITLE_JOINS = frozenset({"and", "of", "the", "for", "in", "on", "to"})
TITLE_WORDS = 3


@dataclass(frozen=True)
class AnswerParams:
    """How many passages offer sentences and how long an answer may be."""

    passages: int = 8  # top passages whose sentences are candidates (hit@10 barely exceeds hit@8 on dev)
    extra_ratio: float = (
        0.5  # a runner-up is quoted when its probability is at least this share of the best's
    )
    max_sentences: int = 2
    max_words: int = 80
    # A list question ("Quels sont les lauréats…") wants every item: more room, and
    # the other items of the list the best sentence belongs to. Items are alike, so the
    # ranker spreads its probability over them: runner-ups down to a tenth of the best's
    # are quoted (chosen on the dev split; 0.2 and 6 sentences missed items).
    list_ratio: float = 0.1
    # "Le plus / the largest": rows whose probability is at least this share of the best's compete.
    extreme_ratio: float = 0.05
    # A sentence carrying the asked amount, date or place comes before a better-scored one that
    # carries none when its probability is at least this share of the best's (``scoring.typed_choice``).
    typed_ratio: float = 0.05
    list_sentences: int = 8
    list_words: int = 200
    # An announced list (« …les neuf lauréats de l’AMI IA-clusters… ») is quoted whole, each item
    # a line or a sentence, up to the largest count the announcements are read with (a dozen).
    list_items: int = 12


@dataclass(frozen=True)
class Candidate:
    """A sentence that could answer, with the features the fitted ranker scores."""

    passage: Passage
    position: int  # index of the sentence in its passage
    features: tuple[float, ...]
    score: float = 0.0

    @property
    def sentence(self) -> Sentence:
        return self.passage.sentences[self.position]


def _is_short_line(passage: Passage, i: int) -> bool:
    """A line of its own with few words: a table cell, a label, a key figure, a title."""
    s = passage.sentences[i]
    if s.heading:
        return True
    text = passage.text
    a, b = s.start - passage.start, s.end - passage.start
    own_line = (a == 0 or text[a - 1] == "\n" or text[max(0, a - 2) : a] == "• ") and (
        b == len(text) or text[b] == "\n"
    )
    return own_line and len(s.text.split()) <= MAX_SHORT_WORDS


def _opens_on_pronoun(s: Sentence) -> bool:
    return opens_on_reference(s.text)


def context_before(passage: Passage, i: int) -> list[int]:
    """What a sentence opening on a pronoun refers to: the short lines right before it
    (a table row's cells), else the sentence before it."""
    if i == 0 or not _opens_on_pronoun(passage.sentences[i]):
        return []
    run: list[int] = []
    j = i - 1
    while j >= 0 and len(run) < MAX_RUN and _is_short_line(passage, j) and not passage.sentences[j].heading:
        run.insert(0, j)
        j -= 1
    return run or [i - 1]


def context_after(passage: Passage, i: int) -> list[int]:
    """What completes a sentence: after a title, the next sentence; after a cell,
    the rest of its row up to the description that refers back to it; after a
    colon, the list items that follow."""
    s = passage.sentences[i]
    after = range(i + 1, len(passage.sentences))
    if s.text.rstrip().endswith(":"):
        items = []
        for j in after:
            if items and (not passage.sentences[j].bullet or len(items) >= MAX_RUN):
                break
            items.append(j)
        return items
    if s.heading:
        return [i + 1] if i + 1 < len(passage.sentences) else []
    if _is_short_line(passage, i):
        run = []
        for j in after:
            run.append(j)
            if not _is_short_line(passage, j):
                return run if _opens_on_pronoun(passage.sentences[j]) else []
            if len(run) >= MAX_RUN:
                break
    return []


def reach(passage: Passage, i: int, units: list[Unit]) -> tuple[list[int], list[int]]:
    """The sentences quoted before and after sentence ``i`` so that it can be read alone.

    Inside a table row, a description sentence brings the row's cells (the
    project's name, carrier, partners) and a cell brings the rest of its row
    up to the first sentence of the description; a name and the title beside
    it come together. Elsewhere, the layout rules of ``context_before`` and
    ``context_after``.
    """
    unit_id = passage.sentences[i].unit
    unit = units[unit_id] if unit_id is not None and unit_id < len(units) else None
    if unit is not None and unit.kind in (TABLE_ROW, TITLE_NAME):
        same = [j for j, s in enumerate(passage.sentences) if s.unit == unit_id]
        if unit.kind == TITLE_NAME:
            return [j for j in same if j < i], [j for j in same if j > i]
        body = unit.body if unit.body is not None else unit.end
        cells = [j for j in same if passage.sentences[j].start < body]
        described = [j for j in same if passage.sentences[j].start >= body]
        if passage.sentences[i].start >= body:
            return [j for j in cells if j < i], []
        return [j for j in cells if j < i], [j for j in cells if j > i] + described[:1]
    return context_before(passage, i), context_after(passage, i)


@lru_cache(maxsize=65536)
def _terms(text: str) -> frozenset[str]:
    """A sentence's index terms, its amounts' units spelt out too, computed once per sentence text."""
    return frozenset(analyze(f"{text} {spelt_euros(text)}"))


def _topic_terms(passage: Passage, i: int) -> frozenset[str]:
    """Terms of the sentence that opens the unit sentence ``i`` belongs to, within the passage."""
    unit = passage.sentences[i].unit
    if unit is None:
        return frozenset()
    for j in range(i):
        if passage.sentences[j].unit == unit:
            return _terms(passage.sentences[j].text)
    return frozenset()


def wanted(question: str, index: Contents) -> Asked:
    """What ``question`` asks for, an English count's noun read in the dossier's words ("How
    many students…" counts « étudiants »; "startups" is the dossier's own word)."""

    def english(words: list[str]) -> list[str]:
        own = [t for w in words for t in analyze(w) if t in index.lexical.df]
        return [*index.vocabulary.english_terms(words), *own]

    return asked(question, english)


def candidates(query: Query, hits: list[Hit], index: Contents, params: AnswerParams) -> list[Candidate]:
    """Every sentence of the top passages with its features (see ``scoring.FEATURES``), unscored.

    A sentence shared by two passages counts once, in the better-ranked one.
    """
    want = wanted(query.question or query.text, index)
    if not want.typed and query.context_terms:  # "Et Hi! PARIS ?" after "Quel montant reçoit …"
        want = wanted(query.text, index)
    known = 1.0 - index.lexical.unknown_share(query.terms)
    weighing = index.lexical.weighing(query.terms)
    context_weighing = index.lexical.weighing(list(query.context_terms))
    # a follow-up's own words are few (« Et qui sont ses partenaires ? »): its sentences are
    # scored on them, or on them with the previous question's, whichever covers more
    weighings = [weighing]
    if query.context_terms:
        weighings.append(index.lexical.weighing([*query.terms, *query.context_terms]))
    english = language(query.question or query.text) == "en"
    top = hits[: params.passages]
    bm25 = [h.lexical_score or 0.0 for h in top]
    bm25_high = max(bm25, default=0.0) or 1.0
    seen: set[tuple[str, int]] = set()
    out: list[Candidate] = []
    for hit in top:
        passage = hit.passage
        passage_terms = _terms(f"{passage.section or ''} {passage.head or ''}")
        units = index.document(passage.document).units
        labels = index.table_labels(passage.document)
        for i, sentence in enumerate(passage.sentences):
            key = (passage.document, sentence.start)
            # a table's column labels, or a running header the PDF left, answer nothing
            if key in seen or _unit_kind(sentence, units) in (TABLE_HEADER, PAGE_HEADER):
                continue
            seen.add(key)
            before, after = reach(passage, i, units)
            terms = set(_terms(sentence.text))
            for j in before:
                terms.update(_terms(passage.sentences[j].text))
            # a row's cells are read with the table's column labels, as its section's title
            section_terms = (
                passage_terms | _terms(labels[sentence.unit]) if sentence.unit in labels else passage_terms
            )
            topic_terms = _topic_terms(passage, i)
            lexical = max(covered(w, terms) for w in weighings)
            section = max(covered(w, terms, section_terms) for w in weighings)
            topic = max(covered(w, terms, section_terms, topic_terms) for w in weighings)
            context = covered(context_weighing, terms, section_terms)
            quoted = " ".join(passage.sentences[j].text for j in (*before, i, *after))
            typed = carries(want, quoted)
            dense = float(index.sentence_vector(passage, sentence) @ query.vector)
            features = scoring.features(
                dense_sentence=dense,
                dense_passage=hit.dense_score if hit.dense_score is not None else 0.0,
                bm25_passage=(hit.lexical_score or 0.0) / bm25_high,
                passage_rank=hit.rank,
                lexical=lexical,
                lexical_section=section,
                lexical_topic=topic,
                known=known,
                context=context,
                asks_type=want.kind,
                carries_type=typed,
                heading=sentence.heading,
                short=_is_short_line(passage, i),
                words=len(quoted.split()),
                english=english,
            )
            out.append(Candidate(passage, i, features))
    return out


def rank(found: list[Candidate], weights: scoring.Weights) -> list[Candidate]:
    """Candidates scored by the fitted ranker, best first."""
    if not found:
        return []
    scores = scoring.rank_scores(np.array([c.features for c in found]), weights)
    scored = [replace(c, score=float(s)) for c, s in zip(found, scores)]
    scored.sort(key=lambda c: -c.score)
    return scored


def missing(query: Query, best: Candidate, index: Contents, only: set[str] | None = None) -> float:
    """Share of the question's term weight (unknown terms weighing as the rarest; ``only``: of
    those terms alone) that the best sentence, the lines it leans on and its section title
    don't hold: "population" in "Quelle est la population de Villers-Cotterêts ?" when the
    sentence only names the town."""
    p, i = best.passage, best.position
    terms = set(_terms(f"{p.section or ''} {p.head or ''}"))
    before, after = reach(p, i, index.document(p.document).units)
    for j in (*before, i, *after):
        terms |= _terms(p.sentences[j].text)
    # sorted: a sum over a set's order would differ in its last bit from one process to the next
    unique = sorted(set(query.terms) if only is None else only)
    total = sum(index.lexical.idf(t) for t in unique)
    return sum(index.lexical.idf(t) for t in unique if t not in terms) / total if total else 0.0


def _names(question: str) -> list[str]:
    """The names in a question: capitalised words after the first, codes with digits."""
    return _NAME.findall(question.split(None, 1)[1] if " " in question.strip() else "")


def _english_names(question: str) -> list[str]:
    """An English question's capitalised words after the first, lowercased, except acronyms
    and the words of a title: a run of capitalised words (with "and", "of"… between them) as
    long as ``TITLE_WORDS`` is a French title translated ("the Skills and Jobs of the Future
    call"), whose words need not be the dossier's."""
    names: list[str] = []
    run: list[str] = []
    for word in [*re.findall(r"[\w’'-]+", question)[1:], ""]:
        if word[:1].isupper():
            run.append(word)
        elif word.lower() not in _TITLE_JOINS or not run:
            if len(run) < TITLE_WORDS:
                names += [m[1].lower() for w in run if (m := _PROPER.fullmatch(w))]
            run = []
    return names


def named_terms(question: str) -> set[str]:
    """Index terms of the names in a question."""
    return {t for name in _names(question) for t in analyze(name)}


def select(
    ranked: list[Candidate], params: AnswerParams, index: Contents, many: bool = False
) -> tuple[list[tuple[Passage, int]], list[tuple[Passage, int]]]:
    """(passage, position) of every sentence to quote: the best, a close runner-up, their context;
    and the answer itself: the best sentence after what it leans on (its table row's cells, the
    sentence it refers to), which is read first.

    The first quote is the answer; a runner-up is added only when the ranker
    finds it nearly as likely (it often holds the other half: the row's name
    cell, the second item asked for). For a list question (``many``), the
    other items of the best sentence's list come along.
    """
    if not ranked:
        return [], []
    ratio, most, budget = (
        (params.list_ratio, params.list_sentences, params.list_words)
        if many
        else (params.extra_ratio, params.max_sentences, params.max_words)
    )
    best = ranked[0]
    picked = [(best.passage, best.position)]
    if many:
        picked += [(best.passage, j) for j in _list_items(best.passage, best.position)]
    words = sum(len(p.sentences[j].text.split()) for p, j in picked)
    for c in ranked[1:]:
        if len(picked) >= most or math.exp(c.score - best.score) < ratio:
            break
        size = len(c.sentence.text.split())
        if (c.passage, c.position) not in picked and words + size <= budget:
            picked.append((c.passage, c.position))
            words += size
    out: list[tuple[Passage, int]] = []
    answer: list[tuple[Passage, int]] = []
    seen: set[tuple[str, int]] = set()
    for passage, i in picked:
        before, after = reach(passage, i, index.document(passage.document).units)
        answer = answer or [*((passage, j) for j in before), (passage, i)]  # the best's, read first
        for j in (*before, i, *after):
            key = (passage.document, passage.sentences[j].start)
            if key not in seen:
                seen.add(key)
                out.append((passage, j))
    return out, answer


def _list_items(passage: Passage, i: int) -> list[int]:
    """The other items of the bulleted list that sentence ``i`` belongs to, in order."""
    if not passage.sentences[i].bullet:
        return []
    first = i
    while first > 0 and passage.sentences[first - 1].bullet:
        first -= 1
    last = i
    while last + 1 < len(passage.sentences) and passage.sentences[last + 1].bullet:
        last += 1
    return [j for j in range(first, last + 1) if j != i]


@dataclass(frozen=True)
class Judged:
    """The ranked candidates of a question and how sure the answerer is of the best."""

    ranked: list[Candidate]
    probability: float
    confidence: str  # "high", "low" or "none"
    signals: tuple[float, ...]  # the confidence model's input (for fitting)


def _is_total(sentence: Sentence) -> bool:
    """A heading that announces a group with its amount (« 87 M€ pour 14 premiers lauréats… »)
    gives the group's total, not one of its rows."""
    return sentence.heading and value(sentence.text) is not None and (stated_count(sentence.text) or 0) >= 2


def extreme_first(
    ranked: list[Candidate], extreme: str | None, index: Contents, params: AnswerParams
) -> list[Candidate]:
    """For "le plus / the largest", the row with the extreme amount comes first.

    The rows of one table compete on their amounts, not their words: the
    plausible candidates that carry an amount in euros (a heading's total for a
    group is no row), and every sentence laid out like the best of them (same kind
    of unit, heading or not, an amount in the same marks), are compared by amount.
    A table is the best row's section, or, when its rows are headings (« MIAI
    Cluster (…) – 70 M€ »), each opening a section, the document: another
    section's « Cet investissement… (x M€) » is no training project.
    """
    if not extreme or not ranked:
        return ranked
    plausible = [c for c in ranked if math.exp(c.score - ranked[0].score) >= params.extreme_ratio]
    valued = [c for c in plausible if value(c.sentence.text) is not None and not _is_total(c.sentence)]
    if not valued:
        return ranked
    model = valued[0]

    def same_table(passage: Passage) -> bool:
        # rows that are headings each open a section of their own; other rows share one
        return passage.document == model.passage.document and (
            model.sentence.heading or passage.section == model.passage.section
        )

    rows = {(c.passage.document, c.sentence.start): c for c in valued if same_table(c.passage)}
    units = index.document(model.passage.document).units
    kind = _unit_kind(model.sentence, units)
    shape = amount_shape(model.sentence.text)
    for passage in index.passages:
        if not same_table(passage):
            continue
        for i, s in enumerate(passage.sentences):
            key = (passage.document, s.start)
            if (
                key not in rows
                and s.heading == model.sentence.heading
                and _unit_kind(s, units) == kind
                and value(s.text) is not None
                and amount_shape(s.text) == shape
            ):
                rows[key] = replace(model, passage=passage, position=i)
    if len(rows) < 2:
        return ranked
    pick = (max if extreme == "max" else min)(rows.values(), key=lambda c: value(c.sentence.text))
    return [
        pick,
        *[
            c
            for c in ranked
            if (c.passage.document, c.sentence.start) != (pick.passage.document, pick.sentence.start)
        ],
    ]


def stage_first(ranked: list[Candidate], want: Asked, params: AnswerParams) -> list[Candidate]:
    """``ranked`` with the best plausible sentence (probability at least ``typed_ratio`` of the
    best's) that names the stage asked about first, when the best doesn't: "the second phase of
    France's AI strategy" is « La phase 2, lancée en 2022… »."""
    if not want.stages or not ranked or stages(ranked[0].sentence.text) & want.stages:
        return ranked
    for i, c in enumerate(ranked[1:], 1):
        if math.exp(c.score - ranked[0].score) < params.typed_ratio:
            break
        if stages(c.sentence.text) & want.stages:
            return [c, *ranked[:i], *ranked[i + 1 :]]
    return ranked


def typed_first(ranked: list[Candidate], params: AnswerParams) -> list[Candidate]:
    """``ranked`` with the sentence ``scoring.typed_choice`` picks first, if any, else the title
    that heads the best sentence when it carries what the best doesn't (``_typed_title``)."""
    pick = scoring.typed_choice([c.features for c in ranked], [c.score for c in ranked], params.typed_ratio)
    if pick is None:
        pick = _typed_title(ranked, params)
    return ranked if pick is None else [ranked[pick], *ranked[:pick], *ranked[pick + 1 :]]


def _typed_title(ranked: list[Candidate], params: AnswerParams) -> int | None:
    """Which plausible candidate (probability at least ``typed_ratio`` of the best's) is the title
    right above the best sentence and carries the asked amount, date or place the best lacks: a
    title and the sentence it heads are one unit, and the title is quoted with it (« Plus de 200
    entreprises françaises accompagnées… » heads « Le dispositif IA Booster… »)."""
    best = ranked[0] if ranked else None
    if best is None or not scoring.feature(best.features, "untyped") or best.position == 0:
        return None
    above = best.passage.sentences[best.position - 1]
    if not above.heading:
        return None
    for i, c in enumerate(ranked[1:], 1):
        if math.exp(c.score - best.score) < params.typed_ratio:
            break
        if (c.passage.document, c.sentence.start) == (best.passage.document, above.start):
            return i if scoring.feature(c.features, "typed") else None
    return None


def _of_another(query: Query, want: Asked, best: Candidate, index: Contents) -> bool:
    """Whether the amount, date or place the best sentence gives is of something else than
    the name the question asks about.

    - A name the dossier never uses (« Combien de GPU H100… ? ») has no value in it. An
      English question's names may be common words in French ("Sorbonne University"): its
      codes count, and its capitalised words that bring no dossier word ("Canada"); an
      acronym ("EU", "PhD") may be spelt otherwise in French.
    - A value asked about a name comes from a section that names it: « Combien d'argent la
      startup Probabl a-t-elle levé ? » is not answered by « 3,2 Mds€ levés en 2022 par des
      entreprises de l'IA ». A section, not a sentence: it names its programme once
      (« PEPR »), and its later passages count its teams.
    - A name the dossier gives in a passage or two (a company, a project) is named before
      the answer, as what the text is about: the key figures' « 3,2 Mds€ levés en 2022… »
      come before « …Mistral Large… » and say nothing of Mistral AI's funding.
    - A place is where something is: the answer, what it leans on or its section must name
      it (« Où se trouve le siège de Mistral AI ? » and the one seat the dossier gives,
      ALT-EDIC's).
    - Money raised is said to be raised where it is quoted (« 3,2 Mds€ levés… »), not a
      platform's funding in the sentence after the name (« Combien Hugging Face a-t-il
      levé ? »).
    """
    question = query.question or query.text
    if want.unit == "€" and want.of and not want.of & _terms(_quoted(best, index)):
        return True
    asked_names = named_terms(question)
    french = language(question) == "fr"
    if any(t not in index.lexical.df and (french or _CODE.search(t)) for t in asked_names):
        return True
    if not french and any(w in query.unknown for w in _english_names(question)):
        return True
    names = {t for t in asked_names if t in index.lexical.df}
    if not names:
        return False
    section = set().union(*(_terms(p.index_text()) for p in index.section(best.passage)))
    local = {t for t in names if index.lexical.df[t] <= LOCAL_NAME}
    return (
        not names & section
        or not local <= _said_so_far(best, index)
        or (want.kind == PLACE and missing(query, best, index, names) >= ALL_ABSENT)
    )


def _said_so_far(c: Candidate, index: Contents) -> set[str]:
    """Terms of the candidate's section up to the end of what is quoted with it: its titles,
    its passages' heads and its sentences so far."""
    before, after = reach(c.passage, c.position, index.document(c.passage.document).units)
    end = c.passage.sentences[(*before, c.position, *after)[-1]].end
    terms: set[str] = set()
    for p in index.section(c.passage):
        terms |= _terms(f"{p.section or ''} {p.head or ''}")
        for s in p.sentences:
            if s.start < end:
                terms |= _terms(s.text)
    return terms


def _quoted(c: Candidate, index: Contents) -> str:
    """The candidate's sentence with the lines it leans on and those that complete it."""
    before, after = reach(c.passage, c.position, index.document(c.passage.document).units)
    return " ".join(c.passage.sentences[j].text for j in (*before, c.position, *after))


def _unit_kind(sentence: Sentence, units: list[Unit]) -> str | None:
    return units[sentence.unit].kind if sentence.unit is not None and sentence.unit < len(units) else None


def judge(
    query: Query, hits: list[Hit], index: Contents, weights: scoring.Weights, params: AnswerParams
) -> Judged:
    question = query.question or query.text
    want = asked(question)
    by_score = rank(candidates(query, hits, index, params), weights)
    if want.stages:
        by_score = [c for c in by_score if not another_stage(want, _quoted(c, index))]
    ranked = typed_first(
        stage_first(extreme_first(by_score, want.extreme, index, params), want, params), params
    )
    if not ranked:
        return Judged([], 0.0, "none", ())
    english = language(question) == "en"
    absent = missing(query, ranked[0], index)
    unknown = index.lexical.unknown_share(query.terms)
    x = scoring.confidence_features(
        np.array([c.score for c in by_score]),
        ranked[0].features,
        unknown,
        index.lexical.unknown_share(query.terms, named_terms(question)),
        absent,
        english,
    )
    p = scoring.probability(x, weights)
    confidence = scoring.level(p, weights)
    # Nothing comes close, whatever the model's probability (off-topic questions lie outside
    # what it was fitted on), when the dossier knows none of the question's words ("What is
    # the recipe for beef stew?"), or, for a French question, when none of them is in the best
    # sentence, the lines it leans on or its section, or, for a short one, when what is there
    # weighs less than its average word the dossier uses: « Quel temps fera-t-il demain ? » and
    # « …le monde de demain. » share a word by chance (a word the dossier never uses, « signent »
    # in « Quels ministres signent le dossier ? », is the model's to weigh). A follow-up's own
    # words are few ("Et pour Toulouse ?"), an English question's are in another language:
    # those are left to the model.
    if not query.context_terms and (
        unknown >= ALL_ABSENT
        or (not english and (absent >= ALL_ABSENT or _by_chance(query, ranked[0], index)))
    ):
        confidence = "none"
    return Judged(ranked, p, confidence, tuple(float(v) for v in x))


def _by_chance(query: Query, best: Candidate, index: Contents) -> bool:
    """Whether a short question (``SHORT_QUESTION`` terms or fewer) shares with the best sentence,
    what it leans on and its section less than its average known word's weight."""
    known = {t for t in query.terms if t in index.lexical.df}
    return (
        len(set(query.terms)) <= SHORT_QUESTION
        and bool(known)
        and 1.0 - missing(query, best, index, known) < 1.0 / SHORT_QUESTION
    )


def rerank(hits: list[Hit], ranked: list[Candidate]) -> list[Hit]:
    """Passages in the order of their best sentence, then the rest as retrieved: the
    passage cited first is the one listed first."""
    order: dict[str, int] = {}
    for c in ranked:
        order.setdefault(c.passage.passage_id, len(order))
    first = sorted(
        (h for h in hits if h.passage.passage_id in order), key=lambda h: order[h.passage.passage_id]
    )
    rest = [h for h in hits if h.passage.passage_id not in order]
    return [replace(h, rank=r) for r, h in enumerate(first + rest, start=1)]


def compose(
    query: Query,
    hits: list[Hit],
    index: Contents,
    weights: scoring.Weights,
    params: AnswerParams = AnswerParams(),
) -> Answer:
    """The answer to ``query.question`` from the passages ``hits``: quotes with their [n],
    the closest sentences shown as such, or an abstention; ``hits`` come back in the order
    of the quotes."""
    question = query.question or query.text
    lang = language(question)
    judged = judge(query, hits, index, weights, params)
    ordered = rerank(hits, judged.ranked)
    if judged.confidence == "none":
        return Answer(
            question,
            NO_ANSWER[lang],
            True,
            [],
            ordered,
            judged.probability,
            lang,
            asked=query.text,
            confidence="none",
        )
    want = wanted(question, index)
    if want.extreme:  # the extreme row alone: the other rows stay in the sources
        params = replace(params, max_sentences=1)
    listed = (
        matching_rows(judged.ranked, index, question, query.terms, params.list_ratio, params.list_sentences)
        or named_run(judged.ranked, index, params.list_ratio, params.list_items)
        or enumerate_list(judged.ranked, index, question, want.own, params.list_ratio, params.list_items)
        if want.many and not want.extreme
        else None
    )
    chosen = (listed, listed[:1]) if listed else select(judged.ranked, params, index, want.many)
    citations = _cite(*chosen, index)
    text = " ".join(f"« {c.quote} » [{c.n}]" for c in citations)
    # An amount, a date, a place or the holder of a post asked for and quoted nowhere: the
    # quotes are the closest the dossier comes, not the answer ("Combien d'habitants compte
    # Villers-Cotterêts ?", "Who heads the CNRS?").
    quoted = " ".join(c.quote for c in citations)
    if (
        judged.confidence == "high"
        and (want.kind in scoring.VALUE_TYPES or want.person)
        and not carries(want, quoted)
    ):
        judged = replace(judged, confidence="low")
    if (
        judged.confidence == "high"
        and (want.kind in scoring.VALUE_TYPES or want.person)
        and _of_another(query, want, judged.ranked[0], index)
    ):
        judged = replace(judged, confidence="low")
    if judged.confidence == "low":
        text = f"{CLOSEST[lang]} {text}"
    return Answer(
        question,
        text,
        False,
        citations,
        ordered,
        judged.probability,
        lang,
        asked=query.text,
        confidence=judged.confidence,
    )


def _cite(
    chosen: list[tuple[Passage, int]], answer: list[tuple[Passage, int]], index: Contents
) -> list[Citation]:
    """Number passages by first use; the quotes that hold ``answer`` (the best sentence and what
    it leans on) first, in the dossier's order, then the other quotes by passage and position;
    merge neighbours.

    The answer comes first even when a list item or a runner-up stands before it in the dossier.
    """
    numbers: dict[str, int] = {}
    for passage, _ in chosen:
        numbers.setdefault(passage.passage_id, len(numbers) + 1)
    ordered = sorted(chosen, key=lambda pk: (numbers[pk[0].passage_id], pk[0].sentences[pk[1]].start))
    citations: list[Citation] = []
    last: tuple[Passage, int] | None = None
    for passage, k in ordered:
        s = passage.sentences[k]
        n = numbers[passage.passage_id]
        text = index.document(passage.document).text
        prev = citations[-1] if citations else None
        # a title and the sentence it heads are one quote: the title alone answers nothing
        heads = (
            last is not None and last[0] is passage and last[1] == k - 1 and passage.sentences[k - 1].heading
        )
        if prev and prev.n == n and (heads or _same_line_neighbours(text, prev.end, s.start)):
            citations[-1] = Citation(n, passage, text[prev.start : s.end], prev.start, s.end, prev.page)
        else:
            citations.append(Citation(n, passage, s.text, s.start, s.end, s.page))
        last = (passage, k)
    at = [(p.document, p.sentences[i].start) for p, i in answer]
    first = [c for c in citations if any(c.passage.document == d and c.start <= a < c.end for d, a in at)]
    return [*first, *(c for c in citations if c not in first)]


def _same_line_neighbours(text: str, end: int, start: int) -> bool:
    """Only spaces or one line break between them (not a paragraph break)."""
    gap = text[end:start]
    return 0 <= len(gap) <= 3 and gap.strip(" \n") == "" and "\n\n" not in gap
