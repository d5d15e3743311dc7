"""The command line, run as a user runs it: a real process, the JSON contract, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.slow  # the CLI in new processes over the real index


@pytest.fixture(scope="module")
def cli(assistant, settings):
    """Run `python -m retrieval ...` against the session's built index."""
    base = {
        **os.environ,
        "RETRIEVAL_CORPUS": str(settings.corpus_dir),
        "RETRIEVAL_INDEX": str(settings.index_dir),
    }

    def run(*args: str, stdin: bytes | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "retrieval", *args],
            cwd=ROOT,
            env={**base, **(env or {})},
            input=stdin,
            capture_output=True,
            timeout=300,
        )

    return run


def _check_answer_object(obj: dict, k: int = 10) -> None:
    assert list(obj) == [
        "question",
        "answer",
        "abstained",
        "confidence",
        "citations",
        "passages",
        "timings_ms",
    ]
    assert (
        isinstance(obj["question"], str)
        and isinstance(obj["answer"], str)
        and isinstance(obj["abstained"], bool)
    )
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
        (("ask", "x", "--k", "0"), "--k must be a whole number between 1 and 100, not '0'"),
        (("ask", "x", "--k", "abc"), "error: --k must be a whole number between 1 and 100, not 'abc'"),
        (("ask", "x", "--threshold", "nan"), "--threshold must be a number between 0 and 1, not 'nan'"),
        (("ask", "x", "--threshold", "inf"), "--threshold must be a number between 0 and 1, not 'inf'"),
        (("ask", "x", "--threshold", "abc"), "--threshold must be a number between 0 and 1, not 'abc'"),
        (("ask", "x", "--threshold", "1e3"), "--threshold must be a number between 0 and 1, not '1e3'"),
        (("ask", "--kk", "3", "foo"), "error: unknown option: --kk (see --help)"),
        (("ask", "foo", "--kk", "--jsn"), "error: unknown options: --kk --jsn"),
        (("ask", "foo", "bar"), "error: unexpected argument: bar"),
        (
            ("info", "--corpus", "/nonexistent/corpus", "--index", "/nonexistent/index"),
            "no index in /nonexistent/index",
        ),
        (("ask", "x", "--retriever", "magic"), "invalid choice: 'magic'"),
        (("frobnicate",), "invalid choice: 'frobnicate'"),
        (("ask", "x", "--corpus", "/nonexistent/corpus"), "corpus folder not found: /nonexistent/corpus"),
        (("ask", "--batch", "/nonexistent.jsonl"), "batch file not found"),
    ],
)
def test_errors_are_one_line_on_stderr_without_traceback(cli, args, message):
    done = cli(*args)
    err = done.stderr.decode()
    assert done.returncode == (1 if "corpus folder" in message or "no index" in message else 2), (
        err
    )  # 2: usage
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert done.stdout == b""


def test_search_lists_ranked_passages_with_retriever_ranks(cli):
    done = cli("search", "supercalculateur Jean Zay puissance", "--k", "3", "--json")
    assert done.returncode == 0, done.stderr
    hits = json.loads(done.stdout)
    assert [h["rank"] for h in hits] == [1, 2, 3]
    assert "Jean Zay" in hits[0]["text"]


@pytest.mark.parametrize("value", ["nan", "abc", "inf", "-1e999", "11"])
def test_a_bad_environment_value_is_one_line_and_asks_nothing(cli, value):
    done = cli("ask", "Quel est le budget de SaclAI-School ?", env={"RETRIEVAL_THRESHOLD": value})
    err = done.stderr.decode()
    assert done.returncode == 2 and done.stdout == b""
    assert err == f"retrieval: error: RETRIEVAL_THRESHOLD must be a number between 0 and 1, not {value!r}\n"


def test_an_index_folder_that_is_a_file_is_one_line(cli, tmp_path):
    afile = tmp_path / "index"
    afile.write_text("x")
    for args in (("ask", "x", "--index", str(afile)), ("build", "--index", str(afile / "sub"))):
        done = cli(*args)
        err = done.stderr.decode()
        assert done.returncode == 1 and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
        assert str(afile) in err
    assert afile.read_text() == "x"


def test_info_prints_a_short_summary_and_json_on_request(cli, settings, tiny_corpus):
    done = cli("info")
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode()
    lines = {line[:16].strip(): line[16:] for line in out.splitlines()}
    assert lines["index folder"] == str(settings.index_dir)
    assert lines["build"].startswith("build-") and lines["model"] == settings.model and lines["dims"] == "384"
    assert int(lines["passages"]) > 100 and int(lines["sentences"]) > 300 and lines["documents"] == "1"
    assert len(lines["corpus checksum"]) == 64 and lines["stale"] == "no" and "created" in lines
    assert lines["glossary"].startswith(("Apertium", "none (apt-get install"))
    assert len(out.splitlines()) <= 13
    full = json.loads(cli("info", "--json").stdout)
    assert full["stale"] is None and full["folder"].endswith(lines["build"])
    assert full["glossary"] == lines["glossary"]
    assert len(full["manifest"]["model"]["probe"]) == 384 and full["manifest"]["counts"]["passages"] == int(
        lines["passages"]
    )
    # another corpus: stale, said so, and nothing is rebuilt
    current = (settings.index_dir / "CURRENT").read_text()
    stale = cli("info", "--corpus", str(tiny_corpus))
    assert "stale           yes: the corpus changed" in stale.stdout.decode()
    assert (settings.index_dir / "CURRENT").read_text() == current


def test_batch_lines_end_at_cr_and_a_bom_is_accepted(cli, tmp_path):
    batch = tmp_path / "mac.jsonl"
    batch.write_bytes(
        b'\xef\xbb\xbf{"id": "a", "question": "Quel est le budget de SaclAI-School ?"}\r'
        b'{"id": "b", "question": ""}\r\r'
        b'{"id": "c", "question": "Combien re\\u00e7oivent les IA clusters ?"}\r\n'
        b'{"id": "d", "question": "Jean Zay"}'
    )
    done = cli("ask", "--batch", str(batch), "--quiet")
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [line["id"] for line in lines] == ["a", "b", "c", "d"]
    assert "11,4 M€" in lines[0]["answer"] and "error" in lines[1] and "360 M€" in lines[2]["answer"]


def test_quiet_silences_pypdf_warnings(cli, tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    path = corpus / "rapport.pdf"
    with PdfPages(path) as pdf:
        fig = plt.figure()
        fig.text(0.1, 0.5, "Le budget total atteint 7 M€.")
        pdf.savefig(fig)
        plt.close(fig)
    data = path.read_bytes()
    path.write_bytes(
        data[: data.rindex(b"startxref")] + b"startxref\n12\n%%EOF\n"
    )  # pypdf warns, then recovers
    args = ("search", "budget total", "--corpus", str(corpus), "--index", str(tmp_path / "index"), "--k", "1")
    loud = cli(*args)
    assert loud.returncode == 0 and "startxref" in loud.stderr.decode()  # the warning this test silences
    quiet = cli(*args, "--quiet")
    assert quiet.returncode == 0 and "7 M€" in quiet.stdout.decode()
    assert quiet.stderr == b""
