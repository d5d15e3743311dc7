"""Present an answer: the JSON contract other tools rely on, and the text a person reads."""

from __future__ import annotations

from .answer import CLOSEST
from .config import RELATED
from .records import Answer, Citation, Hit, Passage

# Every word the CLI, the chat and the exports show around the dossier's quotes, per answer language.
LABELS = {
    "fr": {
        "sources": "Sources",
        "related": "Passages les plus proches",
        "page": "p.",
        "page_long": "page",
        "section": "section",
        "passage": "passage",
        "question": "Question",
        "answer_n": "Réponse",
        "closest": CLOSEST["fr"],
        "closest_sources": "Ce qui s’en approche le plus",
        "empty": "Les sources des réponses s’afficheront ici.",
        "cut": "Question coupée",
        "searched": "Recherché avec la question précédente",
    },
    "en": {
        "sources": "Sources",
        "related": "Closest passages",
        "page": "p.",
        "page_long": "page",
        "section": "section",
        "passage": "passage",
        "question": "Question",
        "answer_n": "Answer",
        "closest": CLOSEST["en"],
        "closest_sources": "The closest the dossier comes",
        "empty": "The sources of each answer show here.",
        "cut": "Question cut",
        "searched": "Searched together with the previous question",
    },
}


def labels_for(language: str) -> dict[str, str]:
    """The labels of an answer's language, French for any other."""
    return LABELS.get(language, LABELS["fr"])


def colon(language: str) -> str:
    """French sets a space before a colon, English does not."""
    return ":" if language == "en" else " :"


def short_id(passage_id: str) -> str:
    """ "france2030-…#p07-03" -> "p07-03" for display."""
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
        "timings_ms": {
            key: float(answer.timings_ms.get(key, 0.0)) for key in ("retrieval", "answer", "total")
        },
    }


def citation_json(c: Citation) -> dict:
    return {
        "n": c.n,
        **quote_json(c.passage.passage_id, c.passage.document, c.page, c.passage.section, c.quote),
    }


def quote_json(passage_id: str, document: str, page: int | None, section: str | None, quote: str) -> dict:
    """Where a quote stands, as every JSON output names it (`ask` citations, `check` sources)."""
    return {"passage_id": passage_id, "document": document, "page": page, "section": section, "quote": quote}


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
    where = f"{passage.title}, {labels_for(lang)['page']} {page}" if page is not None else passage.title
    section = f" — « {shorten(passage.section)} »" if passage.section else ""
    return f"{where}{section} (passage {short_id(passage.passage_id)})"


def display_quote(quote: str) -> str:
    """A quote on one line: the dossier's own line breaks (table cells, lists) shown as " / "."""
    return " / ".join(part.strip() for part in quote.split("\n") if part.strip())


def to_text(answer: Answer) -> str:
    """The answer as the CLI prints it: quotes with markers, then the numbered sources."""
    lang = answer.language
    if answer.abstained:
        lines = [answer.text, "", f"{labels_for(lang)['related']}{colon(lang)}"]
        for h in answer.hits[:RELATED]:
            lines.append(f"  - {source_line(h.passage, h.passage.page, lang)}")
            lines.append(f"    {shorten(h.passage.text, 160)}")
        return "\n".join(lines)
    body = " ".join(f"« {display_quote(c.quote)} » [{c.n}]" for c in answer.citations)
    # A "low" answer is the closest the dossier comes, and says so before its quotes.
    lines = [f"{labels_for(lang)['closest']} {body}" if answer.confidence == "low" else body, ""]
    lines += [f"[{c.n}] {source_line(c.passage, c.page, lang)}" for c in cited_sources(answer.citations)]
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
        lines.append(
            f"{h.rank:>2}. {source_line(h.passage, h.passage.page)}  [{h.score:.4f}; {', '.join(ranks)}]"
        )
        lines.append(f"    {shorten(h.passage.text, 200)}")
    return "\n".join(lines)


def cited_sources(citations: list[Citation]) -> list[Citation]:
    """The first citation of each source number, in order of first use (sources are numbered that way)."""
    seen: set[int] = set()
    return [c for c in citations if not (c.n in seen or seen.add(c.n))]


def source_markdown(c: Citation, lang: str = "fr") -> str:
    """One numbered source in full: document title and file, page, whole section title, passage id."""
    labels = labels_for(lang)
    parts = [f"{c.passage.title} ({c.passage.document})"]
    if c.page is not None:
        parts.append(f"{labels['page']} {c.page}")
    if c.passage.section:
        parts.append(f"{labels['section']} « {' '.join(c.passage.section.split())} »")
    parts.append(f"{labels['passage']} {c.passage.passage_id}")
    return f"[{c.n}] " + ", ".join(parts)


def to_markdown(answer: Answer) -> str:
    """The question and its answer as Markdown, for the chat's copy button and export.

    Quotes are copied verbatim (the dossier's own line breaks included), each in its
    own paragraph with its [n]; the numbered sources follow. Nothing is escaped: the
    text is for a person or an editor, and a quote must stay a substring of the dossier.
    """
    labels, mark = labels_for(answer.language), colon(answer.language)
    lines = [f"**{labels['question']}{mark}** {answer.question}", ""]
    if answer.notice:
        lines += [f"*{labels['cut']}{mark} {answer.notice}*", ""]
    if answer.abstained:
        lines += [answer.text, "", f"{labels['related']}{mark}", ""]
        lines += [
            f"- {source_line(h.passage, h.passage.page, answer.language)}" for h in answer.hits[:RELATED]
        ]
        return "\n".join(lines) + "\n"
    if answer.confidence == "low":
        lines += [f"*{labels['closest']}*", ""]
    for c in answer.citations:
        lines += [f"« {c.quote} » [{c.n}]", ""]
    lines += [f"{labels['sources']}{mark}", ""]
    lines += [f"- {source_markdown(c, answer.language)}" for c in cited_sources(answer.citations)]
    return "\n".join(lines) + "\n"
