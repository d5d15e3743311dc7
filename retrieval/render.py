"""Present an answer: the JSON contract other tools rely on, and the text a person reads."""

from __future__ import annotations

from .records import Answer, Citation, Hit, Passage

LABELS = {
    "fr": {"sources": "Sources", "related": "Passages les plus proches", "page": "p."},
    "en": {"sources": "Sources", "related": "Closest passages", "page": "p."},
}


def short_id(passage_id: str) -> str:
    """"france2030-…#p07-03" -> "p07-03" for display."""
    return passage_id.rsplit("#", 1)[-1]


def to_json(answer: Answer) -> dict:
    """The `ask --json` object, exactly as documented in the README."""
    return {
        "question": answer.question,
        "answer": answer.text,
        "abstained": answer.abstained,
        "confidence": answer.confidence,
        "citations": [citation_json(c) for c in answer.citations],
        "passages": [hit_json(h) for h in answer.hits],
        "timings_ms": {key: float(answer.timings_ms.get(key, 0.0)) for key in ("retrieval", "answer", "total")},
    }


def citation_json(c: Citation) -> dict:
    return {
        "n": c.n,
        "passage_id": c.passage.passage_id,
        "document": c.passage.document,
        "page": c.page,
        "section": c.passage.section,
        "quote": c.quote,
    }


def hit_json(h: Hit) -> dict:
    p = h.passage
    return {
        "passage_id": p.passage_id,
        "rank": h.rank,
        "score": round(float(h.score), 6),
        "document": p.document,
        "page": p.page,
        "section": p.section,
        "text": p.text,
    }


def shorten(text: str | None, limit: int = 80) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def source_line(passage: Passage, page: int | None, lang: str = "fr") -> str:
    where = f"{passage.title}, {LABELS[lang]['page']} {page}" if page is not None else passage.title
    section = f" — « {shorten(passage.section)} »" if passage.section else ""
    return f"{where}{section} (passage {short_id(passage.passage_id)})"


def display_quote(quote: str) -> str:
    """A quote on one line: the dossier's own line breaks (table cells, lists) shown as " / "."""
    return " / ".join(part.strip() for part in quote.split("\n") if part.strip())


def to_text(answer: Answer) -> str:
    """The answer as the CLI prints it: quotes with markers, then the numbered sources."""
    lang = answer.language if answer.language in LABELS else "fr"
    labels = LABELS[lang]
    if answer.abstained:
        lines = [answer.text, "", f"{labels['related']} :" if lang == "fr" else f"{labels['related']}:"]
        for h in answer.hits[:3]:
            lines.append(f"  - {source_line(h.passage, h.passage.page, lang)}")
            lines.append(f"    {shorten(h.passage.text, 160)}")
        return "\n".join(lines)
    body = " ".join(f"« {display_quote(c.quote)} » [{c.n}]" for c in answer.citations)
    lines = [body, ""]
    seen: set[int] = set()
    for c in answer.citations:
        if c.n in seen:
            continue
        seen.add(c.n)
        lines.append(f"[{c.n}] {source_line(c.passage, c.page, lang)}")
    return "\n".join(lines)


def hits_text(hits: list[Hit]) -> str:
    """`search` output: one block per passage with its ranks."""
    lines = []
    for h in hits:
        ranks = []
        if h.dense_rank:
            ranks.append(f"dense #{h.dense_rank}")
        if h.lexical_rank:
            ranks.append(f"bm25 #{h.lexical_rank}")
        lines.append(f"{h.rank:>2}. {source_line(h.passage, h.passage.page)}  [{h.score:.4f}; {', '.join(ranks)}]")
        lines.append(f"    {shorten(h.passage.text, 200)}")
    return "\n".join(lines)
