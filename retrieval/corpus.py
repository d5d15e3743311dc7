"""Load the corpus folder and clean each file into paragraphs with pages and sections.

Every ``.txt``, ``.md`` and ``.pdf`` in the folder is a document. Text that
came out of a PDF is hard-wrapped, so lines are reflowed into paragraphs:
a line that stops where the next word would still have fitted ends a unit
(a table cell, a list line, a signature) and is kept as a line break, a
line ending in a hyphen is glued to the next, private-use bullet glyphs
become ``•``, and short unpunctuated paragraphs that are not clauses (no
finite verb: « Les 12 autres projets … ont déjà permis de … » is a sentence)
become section titles. Table cells are told apart from wrapped text: a short
line after a sentence end, a person's name line, and capitalised lines in a
column of cells each start a unit. A running page header (« Dossier de presse
| … 23 ») ends the section it falls in and stands as a paragraph of its own.
Structural units (rows, lists, names beside titles) are found by ``units``.

The extracted-PDF ``.txt`` layout this handles: every line followed by an
empty line, whitespace-only lines between paragraphs, and a page starting
with a line that begins with exactly one space. Form feeds also start pages.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import stat
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .records import BULLET, Document, Span
from .units import find_units

__all__ = [
    "BULLET",
    "CorpusError",
    "corpus_checksum",
    "corpus_files",
    "load_corpus",
    "load_documents",
    "load_document",
    "reflow",
]

EXTENSIONS = (".txt", ".md", ".pdf")
SETTINGS_FILE = "corpus.toml"
SENTENCE_END = ".!?…"
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_EMAIL = re.compile(r"\S@\S+\.[a-z]{2,}")
_MD_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
# A person's name alone on a line ("Bruno Le Maire", "Catherine Vautrin"): capitalised words.
_PERSON = re.compile(r"^[A-ZÀ-Ý][a-zà-ÿ]+(?:[ -](?:[A-ZÀ-Ý][a-zà-ÿ]+|Le|La|De|Du|Da))+$")
# A running page header left by the extraction: "Dossier de presse | France 2030 et l’IA  23".
_RUNNING_HEADER = re.compile(r"^\S.{0,60}\s\|\s.{1,60}\s\d{1,3}$")

# A line was ended on purpose (title, cell, list line) when the next line's
# first word would still have fitted: the line plus that word is shorter than
# this share of the paragraph's widest line. Measured on the dossier, wrapped
# body lines score >= 0.96, deliberate breaks <= 0.80.
FITS = 0.88
# Title paragraphs: one unit, unpunctuated, at most this many words.
TITLE_MAX_WORDS = 35
# A paragraph whose widest line is at most this long is a column of table cells
# (the dossier's prose lines run 80-90 characters, its cells at most 25).
CELL_COLUMN = 32
# After a sentence end, a line shorter than this share of the widest line is a
# table cell ("Leakmited" after a description), not the next sentence wrapped
# in a narrow column (those run at 0.75 and more of the width).
CELL_SHARE = 0.5
# Words that make a clause: a paragraph holding one is a sentence, not a title.
FINITE_VERBS = frozenset(
    [
        "a",
        "ont",
        "est",
        "sont",
        "sera",
        "seront",
        "était",
        "étaient",
        "avait",
        "avaient",
        "fut",
        "peut",
        "peuvent",
        "doit",
        "doivent",
        "permet",
        "permettent",
        "vise",
        "visent",
        "is",
        "are",
        "was",
        "were",
        "has",
        "have",
        "will",
    ]
)
# Leading units of a paragraph that make its running page header (a date line, then the header).
HEADER_UNITS = 2
# A line ending in one of these words goes on: no unit ends there.
OPEN_ENDINGS = frozenset(
    [
        "à",
        "au",
        "aux",
        "avec",
        "d’",
        "d'",
        "de",
        "des",
        "du",
        "en",
        "et",
        "l’",
        "l'",
        "la",
        "le",
        "les",
        "ou",
        "par",
        "pour",
        "sur",
        "dans",
        "un",
        "une",
        "a",
        "an",
        "and",
        "for",
        "in",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
    ]
)


class CorpusError(Exception):
    """The corpus folder can't be read (missing, empty, or a file is unusable)."""


@dataclass
class Line:
    """One source line, before reflow."""

    text: str
    offset: int  # where ``text`` starts in the source
    page: int | None
    blank: bool = False
    heading: bool = False  # a Markdown heading: always a title
    bullet: bool = False  # a Markdown list item


def corpus_files(folder: Path) -> list[Path]:
    """The indexable files of ``folder``, sorted, hidden files skipped (see ``corpus_listing``)."""
    return corpus_listing(folder)[0]


def corpus_listing(folder: Path) -> tuple[list[Path], list[str]]:
    """The indexable files of ``folder``, sorted, and a warning per file refused.

    Only regular files whose real path lies inside the folder are read: a link
    whose target resolves outside it, a FIFO, socket or device, and a file that
    can't be opened are refused with a warning. Hidden files are skipped silently.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise CorpusError(f"corpus folder not found: {folder}")
    root = folder.resolve()
    files, warnings = [], []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.suffix.lower() not in EXTENSIONS or any(part.startswith(".") for part in relative.parts):
            continue
        problem = _refusal(path, root)
        if problem == "folder":
            continue
        if problem:
            warnings.append(f"skipped {relative.as_posix()}: {problem}")
            continue
        files.append(path)
    if not files:
        raise CorpusError(
            f"no .txt, .md or .pdf file in corpus folder {folder}" + "".join(f"; {w}" for w in warnings)
        )
    return files, warnings


def _refusal(path: Path, root: Path) -> str | None:
    """Why ``path`` may not be read ("folder" for a folder named like a file), or None."""
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):  # dangling or looping link
        return "a link to nothing readable"
    if not real.is_relative_to(root):
        return "a link to a file outside the corpus folder"
    try:
        mode = real.stat().st_mode
    except OSError as exc:
        return f"cannot read it ({exc.strerror})"
    if stat.S_ISDIR(mode):
        return "folder"
    if not stat.S_ISREG(mode):
        return "not a regular file (FIFO, socket or device)"
    if not os.access(real, os.R_OK):
        return "cannot read it (permission denied)"
    return None


def read_file(path: Path) -> bytes:
    """The bytes of a regular file; OSError for anything else, without waiting on a FIFO.

    The file is opened non-blocking and checked once open, so a file swapped
    for a FIFO or device after listing is refused instead of hanging the build.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"not a regular file: {path}")
        os.set_blocking(fd, True)
        return f.read()


def read_text(path: Path) -> str:
    """A text file's content; ValueError for a binary one (NUL bytes) or one that isn't UTF-8."""
    data = read_file(path)
    if b"\0" in data:
        raise ValueError("binary file (NUL bytes), not text")
    return data.decode("utf-8")


def corpus_checksum(folder: Path) -> str:
    """One digest over the name and bytes of every file ``corpus_files`` lists, and the settings file."""
    folder = Path(folder)
    h = hashlib.sha256()
    paths = corpus_files(folder)
    settings = folder / SETTINGS_FILE
    if settings.is_file() and _refusal(settings, folder.resolve()) is None:
        paths = [*paths, settings]
    for path in paths:
        h.update(path.relative_to(folder).as_posix().encode() + b"\0")
        try:
            h.update(hashlib.sha256(read_file(path)).hexdigest().encode())
        except OSError as exc:
            h.update(f"unreadable:{exc.errno}".encode())
    return h.hexdigest()


def load_corpus(folder: Path) -> tuple[list[Document], list[str]]:
    """Clean every document of ``folder``; also return a warning per file skipped."""
    folder = Path(folder)
    paths, warnings = corpus_listing(folder)
    documents, skipped = load_documents(folder, [p.relative_to(folder).as_posix() for p in paths])
    warnings += skipped
    if not documents:
        raise CorpusError(f"no readable text in corpus folder {folder}" + "".join(f"; {w}" for w in warnings))
    return documents, warnings


def load_documents(folder: Path, names: list[str]) -> tuple[list[Document], list[str]]:
    """Clean the documents ``names`` (paths relative to ``folder``, already listed by
    ``corpus_listing``) with their titles; a warning per file skipped (unreadable or no text)."""
    folder = Path(folder)
    titles = _titles(folder)
    documents, warnings = [], []
    for name in names:
        try:
            doc = load_document(folder / name, name=name, title=titles.get(name))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            warnings.append(f"skipped {name}: {exc}")
            continue
        if not doc.text.strip():
            warnings.append(f"skipped {name}: no text")
            continue
        documents.append(doc)
    return documents, warnings


def read_settings(folder: Path) -> dict:
    """The optional ``corpus.toml`` of a corpus folder (titles, chat examples), or {}."""
    path = Path(folder) / SETTINGS_FILE
    if not path.is_file():
        return {}
    problem = _refusal(path, Path(folder).resolve())
    if problem:
        raise CorpusError(f"{path}: {problem}")
    try:
        return tomllib.loads(read_text(path))
    except (OSError, ValueError, tomllib.TOMLDecodeError) as exc:
        raise CorpusError(f"{path}: {exc}") from exc


def _titles(folder: Path) -> dict[str, str]:
    """Display titles: ``[documents."file.txt"] title = "..."`` in corpus.toml."""
    docs = read_settings(folder).get("documents", {})
    return {name: str(v["title"]) for name, v in docs.items() if isinstance(v, dict) and "title" in v}


def load_document(path: Path, name: str | None = None, title: str | None = None) -> Document:
    path = Path(path)
    name = name or path.name
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        lines, pdf_title = _pdf_lines(path)
        fallback = pdf_title
    else:
        source = read_text(path)
        if suffix == ".md":
            lines = _markdown_lines(source)
            fallback = next((ln.text for ln in lines if ln.heading), None)
        else:
            lines = _text_lines(source)
            fallback = None
    doc = reflow(lines, name=name)
    doc.title = title or fallback or path.stem.replace("_", " ").replace("-", " ")
    return doc


# ---------------------------------------------------------------- readers


def _split_lines(source: str) -> list[tuple[str, int]]:
    out, pos = [], 0
    for raw in source.splitlines(keepends=True):
        out.append((raw.rstrip("\r\n"), pos))
        pos += len(raw)
    return out


def _text_lines(source: str) -> list[Line]:
    """Plain text; recognises the extracted-PDF layout described in the module doc."""
    raw = _split_lines(source)
    # Extraction artefact: an empty line after (nearly) every line. Then only
    # whitespace-only lines separate paragraphs, and " X" starts a page.
    empties = sum(1 for text, _ in raw if text == "")
    pdf_layout = len(raw) > 4 and empties >= 0.35 * len(raw)
    if pdf_layout:
        raw = [(t, o) for t, o in raw if t != ""]
    page = 1
    seen_text = False
    lines: list[Line] = []
    for text, offset in raw:
        while text.startswith("\f"):
            text, offset = text[1:], offset + 1
            if seen_text:
                page += 1
        if pdf_layout and len(text) > 1 and text[0] == " " and text[1] != " " and seen_text:
            page += 1
        if not text.strip():
            lines.append(Line("", offset, page, blank=True))
            continue
        seen_text = True
        lead = len(text) - len(text.lstrip())
        lines.append(Line(text.strip(), offset + lead, page))
    return lines


def _markdown_lines(source: str) -> list[Line]:
    lines: list[Line] = []
    for text, offset in _split_lines(source):
        if not text.strip():
            lines.append(Line("", offset, None, blank=True))
            continue
        m = _MD_HEADING.match(text)
        if m:
            lines.append(Line(m.group(1), offset + m.start(1), None, heading=True))
            continue
        m = _MD_BULLET.match(text)
        if m:
            lines.append(Line(text[m.end() :].strip(), offset + m.end(), None, bullet=True))
            continue
        lead = len(text) - len(text.lstrip())
        lines.append(Line(text.strip(), offset + lead, None))
    return lines


def _pdf_lines(path: Path) -> tuple[list[Line], str | None]:
    """Lines of a PDF through pypdf; offsets count into the pages' texts joined by form feeds."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(read_file(path)))
        pages = [page.extract_text() or "" for page in reader.pages]
        meta_title = (reader.metadata.title if reader.metadata else None) or None
    except (PdfReadError, KeyError, TypeError) as exc:
        raise ValueError(f"unreadable PDF ({exc})") from exc
    lines: list[Line] = []
    base = 0
    for number, text in enumerate(pages, start=1):
        for raw, offset in _split_lines(text):
            if not raw.strip():
                lines.append(Line("", base + offset, number, blank=True))
                continue
            lead = len(raw) - len(raw.lstrip())
            lines.append(Line(raw.strip(), base + offset + lead, number))
        lines.append(Line("", base + len(text), number, blank=True))
        base += len(text) + 1
    return lines, meta_title


# ----------------------------------------------------------------- reflow


@dataclass
class _Piece:
    """A line's text inside a unit; ``glued`` pieces follow a line-end hyphen."""

    text: str
    offset: int
    page: int | None
    glued: bool = False


@dataclass
class _Unit:
    """A run of joined lines: a sentence group, list item, cell or title line."""

    pieces: list[_Piece]
    bullet: bool = False

    @property
    def text(self) -> str:
        return " ".join(p.text for p in self.pieces)


def _paragraphs(lines: list[Line]) -> list[list[Line]]:
    """Group lines into paragraphs at blank lines, headings and page breaks."""
    paras: list[list[Line]] = []
    current: list[Line] = []
    for line in lines:
        if line.blank:
            if current:
                paras.append(current)
            current = []
            continue
        if line.heading:
            if current:
                paras.append(current)
            paras.append([line])
            current = []
            continue
        if current and line.page != current[-1].page and not _continues(current[-1].text, line.text):
            paras.append(current)
            current = []
        current.append(line)
    if current:
        paras.append(current)
    return paras


def _continues(prev: str, nxt: str) -> bool:
    """Does ``nxt`` carry on the sentence that ``prev`` left open?"""
    return bool(prev) and prev[-1] not in SENTENCE_END and nxt[:1].islower()


def _units(para: list[Line]) -> list[_Unit]:
    """Split a paragraph into units: lines ending well short of the width stand alone."""
    width = max(len(line.text) for line in para)
    units: list[_Unit] = []
    for k, line in enumerate(para):
        text, bullet = line.text, line.bullet
        if _PRIVATE_USE.match(text) and len(text) > 1:
            text, bullet = text[1:].lstrip(), True
        piece = _Piece(text, line.offset + len(line.text) - len(text), line.page)
        if not units or bullet or line.heading:
            units.append(_Unit([piece], bullet=bullet))
            continue
        prev = units[-1].pieces[-1].text
        if prev.endswith("-") and not prev.endswith(" -") and text[:1].isalnum():
            piece.glued = True
        elif not _carries_on(prev, text) and (
            _fits(prev, text, width) or _starts_cell(prev, text, para[k + 1 :], width)
        ):
            units.append(_Unit([piece]))
            continue
        units[-1].pieces.append(piece)
    return units


def _carries_on(prev: str, nxt: str) -> bool:
    """Lines that can't start or end a unit: lowercase or "(" starts, "," or open-word ends."""
    return nxt[:1].islower() or nxt[:1] == "(" or prev.endswith(",") or _last_word(prev) in OPEN_ENDINGS


def _starts_cell(prev: str, text: str, rest: list[Line], width: int) -> bool:
    """Is ``text`` a table cell or a name even though it didn't fit on ``prev``'s line?
    A much shorter line after a sentence end ("…des pouvoirs publics." then "Leakmited"), a
    person's name between two lines ("…des territoires" then "Catherine Vautrin"), or a
    capitalised line in a column of cells ("Description du projet" then "Advizeo").
    A short last line is the end of a wrapped sentence, so these need a line after."""
    if not rest:
        return False
    if prev[-1] in SENTENCE_END and len(text) < CELL_SHARE * width:
        return True
    if _PERSON.match(text) and rest[0].text[:1].isupper():
        return True
    lone_end = len(text.split()) == 1 and text[-1] in SENTENCE_END  # "Paris." ends the cell above
    return width <= CELL_COLUMN and (text[:1].isupper() or text[:1].isdigit()) and not lone_end


def _last_word(text: str) -> str:
    words = text.split()
    return words[-1].lower() if words else ""


def _fits(prev: str, nxt: str, width: int) -> bool:
    words = nxt.split()
    head = words[0]
    if not any(c.isalnum() for c in head) and len(words) > 1:
        head += " " + words[1]  # "« communs" moves as one
    return len(prev) + 1 + len(head) < FITS * width


def _title_units(units: list[_Unit], heading: bool) -> int:
    """How many leading units of a paragraph are its title: all of a short
    unpunctuated paragraph, or a title line that runs straight into body text."""
    if heading:
        return len(units)
    if len(units) == 1:
        return 1 if _title_like(units[0]) else 0
    if _title_like(units[0]) and _body_like(units[1]):
        return 1
    return 0


def _title_like(unit: _Unit) -> bool:
    text = unit.text
    return (
        not unit.bullet
        and 2 <= len(text.split()) <= TITLE_MAX_WORDS
        and text[-1] not in SENTENCE_END + ":;,"
        and not text[0].islower()
        and _last_word(text) not in OPEN_ENDINGS
        and not _EMAIL.search(text)
        and not any(w.lower() in FINITE_VERBS for w in text.split())
    )


def _header_units(units: list[_Unit]) -> int:
    """How many leading units of a paragraph are a running page header (0 if none)."""
    for n in range(1, min(HEADER_UNITS, len(units)) + 1):
        if _RUNNING_HEADER.match(units[n - 1].text):
            return n
    return 0


def _body_like(unit: _Unit) -> bool:
    return len(unit.pieces) >= 2 and unit.text.rstrip()[-1] in SENTENCE_END


class _Builder:
    """Accumulate clean text with its map back to the source."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.spans: list[Span] = []

    def add(self, text: str, source_start: int | None = None) -> None:
        if not text:
            return
        if source_start is not None and source_start >= 0:
            self.spans.append(Span(self.length, source_start, len(text)))
        self.parts.append(text)
        self.length += len(text)

    def add_source_text(self, text: str, source_start: int) -> None:
        """Copy ``text`` collapsing whitespace runs; keep words mapped to the source."""
        for m in re.finditer(r"\S+|\s+", text):
            word = m.group()
            if word.isspace():
                self.add(" ")
            elif _PRIVATE_USE.search(word):
                self.add(_PRIVATE_USE.sub("", word))
            else:
                self.add(word, source_start + m.start())

    def drop_last_char(self) -> None:
        self.parts[-1] = self.parts[-1][:-1]
        self.length -= 1
        last = self.spans[-1] if self.spans else None
        if last and last.start + last.length > self.length:
            self.spans[-1] = Span(last.start, last.source_start, last.length - 1)

    @property
    def text(self) -> str:
        return "".join(self.parts)


def reflow(lines: list[Line], name: str) -> Document:
    """Build the clean document from source lines."""
    paras = _paragraphs(lines)
    units_per_para = [_units(p) for p in paras]
    vocabulary = _hyphen_vocabulary(units_per_para)
    blocks: list[tuple[list[_Unit], bool, bool]] = []  # (units, markdown heading, page header)
    for para, units in zip(paras, units_per_para):
        n_header = _header_units(units)
        if n_header:
            blocks.append((units[:n_header], False, True))
            units = units[n_header:]
        if units:
            blocks.append((units, para[0].heading, False))

    out = _Builder()
    pages: list[tuple[int, int]] = []
    titles: list[tuple[int, int, str]] = []  # (start, end, title) per title paragraph; "" for a page header
    for units, heading, page_header in blocks:
        if out.length:
            out.add("\n\n")
        para_start = out.length
        n_title = len(units) if page_header else _title_units(units, heading)
        for i, unit in enumerate(units):
            if i:
                out.add("\n")
            if unit.bullet:
                out.add(BULLET + " ")
            _emit_unit(out, unit, vocabulary, pages)
            if i + 1 == n_title:
                title = "" if page_header else " ".join(out.text[para_start : out.length].split())
                titles.append((para_start, out.length, title))

    text = out.text
    sections = _sections(titles, len(text))
    headings = [(start, end) for start, end, _ in titles]
    doc = Document(
        name=name, title=name, text=text, pages=pages, sections=sections, headings=headings, spans=out.spans
    )
    doc.units = find_units(doc)
    return doc


def _emit_unit(out: _Builder, unit: _Unit, vocabulary: set[str], pages: list[tuple[int, int]]) -> None:
    for j, piece in enumerate(unit.pieces):
        if piece.glued:
            if _drop_hyphen(out.text.rsplit(None, 1)[-1], piece.text.split()[0], vocabulary):
                out.drop_last_char()
        elif j:
            out.add(" ")
        if piece.page is not None and (not pages or pages[-1][1] != piece.page):
            pages.append((out.length, piece.page))
        out.add_source_text(piece.text, piece.offset)


def _hyphen_vocabulary(units_per_para: list[list[_Unit]]) -> set[str]:
    words: set[str] = set()
    for units in units_per_para:
        for unit in units:
            for piece in unit.pieces:
                words.update(w.strip(".,;:!?()«»\"'’").lower() for w in piece.text.split())
    return words


def _drop_hyphen(prev_word: str, head: str, vocabulary: set[str]) -> bool:
    """Line-end hyphens are kept (French compounds: "IA-clusters") unless the
    document spells the joined word without one elsewhere and never with it."""
    stem = prev_word.rstrip("-").lstrip("(«\"'’").lower()
    tail = head.strip(".,;:!?()«»\"'’").lower()
    return bool(stem) and f"{stem}{tail}" in vocabulary and f"{stem}-{tail}" not in vocabulary


def _sections(titles: list[tuple[int, int, str]], length: int) -> list[tuple[int, int, str]]:
    """Consecutive title paragraphs make one heading; a section runs to the next heading.
    A page header (empty title) ends the section before it and starts an unnamed one."""
    merged: list[list] = []
    for start, end, title in titles:
        if merged and start - merged[-1][1] <= 2 and title and merged[-1][2]:
            merged[-1][1] = end
            merged[-1][2] = f"{merged[-1][2]} — {title}"
        else:
            merged.append([start, end, title])
    sections = []
    for i, (start, _end, title) in enumerate(merged):
        stop = merged[i + 1][0] if i + 1 < len(merged) else length
        sections.append((start, stop, title))
    return sections
