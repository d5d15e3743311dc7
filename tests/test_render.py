"""retrieval.render: the `ask --json` contract, the CLI's text and the Markdown export, on hand-built
answers (records built by hand, no model, no index)."""

from __future__ import annotations

from dataclasses import replace

from retrieval.config import RELATED
from retrieval.records import Answer, Citation, Hit
from retrieval.render import (
    citation_json,
    cited_sources,
    display_quote,
    hits_text,
    labels_for,
    short_id,
    shorten,
    to_json,
    to_markdown,
    to_text,
)

from .factories import laid_out

PASSAGE, DOCUMENT = laid_out(
    ["Le budget est de 12 M€.", "Cellule A", "Cellule B", "Le tram ouvrira en 2027."]
)
TEXT = DOCUMENT.text
Q_BUDGET = "Le budget est de 12 M€."
Q_CELLS = "Cellule A\nCellule B"  # a quote keeping the dossier's line break
OTHER = replace(PASSAGE, passage_id="notes#p02-01", page=2, section=None)


def _cite(n, passage, quote, page=1):
    start = TEXT.index(quote)
    return Citation(n, passage, quote, start, start + len(quote), page)


def answer(language="fr", confidence="high") -> Answer:
    cites = [_cite(1, PASSAGE, Q_BUDGET), _cite(2, OTHER, Q_CELLS, page=2), _cite(1, PASSAGE, Q_CELLS)]
    hits = [Hit(PASSAGE, 1, 0.91234567, dense_rank=2, lexical_rank=1), Hit(OTHER, 2, 0.5, dense_rank=1)]
    text = " ".join(f"« {c.quote} » [{c.n}]" for c in cites)
    return Answer(
        "Quel budget ?",
        text,
        False,
        cites,
        hits,
        0.9,
        language,
        {"retrieval": 2, "total": 3.5},
        None,
        "",
        confidence,
    )


def abstention(language="fr") -> Answer:
    hits = [Hit(PASSAGE, r, 0.1, dense_rank=r) for r in range(1, RELATED + 3)]
    return Answer(
        "Qui a gagné ?",
        "Le dossier ne répond pas à cette question.",
        True,
        [],
        hits,
        0.1,
        language,
        confidence="none",
    )


def test_the_json_contract_has_every_documented_key_and_float_timings():
    out = to_json(answer())
    assert list(out) == [
        "question",
        "answer",
        "abstained",
        "confidence",
        "citations",
        "passages",
        "timings_ms",
    ]
    assert out["timings_ms"] == {"retrieval": 2.0, "answer": 0.0, "total": 3.5}
    assert all(isinstance(v, float) for v in out["timings_ms"].values())
    assert out["citations"][1] == {
        "n": 2,
        "passage_id": "notes#p02-01",
        "document": "notes.md",
        "page": 2,
        "section": None,
        "quote": Q_CELLS,
    }
    assert out["passages"][0]["score"] == 0.912346 and out["passages"][0]["rank"] == 1
    assert out["passages"][0]["text"] == TEXT


def test_citation_json_keys_are_in_the_documented_order():
    assert list(citation_json(answer().citations[0])) == [
        "n",
        "passage_id",
        "document",
        "page",
        "section",
        "quote",
    ]


def test_text_shows_line_breaks_as_slashes_and_each_source_once_in_order_of_first_use():
    lines = to_text(answer()).split("\n")
    assert (
        lines[0]
        == "« Le budget est de 12 M€. » [1] « Cellule A / Cellule B » [2] « Cellule A / Cellule B » [1]"
    )
    sources = [line for line in lines[2:] if line]
    assert [s[:3] for s in sources] == ["[1]", "[2]"]
    assert sources[0] == "[1] Notes, p. 1 — « Notes » (passage p01-01)"
    assert sources[1] == "[2] Notes, p. 2 (passage p02-01)"


def test_an_abstention_lists_the_related_passages_with_the_languages_colon():
    fr, en = to_text(abstention()), to_text(abstention("en"))
    assert "Passages les plus proches :" in fr and "Closest passages:" in en
    assert fr.count("  - Notes") == RELATED
    assert to_markdown(abstention()).count("\n- Notes") == RELATED


def test_markdown_keeps_every_quote_verbatim_and_lists_each_source_once():
    md = to_markdown(answer())
    assert md.startswith("**Question :** Quel budget ?\n")
    for c in answer().citations:
        assert f"« {c.quote} » [{c.n}]" in md  # the line break of the quote included
    assert md.count("- [1] ") == 1 and md.count("- [2] ") == 1
    assert "page 1" not in md and "p. 1, section « Notes », passage notes#p01-01" in md
    assert to_markdown(answer("en")).startswith("**Question:** ")


def test_a_low_confidence_answer_is_introduced_as_the_closest():
    md = to_markdown(answer(confidence="low"))
    assert labels_for("fr")["closest"] in md
    assert labels_for("fr")["closest"] not in to_markdown(answer())
    # the CLI says it too, in the answer's language, before the quotes
    assert to_text(answer(confidence="low")).startswith(f"{labels_for('fr')['closest']} « Le budget")
    assert to_text(answer("en", confidence="low")).startswith("The dossier does not say this exactly")
    assert not to_text(answer()).startswith(labels_for("fr")["closest"])


def test_hits_text_gives_each_retrievers_rank():
    out = hits_text(answer().hits)
    assert " 1. Notes, p. 1 — « Notes » (passage p01-01)  [0.9123; dense #2, bm25 #1]" in out
    assert "[0.5000; dense #1]" in out


def test_small_helpers():
    assert short_id("france2030-ia#p07-03") == "p07-03"
    assert display_quote("a\n\n b \nc") == "a / b / c"
    assert shorten("un  deux\ntrois", 80) == "un deux trois"
    assert shorten("un deux trois quatre", 12) == "un deux…"
    assert labels_for("de") == labels_for("fr") != labels_for("en")
    assert [c.n for c in cited_sources(answer().citations)] == [1, 2]
