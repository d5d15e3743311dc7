"""The chat a fact-checker trusts, in Debian's Chromium against the real app: sources per answer,
[n] that open them, one clear behaviour, phone layout, copy and export with citations, keyboard,
screen reader announcements, dark mode contrast, and a French page's French messages."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from .conftest import ROOT, ask_in_page

CLUSTERS = "Combien d'argent reçoivent les IA clusters ?"
ALT_EDIC = "Où sera installé ALT-EDIC ?"
WCAG_AA = 4.5  # minimum contrast ratio for normal text


def _luminance(rgb: tuple[float, ...]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two CSS rgb()/rgba() colours."""
    la, lb = (_luminance(tuple(float(x) for x in re.findall(r"[\d.]+", c))) for c in (a, b))
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def test_contrast_formula_matches_known_ratios():
    assert contrast("rgb(0, 0, 0)", "rgb(255, 255, 255)") == pytest.approx(21.0)
    assert contrast("rgb(118, 118, 118)", "rgb(255, 255, 255)") == pytest.approx(4.54, abs=0.01)


def _visible_section(pg) -> str:
    return pg.evaluate(
        "[...document.querySelectorAll('#sources .turn-sources')].filter(s => !s.hidden).map(s => s.dataset.turn).join()"
    )


@pytest.mark.slow
def test_clicking_n_of_an_earlier_answer_opens_that_answers_source_highlighted(new_page, client):
    pg = new_page()
    ask_in_page(pg, CLUSTERS)
    ask_in_page(pg, ALT_EDIC)
    assert _visible_section(pg) == "1"  # the latest answer's sources show first
    first = client.predict(CLUSTERS, api_name="/ask")
    quote_1 = next(c["quote"] for c in first["citations"] if c["n"] == 1)
    pg.locator("#chatbot .turn").nth(0).locator("button.cite").first.click()
    assert _visible_section(pg) == "0"
    block = pg.locator("#sources .turn-sources[data-turn='0'] details[data-n='1']")
    assert block.get_attribute("open") is not None
    mark = block.locator("mark.current").first
    assert " ".join(quote_1.split()) in " ".join(mark.inner_text().split())
    pg.wait_for_timeout(300)  # the scroll into view
    box = mark.bounding_box()
    assert box and box["y"] >= 0 and box["y"] + box["height"] <= 900, box
    # and the second answer's [1] brings its own source back
    pg.locator("#chatbot .turn").nth(1).locator("button.cite").first.click()
    assert _visible_section(pg) == "1"
    assert (
        "Villers-Cotterêts"
        in pg.locator("#sources .turn-sources[data-turn='1'] mark.current").first.inner_text()
    )


@pytest.mark.slow
def test_hovering_or_focusing_n_shows_the_quote_and_its_citation(new_page):
    pg = new_page()
    ask_in_page(pg, CLUSTERS)
    cite = pg.locator("#chatbot button.cite").first
    tip = pg.locator("#" + cite.get_attribute("aria-describedby"))
    assert not tip.is_visible()
    cite.hover()
    assert tip.is_visible()
    assert "360 M€" in tip.inner_text() and "page 7" in tip.inner_text() and "p07-03" in tip.inner_text()
    pg.mouse.move(0, 0)
    cite.focus()  # keyboard users get it too
    assert tip.is_visible()


@pytest.mark.slow
def test_new_conversation_is_the_one_clear_and_forgets_the_previous_question(new_page):
    pg = new_page()
    ask_in_page(pg, "Combien reçoit le cluster MIAI de Grenoble ?")
    # the only control that clears: no chatbot trash icon beside it
    assert pg.locator("#chatbot button[aria-label*='lear' i], #chatbot button[title*='lear' i]").count() == 0
    pg.click("#new-conversation")
    pg.wait_for_function("document.querySelectorAll('#chatbot .message').length === 0", timeout=30_000)
    assert pg.locator("#sources mark").count() == 0 and pg.locator("#sources .turn-sources").count() == 0
    ask_in_page(pg, "Et pour Toulouse ?")
    assert "Recherché avec la question précédente" not in pg.inner_text("#chatbot")
    # whereas without the clear, the follow-up is searched with the previous question
    ask_in_page(pg, "Combien reçoit le cluster MIAI de Grenoble ?")
    ask_in_page(pg, "Et pour Toulouse ?")
    assert "Recherché avec la question précédente" in pg.locator("#chatbot .turn").last.inner_text()


@pytest.mark.slow
def test_on_a_phone_the_first_quote_of_a_new_answer_is_in_view(new_page):
    pg = new_page(width=390, height=844, is_mobile=True, has_touch=True)
    ask_in_page(pg, "Quelle est la puissance de calcul de Jean Zay après son extension ?")
    ask_in_page(pg, CLUSTERS)
    pg.wait_for_timeout(300)
    first = pg.locator("#chatbot .turn").last.locator(".quote").first
    box = first.bounding_box()
    assert box and box["y"] >= 0 and box["y"] + min(box["height"], 120) <= 844, box
    assert pg.evaluate("document.activeElement === document.querySelector('#question textarea')")
    os.makedirs(ROOT / "docs", exist_ok=True)
    pg.screenshot(path=str(ROOT / "docs" / "screenshot-phone.png"))
    # tapping a [n] opens its source, scrolled to the highlight
    pg.locator("#chatbot .turn").last.locator("button.cite").first.tap()
    pg.wait_for_timeout(300)
    mark = pg.locator("#sources .turn-sources[data-turn='1'] mark.current").first
    box = mark.bounding_box()
    assert box and 0 <= box["y"] <= 844, box


def _ask_json(settings, question: str) -> dict:
    env = {
        **os.environ,
        "RETRIEVAL_CORPUS": str(settings.corpus_dir),
        "RETRIEVAL_INDEX": str(settings.index_dir),
    }
    done = subprocess.run(
        [sys.executable, "-m", "retrieval", "ask", "--json", "--quiet", question],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout)


def _check_markdown_holds(md: str, result: dict) -> None:
    assert result["citations"]
    for c in result["citations"]:
        assert f"« {c['quote']} » [{c['n']}]" in md  # verbatim, with its marker
        line = next(x for x in md.splitlines() if x.startswith(f"- [{c['n']}] "))
        for part in (c["document"], f"p. {c['page']}", c["section"], c["passage_id"]):
            assert " ".join(str(part).split()) in line, (part, line)
    assert "&#" not in md and "&amp;" not in md


@pytest.mark.slow
def test_copy_and_export_hold_every_quote_and_citation_of_ask_json(new_page, settings, tmp_path):
    pg = new_page(permissions=["clipboard-read", "clipboard-write"])
    ask_in_page(pg, CLUSTERS)
    ask_in_page(pg, "Where will ALT-EDIC be based?")
    copied = []
    for i in range(2):
        pg.locator("#chatbot .turn").nth(i).locator("button.copy-md").click()
        pg.wait_for_function(f"document.querySelectorAll('#chatbot .copy-md')[{i}].textContent === 'Copié'")
        copied.append(pg.evaluate("navigator.clipboard.readText()"))
    _check_markdown_holds(copied[0], _ask_json(settings, CLUSTERS))
    _check_markdown_holds(copied[1], _ask_json(settings, "Where will ALT-EDIC be based?"))
    assert copied[0].startswith(f"**Question :** {CLUSTERS}")
    with pg.expect_download() as info:
        pg.click("#download")
    download = info.value
    assert download.suggested_filename == "conversation.md"
    path = tmp_path / "conversation.md"
    download.save_as(path)
    exported = path.read_text(encoding="utf-8")
    assert exported.startswith("# France 2030 et l’IA")
    assert copied[0] in exported and copied[1] in exported


@pytest.mark.slow
def test_an_empty_question_gets_a_french_sentence_and_no_empty_bubble(new_page):
    pg = new_page()
    pg.focus("#question textarea")
    pg.keyboard.press("Enter")
    notice = pg.locator("#chatbot .chat-notice")
    notice.wait_for(timeout=30_000)
    assert notice.inner_text().startswith("Écrivez d’abord une question")
    assert pg.locator("#chatbot .message").count() == 0
    assert pg.evaluate("document.documentElement.lang") == "fr"
    pg.fill("#question textarea", "?!…")
    pg.keyboard.press("Enter")
    pg.wait_for_function(
        "document.querySelector('#chatbot .chat-notice')?.textContent.startsWith('Cette question')"
    )
    assert pg.locator("#chatbot .message").count() == 0


@pytest.mark.slow
def test_keyboard_and_screen_reader(new_page):
    pg = new_page()
    ask_in_page(
        pg, "Parmi les IA-clusters, lesquels touchent 70 M€ ?"
    )  # typed, sent with Enter; three sources
    assert pg.evaluate("document.activeElement === document.querySelector('#question textarea')")
    live = pg.locator("#chat-announce")
    assert live.get_attribute("aria-live") == "polite"
    pg.wait_for_function("document.querySelector('#chat-announce').textContent.includes('70 M€')")
    # the [n] markers and the panel's blocks are reached with Tab and worked with Enter
    pg.locator("#chatbot button.cite").first.focus()
    pg.keyboard.press("Enter")
    assert pg.evaluate("document.activeElement.tagName") == "SUMMARY"
    summaries = pg.locator("#sources .turn-sources:not([hidden]) summary")
    closed = summaries.nth(1)
    closed.focus()
    pg.keyboard.press("Enter")
    assert pg.locator("#sources .turn-sources:not([hidden]) details").nth(1).get_attribute("open") is not None
    pg.keyboard.press("Shift+Tab")
    assert pg.evaluate("document.activeElement.closest('#sources') !== null")


EFFECTIVE_COLOURS = """e => { const color = getComputedStyle(e).color; let b = e;
    while (b && getComputedStyle(b).backgroundColor === 'rgba(0, 0, 0, 0)') b = b.parentElement;
    return [color, b ? getComputedStyle(b).backgroundColor : 'rgb(255, 255, 255)']; }"""
READ_TEXT = [
    "#sources mark",
    "#sources .around",
    "#sources summary",
    "#chatbot .message.bot",
    "#chatbot .message.user",
    "#chatbot ul.where",
    "#chatbot button.cite",
]


def _check_contrast(pg) -> None:
    for selector in READ_TEXT:
        fg, bg = pg.locator(selector).first.evaluate(EFFECTIVE_COLOURS)
        assert contrast(fg, bg) >= WCAG_AA, (selector, fg, bg)


@pytest.mark.slow
def test_dark_mode_is_readable_and_its_highlight_passes_wcag_aa(new_page):
    pg = new_page("?__theme=dark")
    ask_in_page(pg, CLUSTERS)
    assert pg.evaluate("document.querySelector('.dark') !== null")
    _check_contrast(pg)  # the highlight first, then the text around it, the messages and the source lines
    pg.screenshot(path=str(ROOT / "docs" / "screenshot-dark.png"))
    light = new_page()
    ask_in_page(light, CLUSTERS)
    _check_contrast(light)


@pytest.mark.slow
def test_the_page_uses_the_shipped_font_and_no_font_cdn(new_page):
    pg = new_page()
    requested: list[str] = []
    pg.on("request", lambda r: requested.append(r.url))
    pg.reload(wait_until="load")
    pg.wait_for_selector("#question textarea")
    pg.wait_for_function("document.fonts.check('700 16px \"DejaVu Sans\"')", timeout=30_000)
    family = pg.evaluate("getComputedStyle(document.querySelector('#intro h2')).fontFamily")
    assert family.startswith('"DejaVu Sans"'), family
    assert not [u for u in requested if "fonts.googleapis" in u or "fonts.gstatic" in u]


# ------------------------------------------------------------------ check a quote

ALTERED = "Les neuf lauréats de l'AMI IA-clusters bénéficieront de 400 M€ de financement."
MADE_UP = "Le supercalculateur Jean Zay sera remplacé par un ordinateur quantique en 2025."


def _check_mode(pg) -> None:
    pg.locator("#mode label", has_text="Check a quote").click()
    pg.wait_for_function(
        "document.querySelector('#question textarea').placeholder.startsWith('Collez une phrase')"
    )


@pytest.mark.slow
def test_checking_a_quote_shows_each_verdict_the_marked_diff_and_the_source_in_context(new_page, client):
    pg = new_page(permissions=["clipboard-read", "clipboard-write"])
    _check_mode(pg)
    ask_in_page(pg, f"{ALTERED} {MADE_UP}")
    turn = pg.locator("#chatbot .turn").last
    altered, made_up = turn.locator("li.claim").nth(0), turn.locator("li.claim").nth(1)
    assert altered.get_attribute("data-verdict") == "altered"
    assert altered.locator(".badge").text_content() == "Modifiée"
    assert made_up.get_attribute("data-verdict") in ("paraphrase", "absent")
    assert made_up.locator("button.cite").count() == 0  # no source claimed for it
    # the changed amount told in words, and marked in the dossier's sentence: 360 struck out, 400 the quote's
    assert (
        "le dossier dit « 360 M€ », pas « 400 M€ »" in altered.locator("li[data-kind='number']").inner_text()
    )
    assert (
        altered.locator(".diff del").inner_text() == "360"
        and altered.locator(".diff ins").inner_text() == "400"
    )
    assert "bénéficieront de 360400 M€ de financement" in altered.locator(".diff").inner_text()
    # its [1] opens the source in the panel, the quote highlighted with the changed word struck out
    altered.locator("button.cite").click()
    mark = pg.locator("#sources .turn-sources:not([hidden]) details[data-n='1'] mark.current")
    assert "bénéficieront de 360 M€ de financement" in mark.inner_text()
    assert mark.locator("del").inner_text() == "360"
    assert (
        "page 7"
        in pg.locator("#sources .turn-sources:not([hidden]) details[data-n='1'] summary").inner_text()
    )
    # the closest reading of the other sentence opens too, without a number
    made_up.locator("button.cite-link").first.click()
    assert pg.locator("#sources details[data-n='r1-0']").get_attribute("open") is not None
    altered.locator("button.cite").focus()
    altered.locator("button.cite").click()
    pg.mouse.move(0, 0)
    pg.wait_for_timeout(300)
    os.makedirs(ROOT / "docs", exist_ok=True)
    pg.screenshot(path=str(ROOT / "docs" / "screenshot-check.png"))
    # copied: the dossier's sentence verbatim with its [1] and full source, the diff as text marks
    source = client.predict(ALTERED, api_name="/check")["claims"][0]["source"]
    turn.locator("button.copy-md").click()
    pg.wait_for_function("[...document.querySelectorAll('#chatbot .copy-md')].pop().textContent === 'Copié'")
    copied = pg.evaluate("navigator.clipboard.readText()")
    assert f"Le dossier : « {source['quote']} » [1]" in copied
    assert "- [1] " in copied and source["passage_id"] in copied and "[-360-]{+400+}" in copied
    assert copied.startswith(f"**Citation à vérifier :** {ALTERED} {MADE_UP}")
    # back to questions: the box asks again
    pg.locator("#mode label", has_text="Poser une question").click()
    ask_in_page(pg, CLUSTERS)
    assert pg.locator("#chatbot .turn").last.locator("li.quote").count() >= 1


@pytest.mark.slow
def test_a_checked_text_is_shown_as_text_and_an_empty_one_gets_a_sentence(new_page):
    pg = new_page()
    _check_mode(pg)
    pg.focus("#question textarea")
    pg.keyboard.press("Enter")
    notice = pg.locator("#chatbot .chat-notice")
    notice.wait_for(timeout=30_000)
    assert notice.inner_text().startswith("Collez d’abord")
    text = "Le budget <img src=x onerror=alert(1)> de **Jean Zay** est de 40 M€ [lien](http://example.com)."
    ask_in_page(pg, text)
    chat = pg.locator("#chatbot")
    assert text in chat.locator(".message.user").last.inner_text()
    assert chat.locator("img").count() == 0 and chat.locator("a[href='http://example.com']").count() == 0
    assert chat.locator("strong", has_text="Jean Zay").count() == 0
    assert pg.locator("#sources img").count() == 0
    assert pg.dialogs == []  # type: ignore[attr-defined]
