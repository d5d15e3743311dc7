"""The chat, for real: the app in its own process on a loopback port, asked through
gradio_client and through Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os

import pytest

from .conftest import DOSSIER, ROOT, ask_in_page

pytestmark = pytest.mark.slow  # the real app in its own process, over the real index

# The dossier's sentence about the IA-clusters, as the cleaned text has it.
CLUSTERS_SENTENCE = (
    "Pour faire de la France un leader mondial en IA, les neuf lauréats de l’AMI IA-clusters "
    "bénéficieront de 360 M€ de financement de France 2030 sur cinq années."
)


def test_an_answerable_question_returns_verbatim_quotes_with_pages(client):
    dossier = DOSSIER.read_text(encoding="utf-8")
    result = client.predict("Combien d'argent reçoivent les IA clusters ?", api_name="/ask")
    assert result["abstained"] is False and "360 M€" in result["answer"]
    assert result["citations"]
    from retrieval.corpus import load_document

    clean = load_document(DOSSIER).text
    for c in result["citations"]:
        assert c["quote"] in clean and isinstance(c["page"], int)
    assert any(c["quote"].split()[0] in dossier for c in result["citations"])
    assert list(result) == [
        "question",
        "answer",
        "abstained",
        "confidence",
        "citations",
        "passages",
        "timings_ms",
    ]
    assert len(result["passages"]) == 10
    # sources numbered 1, 2, 3… in order of first use, only those cited
    first_use = list(dict.fromkeys(c["n"] for c in result["citations"]))
    assert first_use == list(range(1, len(first_use) + 1))


def test_an_unanswerable_question_abstains(client):
    result = client.predict("Qui a gagné la Coupe du monde 2018 ?", api_name="/ask")
    assert result["abstained"] is True and result["citations"] == []
    assert result["answer"] == "Le dossier ne répond pas à cette question."


def test_a_follow_up_resolves_with_the_history_and_not_without(client):
    first = "Qui coordonne le programme et équipement de recherche en IA ?"
    without = client.predict("Quand a-t-il été lancé ?", api_name="/ask")
    with_history = client.predict(
        "Quand a-t-il été lancé ?", [{"role": "user", "content": first}], api_name="/ask"
    )
    assert "25 mars 2024" in with_history["answer"]
    assert without["abstained"] or "25 mars 2024" not in without["answer"]


def test_an_empty_question_gets_a_clear_error(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="empty"):
        client.predict("   ", api_name="/ask")
    # and the server still answers the next question
    assert (
        "54 Mds€"
        in client.predict("Combien de milliards sont investis dans France 2030 ?", api_name="/ask")["answer"]
    )


@pytest.mark.parametrize("history", [5, "Qui pilote France 2030 ?", {"role": "user"}])
def test_a_history_that_is_not_a_list_gets_a_clear_error(client, history):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="history must be a list"):
        client.predict("Et pour Toulouse ?", history, api_name="/ask")


def test_refused_questions_leave_one_line_not_a_traceback_in_the_log(client, server):
    from gradio_client.exceptions import AppError

    for question, history in (("", None), ("?!", None), ("Et pour Toulouse ?", 5)):
        with pytest.raises(AppError):
            client.predict(question, history, api_name="/ask")
    assert "Traceback" not in server.output()


def test_only_the_documented_ask_and_check_endpoints_are_public(client):
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert list(endpoints) == ["/ask", "/check"]


# ------------------------------------------------------------------ check a quote

ALTERED = "Les neuf lauréats de l'AMI IA-clusters bénéficieront de 400 M€ de financement."
CHECK_KEYS = ["input", "claims", "timings_ms"]
CLAIM_KEYS = ["text", "verdict", "source", "diff", "changed", "related"]


@pytest.mark.slow
def test_check_calls_out_an_altered_number_with_the_dossiers_exact_words(client, assistant):
    from retrieval.check_render import check_json

    result = client.predict(ALTERED, api_name="/check")
    assert list(result) == CHECK_KEYS
    (claim,) = result["claims"]
    assert list(claim) == CLAIM_KEYS and claim["verdict"] == "altered"
    assert {"kind": "number", "input": "400 M€", "dossier": "360 M€"} in claim["changed"]
    assert ["delete", "360 "] in claim["diff"] and ["insert", "400"] in claim["diff"]
    source = claim["source"]
    text = next(d.text for d in assistant.index.documents if d.name == source["document"])
    assert text[source["start"] : source["end"]] == source["quote"]  # verbatim, at its offsets
    assert "".join(t for op, t in claim["diff"] if op != "insert") == source["quote"]
    assert source["page"] == 7 and source["passage_id"].endswith("#p07-03")
    # the same object as `retrieval check --json`, timings aside
    expected = check_json(assistant.check(ALTERED))
    assert {**result, "timings_ms": None} == {**expected, "timings_ms": None}


@pytest.mark.slow
def test_check_finds_a_verbatim_sentence_and_keeps_a_fabricated_one_without_a_source(client):
    verbatim = client.predict(f"« {CLUSTERS_SENTENCE} »", api_name="/check")
    (claim,) = verbatim["claims"]
    assert claim["verdict"] == "verbatim" and claim["source"]["quote"] == CLUSTERS_SENTENCE
    assert claim["changed"] == [] and claim["diff"] == [["equal", CLUSTERS_SENTENCE]]
    made_up = client.predict("Le supercalculateur Jean Zay sera vendu à la Chine en 2026.", api_name="/check")
    (claim,) = made_up["claims"]
    assert claim["verdict"] in ("absent", "paraphrase") and claim["source"] is None
    assert claim["related"] and all(r["quote"] for r in claim["related"])


@pytest.mark.slow
@pytest.mark.parametrize(
    "text, message",
    [
        ("", "empty"),
        ("   ", "empty"),
        ("?! …", "no words"),
        (5, "must be a string"),
        (None, "must be a string"),
        (["Jean Zay"], "must be a string"),
    ],
)
def test_check_refuses_bad_input_with_a_clear_error(client, text, message):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match=message):
        client.predict(text, api_name="/check")


@pytest.mark.slow
def test_a_long_text_is_cut_with_a_notice_and_refused_checks_leave_no_traceback(client, server):
    from gradio_client.exceptions import AppError

    result = client.predict(ALTERED + " " + "Jean Zay calcule. " * 400, api_name="/check")
    assert "cut" in result["notice"] and len(result["input"]) <= 4000
    assert result["claims"][0]["verdict"] == "altered"
    for bad in ("", "?!", 5):
        with pytest.raises(AppError):
            client.predict(bad, api_name="/check")
    assert "Traceback" not in server.output()
    assert client.predict(ALTERED, api_name="/check")["claims"][0]["verdict"] == "altered"


# ------------------------------------------------------------------ browser


def test_the_page_answers_with_the_quote_and_its_highlighted_source(page):
    example = page.get_by_text("Combien d'argent reçoivent les IA clusters ?").filter(visible=True).first
    example.wait_for(state="visible", timeout=30_000)  # an example
    ask_in_page(page, "Combien d'argent reçoivent les IA clusters ?")
    page.wait_for_selector("#sources mark")
    chat = page.inner_text("#chatbot")
    assert "bénéficieront de 360 M€ de financement de France 2030 sur cinq années" in chat
    first = page.locator("#sources .turn-sources:not([hidden]) details.source").first
    assert "page 7" in first.locator("summary").inner_text()
    assert "360 M€" in first.locator("mark").first.inner_text()
    assert first.locator("mark").first.is_visible()
    # an answer of three quotes from three sources: each quote in its own item, each with its [n]
    ask_in_page(page, "Parmi les IA-clusters, lesquels touchent 70 M€ ?")
    page.wait_for_function("document.querySelector('#chatbot').innerText.includes('Hi! PARIS')")
    quotes = page.locator("#chatbot .turn").last.locator("li.quote")
    assert quotes.count() >= 2 and all("[" in quotes.nth(i).inner_text() for i in range(quotes.count()))
    # the other sources start closed; open one
    blocks = page.locator("#sources .turn-sources:not([hidden]) details.source")
    closed = [i for i in range(blocks.count()) if blocks.nth(i).get_attribute("open") is None]
    assert closed, "expected a second, closed source block"
    block = blocks.nth(closed[0])
    assert not block.locator(".context").is_visible()
    block.locator("summary").click()
    assert block.get_attribute("open") is not None
    assert block.locator(".context").is_visible()
    page.locator("#chatbot .turn").last.locator("button.cite").nth(1).hover()
    os.makedirs(ROOT / "docs", exist_ok=True)
    page.screenshot(path=str(ROOT / "docs" / "screenshot.png"))
    page.mouse.move(0, 0)


def test_markup_in_a_question_is_shown_as_text(page):
    question = "Quel budget <img src=x onerror=alert(1)> pour **Jean Zay** [lien](http://example.com) ?"
    ask_in_page(page, question)
    chat = page.locator("#chatbot")
    assert question in chat.inner_text()
    assert chat.locator("img[src='x']").count() == 0
    assert chat.locator("a[href='http://example.com']").count() == 0
    assert chat.locator("strong", has_text="Jean Zay").count() == 0
    assert page.dialogs == []  # type: ignore[attr-defined]


def test_new_conversation_clears_the_chat_and_the_sources(page):
    ask_in_page(page, "Qui pilote France 2030 ?")
    page.click("#new-conversation")
    page.wait_for_function("document.querySelectorAll('#chatbot .message').length === 0", timeout=30_000)
    assert page.locator("#sources mark").count() == 0
