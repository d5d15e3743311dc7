"""The benchmark's synthetic scale corpus (no timing asserted: figures are printed by `bench`)."""

from __future__ import annotations

import pytest

from retrieval import bench
from retrieval.pipeline import Assistant
from retrieval.store import faiss_dense


@pytest.mark.slow
def test_synthetic_copies_are_marked_perturbed_and_searchable(assistant, monkeypatch):
    monkeypatch.setattr(faiss_dense, "FLAT_MAX", 200)
    big = bench.synthetic_index(assistant.store, copies=3)
    n = len(assistant.index.passages)
    contents = big.contents()
    assert len(contents.passages) == 3 * n and big.dense_index.kind == "IndexHNSWFlat"
    assert all(p.document.startswith("synthetic-copy-") for p in contents.passages)
    assert all(
        d.title.endswith(("(synthetic copy 0)", "(synthetic copy 1)", "(synthetic copy 2)"))
        for d in contents.documents
    )
    answer = Assistant(big, assistant.embedder, assistant.weights, assistant.settings).ask(
        "Combien reçoivent les IA clusters ?"
    )
    assert "360 M€" in answer.text and answer.citations[0].passage.document.startswith("synthetic-copy-")


def test_bench_text_shows_every_figure_against_its_target_for_both_engines():
    def engine(cold, rss, p50, p95):
        return {
            "cold_first_answer_s": cold,
            "cold_cpu_s": cold / 2,
            "peak_rss_mb": rss,
            "warm_questions": 196,
            "warm_p50_ms": p50,
            "warm_p95_ms": p95,
        }

    onnx, torch = engine(1.2, 330.0, 9.0, 95.0), engine(8.8, 968.0, 24.0, 40.0)
    result = {
        "machine": {"cpus": 2, "python": "3.11"},
        "repeats": 3,
        "embedded_texts": 942,
        "build_s": 20.0,
        "engine": "onnxruntime",
        "engines": {"onnxruntime": onnx, "sentence-transformers": torch},
        "vs_torch": {
            "cold_first_answer_s": 1.2 / 8.8,
            "cold_cpu_s": 1.2 / 8.8,
            "peak_rss_mb": 330 / 968,
            "warm_p50_ms": 9 / 24,
            "warm_p95_ms": 95 / 40,
        },
        "bench_process_rss_mb": 1200.0,
        "targets": bench.TARGETS,
        "scale": [
            {
                "factor": 100,
                "passages": 14000,
                "faiss": "IndexHNSWFlat",
                "index_build_s": 4.0,
                "embedding_s_extrapolated": 2000.0,
                "query_p50_ms": 24.0,
                "query_p95_ms": 28.0,
            }
        ],
    }
    out = bench.text(result)
    assert "question embeddings: onnxruntime" in out
    assert "1.20 s [<= 1.5 s: ok] (0.60 s of CPU), peak RSS 330 MB [<= 400 MB: ok]" in out
    assert "8.80 s [<= 1.5 s: OVER] (4.40 s of CPU), peak RSS 968 MB [<= 400 MB: OVER]" in out
    assert "p95 95.0 ms [<= 80: OVER]" in out and "p50 9.0 ms [<= 30: ok]" in out
    assert "warm p50 0.38x [<= 0.6: ok], p95 2.38x [<= 0.6: OVER]" in out
    assert "IndexHNSWFlat" in out and "[p95 <= 100 ms: ok]" in out


def test_store_bench_copies_are_distinct_documents_with_valid_offsets(fake_index):
    import numpy as np

    from retrieval.store_bench import synthetic_parts

    base = fake_index.parts()
    copies = synthetic_parts(base, 3)
    assert len(copies) == 3 * len(base)
    assert len({c.document.name for c in copies}) == len(copies)
    for copy in copies:
        original = next(p for p in base if copy.document.name.endswith("/" + p.document.name))
        assert len(copy.document.text) == len(original.document.text)  # same offsets
        for p in copy.passages:
            assert p.text == copy.document.text[p.start : p.end]
            assert all(s.text == copy.document.text[s.start : s.end] for s in p.sentences)
        norms = np.linalg.norm(copy.passage_vectors, axis=1)
        assert np.allclose(norms, 1.0, atol=1e-5)
        cosines = (copy.passage_vectors * original.passage_vectors).sum(axis=1)
        assert (cosines < 0.9999).all() and (cosines > 0.5).all()  # perturbed, still near
    texts = {c.document.text for c in copies if c.document.name.endswith("/notes.md")}
    assert len(texts) >= 2  # copies differ in their words (a tiny text may draw no swap in one)
