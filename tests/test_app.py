"""The chat, for real: the app in its own process on a loopback port, asked through
gradio_client and through Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from .conftest import DOSSIER, ROOT

BROWSER_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(settings, *extra: str, env: dict | None = None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    environment = {
        **os.environ,
        "RETRIEVAL_CORPUS": str(settings.corpus_dir),
        "RETRIEVAL_INDEX": str(settings.index_dir),
        **(env or {}),
    }
    proc = subprocess.Popen(
        [sys.executable, "app.py", "--port", str(port), *extra],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 240
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app exited: {proc.stdout.read().decode(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("app did not start in time")


def stop_app(proc: subprocess.Popen) -> str:
    proc.terminate()
    try:
        out, _ = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out.decode(errors="replace")


@pytest.fixture(scope="module")
def server(assistant, settings):
    proc, url = start_app(settings)
    yield url
    stop_app(proc)


@pytest.fixture(scope="module")
def client(server):
    from gradio_client import Client

    return Client(server, verbose=False)


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
    assert list(result) == ["question", "answer", "abstained", "citations", "passages", "timings_ms"]
    assert len(result["passages"]) == 10


def test_an_unanswerable_question_abstains(client):
    result = client.predict("Qui a gagné la Coupe du monde 2018 ?", api_name="/ask")
    assert result["abstained"] is True and result["citations"] == []
    assert result["answer"] == "Le dossier ne répond pas à cette question."


def test_a_follow_up_resolves_with_the_history_and_not_without(client):
    first = "Qui coordonne le programme et équipement de recherche en IA ?"
    without = client.predict("Quand a-t-il été lancé ?", api_name="/ask")
    with_history = client.predict("Quand a-t-il été lancé ?", [{"role": "user", "content": first}], api_name="/ask")
    assert "25 mars 2024" in with_history["answer"]
    assert without["abstained"] or "25 mars 2024" not in without["answer"]


def test_an_empty_question_gets_a_clear_error(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="empty"):
        client.predict("   ", api_name="/ask")
    # and the server still answers the next question
    assert "54 Mds€" in client.predict("Combien de milliards sont investis dans France 2030 ?", api_name="/ask")["answer"]


def test_only_the_documented_ask_endpoint_is_public(client):
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert list(endpoints) == ["/ask"]


# ------------------------------------------------------------------ browser


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.skip(
            "no Chromium on this machine: the browser test drives Debian's `chromium` "
            "(apt-get install chromium; .ci/run installs it where apt is available)"
        )
    return path


@pytest.fixture(scope="module")
def page(server):
    sync_api = pytest.importorskip("playwright.sync_api")
    executable = chromium_path()
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=BROWSER_ARGS, headless=True)
        pg = browser.new_page(viewport={"width": 1400, "height": 900})
        dialogs: list[str] = []
        pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        pg.dialogs = dialogs  # type: ignore[attr-defined]
        pg.goto(server, wait_until="load")
        pg.wait_for_selector("#question textarea", timeout=60_000)
        yield pg
        browser.close()


def ask_in_page(pg, question: str) -> None:
    before = pg.locator("#chatbot .message").count()
    pg.fill("#question textarea", question)
    pg.keyboard.press("Enter")
    pg.wait_for_function(
        f"document.querySelectorAll('#chatbot .message').length >= {before + 2}", timeout=60_000
    )


def test_the_page_answers_with_the_quote_and_its_highlighted_source(page):
    assert page.get_by_text("Combien d'argent reçoivent les IA clusters ?").first.is_visible()  # an example
    ask_in_page(page, "Combien d'argent reçoivent les IA clusters ?")
    page.wait_for_selector("#sources mark")
    chat = page.inner_text("#chatbot")
    assert "bénéficieront de 360 M€ de financement de France 2030 sur cinq années" in chat
    first = page.locator("#sources details.source").first
    assert "page 7" in first.locator("summary").inner_text()
    assert "360 M€" in first.locator("mark").first.inner_text()
    assert first.locator("mark").first.is_visible()
    # the other sources start closed; open one
    blocks = page.locator("#sources details.source")
    closed = [i for i in range(blocks.count()) if blocks.nth(i).get_attribute("open") is None]
    assert closed, "expected a second, closed source block"
    block = blocks.nth(closed[0])
    assert not block.locator(".context").is_visible()
    block.locator("summary").click()
    assert block.get_attribute("open") is not None
    assert block.locator(".context").is_visible()
    os.makedirs(ROOT / "docs", exist_ok=True)
    page.screenshot(path=str(ROOT / "docs" / "screenshot.png"))


def test_markup_in_a_question_is_shown_as_text(page):
    question = 'Quel budget <img src=x onerror=alert(1)> pour **Jean Zay** [lien](http://example.com) ?'
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
