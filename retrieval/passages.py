"""Group sentences into passages: runs of whole sentences inside one section.

A passage closes at a paragraph end once it holds ``min_words``, or before
a sentence that would take it past ``max_words``; in that second case the
next passage repeats the last sentence, so an answer that spans the cut is
whole in one of them. A sentence longer than ``max_words`` stands alone,
and a short tail is merged into the passage before it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from .records import Document, Passage, Sentence
from .sentences import split_sentences


@dataclass(frozen=True)
class SplitParams:
    min_words: int = 40
    max_words: int = 120
    overlap: int = 1  # sentences repeated after a mid-paragraph cut

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
    groups: list[list[Sentence]] = []
    for section in _by_section(doc, split_sentences(doc)):
        groups.extend(_group(doc, section, params))
    key = document_key(doc.name)
    per_page: dict[int | None, int] = {}
    out = []
    for group in groups:
        first, last = group[0], group[-1]
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


def _paragraph_end(doc: Document, sentence: Sentence) -> bool:
    return doc.text.startswith("\n\n", sentence.end) or sentence.end >= len(doc.text)


def _group(doc: Document, sentences: list[Sentence], params: SplitParams) -> list[list[Sentence]]:
    groups: list[list[Sentence]] = []
    current: list[Sentence] = []
    carried = 0  # leading sentences of ``current`` repeated from the previous passage
    for sentence in sentences:
        size = len(sentence.text.split())
        if current and len(current) > carried and _words(current) + size > params.max_words:
            groups.append(current)
            current = [] if _paragraph_end(doc, current[-1]) else current[len(current) - params.overlap :]
            if _words(current) + size > params.max_words:
                current = []
            carried = len(current)
        current.append(sentence)
        if _words(current) >= params.min_words and _paragraph_end(doc, sentence):
            groups.append(current)
            current, carried = [], 0
    fresh = current[carried:]
    if fresh:
        if groups and _words(fresh) < params.min_words // 2 and _words(groups[-1] + fresh) <= params.max_words * 1.25:
            groups[-1] = groups[-1] + fresh
        else:
            groups.append(current)
    return groups
