"""The chat's view of an answer: the message text and the sources panel, as safe HTML.

Everything that comes from a question or from the dossier is escaped, for
HTML and for Markdown, so that markup is always shown as text, never run.
"""

from __future__ import annotations

import html
import string
from collections import defaultdict

from .records import Answer, Citation, Passage
from .render import display_quote, short_id, shorten

LABELS = {
    "fr": {
        "sources": "Sources",
        "related": "Passages les plus proches",
        "page": "page",
        "passage": "passage",
        "empty": "Les sources des réponses s’afficheront ici.",
        "cut": "Question coupée",
        "searched": "Recherché avec la question précédente",
    },
    "en": {
        "sources": "Sources",
        "related": "Closest passages",
        "page": "page",
        "passage": "passage",
        "empty": "The sources of each answer show here.",
        "cut": "Question cut",
        "searched": "Searched together with the previous question",
    },
}
CONTEXT_CHARS = 240
_PUNCTUATION = frozenset(string.punctuation)


def text(value: str) -> str:
    """Plain text safe in a Markdown chat message: every ASCII punctuation mark becomes a
    character reference, so nothing in it can open a tag, a link, emphasis or a list."""
    return "".join(f"&#{ord(c)};" if c in _PUNCTUATION else c for c in value)


def message(answer: Answer) -> str:
    """The assistant's chat message: quotes with [n] markers, then a short source list."""
    labels = LABELS.get(answer.language, LABELS["fr"])
    lines = []
    if answer.notice:
        lines.append(f"*{text(labels['cut'])} : {text(answer.notice)}*\n")
    if answer.asked and answer.asked != answer.question:
        lines.append(f"*{text(labels['searched'])}.*\n")
    if answer.abstained:
        lines.append(f"**{text(answer.text)}**")
        lines.append(f"\n{text(labels['related'])} :")
        for h in answer.hits[:3]:
            lines.append(f"- {text(_where(h.passage, h.passage.page, labels))}")
        return "\n".join(lines)
    lines.append(" ".join(f"« {text(display_quote(c.quote))} » {text(f'[{c.n}]')}" for c in answer.citations))
    lines.append("")
    seen = set()
    for c in answer.citations:
        if c.n not in seen:
            seen.add(c.n)
            lines.append(f"{text(f'[{c.n}]')} {text(_where(c.passage, c.page, labels))}  ")
    return "\n".join(lines)


def _where(passage: Passage, page: int | None, labels: dict) -> str:
    parts = [passage.title]
    if page is not None:
        parts.append(f"{labels['page']} {page}")
    if passage.section:
        parts.append(shorten(passage.section, 70))
    return " — ".join(parts)


def sources_panel(answer: Answer | None, document_text: dict[str, str]) -> str:
    """HTML for the side panel: each source in context, its quoted sentences highlighted."""
    if answer is None:
        return f'<div class="sources-empty">{html.escape(LABELS["fr"]["empty"])}</div>'
    labels = LABELS.get(answer.language, LABELS["fr"])
    blocks = []
    if answer.abstained:
        blocks.append(f"<h3>{html.escape(labels['related'])}</h3>")
        for h in answer.hits[:5]:
            blocks.append(_source_block(None, h.passage, [], document_text[h.passage.document], labels, open_=False))
        return '<div class="sources">' + "".join(blocks) + "</div>"
    by_n: dict[int, list[Citation]] = defaultdict(list)
    for c in answer.citations:
        by_n[c.n].append(c)
    blocks.append(f"<h3>{html.escape(labels['sources'])}</h3>")
    for n, cites in by_n.items():
        blocks.append(_source_block(n, cites[0].passage, cites, document_text[cites[0].passage.document], labels, open_=n == 1))
    return '<div class="sources">' + "".join(blocks) + "</div>"


def _source_block(n: int | None, passage: Passage, cites: list[Citation], doc: str, labels: dict, open_: bool) -> str:
    page = cites[0].page if cites else passage.page
    marker = f"[{n}] " if n is not None else ""
    summary = html.escape(marker + _where(passage, page, labels))
    start = max(0, passage.start - CONTEXT_CHARS)
    end = min(len(doc), passage.end + CONTEXT_CHARS)
    before = doc[start : passage.start]
    after = doc[passage.end : end]
    if start > 0:
        before = "…" + before.split(" ", 1)[-1] if " " in before else "…" + before
    if end < len(doc):
        after = after.rsplit(" ", 1)[0] + "…" if " " in after else after + "…"
    body = _highlight(doc, passage, cites)
    return (
        f'<details class="source"{" open" if open_ else ""} data-passage="{html.escape(passage.passage_id)}">'
        f"<summary>{summary}</summary>"
        f'<div class="context"><span class="around">{_para(before)}</span>{body}'
        f'<span class="around">{_para(after)}</span></div>'
        f'<div class="pid">{html.escape(labels["passage"])} {html.escape(short_id(passage.passage_id))}</div>'
        "</details>"
    )


def _highlight(doc: str, passage: Passage, cites: list[Citation]) -> str:
    out, pos = [], passage.start
    for c in sorted(cites, key=lambda c: c.start):
        out.append(_para(doc[pos : c.start]))
        out.append(f"<mark>{_para(doc[c.start : c.end])}</mark>")
        pos = c.end
    out.append(_para(doc[pos : passage.end]))
    return '<span class="passage">' + "".join(out) + "</span>"


def _para(value: str) -> str:
    return html.escape(value).replace("\n", "<br>")
