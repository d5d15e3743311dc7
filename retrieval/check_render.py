"""Present a check: the `check --json` object and the text a person reads.

In the text, the dossier's words the claim changed or dropped are marked
``[-old-]`` and the claim's own words ``{+new+}`` (wdiff's marks), inside
the dossier's quote; quotes keep their words, line breaks shown as " / ".
"""

from __future__ import annotations

from collections.abc import Callable

from .check import Change, CheckResult, Claim, Source
from .render import display_quote, quote_json, short_id, shorten

MAX_TOLD = 4  # changes told in words on the verdict's line; the marked quote shows them all
HEADLINES = {
    "verbatim": "VERBATIM — the dossier's words",
    "altered": "ALTERED",
    "paraphrase": "PARAPHRASE — not the dossier's words; nothing is quoted as its source. Closest sentences:",
    "absent": "ABSENT — not in the dossier. Closest passages, as related reading:",
}


def source_json(s: Source) -> dict:
    return {
        **quote_json(s.passage_id, s.document, s.page, s.section, s.quote),
        "start": s.start,
        "end": s.end,
    }


def claim_json(c: Claim) -> dict:
    return {
        "text": c.text,
        "verdict": c.verdict,
        "source": source_json(c.source) if c.source else None,
        "diff": [[op, text] for op, text in c.diff],
        "changed": [{"kind": ch.kind, "input": ch.input, "dossier": ch.dossier} for ch in c.changed],
        "related": [source_json(r) for r in c.related],
    }


def check_json(result: CheckResult) -> dict:
    """The `check --json` object, as documented in the README; a text cut at its limit carries
    "notice" (for the API and MCP, which have no stderr to say the rest went unchecked)."""
    out = {
        "input": result.input,
        "claims": [claim_json(c) for c in result.claims],
        "timings_ms": {
            key: float(result.timings_ms.get(key, 0.0)) for key in ("retrieval", "align", "total")
        },
    }
    return {**out, "notice": result.notice} if result.notice else out


def where(s: Source) -> str:
    """p. 7, « Préserver et renforcer le rang… », passage p07-03"""
    parts = [f"p. {s.page}"] if s.page is not None else []
    if s.section:
        parts.append(f"« {shorten(s.section, 40)} »")
    parts.append(f"passage {short_id(s.passage_id)}")
    return ", ".join(parts)


def said(change: Change) -> str:
    """One change in words: what the dossier says against what the claim says."""
    if not change.dossier:
        return f"adds « {change.input} »"
    if not change.input:
        return f"drops « {change.dossier} »"
    return f"the dossier says {change.dossier}, not {change.input}"


def join_marks(
    diff: tuple[tuple[str, str], ...],
    plain: Callable[[str], str],
    struck: Callable[[str], str],
    added: Callable[[str], str],
    space: Callable[[str], str] = str,
) -> str:
    """The diff with one mark per change, for every surface (CLI marks, chat HTML): a struck run keeps
    its trailing space outside the mark, and an added run right after it moves that space behind
    itself, so "[-a-]{+b+} c" reads as one replaced word."""
    out: list[str] = []
    after_struck = False
    for op, text in diff:
        if op == "equal":
            out.append(plain(text))
        elif op == "delete":
            body = text.rstrip()
            out.append(struck(body) + space(text[len(body) :]))
        else:
            trail = ""
            if after_struck and out[-1].endswith(" "):
                out[-1], trail = out[-1].rstrip(), " "
            elif out and not out[-1].endswith(" "):
                out.append(" ")
            out.append(added(text) + (trail or " "))
        after_struck = op == "delete"
    return "".join(out)


def marked(claim: Claim) -> str:
    """The quote with [-dossier-]{+claim+} marks, on one line, with … where the quote is cut."""
    text = join_marks(claim.diff, str, lambda t: f"[-{t}-]", lambda t: f"{{+{t}+}}")
    return cut_marks(display_quote(text).strip(), claim.source.quote if claim.source else "")


def cut_marks(shown: str, quote: str) -> str:
    """ "…" where the quote starts or stops inside a dossier sentence (it opens in lowercase,
    or ends without a sentence's closing punctuation)."""
    quote = quote.strip()
    if quote[:1].islower():
        shown = "…" + shown
    if quote and quote[-1] not in ".!?…»):;":
        shown += "…"
    return shown


def claim_text(claim: Claim) -> str:
    """One claim's verdict, its changes, citation and marked quote."""
    s = claim.source
    if claim.verdict == "verbatim" and s:
        return f"{HEADLINES['verbatim']} ({where(s)}):\n  « {cut_marks(display_quote(s.quote), s.quote)} »"
    if claim.verdict == "altered" and s:
        # Numbers, dates and names first: they are what a reader must not miss.
        ordered = sorted(claim.changed, key=lambda c: c.kind == "word")
        told = "; ".join(said(c) for c in ordered[:MAX_TOLD])
        if len(ordered) > MAX_TOLD:
            told += f"; {len(ordered) - MAX_TOLD} more change(s) in the quote below"
        return f"ALTERED — {told} ({where(s)}):\n  « {marked(claim)} »"
    lines = [HEADLINES[claim.verdict]]
    for r in claim.related:
        lines.append(f"  - « {shorten(display_quote(r.quote), 200)} » ({where(r)})")
    return "\n".join(lines)


def check_text(result: CheckResult) -> str:
    """The whole check as the CLI prints it: one block per sentence, numbered when there are several."""
    if len(result.claims) == 1:
        return claim_text(result.claims[0])
    blocks = []
    for n, claim in enumerate(result.claims, start=1):
        blocks.append(f"[{n}] « {claim.text} »\n{claim_text(claim)}")
    return "\n\n".join(blocks)
