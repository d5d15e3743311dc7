"""The small typed records that travel between the stages of the pipeline."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

BULLET = "•"  # list items in clean text start with this and a space

# Kinds of structural unit (see ``retrieval.units``).
HEADING = "heading"  # a section title: context for what follows, never an answer alone
PARAGRAPH = "paragraph"  # running text: may be cut between any two sentences
LIST = "list"  # an introduction and its bullet items: cut only between items
TABLE_ROW = "table_row"  # a row's cells and the description that refers to them
TABLE_HEADER = "table_header"  # a table's column labels: what its rows' cells are, never an answer
TITLE_NAME = "title_name"  # a person's name and the job title beside it
PAGE_HEADER = "page_header"  # a running header left in the text by the PDF extraction


@dataclass(frozen=True)
class Span:
    """A stretch of clean text copied verbatim from ``source[source_start:...]``."""

    start: int
    source_start: int
    length: int


@dataclass(frozen=True)
class Unit:
    """A stretch of ``Document.text`` that reads as one piece (a table row, a list, a heading, a name
    with its title); passages never cut it except where its kind allows, and ``head`` (the row's cells,
    the list's introduction, the name) is what a passage starting inside it needs to be understood."""

    start: int
    end: int
    kind: str
    head: str | None = None
    body: int | None = None  # where a row's description or a list's first item starts


@dataclass
class Document:
    """One cleaned file of the corpus.

    ``text`` is the clean text every offset refers to: paragraphs separated by
    a blank line, hard line breaks kept as ``\\n`` where the layout had them.
    ``pages`` holds ``(offset, page number)`` for each page start,
    ``sections`` holds ``(start, end, title)`` for each section heading (an
    empty title ends a section without starting a named one), ``units`` the
    structural units in order, and ``spans`` maps clean text back to the source file.
    """

    name: str
    title: str
    text: str
    pages: list[tuple[int, int]] = field(default_factory=list)
    sections: list[tuple[int, int, str]] = field(default_factory=list)
    headings: list[tuple[int, int]] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)

    def page_at(self, offset: int) -> int | None:
        if not self.pages:
            return None
        i = bisect_right([p[0] for p in self.pages], offset) - 1
        return self.pages[max(i, 0)][1]

    def section_at(self, offset: int) -> str | None:
        """Title of the section that ``offset`` falls in (the heading itself included)."""
        title = None
        for start, _end, heading in self.sections:
            if start > offset:
                break
            title = heading
        return title or None

    def unit_at(self, offset: int) -> int | None:
        """Index in ``units`` of the unit holding ``offset``, or None."""
        i = bisect_right([u.start for u in self.units], offset) - 1
        if i < 0 or offset >= self.units[i].end:
            return None
        return i

    def source_offset(self, offset: int) -> int | None:
        """Position in the source file of clean-text ``offset`` (None for joins the cleaner made)."""
        i = bisect_right([s.start for s in self.spans], offset) - 1
        if i < 0:
            return None
        span = self.spans[i]
        if offset >= span.start + span.length:
            return None
        return span.source_start + offset - span.start


@dataclass(frozen=True)
class Sentence:
    """A sentence, as ``document.text[start:end]``."""

    start: int
    end: int
    text: str
    page: int | None
    heading: bool = False
    bullet: bool = False
    unit: int | None = None  # index into ``Document.units`` (None when the document has no units)


@dataclass(frozen=True)
class Passage:
    """A run of whole sentences of one section, the unit that is indexed and cited."""

    passage_id: str
    document: str
    title: str
    page: int | None
    section: str | None
    start: int
    end: int
    text: str
    sentences: tuple[Sentence, ...]
    # The head of the unit this passage starts inside of (a table row's cells, a list's
    # introduction), or the sentence its opening refers to (« …il… »), so the retrievers
    # see what its first sentences refer to.
    head: str | None = None

    @property
    def words(self) -> int:
        return len(self.text.split())

    def index_text(self) -> str:
        """What the retrievers see: the section title and the head (of the unit the passage
        starts inside of, or the sentence its opening refers to) give context to its text
        (they are never quoted)."""
        context = [c for c in (self.section, self.head) if c and not self.text.startswith(c)]
        return "\n".join([*context, self.text])


@dataclass(frozen=True)
class Hit:
    """One retrieved passage with its fused score and each retriever's rank (1-based)."""

    passage: Passage
    rank: int
    score: float
    dense_rank: int | None = None
    lexical_rank: int | None = None
    dense_score: float | None = None
    lexical_score: float | None = None


@dataclass(frozen=True)
class Citation:
    n: int
    passage: Passage
    quote: str
    start: int
    end: int
    page: int | None


@dataclass(frozen=True)
class Answer:
    """What ``Assistant.ask`` returns; ``hits`` are the passages in the order of the quotes."""

    question: str
    text: str
    abstained: bool
    citations: list[Citation]
    hits: list[Hit]
    evidence: float  # the confidence model's probability that the dossier answers (see scoring.py)
    language: str
    timings_ms: dict[str, float] = field(default_factory=dict)
    notice: str | None = None
    asked: str = ""  # what was searched: the question, with the previous one for a follow-up
    # "high": the quotes answer the question; "low": the closest the dossier comes,
    # shown as such, never as an answer; "none": the dossier does not answer (abstained).
    confidence: str = "high"
