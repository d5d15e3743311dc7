"""The chat's view and the Markdown export on hand-built answers: no model, no index, well under a second."""

from __future__ import annotations

from html.parser import HTMLParser

from retrieval.chat_view import PAGE, conversation_html, make_check_turn, make_turn, panel_html
from retrieval.check import Change, CheckResult, Claim, Source
from retrieval.records import Answer, Citation, Hit, Passage
from retrieval.render import to_markdown

DOC = (
    "Intro.\n\n"
    'Le budget <b>"IA & co"</b> est de 12 M€.\nLigne suivante du tableau.\n\n'
    "Le tram ouvrira en 2027. Il reliera la gare au port."
)


def _passage(pid: str, start: int, end: int, section: str | None, page: int | None = 3) -> Passage:
    return Passage(pid, "notes.txt", "Notes de test", page, section, start, end, DOC[start:end], ())


BUDGET = DOC.index("Le budget")
TRAM = DOC.index("Le tram")
P1 = _passage("notes#p03-01", BUDGET, TRAM - 2, "Budget <script>x</script>")
P2 = _passage("notes#p03-02", TRAM, len(DOC), None, page=None)
Q1 = DOC[
    BUDGET : DOC.index("Ligne") + len("Ligne suivante du tableau.")
]  # a quote with the dossier's line break
Q2 = "Le tram ouvrira en 2027."
DOCS = {"notes.txt": DOC}


def _answer(
    confidence: str = "high", question: str = "Quel <i>budget</i> & quand ?", language: str = "fr"
) -> Answer:
    cites = [
        Citation(1, P1, Q1, BUDGET, BUDGET + len(Q1), 3),
        Citation(2, P2, Q2, TRAM, TRAM + len(Q2), None),
        Citation(1, P1, Q1, BUDGET, BUDGET + len(Q1), 3),
    ]
    hits = [Hit(P1, 1, 0.9), Hit(P2, 2, 0.5)]
    return Answer(question, "…", False, cites, hits, 1.5, language, confidence=confidence, asked=question)


def _abstention() -> Answer:
    hits = [Hit(P1, 1, 0.2), Hit(P2, 2, 0.1)]
    return Answer(
        "Qui a gagné ?",
        "Le dossier ne répond pas à cette question.",
        True,
        [],
        hits,
        0.1,
        "fr",
        confidence="none",
    )


class _Elements(HTMLParser):
    """Every start tag with its attributes, as the browser decodes them."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data):
        self.text.append(data)

    def find(self, tag: str, cls: str | None = None) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag and (cls is None or cls in a.get("class", "").split())]


def test_markup_from_the_question_and_the_dossier_stays_text():
    turn = make_turn(_answer(), 0, DOCS)
    page = _Elements(turn.chat_html + turn.panel_html)
    assert not page.find("b") and not page.find("i") and not page.find("script")
    text = "".join(page.text)
    assert "Quel <i>budget</i> & quand ?" in text and '<b>"IA & co"</b>' in text


def test_the_copied_markdown_and_the_labels_are_decoded_back_to_the_exact_text():
    answer = _answer()
    turn = make_turn(answer, 0, DOCS)
    (attrs,) = _Elements(turn.chat_html).find("div", "turn")
    assert attrs["data-markdown"] == to_markdown(answer)
    assert Q1 in attrs["data-markdown"]  # verbatim, line break and markup included
    for _, a in _Elements(turn.chat_html).tags:
        assert "&#" not in a.get("aria-label", "") and "&amp;" not in a.get("aria-label", "")


def test_markdown_has_each_quote_in_its_own_paragraph_and_numbered_sources_in_order_of_first_use():
    md = to_markdown(_answer())
    assert md.startswith("**Question :** Quel <i>budget</i> & quand ?\n")
    assert f"\n« {Q1} » [1]\n\n« {Q2} » [2]\n\n« {Q1} » [1]\n" in md
    sources = [line for line in md.splitlines() if line.startswith("- [")]
    assert sources == [
        "- [1] Notes de test (notes.txt), p. 3, section « Budget <script>x</script> », passage notes#p03-01",
        "- [2] Notes de test (notes.txt), passage notes#p03-02",
    ]


def test_a_low_confidence_answer_is_shown_as_the_closest_the_dossier_comes_never_as_an_answer():
    low = make_turn(_answer("low"), 0, DOCS)
    high = make_turn(_answer("high"), 1, DOCS)
    (message,) = _Elements(low.chat_html).find("div", "bot")
    assert "closest" in message["class"].split() and "answer" not in message["class"].split()
    assert message["aria-label"].startswith("Ce qui s’en approche le plus")
    assert "Le dossier ne le dit pas exactement" in "".join(_Elements(low.chat_html).text)
    assert "Ce qui s’en approche le plus —" in "".join(_Elements(low.panel_html).text)
    assert "Le dossier ne le dit pas exactement" in low.markdown
    assert Q2 in low.markdown  # still quoted, with its citation
    (plain,) = _Elements(high.chat_html).find("div", "bot")
    assert "answer" in plain["class"].split()
    assert (
        "ne le dit pas exactement" not in high.markdown and "ne le dit pas exactement" not in high.chat_html
    )
    english = make_turn(_answer("low", "What budget?", "en"), 2, DOCS)
    assert "The dossier does not say this exactly" in english.chat_html


def test_each_answer_keeps_its_own_sources_and_only_the_latest_shows():
    turns = [make_turn(_answer(), 0, DOCS), make_turn(_abstention(), 1, DOCS)]
    panel = _Elements(panel_html(turns))
    sections = panel.find("section", "turn-sources")
    assert [s["data-turn"] for s in sections] == ["0", "1"]
    assert "hidden" in sections[0] and "hidden" not in sections[1]
    cites = _Elements(turns[0].chat_html).find("button", "cite")
    assert [(c["data-turn"], c["data-n"]) for c in cites] == [("0", "1"), ("0", "2"), ("0", "1")]
    # every [n] has a source block of its answer, with its quote highlighted
    first = _Elements(turns[0].panel_html)
    assert [d["data-n"] for d in first.find("details", "source")] == ["1", "2"]
    assert "<mark>Le budget" in turns[0].panel_html
    # an abstention lists the closest passages, without numbers
    assert not _Elements(turns[1].panel_html).find("details", "source")[0].get("data-n")


def test_a_notice_is_a_sentence_not_a_message():
    html_ = conversation_html([], PAGE["empty_question"])
    page = _Elements(html_)
    assert not page.find("div", "message")
    assert PAGE["empty_question"] in "".join(page.text)
    assert "Posez une question" in conversation_html([])


# ------------------------------------------------------------------ check a quote

BUDGET_SENTENCE = DOC[BUDGET : DOC.index("M€.") + 3]  # 'Le budget <b>"IA & co"</b> est de 12 M€.'
TWELVE = DOC.index("12 M€")


def _source(passage: Passage, start: int, end: int) -> Source:
    return Source(
        passage.passage_id, passage.document, passage.page, passage.section, DOC[start:end], start, end
    )


def _altered() -> Claim:
    """'Le budget <b>"IA & co"</b> est de 15 M€.' against the dossier's 12 M€."""
    source = _source(P1, BUDGET, BUDGET + len(BUDGET_SENTENCE))
    diff = (
        ("equal", DOC[BUDGET:TWELVE]),
        ("delete", "12 "),
        ("insert", "15"),
        ("equal", DOC[TWELVE + 3 : BUDGET + len(BUDGET_SENTENCE)]),
    )
    return Claim(
        'Le budget <b>"IA & co"</b> est de 15 M€.',
        "altered",
        source,
        diff,
        (Change("number", "15 M€", "12 M€"),),
        similarity=0.9,
    )


def _check_result() -> CheckResult:
    verbatim = Claim(Q2, "verbatim", _source(P2, TRAM, TRAM + len(Q2)), (("equal", Q2),), similarity=1.0)
    absent = Claim(
        "Le maire <script>alert(1)</script> démissionne.",
        "absent",
        related=(_source(P2, P2.start, P2.end), _source(P1, BUDGET, BUDGET + len(BUDGET_SENTENCE))),
    )
    text = f"{_altered().text} {Q2} {absent.text}"
    return CheckResult(text, (_altered(), verbatim, absent), {"total": 1.0})


def test_a_check_gives_each_sentence_its_verdict_the_diff_marked_and_the_change_in_words():
    turn = make_check_turn(_check_result(), 3, DOCS, {P1.passage_id: P1, P2.passage_id: P2})
    page = _Elements(turn.chat_html)
    assert [c["data-verdict"] for c in page.find("li", "claim")] == ["altered", "verbatim", "absent"]
    text = "".join(page.text)
    assert "Modifiée" in text and "Mot pour mot" in text and "Absente" in text
    assert "le dossier dit « 12 M€ », pas « 15 M€ »" in text and "nombre" in text
    # the dossier's word struck out, the claim's underlined, everything else escaped text
    assert (
        '<del data-label="mots du dossier : ">12</del><ins data-label="mots de la citation : ">15</ins> M€.'
        in (turn.chat_html)
    )
    assert not page.find("b") and not page.find("script")
    assert '<b>"IA & co"</b>' in text and "<script>alert(1)</script>" in text
    # the two sourced sentences have a [n] that opens their source; the absent one only reading
    cites = page.find("button", "cite")
    assert [(c["data-turn"], c["data-n"]) for c in cites] == [("3", "1"), ("3", "2")]
    links = [a["data-n"] for a in page.find("button", "cite-link")]
    assert links[:2] == ["r2-0", "r2-1"] and links[2:] == ["1", "2"]
    panel = _Elements(turn.panel_html)
    assert [d["data-n"] for d in panel.find("details", "source")] == ["1", "2", "r2-0", "r2-1"]
    # in the panel the changed dossier word is struck out inside its highlighted sentence
    assert "<del>12</del> M€.</mark>" in turn.panel_html
    assert not panel.find("b") and not panel.find("script")


def test_a_checks_copied_markdown_quotes_the_dossier_verbatim_with_its_sources():
    result = _check_result()
    turn = make_check_turn(result, 0, DOCS, {P1.passage_id: P1, P2.passage_id: P2})
    (attrs,) = _Elements(turn.chat_html).find("div", "turn")
    md = attrs["data-markdown"]
    assert md == turn.markdown and md.startswith(f"**Citation à vérifier :** {result.input}\n")
    assert f"Le dossier : « {BUDGET_SENTENCE} » [1]" in md  # verbatim, markup included, not escaped
    assert f"Le dossier : « {Q2} » [2]" in md
    assert "- nombre : le dossier dit « 12 M€ », pas « 15 M€ »" in md
    assert "[-12-]{+15+} M€" in md
    assert "- [1] Notes de test (notes.txt), p. 3" in md and "- [2] Notes de test (notes.txt), passage" in md
    assert "&#" not in md and "&amp;" not in md and "&lt;" not in md


def test_a_check_in_english_is_labelled_in_english_and_a_lone_absent_claim_has_no_source():
    claim = Claim("The mayor will resign next week.", "absent", related=(_source(P2, P2.start, P2.end),))
    turn = make_check_turn(CheckResult(claim.text, (claim,)), 0, DOCS, {P2.passage_id: P2})
    page = _Elements(turn.chat_html)
    assert "Absent" in "".join(page.text) and "Closest passages" in "".join(page.text)
    assert not page.find("button", "cite") and "Sources" not in turn.markdown
    assert "Reading" in turn.panel_html
