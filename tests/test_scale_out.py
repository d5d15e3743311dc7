"""Scale-out on one PostgreSQL: two app processes answer while a third adds and removes a
document, over and over; no answer ever sees part of a document."""

from __future__ import annotations

import subprocess
import sys

import pytest

from retrieval.config import Settings
from retrieval.pipeline import Assistant

from .conftest import ROOT, start_app, stop_app
from .test_collections import SECOND, two_document_corpus

# Add-then-remove cycles of the writer: each puts the document in one transaction, takes it out in another.
CYCLES = 8
# The Zéphyr note splits into this many passages, all ranked first for the question below.
ZEPHYR_PASSAGES = 4
QUESTION = "Combien reçoit chaque volet du projet Zéphyr d'éoliennes en Bretagne ?"

WRITER = """
import sys, time
from pathlib import Path
from retrieval.config import Settings
from retrieval.embedder import open_embedder
from retrieval.store.postgres import PostgresStore
url, corpus, cycles, name = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
embedder = open_embedder(Settings().with_(corpus_dir=corpus, store=url))
store = PostgresStore.connect(url, embedder)
for i in range(cycles):
    store.add(corpus, [corpus / name], embedder)
    print("added", i, flush=True)
    time.sleep(0.5)
    store.remove([name])
    print("removed", i, flush=True)
    time.sleep(0.5)
store.add(corpus, [corpus / name], embedder)
print("done", flush=True)
"""


@pytest.mark.slow
def test_two_apps_answer_whole_documents_while_a_third_process_ingests(tmp_path, postgres, embedder):
    corpus = two_document_corpus(tmp_path / "corpus")
    (corpus / SECOND).rename(tmp_path / SECOND)  # the dossier first, alone
    url = postgres.create_database("scale_out")
    settings = Settings().with_(corpus_dir=corpus, index_dir=tmp_path / "index", store=url)
    Assistant.open(settings, embedder=embedder, rebuild=True)
    (tmp_path / SECOND).rename(corpus / SECOND)
    apps = [start_app(settings, env={"RETRIEVAL_STORE": url}) for _ in range(2)]
    answers: list[dict] = []
    try:
        from gradio_client import Client

        clients = [Client(app.url, verbose=False) for app in apps]
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, url, str(corpus), str(CYCLES), SECOND],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        while writer.poll() is None:
            for client in clients:
                answers.append(client.predict(QUESTION, [], None, api_name="/ask"))
        out, err = writer.communicate()
        assert writer.returncode == 0 and out.strip().endswith("done"), err[-2000:]
        final = [client.predict(QUESTION, [], None, api_name="/ask") for client in clients]
    finally:
        logs = [stop_app(app) for app in apps]
    for log in logs:
        assert "Traceback" not in log and "error" not in log.lower(), log[-2000:]
    texts = {d.name: d.text for d in Assistant.open(settings, embedder=embedder).index.documents}
    seen = []
    for answer in [*answers, *final]:
        zephyr = [p for p in answer["passages"] if p["document"] == SECOND]
        seen.append(len(zephyr))
        assert len(zephyr) in (0, ZEPHYR_PASSAGES), answer["passages"]  # the whole document or none of it
        # Without the document the dossier declines; with it, the answer quotes it.
        assert answer["answer"] and (bool(answer["citations"]) == bool(zephyr)), answer
        for c in answer["citations"]:
            assert c["document"] == SECOND
            assert c["quote"] in texts[c["document"]]  # verbatim, from a whole document
    assert all(n == ZEPHYR_PASSAGES for n in seen[-2:])  # both apps see the document added last
    print(
        f"{len(answers)} answers during {CYCLES} add/remove cycles; Zéphyr passages seen: "
        f"{sorted(set(seen))} ({seen.count(ZEPHYR_PASSAGES)} with, {seen.count(0)} without)"
    )
