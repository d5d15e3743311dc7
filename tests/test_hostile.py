"""Hostile input through every door: nothing crashes, messages are short, markup stays text."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from retrieval.pipeline import QuestionError

from .conftest import ROOT
from .hostile import BATCH, CLEANED, HOSTILE, MARKUP, REFUSED

NORMAL = ("Combien d'argent reçoivent les IA clusters ?", "360 M€")


def test_the_table_is_big_enough():
    assert len(HOSTILE) >= 40 and len({name for name, _ in HOSTILE}) == len(HOSTILE)


@pytest.mark.slow
@pytest.mark.parametrize("name, question", HOSTILE, ids=[n for n, _ in HOSTILE])
def test_python_api(assistant, name, question):
    if name in REFUSED:
        with pytest.raises(QuestionError) as exc:
            assistant.ask(question)
        assert len(str(exc.value)) < 100
        return
    answer = assistant.ask(question)
    assert answer.text
    assert len(answer.question) <= 1000
    if name in CLEANED:
        assert answer.question == CLEANED[name]
    if len(question) > 1000 and len(" ".join(question.split())) > 1000:
        assert answer.notice and "cut" in answer.notice
    texts = {d.name: d.text for d in assistant.index.documents}
    for c in answer.citations:
        assert c.quote in texts[c.passage.document]


@pytest.mark.slow
def test_gradio_api_survives_every_input_and_still_answers(client):
    from gradio_client.exceptions import AppError

    for name, question in HOSTILE:
        if not _utf8(question):
            continue  # a lone surrogate can't be put in a JSON request at all
        if name in REFUSED:
            with pytest.raises(AppError) as exc:
                client.predict(question, api_name="/ask")
            assert "question" in str(exc.value) and len(str(exc.value)) < 200
        else:
            result = client.predict(question, api_name="/ask")
            assert isinstance(result["answer"], str) and result["answer"]
    assert NORMAL[1] in client.predict(NORMAL[0], api_name="/ask")["answer"]


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _cli(*args: str, stdin: bytes | None = None, settings=None) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "RETRIEVAL_CORPUS": str(settings.corpus_dir),
        "RETRIEVAL_INDEX": str(settings.index_dir),
    }
    return subprocess.run(
        [sys.executable, "-m", "retrieval", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        timeout=900,
    )


def _strict_json(line: str):
    """Parse as JSON proper: NaN and Infinity are not JSON."""

    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")

    return json.loads(line, parse_constant=refuse)


@pytest.mark.slow
def test_cli_batch_of_every_input_plus_broken_lines(assistant, settings):
    lines = [raw for _, raw, _ in BATCH]  # the BOM line first
    lines += [json.dumps({"id": name, "question": q}).encode() for name, q in HOSTILE]
    lines += [
        b"\xff\xfe not utf-8",
        b'{"id": "no question"}',
        b"[1, 2]",
        b'{"id": "num", "question": 42}',
        b"{broken",
    ]
    done = _cli("ask", "--batch", "-", "--quiet", stdin=b"\n".join(lines) + b"\n", settings=settings)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert done.stderr == b""
    out = [_strict_json(line) for line in done.stdout.decode().splitlines()]
    assert len(out) == len(BATCH) + len(HOSTILE) + 5
    for (name, _, (expected_id, kind)), record in zip(BATCH, out):
        assert record["id"] == expected_id, name
        assert ("error" in record) == (kind == "error"), (name, record)
        assert ("notice" in record) == (kind == "notice"), (name, record)
        assert len(record.get("error", "")) < 100
    assert "nested too deeply" in out[1]["error"] and "nested too deeply" in out[2]["error"]
    assert "cut" in out[[n for n, _, _ in BATCH].index("question to cut")]["notice"]
    for (name, _), record in zip(HOSTILE, out[len(BATCH) :]):
        assert record["id"] == name
        assert ("error" in record) == (name in REFUSED), record
    assert all("error" in r and len(r["error"]) < 100 for r in out[len(BATCH) + len(HOSTILE) :])


@pytest.mark.slow
def test_cli_single_question_with_undecodable_bytes(assistant, settings):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "retrieval",
            "ask",
            b"Jean Zay \xff\xfe puissance".decode("utf-8", "surrogateescape"),
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "RETRIEVAL_CORPUS": str(settings.corpus_dir),
            "RETRIEVAL_INDEX": str(settings.index_dir),
        },
        capture_output=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert "Jean Zay" in done.stdout.decode()


@pytest.mark.slow
def test_a_batch_of_10000_lines_streams_one_answer_per_line(assistant, settings, tmp_path):
    questions = [q for n, q in HOSTILE if n not in REFUSED and len(q) < 200] + [""]
    path = tmp_path / "big.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for i in range(10_000):
            f.write(json.dumps({"id": i, "question": questions[i % len(questions)]}) + "\n")
    done = _cli("ask", "--batch", str(path), "--quiet", settings=settings)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    out = done.stdout.decode().splitlines()
    assert len(out) == 10_000
    assert [json.loads(line)["id"] for line in out[:3] + out[-3:]] == [0, 1, 2, 9997, 9998, 9999]


@pytest.mark.slow
def test_markup_typed_in_the_browser_is_shown_literally(page):
    from .conftest import ask_in_page

    for name, question in HOSTILE:
        if name not in MARKUP:
            continue
        ask_in_page(page, question)
        chat = page.locator("#chatbot")
        assert " ".join(question.split()) in " ".join(chat.inner_text().split()), name
    chat = page.locator("#chatbot")
    assert chat.locator("script").count() == 0 and chat.locator("iframe").count() == 0
    assert chat.locator("img").count() == 0
    assert chat.locator("a[href*='evil.example']").count() == 0
    assert chat.locator("h1").count() == 0 and chat.locator("code").count() == 0
    assert page.dialogs == []  # type: ignore[attr-defined]
