"""Hand-built records for the fast unit tests: a passage laid out line by line, an index stub."""

from __future__ import annotations

from types import SimpleNamespace

from retrieval import scoring
from retrieval.records import BULLET, Document, Passage, Sentence, Unit

DOCUMENT = "notes.md"


def laid_out(
    lines: list[str],
    headings: tuple[int, ...] = (),
    units: list[Unit] | None = None,
    unit_of: dict[int, int] | None = None,
    passage_id: str = "notes#p01-01",
) -> tuple[Passage, Document]:
    """One passage of one document, a sentence per line (a line starting with "• " is a list item).

    ``unit_of`` maps a line to its index in ``units``; offsets are real, so ``document.text[start:end]``
    is each sentence, as the answerer and the citations expect."""
    text, sentences = "", []
    for i, line in enumerate(lines):
        if text:
            text += "\n"
        bullet = line.startswith(f"{BULLET} ")
        if bullet:
            text += f"{BULLET} "
            line = line[2:]
        start = len(text)
        text += line
        unit = (unit_of or {}).get(i)
        sentences.append(Sentence(start, len(text), line, 1, heading=i in headings, bullet=bullet, unit=unit))
    document = Document(DOCUMENT, "Notes", text, pages=[(0, 1)], units=list(units or []))
    passage = Passage(passage_id, DOCUMENT, "Notes", 1, "Notes", 0, len(text), text, tuple(sentences))
    return passage, document


def index_of(*documents: Document) -> SimpleNamespace:
    """What ``select``, ``reach`` and the citations read of an index: its documents by name."""
    by_name = {d.name: d for d in documents}
    return SimpleNamespace(document=by_name.__getitem__, documents=list(documents))


def features(
    typed: bool | None, covered: float, asks: str = "place", title: bool = False, words: int = 20
) -> tuple[float, ...]:
    """A candidate's ranker features: ``typed`` whether it carries the asked ``asks`` (None: nothing
    is asked), ``covered`` its share of the question's terms with its section and topic, ``title``
    a heading of its own line."""
    return scoring.features(
        dense_sentence=0.8,
        dense_passage=0.8,
        bm25_passage=0.5,
        passage_rank=1,
        lexical=covered,
        lexical_section=covered,
        lexical_topic=covered,
        known=1.0,
        context=0.0,
        asks_type=None if typed is None else asks,
        carries_type=bool(typed),
        heading=title,
        short=title,
        words=words,
        english=False,
    )
