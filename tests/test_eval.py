"""The evaluation: metrics that agree with ir-measures, a report folder with plots, the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from retrieval import glossary
from retrieval.evaluate import percentile, retrieval_metrics
from retrieval.report import report_text, write_report

from .conftest import ROOT, ROUNDING


@pytest.mark.slow
def test_retrieval_metrics_agree_with_ir_measures(report, tmp_path):
    ir_measures = pytest.importorskip("ir_measures")
    from ir_measures import RR, R, Success, nDCG

    write_report(report, tmp_path)
    qrels = list(ir_measures.read_trec_qrels(str(tmp_path / "qrels.txt")))
    for retriever in ("hybrid", "dense", "bm25", "rrf"):
        run = list(ir_measures.read_trec_run(str(tmp_path / f"run-{retriever}.txt")))
        theirs = ir_measures.calc_aggregate(
            [nDCG @ 10, RR @ 10, R @ 10, Success @ 1, Success @ 5], qrels, run
        )
        ours = retrieval_metrics(report.results, retriever, 10)
        assert ours["ndcg@10"] == pytest.approx(theirs[nDCG @ 10], abs=1e-9)
        assert ours["mrr@10"] == pytest.approx(theirs[RR @ 10], abs=1e-9)
        assert ours["recall@10"] == pytest.approx(theirs[R @ 10], abs=1e-9)
        assert ours["hit@1"] == pytest.approx(theirs[Success @ 1], abs=1e-9)
        assert ours["hit@5"] == pytest.approx(theirs[Success @ 5], abs=1e-9)


@pytest.mark.slow
def test_the_report_folder_has_markdown_plots_and_trec_files(report, tmp_path):
    folder = write_report(report, tmp_path / "report")
    names = {p.name for p in folder.iterdir()}
    assert {"report.md", "report.json", "qrels.txt", "by-kind.png", "latency.png", "evidence.png"} <= names
    assert {"run-hybrid.txt", "run-dense.txt", "run-bm25.txt", "run-rrf.txt"} <= names
    for png in ("by-kind.png", "latency.png", "evidence.png"):
        assert (folder / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and (
            folder / png
        ).stat().st_size > 5000
    md = (folder / "report.md").read_text()
    assert "| hybrid |" in md and "![evidence.png](evidence.png)" in md
    data = json.loads((folder / "report.json").read_text())
    assert data["questions"] == len(report.results) and len(data["items"]) == len(report.results)


@pytest.mark.slow
def test_the_text_report_breaks_down_by_kind_and_language_and_lists_failures(report):
    text = report_text(report)
    for kind in ("direct", "paraphrase", "number", "date", "english", "followup", "unanswerable"):
        assert f"\n{kind} " in text
    assert "\nen " in text and "\nfr " in text
    assert f"Failures ({len(report.failures())})" in text


@pytest.mark.slow
def test_cross_validation_fits_on_the_other_folds_and_scores_every_question(assistant, questions):
    from retrieval.fit import cross_validate, folds

    report = cross_validate(assistant, questions, 5)
    assert sorted(r.item.id for r in report.results) == sorted(q.id for q in questions)
    assert len(set(folds(questions, 5))) == 5
    assert glossary.available(), (
        "the reported figures need Apertium: apt-get install apertium-fr-es apertium-eng-spa"
    )
    reported = json.loads((ROOT / "eval" / "reported.json").read_text())["cv"]
    assert report.answers["span"] >= reported["span"] - ROUNDING
    assert report.retrieval["hybrid"]["hit@1"] >= reported["hit@1"] - ROUNDING
    assert assistant.weights.about.get("split") == "dev"  # the shipped weights are back in place


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0 and percentile(values, 95) == 95.0 and percentile([3.0], 95) == 3.0


@pytest.mark.slow
def test_eval_command_reports_on_the_test_split(assistant, settings):
    env = {
        **os.environ,
        "RETRIEVAL_CORPUS": str(settings.corpus_dir),
        "RETRIEVAL_INDEX": str(settings.index_dir),
    }
    done = subprocess.run(
        [sys.executable, "-m", "retrieval", "eval", "--split", "test", "--json", "--quiet"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr.decode()
    data = json.loads(done.stdout)
    assert {"hybrid", "dense", "bm25", "rrf"} == set(data["retrieval"])
    assert all(item["split"] == "test" for item in data["items"])
    assert data["retrieval"]["hybrid"]["hit@5"] >= 0.9


def test_wrong_answers_count_confident_answers_without_a_gold_span():
    from retrieval.evaluate import Result, answer_metrics
    from retrieval.questions import Item
    from retrieval.records import Answer

    def result(n: int, answers: tuple[str, ...], text: str, confidence: str) -> Result:
        item = Item(
            f"q{n}", "?", "fr", "direct" if answers else "unanswerable", answers, answers, "test", None
        )
        answer = Answer("?", text, confidence == "none", [], [], 0.5, "fr", confidence=confidence)
        return Result(item, set(), {"hybrid": []}, answer)

    metrics = answer_metrics(
        [
            result(1, ("360 M€",), "« … 360 M€ … »", "high"),  # right
            result(2, ("360 M€",), "« … 70 M€ … »", "high"),  # a wrong quote
            result(3, ("360 M€",), "closest: « … 70 M€ … »", "low"),  # declined: not an answer
            result(4, (), "« … Paris … »", "high"),  # answers what the dossier can't
            result(5, (), "Le dossier ne répond pas.", "none"),
        ]
    )
    assert metrics["answered"] == 3 and metrics["wrong_answers"] == 2
