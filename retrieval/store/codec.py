"""Documents and passages as JSON records (the file store's corpus.json, PostgreSQL's jsonb)."""

from __future__ import annotations

from ..records import Document, Passage, Sentence, Span, Unit


def document_record(d: Document) -> dict:
    return {
        "name": d.name,
        "title": d.title,
        "text": d.text,
        "pages": d.pages,
        "sections": d.sections,
        "headings": d.headings,
        "spans": [[s.start, s.source_start, s.length] for s in d.spans],
        "units": [[u.start, u.end, u.kind, u.head, u.body] for u in d.units],
    }


def passage_record(p: Passage) -> dict:
    """A passage without its text: the sentences' offsets into the document's text."""
    return {
        "id": p.passage_id,
        "document": p.document,
        "page": p.page,
        "section": p.section,
        "head": p.head,
        "sentences": [[s.start, s.end, s.page, s.heading, s.bullet, s.unit] for s in p.sentences],
    }


def read_document(d: dict) -> Document:
    return Document(
        name=d["name"],
        title=d["title"],
        text=d["text"],
        pages=[tuple(p) for p in d["pages"]],
        sections=[tuple(s) for s in d["sections"]],
        headings=[tuple(h) for h in d["headings"]],
        spans=[Span(*s) for s in d["spans"]],
        units=[Unit(*u) for u in d["units"]],
    )


def read_passage(p: dict, doc: Document) -> Passage:
    sentences = tuple(
        Sentence(a, b, doc.text[a:b], page, heading, bullet, unit)
        for a, b, page, heading, bullet, unit in p["sentences"]
    )
    start, end = sentences[0].start, sentences[-1].end
    return Passage(
        passage_id=p["id"],
        document=doc.name,
        title=doc.title,
        page=p["page"],
        section=p["section"],
        head=p["head"],
        start=start,
        end=end,
        text=doc.text[start:end],
        sentences=sentences,
    )
