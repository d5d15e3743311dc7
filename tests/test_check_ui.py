"""`retrieval bench` times checking a quote beside answering, in the same run (figures printed, never asserted)."""

from __future__ import annotations

import pytest

from retrieval import bench


def _result(**extra) -> dict:
    engine = {
        "cold_first_answer_s": 1.0,
        "cold_cpu_s": 0.5,
        "peak_rss_mb": 300.0,
        "warm_questions": 196,
        "warm_p50_ms": 20.0,
        "warm_p95_ms": 40.0,
    }
    return {
        "machine": {"cpus": 2, "python": "3.11"},
        "repeats": 1,
        "embedded_texts": 942,
        "build_s": 20.0,
        "engine": "sentence-transformers",
        "engines": {"sentence-transformers": engine},
        **engine,
        "bench_process_rss_mb": 900.0,
        "targets": bench.TARGETS,
        "scale": [],
        **extra,
    }


def test_bench_text_shows_check_time_against_ask_time_with_the_target():
    out = bench.text(
        _result(
            check_p50_ms=5.0,
            check_p95_ms=100.0,
            check_texts=184,
            check_vs_ask={"p50": 0.25, "p95": 2.5},
        )
    )
    assert "check a quote (sentence-transformers, 184 texts of the check set" in out
    assert "p50 5.0 ms, p95 100.0 ms; check / ask p50 0.25x [<= 2.0: ok], p95 2.50x [<= 2.0: OVER]" in out
    assert "check a quote" not in bench.text(_result())  # a run without a check set says nothing of it


@pytest.mark.slow
def test_warm_passes_time_checks_after_the_first_engines_asks(assistant):
    questions = ["Combien reçoivent les IA clusters ?", "Où sera installé ALT-EDIC ?"]
    checks = ["Les neuf lauréats de l'AMI IA-clusters bénéficieront de 400 M€ de financement."]
    warm = bench.time_warm({"engine": assistant}, questions, repeats=2, checks=checks)["engine"]
    assert warm["check_texts"] == 1 and warm["warm_runs"] == 2
    assert warm["check_p50_ms"] > 0 and warm["check_p95_ms"] >= warm["check_p50_ms"]
    assert "check_p50_ms" not in bench.time_warm({"engine": assistant}, questions, repeats=1)["engine"]
