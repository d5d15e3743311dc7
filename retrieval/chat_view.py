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
import re
from dataclasses import dataclass

from .check import Change, CheckResult, Claim, Source
from .check_render import MAX_TOLD, cut_marks, join_marks, marked
from .config import RELATED
from .records import Answer, Citation, Passage
from .render import (
    cited_sources,
    display_quote,
    labels_for,
    short_id,
    shorten,
    source_line,
    source_markdown,
    to_markdown,
)
from .text import language

CONTEXT_CHARS = 240  # text shown around a passage in the panel: a sentence or two either side

# Sentences of the page itself (French page, English in brackets where it helps).
PAGE = {
    "empty_chat": "Posez une question sur le dossier : la réponse le citera mot pour mot, avec ses sources.",
    "empty_question": "Écrivez d’abord une question dans la zone de texte, puis appuyez sur Entrée.",
    "no_words": "Cette question ne contient aucun mot à chercher : posez une question sur le dossier.",
    "empty_check": "Collez d’abord dans la zone de texte une phrase attribuée au dossier, puis appuyez sur Entrée.",
    "no_words_check": "Ce texte ne contient aucun mot à vérifier : collez une phrase attribuée au dossier.",
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
    n: int | None,
    turn: int,
    passage: Passage,
    cites: list[Citation],
    doc: str,
    labels: dict,
    open_: bool,
    struck: tuple[tuple[int, int], ...] = (),
    ref: str | None = None,
) -> str:
    """One source in context; ``struck`` spans (a check's changed dossier words) are struck out inside
    the highlight; ``ref`` names a block without a number (a check's closest reading) for the page's script."""
    page = cites[0].page if cites else passage.page
    marker = f"[{n}] " if n is not None else ""
    start = max(0, passage.start - CONTEXT_CHARS)
    end = min(len(doc), passage.end + CONTEXT_CHARS)
    before, after = doc[start : passage.start], doc[passage.end : end]
    if start > 0:
        before = "…" + before.split(" ", 1)[-1] if " " in before else "…" + before
    if end < len(doc):
        after = after.rsplit(" ", 1)[0] + "…" if " " in after else after + "…"
    number = f' data-n="{n}"' if n is not None else (f' data-n="{esc(ref)}"' if ref else "")
    return (
        f'<details class="source"{" open" if open_ else ""}{number} data-passage="{esc(passage.passage_id)}">'
        f"<summary>{esc(marker + _where(passage, page, labels))}</summary>"
        f'<div class="context"><span class="around">{_para(before)}</span>{_highlight(doc, passage, cites, struck)}'
        f'<span class="around">{_para(after)}</span></div>'
        f'<div class="pid">{esc(labels["passage"])} {esc(short_id(passage.passage_id))}</div>'
        "</details>"
    )


def _highlight(
    doc: str, passage: Passage, cites: list[Citation], struck: tuple[tuple[int, int], ...] = ()
) -> str:
    out, pos = [], passage.start
    for c in sorted(cites, key=lambda c: c.start):
        if c.start < pos or c.end > passage.end:
            continue  # not inside this passage (or overlapping one already marked): context only
        out.append(_para(doc[pos : c.start]))
        out.append(f"<mark>{_struck_html(doc, c.start, c.end, struck)}</mark>")
        pos = c.end
    out.append(_para(doc[pos : passage.end]))
    return '<span class="passage">' + "".join(out) + "</span>"


def _struck_html(doc: str, start: int, end: int, struck: tuple[tuple[int, int], ...]) -> str:
    out, pos = [], start
    for a, b in struck:
        if start <= a < b <= end and a >= pos:
            out.append(_para(doc[pos:a]))
            out.append(f"<del>{_para(doc[a:b])}</del>")
            pos = b
    out.append(_para(doc[pos:end]))
    return "".join(out)


def _para(value: str) -> str:
    return esc(value).replace("\n", "<br>")


# ------------------------------------------------------------------ check a quote

# The words of a check in the chat, per language of the checked text (French for any other).
CHECK_LABELS = {
    "fr": {
        "checked": "Citation à vérifier",
        "check_n": "Vérification",
        "verdicts": {
            "verbatim": ("Mot pour mot", "ce sont les mots du dossier."),
            "altered": ("Modifiée", "le dossier dit autre chose."),
            "paraphrase": (
                "Paraphrase",
                "ce ne sont pas les mots du dossier ; rien n’est cité comme sa source.",
            ),
            "absent": ("Absente", "ce n’est pas dans le dossier."),
        },
        "kinds": {"number": "nombre", "date": "date", "name": "nom", "word": "mot"},
        "says": "le dossier dit « {dossier} », pas « {input} »",
        "adds": "la citation ajoute « {input} »",
        "drops": "la citation retire « {dossier} »",
        "more": "et {n} autre(s) changement(s), marqués ci-dessous",
        "dossier_words": "mots du dossier",
        "claim_words": "mots de la citation",
        "legend": "Barré : les mots du dossier que la citation change ou retire ; souligné : ceux de la citation.",
        "in_dossier": "Le dossier",
        "diff": "Différences",
        "closest_sentences": "Phrases du dossier les plus proches, à lire (pas une source)",
        "closest_passages": "Passages les plus proches, à lire",
        "sources": "Sources de la vérification",
        "reading": "À lire",
        "cut": "Texte coupé",
        "colon": " : ",
    },
    "en": {
        "checked": "Quote to check",
        "check_n": "Check",
        "verdicts": {
            "verbatim": ("Verbatim", "these are the dossier’s words."),
            "altered": ("Altered", "the dossier says something else."),
            "paraphrase": ("Paraphrase", "not the dossier’s words; nothing is quoted as its source."),
            "absent": ("Absent", "this is not in the dossier."),
        },
        "kinds": {"number": "number", "date": "date", "name": "name", "word": "word"},
        "says": "the dossier says “{dossier}”, not “{input}”",
        "adds": "the quote adds “{input}”",
        "drops": "the quote drops “{dossier}”",
        "more": "and {n} more change(s), marked below",
        "dossier_words": "dossier’s words",
        "claim_words": "quote’s words",
        "legend": "Struck out: the dossier’s words the quote changes or drops; underlined: the quote’s own.",
        "in_dossier": "The dossier",
        "diff": "Differences",
        "closest_sentences": "Closest sentences of the dossier, as reading (not a source)",
        "closest_passages": "Closest passages, as reading",
        "sources": "Sources of the check",
        "reading": "Reading",
        "cut": "Text cut",
        "colon": ": ",
    },
}


def check_labels(language: str) -> dict:
    return CHECK_LABELS.get(language, CHECK_LABELS["fr"])


def make_check_turn(
    result: CheckResult, index: int, document_text: dict[str, str], passages: dict[str, Passage]
) -> Turn:
    """Render one checked text: a verdict per sentence, the word diff, the changes in words, and the
    sources (or the closest reading) in the panel. ``passages`` maps passage ids to passages."""
    lang = language(result.input)
    labels, words = labels_for(lang), check_labels(lang)
    numbers: dict[tuple[str, int, int], int] = {}  # one [n] per distinct source slice
    for claim in result.claims:
        if claim.source is not None:
            s = claim.source
            numbers.setdefault((s.passage_id, s.start, s.end), len(numbers) + 1)

    def citation(s: Source, n: int) -> Citation:
        return Citation(n, passages.get(s.passage_id) or _passage_of(s), s.quote, s.start, s.end, s.page)

    out: list[str] = []
    if result.notice:
        out.append(f'<p class="note">{esc(words["cut"])} : {esc(result.notice)}</p>')
    out.append('<ol class="claims">')
    blocks: list[str] = []
    cited: list[Citation] = []
    for k, claim in enumerate(result.claims):
        item = [f'<li class="claim {claim.verdict}" data-verdict="{claim.verdict}">']
        if len(result.claims) > 1:
            item.append(f'<p class="claim-text">« {_para(claim.text)} »</p>')
        name, meaning = words["verdicts"][claim.verdict]
        item.append(f'<p class="verdict"><strong class="badge">{esc(name)}</strong> — {esc(meaning)}</p>')
        s = claim.source
        if s is not None:
            n = numbers[(s.passage_id, s.start, s.end)]
            c = citation(s, n)
            if all(x.n != n for x in cited):
                cited.append(c)
                struck = _struck(claim) if claim.verdict == "altered" else ()
                blocks.append(
                    _source_block(
                        n, index, c.passage, [c], document_text[s.document], labels, not blocks, struck
                    )
                )
            if claim.verdict == "altered":
                item.append(_changes_html(claim, words))
                item.append(
                    f'<p class="quote diff">« {_diff_html(claim, words)} » {_marker(c, index, k, labels)}</p>'
                )
                item.append(f'<p class="legend">{esc(words["legend"])}</p>')
            else:
                item.append(
                    f'<p class="quote">« {_para(cut_marks(s.quote, s.quote))} » {_marker(c, index, k, labels)}</p>'
                )
        elif claim.related:
            title = words["closest_sentences" if claim.verdict == "paraphrase" else "closest_passages"]
            item.append(f'<p class="related-title">{esc(title)} :</p><ul class="where related">')
            for j, r in enumerate(claim.related):
                ref = f"r{k}-{j}"
                passage = passages.get(r.passage_id) or _passage_of(r)
                whole = r.start == passage.start and r.end == passage.end
                cites = [] if whole else [Citation(0, passage, r.quote, r.start, r.end, r.page)]
                blocks.append(
                    _source_block(
                        None, index, passage, cites, document_text[r.document], labels, False, ref=ref
                    )
                )
                item.append(
                    f"<li>« {esc(shorten(display_quote(r.quote), 200))} » — "
                    f'<button type="button" class="cite-link" data-turn="{index}" data-n="{ref}">'
                    f"{esc(_where(passage, r.page, labels))}</button></li>"
                )
            item.append("</ul>")
        item.append("</li>")
        out += item
    out.append("</ol>")
    if cited:
        out.append('<ul class="where">')
        out += [
            f'<li><button type="button" class="cite-link" data-turn="{index}" data-n="{c.n}">[{c.n}]</button> '
            f"{esc(_where(c.passage, c.page, labels))}</li>"
            for c in cited
        ]
        out.append("</ul>")
    out.append(
        f'<div class="tools"><button type="button" class="copy-md" data-turn="{index}">{esc(PAGE["copy"])}</button></div>'
    )
    markdown = check_markdown(result, cited, passages, lang)
    verdicts = {c.verdict for c in result.claims}
    kind = "altered" if "altered" in verdicts else ("verbatim" if verdicts == {"verbatim"} else "unsourced")
    chat = (
        f'<div class="turn check-turn" data-turn="{index}" data-markdown="{esc(markdown)}">'
        f'<div class="message user" role="article" aria-label="{esc(words["checked"])}">{_para(result.input)}</div>'
        f'<div class="message bot check {kind}" role="article" aria-label="{esc(words["check_n"])} {index + 1}">'
        + "".join(out)
        + "</div></div>"
    )
    title = words["sources"] if cited else words["reading"]
    heading = f"{title} — {words['check_n'].lower()} {index + 1} : {shorten(result.input, 60)}"
    panel = (
        f'<section class="turn-sources" data-turn="{index}" hidden="">'
        f"<h3>{esc(heading)}</h3>{''.join(blocks)}</section>"
    )
    return Turn(index, result.input, lang, chat, panel, markdown)


def _passage_of(s: Source) -> Passage:
    """A stand-in passage over the slice itself, for a source whose passage the view wasn't given."""
    return Passage(s.passage_id, s.document, s.document, s.page, s.section, s.start, s.end, s.quote, ())


def _told(change: Change, words: dict) -> str:
    if not change.dossier:
        return words["adds"].format(input=change.input)
    if not change.input:
        return words["drops"].format(dossier=change.dossier)
    return words["says"].format(dossier=change.dossier, input=change.input)


def _changes_html(claim: Claim, words: dict) -> str:
    """Every changed number, date and name in words first (what a reader must not miss), then words."""
    ordered = sorted(claim.changed, key=lambda c: c.kind == "word")
    items = [
        f'<li data-kind="{esc(c.kind)}"><span class="kind">{esc(words["kinds"].get(c.kind, c.kind))}</span> '
        f"{esc(_told(c, words))}</li>"
        for c in ordered[:MAX_TOLD]
    ]
    if len(ordered) > MAX_TOLD:
        items.append(f"<li>{esc(words['more'].format(n=len(ordered) - MAX_TOLD))}</li>")
    return '<ul class="changes">' + "".join(items) + "</ul>"


def _flat(text: str) -> str:
    """A piece of a quote on one line, its line breaks shown as " / " (as the CLI shows them)."""
    return re.sub(r"[ \t]*\n\s*", " / ", text)


def _diff_html(claim: Claim, words: dict) -> str:
    """The dossier's quote with the claim's changes: <del> the dossier's words changed or dropped,
    <ins> the claim's words, spaced by ``check_render.join_marks`` like the CLI's marks."""
    # What each mark is, for screen readers (chat.css reads it out of sight, and innerText stays the quote's).
    dossier = f' data-label="{esc(words["dossier_words"] + words["colon"])}"'
    claim_words = f' data-label="{esc(words["claim_words"] + words["colon"])}"'
    text = join_marks(
        claim.diff,
        lambda t: esc(_flat(t)),
        lambda t: f"<del{dossier}>{esc(_flat(t))}</del>",
        lambda t: f"<ins{claim_words}>{esc(_flat(t))}</ins>",
        lambda tail: tail.replace("\n", " "),
    )
    quote = claim.source.quote if claim.source else ""
    return cut_marks(text.strip(), quote)


def _struck(claim: Claim) -> tuple[tuple[int, int], ...]:
    """Offsets in the document of the dossier's words the claim changed or dropped (the diff's
    "delete" pieces; "equal" and "delete" pieces together are the source's quote)."""
    s = claim.source
    if s is None or "".join(t for op, t in claim.diff if op != "insert") != s.quote:
        return ()
    spans, pos = [], s.start
    for op, text in claim.diff:
        if op == "insert":
            continue
        if op == "delete" and text.strip():
            body = text.strip()
            lead = len(text) - len(text.lstrip())
            spans.append((pos + lead, pos + lead + len(body)))
        pos += len(text)
    return tuple(spans)


def check_markdown(
    result: CheckResult, cited: list[Citation], passages: dict[str, Passage], lang: str
) -> str:
    """A check as Markdown for the copy button and the export: the text checked, each sentence's
    verdict, the dossier's quote verbatim with its [n], the changes, and the numbered sources."""
    labels, words = labels_for(lang), check_labels(lang)
    colon = " :" if lang != "en" else ":"
    lines = [f"**{words['checked']}{colon}** {result.input}", ""]
    if result.notice:
        lines += [f"*{words['cut']}{colon} {result.notice}*", ""]
    by_slice = {(c.passage.passage_id, c.start, c.end): c.n for c in cited}
    for k, claim in enumerate(result.claims, start=1):
        if len(result.claims) > 1:
            lines += [f"{k}. « {claim.text} »", ""]
        name, meaning = words["verdicts"][claim.verdict]
        lines += [f"**{name}** — {meaning}", ""]
        s = claim.source
        if s is not None:
            n = by_slice[(s.passage_id, s.start, s.end)]
            if claim.verdict == "altered":
                ordered = sorted(claim.changed, key=lambda c: c.kind == "word")
                lines += [f"- {words['kinds'].get(c.kind, c.kind)}{colon} {_told(c, words)}" for c in ordered]
                lines += ["", f"{words['diff']}{colon} « {marked(claim)} »", ""]
            lines += [f"{words['in_dossier']}{colon} « {s.quote} » [{n}]", ""]
        elif claim.related:
            title = words["closest_sentences" if claim.verdict == "paraphrase" else "closest_passages"]
            lines += [f"{title}{colon}", ""]
            for r in claim.related:
                passage = passages.get(r.passage_id) or _passage_of(r)
                lines.append(f"- « {r.quote} » — {source_line(passage, r.page, lang)}")
            lines.append("")
    if cited:
        lines += [f"{labels['sources']}{colon}", ""]
        lines += [f"- {source_markdown(c, lang)}" for c in cited]
    return "\n".join(lines).rstrip("\n") + "\n"
