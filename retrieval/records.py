"""The small typed records that travel between the stages of the pipeline."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Span:
    """A stretch of clean text copied verbatim from ``source[source_start:...]``."""

    start: int
    source_start: int
    length: int


@dataclass
class Document:
    """One cleaned file of the corpus.

    ``text`` is the clean text every offset refers to: paragraphs separated by
    a blank line, hard line breaks kept as ``\\n`` where the layout had them.
    ``pages`` holds ``(offset, page number)`` for each page start,
    ``sections`` holds ``(start, end, title)`` for each section heading, and
    ``spans`` maps clean text back to the source file.
    """

    name: str
    title: str
    text: str
    pages: list[tuple[int, int]] = field(default_factory=list)
    sections: list[tuple[int, int, str]] = field(default_factory=list)
    headings: list[tuple[int, int]] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)

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
        return title

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

    @property
    def words(self) -> int:
        return len(self.text.split())

    def index_text(self) -> str:
        """What the retrievers see: the section title gives context to every passage."""
        if self.section and not self.text.startswith(self.section):
            return f"{self.section}\n{self.text}"
        return self.text


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


@dataclass
class Answer:
    question: str
    text: str
    abstained: bool
    citations: list[Citation]
    hits: list[Hit]
    evidence: float
    language: str
    timings_ms: dict[str, float] = field(default_factory=dict)
    notice: str | None = None
    asked: str = ""  # what was searched: the question, with the previous one for a follow-up
    # "high": the quotes answer the question; "low": the closest the dossier comes,
    # shown as such, never as an answer; "none": the dossier does not answer (abstained).
    confidence: str = "high"
