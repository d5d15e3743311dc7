"""Collections: many documents in one store, questions restricted to some of them (`--document`,
`/ask`'s `documents`, the chat's filter), documents added and removed without a rebuild."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from retrieval.config import Settings
from retrieval.embedder import FAKE_MODEL
from retrieval.pipeline import Assistant, load_weights
from retrieval.store import files
from retrieval.store.base import DocumentError
from retrieval.store.postgres import PostgresStore

from .conftest import CORPUS, ROOT, start_app, stop_app, write_tiny_corpus

SECOND = "zephyr.md"
# A second document on another subject, with its own figures: four sections, one passage each.
ZEPHYR = "\n\n".join(
    f"# Le projet Zéphyr, volet {n}\n\nLe projet Zéphyr finance des éoliennes en mer au large de la "
    f"Bretagne. Son volet {n} reçoit {10 * n} M€ de la région pour installer {n + 2} turbines et "
    f"former {40 * n} techniciens d’ici {2026 + n}. Les travaux de ce volet commencent au port de "
    f"Brest, où les pales sont assemblées puis remorquées vers le large par des navires spécialisés."
    for n in range(1, 5)
)
DOSSIER = "france2030-ia-dossier-de-presse-2024-05-22.txt"


def two_document_corpus(folder):
    """The dossier and the Zéphyr note, with the dossier's titles and chat settings."""
    folder.mkdir(parents=True)
    shutil.copy(CORPUS / DOSSIER, folder / DOSSIER)
    shutil.copy(CORPUS / "corpus.toml", folder / "corpus.toml")
    (folder / SECOND).write_text(ZEPHYR + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def two(tmp_path_factory, embedder):
    """An assistant over the file store of the two-document corpus (real model)."""
    root = tmp_path_factory.mktemp("two")
    settings = Settings().with_(corpus_dir=two_document_corpus(root / "corpus"), index_dir=root / "index")
    return Assistant.open(settings, embedder=embedder)


@pytest.fixture(scope="module")
def cli(two):
    env = {
        **os.environ,
        "RETRIEVAL_CORPUS": str(two.settings.corpus_dir),
        "RETRIEVAL_INDEX": str(two.settings.index_dir),
    }

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "retrieval", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    return run


@pytest.mark.slow
def test_the_filter_restricts_citations_to_the_chosen_documents(two):
    free = two.ask("Combien reçoit le volet 3 du projet Zéphyr ?")
    assert free.citations and free.citations[0].passage.document == SECOND and "30 M€" in free.text
    only = two.ask("Combien reçoit le volet 3 du projet Zéphyr ?", documents=[DOSSIER])
    assert all(h.passage.document == DOSSIER for h in only.hits)
    assert all(c.passage.document == DOSSIER for c in only.citations)
    clusters = two.ask("Combien d'argent reçoivent les IA clusters ?", documents=[DOSSIER])
    assert "360 M€" in clusters.text
    other = two.ask("Combien d'argent reçoivent les IA clusters ?", documents=[SECOND])
    assert other.hits and all(h.passage.document == SECOND for h in other.hits)
    assert "360 M€" not in other.text


@pytest.mark.slow
def test_an_unknown_document_is_refused_naming_it(two):
    with pytest.raises(DocumentError, match="unknown document 'nope.txt'"):
        two.ask("Combien ?", documents=["nope.txt"])


@pytest.mark.slow
def test_ask_and_search_take_document_on_the_command_line(cli):
    done = cli("ask", "--json", "--document", SECOND, "Combien d'argent reçoivent les IA clusters ?")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert {p["document"] for p in out["passages"]} == {SECOND}
    assert all(c["document"] == SECOND for c in out["citations"])
    both = cli("search", "--json", "--document", SECOND, "--document", DOSSIER, "Zéphyr IA clusters")
    assert both.returncode == 0 and {h["document"] for h in json.loads(both.stdout)} == {SECOND, DOSSIER}
    bad = cli("ask", "--document", "nope.txt", "Combien ?")
    assert bad.returncode == 1 and "unknown document 'nope.txt'" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_add_and_remove_refuse_what_they_cannot_do_and_change_nothing(cli, two, tmp_path):
    before = files.open_current(two.settings.index_dir).folder
    outside = tmp_path / "outside.txt"
    outside.write_text("Un texte hors du corpus.\n", encoding="utf-8")
    for args, message in (
        (("add", str(outside)), "is outside the corpus folder"),
        (("add", str(two.settings.corpus_dir / ".." / "escape.txt")), "is outside the corpus folder"),
        (("remove", "nope.txt"), "unknown document 'nope.txt'"),
    ):
        done = cli(*args)
        assert done.returncode == 1 and message in done.stderr, (args, done.stderr)
    assert files.open_current(two.settings.index_dir).folder == before


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["files", "postgresql"])
def test_remove_then_add_updates_the_store_without_a_rebuild(kind, tmp_path, fake_embedder, request):
    """Both stores: a removed document is gone (and stays out of later syncs of the file store);
    adding it back embeds it alone."""
    corpus = write_tiny_corpus(tmp_path / "corpus")
    settings = Settings().with_(corpus_dir=corpus, index_dir=tmp_path / "index", model=FAKE_MODEL)
    if kind == "postgresql":
        settings = settings.with_(store=request.getfixturevalue("postgres").create_database(f"coll_{kind}"))
    assistant = Assistant.open(settings, embedder=fake_embedder, rebuild=True)
    store = assistant.store
    if kind == "files":
        files.remove(store, ["tram.txt"])
        reopened = files.open_file_store(corpus, settings.index_dir, fake_embedder)
        assert [d.name for d in reopened.contents().documents] == ["notes.md"]
        files.add(reopened, corpus, [corpus / "tram.txt"], fake_embedder)
        store = files.open_file_store(corpus, settings.index_dir, fake_embedder)
    else:
        assert isinstance(store, PostgresStore)
        store.remove(["tram.txt"])
        assert [d.name for d in assistant.index.documents] == ["notes.md"]
        store.add(corpus, [corpus / "tram.txt"], fake_embedder)
    again = Assistant(store, fake_embedder, load_weights(settings), settings)
    assert sorted(d.name for d in again.index.documents) == ["notes.md", "tram.txt"]
    hits = again.search("tramway", k=3, documents=["tram.txt"])
    assert hits and {h.passage.document for h in hits} == {"tram.txt"}
    assert {h.passage.document for h in again.search("tramway", k=3, documents=["notes.md"])} == {"notes.md"}


@pytest.mark.slow
def test_the_ask_api_takes_a_documents_list(two):
    from gradio_client import Client

    server = start_app(two.settings)
    try:
        client = Client(server.url, verbose=False)
        out = client.predict("Combien d'argent reçoivent les IA clusters ?", [], [SECOND], api_name="/ask")
        assert {p["document"] for p in out["passages"]} == {SECOND}
        out = client.predict("Combien d'argent reçoivent les IA clusters ?", [], [DOSSIER], api_name="/ask")
        assert "360 M€" in out["answer"] and {c["document"] for c in out["citations"]} == {DOSSIER}
        with pytest.raises(Exception, match="unknown document"):
            client.predict("Combien ?", [], ["nope.txt"], api_name="/ask")
        with pytest.raises(Exception, match="documents must be a list"):
            client.predict("Combien ?", [], "zephyr.md", api_name="/ask")
    finally:
        log = stop_app(server)
    assert "Traceback" not in log


def new_conversation(pg) -> None:
    pg.click("#new-conversation")
    pg.wait_for_function("document.querySelectorAll('#chatbot .message').length === 0", timeout=30_000)


def set_of(text: str) -> set[str]:
    """The Zéphyr note's marks found in ``text``."""
    return {mark for mark in ("30 M€", "éoliennes", "Brest") if mark in text}


@pytest.mark.slow
def test_the_chat_filter_restricts_the_conversation_to_the_chosen_documents(two, browser):
    from .conftest import ask_in_page, open_page

    server = start_app(two.settings)
    try:
        pg = open_page(browser, server.url)
        pg.wait_for_selector("#documents", state="visible", timeout=60_000)
        question = "Combien reçoit le volet 3 du projet Zéphyr ?"
        ask_in_page(pg, question)
        assert "30 M€" in pg.inner_text("#chatbot")  # all documents: Zéphyr's note answers
        new_conversation(pg)
        pg.locator("#documents input").click()
        pg.keyboard.type(DOSSIER[:20])
        pg.keyboard.press("Enter")
        pg.keyboard.press("Escape")
        ask_in_page(pg, question)
        assert not {"30 M€", "éoliennes", "Brest"} & set_of(pg.inner_text("#chatbot"))
        ask_in_page(pg, "Et les pales assemblées à Brest ?")  # the filter holds for the whole conversation
        assert not {"30 M€", "éoliennes", "Brest"} & set_of(pg.inner_text("#chatbot").split("Brest ?", 1)[1])
        new_conversation(pg)  # clears the filter too
        ask_in_page(pg, question)
        assert "30 M€" in pg.inner_text("#chatbot")
        pg.context.close()
    finally:
        log = stop_app(server)
    assert "Traceback" not in log
