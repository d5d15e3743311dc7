"""The chat's view of a conversation: each answer with its own sources, as safe HTML.

Everything that comes from a question or from the dossier is escaped for HTML
where HTML is rendered, so markup is always shown as text, never run. The
Markdown a person copies or downloads travels in a ``data-markdown`` attribute:
the browser decodes the attribute back to the exact text, so quotes stay verbatim.

Each answer's sources are rendered once, in a section of the side panel of their
own (``data-turn``); the page's script shows the section of whichever answer a
[n] marker belongs to.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from .config import RELATED
from .records import Answer, Citation, Passage
from .render import cited_sources, display_quote, labels_for, short_id, shorten, to_markdown

CONTEXT_CHARS = 240  # text shown around a passage in the panel: a sentence or two either side

# Sentences of the page itself (French page, English in brackets where it helps).
PAGE = {
    "empty_chat": "Posez une question sur le dossier : la réponse le citera mot pour mot, avec ses sources.",
    "empty_question": "Écrivez d’abord une question dans la zone de texte, puis appuyez sur Entrée.",
    "no_words": "Cette question ne contient aucun mot à chercher : posez une question sur le dossier.",
    "building": "L’index du dossier est en cours de construction : le chat répondra dès qu’il sera prêt "
    "(quelques secondes à quelques minutes). Cette page se met à jour d’elle-même.",
    "busy": "Le chat n’est pas encore prêt : l’index est en cours de construction. Réessayez dans un instant.",
    "copy": "Copier (Markdown)",
    "copied": "Copié",
    "source_of": "Voir la source",
}


def esc(value: str) -> str:
    """HTML-escaped text, attribute-safe; a carriage return survives the HTML parser as a reference."""
    return html.escape(value, quote=True).replace("\r", "&#13;")


@dataclass(frozen=True)
class Turn:
    """One question and its answer, rendered: the chat message, the panel section, the Markdown."""

    index: int
    question: str
    language: str
    chat_html: str
    panel_html: str
    markdown: str


def make_turn(answer: Answer, index: int, document_text: dict[str, str]) -> Turn:
    """Render one answered question; ``index`` numbers the turn within its conversation."""
    markdown = to_markdown(answer)
    chat = (
        f'<div class="turn" data-turn="{index}" data-markdown="{esc(markdown)}">'
        f'<div class="message user" role="article" aria-label="{esc(labels_for(answer.language)["question"])}">'
        f"{_para(answer.question)}</div>"
        f"{_answer_message(answer, index)}</div>"
    )
    return Turn(
        index, answer.question, answer.language, chat, _panel_section(answer, index, document_text), markdown
    )


def _answer_message(answer: Answer, turn: int) -> str:
    labels = labels_for(answer.language)
    kind = "abstained" if answer.abstained else ("closest" if answer.confidence == "low" else "answer")
    out = []
    if answer.notice:
        out.append(f'<p class="note">{esc(labels["cut"])} : {esc(answer.notice)}</p>')
    if answer.asked and answer.asked != answer.question:
        out.append(f'<p class="note">{esc(labels["searched"])}.</p>')
    if answer.abstained:
        out.append(f'<p class="verdict">{esc(answer.text)}</p>')
        out.append(f'<p class="related-title">{esc(labels["related"])} :</p><ul class="where">')
        out += [f"<li>{esc(_where(h.passage, h.passage.page, labels))}</li>" for h in answer.hits[:RELATED]]
        out.append("</ul>")
    else:
        if kind == "closest":
            out.append(f'<p class="verdict closest-note">{esc(labels["closest"])}</p>')
        out.append('<ol class="quotes">')
        for i, c in enumerate(answer.citations):
            out.append(f'<li class="quote">« {_para(c.quote)} » {_marker(c, turn, i, labels)}</li>')
        out.append('</ol><ul class="where">')
        out += [
            f'<li><button type="button" class="cite-link" data-turn="{turn}" data-n="{c.n}">[{c.n}]</button> '
            f"{esc(_where(c.passage, c.page, labels))}</li>"
            for c in cited_sources(answer.citations)
        ]
        out.append("</ul>")
    out.append(
        f'<div class="tools"><button type="button" class="copy-md" data-turn="{turn}">{esc(PAGE["copy"])}</button></div>'
    )
    role = labels["closest_sources"] if kind == "closest" else labels["answer_n"]
    return (
        f'<div class="message bot {kind}" role="article" aria-label="{esc(role)} {turn + 1}">'
        + "".join(out)
        + "</div>"
    )


def _marker(c: Citation, turn: int, i: int, labels: dict) -> str:
    """A [n] button: hover or focus shows the quote and its source; a click opens it in the panel."""
    where = _where(c.passage, c.page, labels)
    tip = f"t{turn}-c{i}"
    return (
        f'<span class="cite-wrap"><button type="button" class="cite" data-turn="{turn}" data-n="{c.n}" '
        f'aria-describedby="{tip}" aria-label="{esc(PAGE["source_of"])} {c.n}">[{c.n}]</button>'
        f'<span class="pop" role="tooltip" id="{tip}"><span class="pop-quote">« {_para(display_quote(c.quote))} »</span>'
        f'<span class="pop-where">[{c.n}] {esc(where)}, {esc(labels["passage"])} {esc(short_id(c.passage.passage_id))}'
        "</span></span></span>"
    )


def conversation_html(turns: list[Turn], notice: str | None = None) -> str:
    """The whole conversation; ``notice`` is a sentence about the last attempt (an empty question)."""
    body = "".join(t.chat_html for t in turns)
    if not turns:
        body = f'<p class="chat-empty">{esc(PAGE["empty_chat"])}</p>'
    if notice:
        body += f'<p class="chat-notice" role="alert">{esc(notice)}</p>'
    return f'<div class="chat" role="log" aria-label="Conversation">{body}</div>'


def panel_html(turns: list[Turn]) -> str:
    """Every answer's sources, one section each; only the latest shows until a [n] asks for another."""
    if not turns:
        return f'<div class="sources"><p class="sources-empty">{esc(labels_for("fr")["empty"])}</p></div>'
    last = turns[-1].index
    sections = [
        t.panel_html.replace(' hidden="">', ">", 1) if t.index == last else t.panel_html for t in turns
    ]
    return '<div class="sources">' + "".join(sections) + "</div>"


def _panel_section(answer: Answer, turn: int, document_text: dict[str, str]) -> str:
    labels = labels_for(answer.language)
    if answer.abstained:
        title = labels["related"]
        blocks = [
            _source_block(None, turn, h.passage, [], document_text[h.passage.document], labels, open_=False)
            for h in answer.hits[:RELATED]
        ]
    else:
        title = labels["closest_sources"] if answer.confidence == "low" else labels["sources"]
        by_n: dict[int, list[Citation]] = {}
        for c in answer.citations:
            by_n.setdefault(c.n, []).append(c)
        blocks = [
            _source_block(
                n, turn, cites[0].passage, cites, document_text[cites[0].passage.document], labels, n == 1
            )
            for n, cites in by_n.items()
        ]
    heading = f"{title} — {labels['answer_n'].lower()} {turn + 1} : {shorten(answer.question, 60)}"
    return (
        f'<section class="turn-sources" data-turn="{turn}" hidden="">'
        f"<h3>{esc(heading)}</h3>{''.join(blocks)}</section>"
    )


def _where(passage: Passage, page: int | None, labels: dict) -> str:
    parts = [passage.title]
    if page is not None:
        parts.append(f"{labels['page_long']} {page}")
    if passage.section:
        parts.append(shorten(passage.section, 70))
    return " — ".join(parts)


def _source_block(
    n: int | None, turn: int, passage: Passage, cites: list[Citation], doc: str, labels: dict, open_: bool
) -> str:
    page = cites[0].page if cites else passage.page
    marker = f"[{n}] " if n is not None else ""
    start = max(0, passage.start - CONTEXT_CHARS)
    end = min(len(doc), passage.end + CONTEXT_CHARS)
    before, after = doc[start : passage.start], doc[passage.end : end]
    if start > 0:
        before = "…" + before.split(" ", 1)[-1] if " " in before else "…" + before
    if end < len(doc):
        after = after.rsplit(" ", 1)[0] + "…" if " " in after else after + "…"
    number = f' data-n="{n}"' if n is not None else ""
    return (
        f'<details class="source"{" open" if open_ else ""}{number} data-passage="{esc(passage.passage_id)}">'
        f"<summary>{esc(marker + _where(passage, page, labels))}</summary>"
        f'<div class="context"><span class="around">{_para(before)}</span>{_highlight(doc, passage, cites)}'
        f'<span class="around">{_para(after)}</span></div>'
        f'<div class="pid">{esc(labels["passage"])} {esc(short_id(passage.passage_id))}</div>'
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
    return esc(value).replace("\n", "<br>")
