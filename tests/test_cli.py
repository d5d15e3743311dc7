"""The command line, run as a user runs it: a real process, the JSON contract, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from .conftest import ROOT


@pytest.fixture(scope="module")
def cli(assistant, settings):
    """Run `python -m retrieval ...` against the session's built index."""
    env = {**os.environ, "RETRIEVAL_CORPUS": str(settings.corpus_dir), "RETRIEVAL_INDEX": str(settings.index_dir)}

    def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "retrieval", *args], cwd=ROOT, env=env, input=stdin, capture_output=True, timeout=300
        )

    return run


def _check_answer_object(obj: dict, k: int = 10) -> None:
    assert list(obj) == ["question", "answer", "abstained", "citations", "passages", "timings_ms"]
    assert isinstance(obj["question"], str) and isinstance(obj["answer"], str) and isinstance(obj["abstained"], bool)
    for c in obj["citations"]:
        assert list(c) == ["n", "passage_id", "document", "page", "section", "quote"]
        assert isinstance(c["n"], int) and isinstance(c["quote"], str) and c["quote"]
        assert isinstance(c["page"], int) or c["page"] is None
        assert isinstance(c["section"], str) or c["section"] is None
    assert len(obj["passages"]) == k
    for rank, p in enumerate(obj["passages"], start=1):
        assert list(p) == ["passage_id", "rank", "score", "document", "page", "section", "text"]
        assert p["rank"] == rank and isinstance(p["score"], float) and p["text"]
    assert list(obj["timings_ms"]) == ["retrieval", "answer", "total"]
    assert all(isinstance(v, float) for v in obj["timings_ms"].values())


def test_ask_prints_quotes_and_sources(cli):
    done = cli("ask", "Combien d'argent reçoivent les IA clusters ?")
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode()
    assert "« Pour faire de la France un leader mondial en IA" in out and "360 M€" in out
    assert "\n[1] France 2030 et l’IA (dossier de presse, 22 mai 2024), p. 7 — « Préserver" in out
    assert "(passage p07-03)" in out


def test_ask_json_follows_the_contract(cli):
    done = cli("ask", "Where will ALT-EDIC be based?", "--json", "--k", "4")
    assert done.returncode == 0, done.stderr
    obj = json.loads(done.stdout)
    _check_answer_object(obj, k=4)
    assert obj["question"] == "Where will ALT-EDIC be based?"
    assert obj["citations"] and all(c["quote"] in obj["answer"] for c in obj["citations"])


def test_batch_answers_every_line_in_order_and_reports_bad_lines(cli, tmp_path):
    batch = tmp_path / "questions.jsonl"
    batch.write_bytes(
        b'{"id": "a", "question": "Quel est le budget de SaclAI-School ?"}\n'
        b'{"id": "b", "question": ""}\n'
        b"not json\n"
        b'{"id": "c", "question": "Qui a gagn\xc3\xa9 la Coupe du monde 2018 ?"}\n'
        b'{"id": "d", "question": "caf\xe9"}\n'
    )
    done = cli("ask", "--json", "--batch", str(batch))
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [line["id"] for line in lines] == ["a", "b", None, "c", None]
    _check_answer_object({k: v for k, v in lines[0].items() if k != "id"})
    assert "11,4 M€" in lines[0]["answer"]
    assert "empty" in lines[1]["error"] and "JSON" in lines[2]["error"] and "UTF-8" in lines[4]["error"]
    assert lines[3]["abstained"] is True
    assert "could not be answered" in done.stderr.decode()


@pytest.mark.parametrize(
    "args, message",
    [
        (("ask", ""), "the question is empty"),
        (("ask",), "no question given"),
        (("ask", "x", "--k", "0"), "--k: must be between 1 and 100"),
        (("ask", "x", "--retriever", "magic"), "invalid choice: 'magic'"),
        (("frobnicate",), "invalid choice: 'frobnicate'"),
        (("ask", "x", "--corpus", "/nonexistent/corpus"), "corpus folder not found: /nonexistent/corpus"),
        (("ask", "--batch", "/nonexistent.jsonl"), "batch file not found"),
    ],
)
def test_errors_are_one_line_on_stderr_without_traceback(cli, args, message):
    done = cli(*args)
    err = done.stderr.decode()
    assert done.returncode != 0
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert done.stdout == b""


def test_search_lists_ranked_passages_with_retriever_ranks(cli):
    done = cli("search", "supercalculateur Jean Zay puissance", "--k", "3", "--json")
    assert done.returncode == 0, done.stderr
    hits = json.loads(done.stdout)
    assert [h["rank"] for h in hits] == [1, 2, 3]
    assert "Jean Zay" in hits[0]["text"]
