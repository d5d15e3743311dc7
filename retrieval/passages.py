"""Group sentences into passages: runs of whole structural units inside one section.

The units (``retrieval.units``) are never cut when they hold at most
``whole_words`` words: a table row stays with its description, a list with
its introduction, a heading with what follows it, a name with its title. A
passage closes at a unit end once it holds ``min_words``, or before a unit
that would take it past ``max_words``. A longer unit is cut where its kind
allows (a paragraph between sentences, a list between items, a row inside
its description); each later part carries the unit's head (the row's cells,
the list's introduction) in ``Passage.head``, which the retrievers see and
no quote includes, and a cut paragraph repeats its last sentence in the next
part, so an answer that spans the cut is whole in one of them. A short tail
is merged into the passage before it. A passage that opens on a reference to
the one before it (« Coordonné par Inria…, il a pour ambition… ») carries the
sentence referred to as its head, and one opening on a table's row the table's column labels.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from .records import (
    HEADING,
    LIST,
    PAGE_HEADER,
    PARAGRAPH,
    TABLE_HEADER,
    TABLE_ROW,
    Document,
    Passage,
    Sentence,
)
from .sentences import opens_on_reference, split_sentences
from .units import find_units, table_labels


@dataclass(frozen=True)
class SplitParams:
    min_words: int = 40
    max_words: int = 120
    overlap: int = 1  # sentences repeated after a mid-paragraph cut
    # A unit up to this long stays whole even past ``max_words``: the dossier's longest
    # laureate (a table row of cells and a 120-word description) has 146 words.
    whole_words: int = 160

    def as_dict(self) -> dict:
        return asdict(self)


def document_key(name: str) -> str:
    """A passage-id prefix from a file name: "dir/My File.txt" -> "dir-my-file"."""
    stem = name.rsplit(".", 1)[0]
    return re.sub(r"[^0-9a-z]+", "-", stem.lower()).strip("-") or "doc"


def make_passages(documents: list[Document], params: SplitParams = SplitParams()) -> list[Passage]:
    passages: list[Passage] = []
    for doc in documents:
        passages.extend(_document_passages(doc, params))
    return passages


def _words(sentences: list[Sentence]) -> int:
    return sum(len(s.text.split()) for s in sentences)


def _document_passages(doc: Document, params: SplitParams) -> list[Passage]:
    if not doc.units:  # a Document built by hand or read back from an older index
        doc.units = find_units(doc)
    groups: list[tuple[list[Sentence], str | None]] = []
    for section in _by_section(doc, split_sentences(doc)):
        groups.extend(_with_antecedents(section, _group(doc, section, params)))
    key = document_key(doc.name)
    per_page: dict[int | None, int] = {}
    labels = table_labels(doc)
    out = []
    for group, head in groups:
        first, last = group[0], group[-1]
        if first.unit in labels:  # rows read with their table's column labels, given once above them
            head = f"{labels[first.unit]} / {head}" if head else labels[first.unit]
        page = first.page
        per_page[page] = per_page.get(page, 0) + 1
        ordinal = f"p{page:02d}-{per_page[page]:02d}" if page is not None else f"s{len(out) + 1:03d}"
        out.append(
            Passage(
                passage_id=f"{key}#{ordinal}",
                document=doc.name,
                title=doc.title,
                page=page,
                section=doc.section_at(first.start),
                start=first.start,
                end=last.end,
                text=doc.text[first.start : last.end],
                sentences=tuple(group),
                head=head,
            )
        )
    return out


def _by_section(doc: Document, sentences: list[Sentence]) -> list[list[Sentence]]:
    runs: list[list[Sentence]] = []
    current_section = object()
    for sentence in sentences:
        section = doc.section_at(sentence.start)
        if section != current_section or not runs:
            runs.append([])
            current_section = section
        runs[-1].append(sentence)
    return runs


# "Coordonné par Inria…, il a pour ambition…": the subject pronoun of the main clause
# refers to what came before, as a sentence opening on it does. (Only here: quoting the
# sentence before with such a sentence, as ``answer.context_before`` does for one opening
# on a reference, made the dev answers no better.)
_CLAUSE_PRONOUN = re.compile(r"^[^,.;:]{3,120},\s+(?:il|elle|ils|elles)\s")


def _with_antecedents(
    section: list[Sentence], groups: list[tuple[list[Sentence], str | None]]
) -> list[tuple[list[Sentence], str | None]]:
    """A passage that opens on a reference to the passage before it (« Ces premiers projets… »,
    « Coordonné par Inria…, il… ») carries, as its head, the nearest sentence before it that
    doesn't: what « il » stands for (« …le dispositif PEPR… ») is then in its index text."""
    position = {s.start: k for k, s in enumerate(section)}
    out = []
    for group, head in groups:
        first = group[0]
        if head is None and (opens_on_reference(first.text) or _CLAUSE_PRONOUN.match(first.text)):
            k = position[first.start] - 1
            while k >= 0 and opens_on_reference(section[k].text) and not section[k].heading:
                k -= 1
            if k >= 0 and not section[k].heading:  # a heading is the section's title already
                head = section[k].text
        out.append((group, head))
    return out


@dataclass
class _Block:
    """The sentences of one unit (a heading joins the unit after it), in uncuttable pieces."""

    kind: str
    head: str | None
    pieces: list[list[Sentence]]

    @property
    def sentences(self) -> list[Sentence]:
        return [s for piece in self.pieces for s in piece]


def _blocks(doc: Document, sentences: list[Sentence]) -> list[_Block]:
    runs: list[list[Sentence]] = []
    for s in sentences:
        if runs and s.unit == runs[-1][-1].unit and s.unit is not None:
            runs[-1].append(s)
        else:
            runs.append([s])
    blocks: list[_Block] = []
    glue: list[Sentence] = []  # a heading waiting for the unit it heads
    for run in runs:
        unit = doc.units[run[0].unit] if run[0].unit is not None else None
        kind = unit.kind if unit else PARAGRAPH
        pieces = _pieces(kind, run, unit.body if unit else None)
        if glue:
            pieces[0] = glue + pieces[0]
            glue = []
        if kind in (HEADING, PAGE_HEADER, TABLE_HEADER) or run[-1].text.rstrip().endswith(":"):
            # a heading, a table's labels or an introduction (« …sur les territoires : ») goes
            # with what follows
            glue = [s for piece in pieces for s in piece]
            continue
        blocks.append(_Block(kind, unit.head if unit else None, pieces))
    if glue:
        blocks.append(_Block(HEADING, None, [glue]))
    return blocks


def _pieces(kind: str, run: list[Sentence], body: int | None) -> list[list[Sentence]]:
    """Where a unit of this kind may be cut: a paragraph between sentences, a list before each
    item but the first, a row after the first sentence of its description; any other unit nowhere."""
    if kind == PARAGRAPH:
        return [[s] for s in run]
    if kind in (LIST, TABLE_ROW) and body is not None:
        opening = [s for s in run if s.start < body]
        rest = [s for s in run if s.start >= body]
        pieces = [opening + rest[:1]]
        for s in rest[1:]:
            if kind == TABLE_ROW or s.bullet:
                pieces.append([s])
            else:
                pieces[-1].append(s)  # a list item's later sentences stay with it
        return pieces
    return [list(run)]


def _chunks(block: _Block, params: SplitParams) -> list[tuple[list[Sentence], str | None]]:
    """The block whole, or cut into parts of at most ``max_words`` at its pieces' edges."""
    if _words(block.sentences) <= params.whole_words:
        return [(block.sentences, None)]
    parts: list[list[Sentence]] = []
    current: list[Sentence] = []
    carried = 0
    for piece in block.pieces:
        if current and len(current) > carried and _words(current) + _words(piece) > params.max_words:
            parts.append(current)
            current = (
                current[len(current) - params.overlap :] if block.kind == PARAGRAPH and params.overlap else []
            )
            if _words(current) + _words(piece) > params.max_words:
                current = []
            carried = len(current)
        current = current + piece
    if current[carried:]:
        parts.append(current)
    return [(part, block.head if k else None) for k, part in enumerate(parts)]


def _group(
    doc: Document, sentences: list[Sentence], params: SplitParams
) -> list[tuple[list[Sentence], str | None]]:
    groups: list[tuple[list[Sentence], str | None]] = []
    current: list[Sentence] = []
    head: str | None = None
    for block in _blocks(doc, sentences):
        for part, part_head in _chunks(block, params):
            # past max_words only to save a passage too short to stand alone
            limit = params.max_words if _words(current) >= params.min_words else params.whole_words
            if current and (part_head is not None or _words(current) + _words(part) > limit):
                groups.append((current, head))
                current = []
            if not current:
                head = part_head
            current = current + part
            if _words(current) >= params.min_words:
                groups.append((current, head))
                current = []
    if current:
        short = _words(current) < params.min_words // 2
        if groups and short and _words(groups[-1][0] + current) <= params.max_words * 1.25:
            groups[-1] = (groups[-1][0] + current, groups[-1][1])
        else:
            groups.append((current, head))
    return groups
