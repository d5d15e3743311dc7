"""Find the structural units of a cleaned document: what must be read together.

A passage cut in the wrong place separates a table row's cells from the
description that says « Ce projet vise à… », a list from its introduction,
a minister's name from the title on the line below it. The units found
here are what passages keep whole (``passages``) and what an answer quotes
together. They work on the lines of ``Document.text``, in order, and cover
every line:

- heading: a section title (with a running page header as its own kind);
- title_name: a person's name alone on a line and the job title (« Ministre… ») on the next;
- table_header: the column labels that open a table (« Chef de file / Nom du projet /
  Membres du consortium / Description du projet »), up to the description column's;
- table_row: a run of short lines (the row's cells) and the prose after them
  when it opens on a word that refers back (« Ce projet… »), on to the next
  short line or the paragraph's end; a row may run over the blank line the
  extraction leaves between a row's cells and its description;
- list: a run of bullet lines (over paragraphs too) with its introduction,
  the last sentence of the line before the first bullet;
- paragraph: the lines left over, a run per paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .records import (
    BULLET,
    HEADING,
    LIST,
    PAGE_HEADER,
    PARAGRAPH,
    TABLE_HEADER,
    TABLE_ROW,
    TITLE_NAME,
    Document,
    Unit,
)
from .sentences import line_sentences

# A table cell is a short line: the dossier's longest cell (a consortium list)
# has 9 words, its shortest descriptions 20.
CELL_MAX_WORDS = 14
# Heads are context for the retrievers, not text to quote: this many words at most
# (the dossier's longest row of cells, Telescoop's, has 31).
HEAD_MAX_WORDS = 40
# A person's name: two to four capitalised words ("Bruno Le Maire").
PERSON_NAME = r"[A-ZÀ-Ý][a-zà-ÿ]+(?:[ -](?:[A-ZÀ-Ý][a-zà-ÿ]+|Le|La|De|Du|Da)){1,3}"
# The first word of a job title, as on the line beside a name.
JOB_TITLES = (
    r"Ministre|Secrétaire|Président|Présidente|Directeur|Directrice|Délégué|Déléguée|Commissaire|Préfet|"
    r"Préfète|Maire|Député|Députée|Sénateur|Sénatrice|Ambassadeur|Ambassadrice|Chef|Cheffe|Responsable|"
    r"Fondateur|Fondatrice|Coordinateur|Coordinatrice|Minister|Secretary|President|Director|Head|CEO|Founder"
)
_PERSON = re.compile(rf"^{PERSON_NAME}$")
# Prose that refers back to what came before it: the description of a table row.
_REFERS_BACK = re.compile(r"^(?:Ce|Cet|Cette|Ces|Il|Elle|Ils|Elles|This|It)\b")
_JOB_TITLE = re.compile(rf"^(?:{JOB_TITLES})\b")
# The label of a table's description column, the last of its column labels.
_DESCRIPTION_LABEL = re.compile(r"^(?:Description|Descriptif|Présentation|Résumé|Objet)\b")
_SENTENCE_END = ".!?…"


@dataclass(frozen=True)
class _Line:
    start: int
    end: int
    text: str
    para: int  # paragraph number
    section: str | None
    heading: bool
    bullet: bool

    @property
    def words(self) -> int:
        return len(self.text.split())


def _lines(doc: Document) -> list[_Line]:
    lines: list[_Line] = []
    pos, para = 0, 0
    for raw in doc.text.split("\n"):
        start = pos
        pos += len(raw) + 1
        if not raw.strip():
            para += 1
            continue
        end = start + len(raw.rstrip())
        heading = any(hs <= start < he for hs, he in doc.headings)
        bullet = raw.startswith(BULLET + " ")
        lines.append(_Line(start, end, raw.rstrip(), para, doc.section_at(start), heading, bullet))
    return lines


def _is_cell(line: _Line) -> bool:
    """A short line that is neither a title, a list item nor an introduction (« …suivants : »)."""
    return (
        not line.heading and not line.bullet and line.words <= CELL_MAX_WORDS and not line.text.endswith(":")
    )


def _is_prose(line: _Line) -> bool:
    return not _is_cell(line) and not line.bullet and not line.heading


def _head(text: str) -> str:
    words = " ".join(text.split()).split(" ")
    return " ".join(words[:HEAD_MAX_WORDS]) + (" …" if len(words) > HEAD_MAX_WORDS else "")


def _title_name(lines: list[_Line], i: int) -> bool:
    """A name line followed, in the same paragraph, by a short unpunctuated line opening on a job title."""
    if i + 1 >= len(lines) or not _PERSON.match(lines[i].text) or not _is_cell(lines[i]):
        return False
    title = lines[i + 1]
    return (
        title.para == lines[i].para
        and _is_cell(title)
        and bool(_JOB_TITLE.match(title.text))
        and title.text[-1] not in _SENTENCE_END
    )


def _row_cells(lines: list[_Line], i: int) -> int:
    """How many cells open a table row at ``i`` (0 if no row starts there): a run of short
    lines in one section whose next line is prose referring back to them."""
    j = i
    while (
        j < len(lines)
        and _is_cell(lines[j])
        and lines[j].section == lines[i].section
        and not _title_name(lines, j)
    ):
        if j > i and lines[j].para != lines[j - 1].para:
            return 0  # cells don't run over a paragraph break; only the description may
        j += 1
    if j == i or j >= len(lines):
        return 0
    description = lines[j]
    if description.heading or description.bullet or description.section != lines[i].section:
        return 0
    return j - i if _REFERS_BACK.match(description.text) else 0


def find_units(doc: Document) -> list[Unit]:
    """The units of ``doc``, in order, covering every line of its text."""
    lines = _lines(doc)
    header_starts = {start for start, _end, title in doc.sections if not title}
    units: list[Unit] = []
    pending: list[_Line] = []  # leftover lines of the current paragraph

    def flush() -> None:
        if pending:
            units.append(
                Unit(pending[0].start, pending[-1].end, PARAGRAPH, _head(_first_sentence(pending[0].text)))
            )
            pending.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        if pending and line.para != pending[-1].para:
            flush()
        if line.heading:
            flush()
            j = i
            while j + 1 < len(lines) and lines[j + 1].heading and lines[j + 1].para == line.para:
                j += 1
            units.append(
                Unit(line.start, lines[j].end, PAGE_HEADER if line.start in header_starts else HEADING)
            )
            i = j + 1
            continue
        if _title_name(lines, i):
            flush()
            units.append(Unit(line.start, lines[i + 1].end, TITLE_NAME, line.text))
            i += 2
            continue
        cells = _row_cells(lines, i)
        if cells:
            flush()
            labels = _header_lines(lines, i, cells)
            if labels:
                head = " / ".join(ln.text for ln in lines[i : i + labels])
                units.append(Unit(line.start, lines[i + labels - 1].end, TABLE_HEADER, _head(head)))
                i, cells = i + labels, cells - labels
                line = lines[i]
            j = i + cells  # the description
            first_para = lines[j].para
            while j + 1 < len(lines) and lines[j + 1].para == first_para and _is_prose(lines[j + 1]):
                j += 1
            head = " / ".join(ln.text for ln in lines[i : i + cells])
            units.append(Unit(line.start, lines[j].end, TABLE_ROW, _head(head), lines[i + cells].start))
            i = j + 1
            continue
        if line.bullet:
            start, intro = line.start, None
            prev = units[-1] if units and not pending else None
            if pending and pending[-1].section == line.section:
                start, intro = _take_intro(units, pending)
            elif prev is not None and prev.kind == PARAGRAPH and i and lines[i - 1].section == line.section:
                # the introduction closed a paragraph already flushed: take its last sentence
                units.pop()
                pending.extend(ln for ln in lines if prev.start <= ln.start < prev.end)
                start, intro = _take_intro(units, pending)
            j = i
            while j + 1 < len(lines) and lines[j + 1].bullet and lines[j + 1].section == line.section:
                j += 1
            units.append(Unit(start, lines[j].end, LIST, _head(intro) if intro else None, line.start))
            i = j + 1
            continue
        pending.append(line)
        i += 1
    flush()
    return units


def _header_lines(lines: list[_Line], i: int, cells: int) -> int:
    """How many of the cells opening a row at ``i`` are the table's column labels: those up to
    the description column's label, when cells of a row remain after it (0: none)."""
    return next((k + 1 for k in range(cells - 1) if _DESCRIPTION_LABEL.match(lines[i + k].text)), 0)


def table_labels(doc: Document) -> dict[int, str]:
    """The column labels (a ``TABLE_HEADER``'s head) of each row of a table that has them, by
    unit index: a table is the run of rows after its labels (running page headers between
    them), in one section."""
    labels: dict[int, str] = {}
    current: str | None = None
    section: str | None = None
    for k, unit in enumerate(doc.units):
        if unit.kind == TABLE_HEADER:
            current, section = unit.head, doc.section_at(unit.start)
        elif unit.kind == PAGE_HEADER:
            continue
        elif current and unit.kind == TABLE_ROW and doc.section_at(unit.start) == section:
            labels[k] = current
        else:
            current = None
    return labels


def _first_sentence(text: str) -> str:
    spans = line_sentences(text)
    return text[spans[0][0] : spans[0][1]] if spans else text


def _take_intro(units: list[Unit], pending: list[_Line]) -> tuple[int, str]:
    """Split the last sentence off the pending paragraph lines as a list's introduction;
    what remains before it is flushed as a paragraph. Returns (intro start, intro text)."""
    last = pending[-1]
    s, e = line_sentences(last.text)[-1]
    intro_start, intro = last.start + s, last.text[s:e]
    before = list(pending[:-1])
    if s > 0:
        text = last.text[:s].rstrip()
        before.append(_Line(last.start, last.start + len(text), text, last.para, last.section, False, False))
    if before:
        units.append(Unit(before[0].start, before[-1].end, PARAGRAPH, _head(_first_sentence(before[0].text))))
    pending.clear()
    return intro_start, intro
