"""`python -m retrieval bench`: build time, cold start, warm latency, memory, and scale.

Every timing is the median of repeated runs on this machine. The scale run
grows the index to 10x and 100x the dossier with synthetic copies (sentence
order shuffled, one word in ten dropped, vectors jittered; documents named
"synthetic-copy-N"), reusing the dossier's embeddings so that it measures
what grows with the index, FAISS and BM25, rather than re-embedding
identical text; the embedding time that a real corpus of that size would
add is extrapolated from the measured throughput and printed as such.
"""

from __future__ import annotations

import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from .evaluate import percentile
from .index import Index, _dense_index, build, save
from .lexical import Lexical
from .pipeline import Assistant
from .questions import load_questions
from .records import Document, Passage

TARGETS = {"warm_p50_ms": 30, "warm_p95_ms": 80, "cold_first_answer_s": 10, "build_s": 60, "peak_rss_mb": 1536, "scale_p95_ms": 100}


def _median(values: list[float]) -> float:
    return float(statistics.median(values))


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def time_build(assistant: Assistant, repeats: int) -> dict:
    times = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as folder:
            start = time.perf_counter()
            index = build(assistant.settings.corpus_dir, assistant.embedder)
            save(index, Path(folder))
            times.append(time.perf_counter() - start)
    texts = index.manifest["counts"]["passages"] + 2 * index.manifest["counts"]["sentences"]
    return {"build_s": _median(times), "build_runs_s": times, "embedded_texts": texts, "texts_per_s": texts / _median(times)}


# A small parent for the timed process: a child forked from this big benchmark
# process would report the benchmark's memory as its own peak.
_LAUNCHER = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter(); done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
    "sys.stderr.write(done.stderr.decode(errors='replace'))\n"
    "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, done.returncode)\n"
)


def time_cold_start(assistant: Assistant, repeats: int, question: str) -> dict:
    """A new process that loads the model and the built index, then answers once."""
    args = [
        "--corpus", str(assistant.settings.corpus_dir),
        "--index", str(assistant.settings.index_dir),
        "--model", assistant.settings.model,
        "--cache", str(assistant.settings.cache_dir),
    ]
    times, rss = [], []
    for _ in range(repeats):
        done = subprocess.run(
            [sys.executable, "-c", _LAUNCHER, sys.executable, "-m", "retrieval", "ask", question, "--json", "--quiet", *args],
            capture_output=True,
        )
        seconds, max_kb, code = done.stdout.decode().split()
        if int(code) != 0:
            raise RuntimeError(done.stderr.decode(errors="replace"))
        times.append(float(seconds))
        rss.append(int(max_kb) / 1024)
    return {"cold_first_answer_s": _median(times), "cold_runs_s": times, "peak_rss_mb": max(rss)}


def time_warm(assistant: Assistant, questions: list[str], repeats: int) -> dict:
    p50s, p95s = [], []
    for _ in range(repeats):
        assistant.searcher.vector.cache_clear()  # time real embeddings, not the repeat-question cache
        totals = sorted(assistant.ask(q).timings_ms["total"] for q in questions)
        p50s.append(percentile(totals, 50))
        p95s.append(percentile(totals, 95))
    return {"warm_p50_ms": _median(p50s), "warm_p95_ms": _median(p95s), "warm_questions": len(questions), "warm_runs": repeats}


def synthetic_index(base: Index, copies: int, seed: int = 0) -> Index:
    """``copies`` perturbed copies of every document of ``base``, marked as synthetic."""
    rng = random.Random(seed)
    noise = np.random.default_rng(seed)
    dense = np.stack([base.dense.reconstruct(i) for i in range(base.dense.ntotal)])
    documents: list[Document] = []
    passages: list[Passage] = []
    rows: dict[tuple[str, int], int] = {}
    vectors = []
    for copy in range(copies):
        for doc in base.documents:
            name = f"synthetic-copy-{copy:03d}/{doc.name}"
            documents.append(replace(doc, name=name, title=f"{doc.title} (synthetic copy {copy})"))
        for i, p in enumerate(base.passages):
            name = f"synthetic-copy-{copy:03d}/{p.document}"
            passages.append(replace(p, passage_id=f"{p.passage_id}~{copy}", document=name))
            for s in p.sentences:
                rows[(name, s.start)] = base.sentence_rows[(p.document, s.start)]
            v = dense[i] + noise.normal(0, 0.02, dense.shape[1]).astype(np.float32)
            vectors.append(v / np.linalg.norm(v))
    texts = []
    for p in passages:
        words = [w for w in " ".join(rng.sample([s.text for s in p.sentences], len(p.sentences))).split() if rng.random() > 0.1]
        texts.append(" ".join(words))
    start = time.perf_counter()
    dense_index = _dense_index(np.stack(vectors))
    lexical = Lexical.build(texts)
    seconds = time.perf_counter() - start
    manifest = dict(base.manifest, dense={"type": type(dense_index).__name__, "ntotal": int(dense_index.ntotal)})
    manifest["counts"] = dict(base.manifest["counts"], passages=len(passages), documents=len(documents))
    manifest["index_build_s"] = seconds
    return Index(documents, passages, dense_index, base.sentence_vectors, rows, lexical, base.vocabulary, manifest)


def scale_run(assistant: Assistant, questions: list[str], factors: tuple[int, ...], repeats: int, texts_per_s: float) -> list[dict]:
    out = []
    for factor in factors:
        builds, p95s, p50s = [], [], []
        for r in range(repeats):
            index = synthetic_index(assistant.index, factor, seed=r)
            builds.append(index.manifest["index_build_s"])
        big = Assistant.from_index(index, assistant.embedder, assistant.settings)
        for _ in range(repeats):
            big.searcher.vector.cache_clear()
            totals = sorted(big.ask(q).timings_ms["total"] for q in questions)
            p50s.append(percentile(totals, 50))
            p95s.append(percentile(totals, 95))
        counts = index.manifest["counts"]
        embed_texts = counts["passages"] + 2 * counts["sentences"] * factor
        out.append(
            {
                "factor": factor,
                "passages": counts["passages"],
                "faiss": index.faiss_type,
                "index_build_s": _median(builds),
                "embedding_s_extrapolated": embed_texts / texts_per_s if texts_per_s else None,
                "query_p50_ms": _median(p50s),
                "query_p95_ms": _median(p95s),
            }
        )
    return out


def run(assistant: Assistant, questions_file: Path, repeats: int = 3, factors: tuple[int, ...] = (10, 100), quick: bool = False) -> dict:
    items = load_questions(questions_file)
    questions = [i.question for i in items]
    if quick:
        questions = questions[:20]
    result: dict = {"machine": {"cpus": _cpus(), "python": sys.version.split()[0]}, "repeats": repeats}
    result.update(time_build(assistant, repeats))
    result.update(time_cold_start(assistant, repeats, questions[0]))
    result.update(time_warm(assistant, questions, repeats))
    result["bench_process_rss_mb"] = _rss_mb()
    result["scale"] = scale_run(assistant, questions, factors, repeats, result["texts_per_s"])
    result["targets"] = TARGETS
    return result


def _cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def text(result: dict) -> str:
    t = result["targets"]

    def mark(value: float, target: float) -> str:
        return "ok" if value <= target else "OVER"

    lines = [
        f"machine: {result['machine']['cpus']} CPUs, Python {result['machine']['python']}; medians of {result['repeats']} runs",
        f"index build (dossier, {result['embedded_texts']} texts embedded): {result['build_s']:.1f} s "
        f"[target <= {t['build_s']} s: {mark(result['build_s'], t['build_s'])}]",
        f"cold start to first answer (new process, built index): {result['cold_first_answer_s']:.2f} s "
        f"[target <= {t['cold_first_answer_s']} s: {mark(result['cold_first_answer_s'], t['cold_first_answer_s'])}]",
        f"warm answer latency over {result['warm_questions']} questions: p50 {result['warm_p50_ms']:.1f} ms "
        f"[<= {t['warm_p50_ms']}: {mark(result['warm_p50_ms'], t['warm_p50_ms'])}], p95 {result['warm_p95_ms']:.1f} ms "
        f"[<= {t['warm_p95_ms']}: {mark(result['warm_p95_ms'], t['warm_p95_ms'])}]",
        f"peak RSS: {result['peak_rss_mb']:.0f} MB for the answering process "
        f"[<= {t['peak_rss_mb']} MB: {mark(result['peak_rss_mb'], t['peak_rss_mb'])}]; "
        f"this benchmark process {result['bench_process_rss_mb']:.0f} MB",
        "",
        "scale (synthetic copies of the dossier; vectors reused, see `retrieval.bench`):",
        f"{'size':>6} {'passages':>9} {'faiss':>14} {'index build':>12} {'+embedding (extrapolated)':>27} {'query p50':>10} {'query p95':>10}",
    ]
    for row in result["scale"]:
        emb = row["embedding_s_extrapolated"]
        lines.append(
            f"{row['factor']:>5}x {row['passages']:>9} {row['faiss']:>14} {row['index_build_s']:>10.2f} s "
            f"{(f'{emb:.0f} s' if emb else '-'):>27} {row['query_p50_ms']:>8.1f} ms {row['query_p95_ms']:>8.1f} ms"
            + ("" if row["factor"] < 100 else f"  [p95 <= {t['scale_p95_ms']} ms: {mark(row['query_p95_ms'], t['scale_p95_ms'])}]")
        )
    return "\n".join(lines)


def as_json(result: dict) -> str:
    return json.dumps(result, indent=2)
