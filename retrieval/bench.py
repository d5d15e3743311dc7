"""`python -m retrieval bench`: build time, cold start, warm latency, memory, and scale.

Every timing is the median of repeated runs on this machine. Cold starts and
warm answers are measured for the engine in use and, side by side in the
same run, for the torch reference (sentence-transformers), with their ratio;
warm passes alternate between the engines so that the machine's load
weighs on both alike. The scale run
grows the index to 10x and 100x the dossier with synthetic copies (sentence
order shuffled, one word in ten dropped, vectors jittered; documents named
"synthetic-copy-N"), reusing the dossier's embeddings so that it measures
what grows with the index, FAISS and BM25, rather than re-embedding
identical text; the embedding time that a real corpus of that size would
add is extrapolated from the measured throughput and printed as such.
Checking a quote (``check`` over eval/checks.jsonl) is timed in the warm
passes too, right after the engine's ``ask`` pass, and reported against it.
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

from .check_eval import load_checks
from .embedder import open_embedder
from .evaluate import percentile
from .lexical import Lexicon, passage_terms
from .pipeline import Assistant
from .questions import load_questions
from .records import Document, Passage
from .store.base import Contents
from .store.bm25 import BM25
from .store.faiss_dense import Dense
from .store.files import FileStore, build

TARGETS = {
    "warm_p50_ms": 30,
    "warm_p95_ms": 80,
    "cold_first_answer_s": 1.5,
    "build_s": 60,
    "peak_rss_mb": 400,
    "scale_p95_ms": 100,
    # warm p50 and p95 of the engine in use over the torch path's, same run (issue 11)
    "warm_ratio": 0.6,
    # a check's p50 and p95 over the warm answer's, same run (issue 14)
    "check_ratio": 2.0,
}
REFERENCE = "sentence-transformers"  # the engine every other is compared with
# New processes per cold-start figure: a process start is the noisiest measure here.
COLD_RUNS = 5


def _median(values: list[float]) -> float:
    return float(statistics.median(values))


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def time_build(assistant: Assistant, repeats: int) -> dict:
    assistant.embedder.passages(
        ["warm-up"]
    )  # an engine that builds through another model loads it now, untimed
    times = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as folder:
            start = time.perf_counter()
            store = build(assistant.settings.corpus_dir, assistant.embedder)
            store.save(Path(folder))
            times.append(time.perf_counter() - start)
    texts = store.manifest["counts"]["passages"] + 2 * store.manifest["counts"]["sentences"]
    return {
        "build_s": _median(times),
        "build_runs_s": times,
        "embedded_texts": texts,
        "texts_per_s": texts / _median(times),
    }


# A small parent for the timed process: a child forked from this big benchmark
# process would report the benchmark's memory as its own peak.
_LAUNCHER = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter(); done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
    "sys.stderr.write(done.stderr.decode(errors='replace'))\n"
    "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(time.perf_counter() - t, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, done.returncode)\n"
)


def time_cold_start(assistant: Assistant, runs: int, question: str, engine: str) -> dict:
    """New processes that load the model and the built index with ``engine``, then answer once."""
    args = [
        "--corpus",
        str(assistant.settings.corpus_dir),
        "--index",
        str(assistant.settings.index_dir),
        "--model",
        assistant.settings.model,
        "--cache",
        str(assistant.settings.cache_dir),
        "--engine",
        engine,
    ]
    times, cpu, rss = [], [], []
    for _ in range(runs):
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                _LAUNCHER,
                sys.executable,
                "-m",
                "retrieval",
                "ask",
                question,
                "--json",
                "--quiet",
                *args,
            ],
            capture_output=True,
        )
        seconds, cpu_seconds, max_kb, code = done.stdout.decode().split()
        if int(code) != 0:
            raise RuntimeError(done.stderr.decode(errors="replace"))
        times.append(float(seconds))
        cpu.append(float(cpu_seconds))
        rss.append(int(max_kb) / 1024)
    return {
        "cold_first_answer_s": _median(times),
        "cold_runs_s": times,
        # CPU seconds barely move with the machine's load, unlike the wall time (other processes' turn)
        "cold_cpu_s": _median(cpu),
        "peak_rss_mb": _median(rss),
        "peak_rss_runs_mb": rss,
    }


def _warm_pass(assistant: Assistant, questions: list[str]) -> tuple[float, float]:
    assistant.forget_questions()  # time real embeddings, not the repeat-question cache
    totals = sorted(assistant.ask(q).timings_ms["total"] for q in questions)
    return percentile(totals, 50), percentile(totals, 95)


def _check_pass(assistant: Assistant, texts: list[str]) -> tuple[float, float]:
    assistant.searcher.vector.cache_clear()
    totals = sorted(assistant.check(t).timings_ms["total"] for t in texts)
    return percentile(totals, 50), percentile(totals, 95)


def time_warm(
    assistants: dict[str, Assistant], questions: list[str], repeats: int, checks: list[str] | None = None
) -> dict[str, dict]:
    """p50/p95 of whole answers per engine; one pass of each engine in turn, ``repeats`` times.
    With ``checks``, the first engine also checks those texts after each of its passes."""
    runs: dict[str, list[tuple[float, float]]] = {engine: [] for engine in assistants}
    checked: list[tuple[float, float]] = []
    if checks:
        next(iter(assistants.values())).check(checks[0])  # the checker's folded documents, built once
    for _ in range(repeats):
        for n, (engine, assistant) in enumerate(assistants.items()):
            runs[engine].append(_warm_pass(assistant, questions))
            if checks and n == 0:
                checked.append(_check_pass(assistant, checks))
    out = {
        engine: {
            "warm_p50_ms": _median([p50 for p50, _ in r]),
            "warm_p95_ms": _median([p95 for _, p95 in r]),
            "warm_questions": len(questions),
            "warm_runs": repeats,
        }
        for engine, r in runs.items()
    }
    if checked:
        first = next(iter(out.values()))
        first.update(
            check_p50_ms=_median([p50 for p50, _ in checked]),
            check_p95_ms=_median([p95 for _, p95 in checked]),
            check_texts=len(checks),
        )
    return out


def synthetic_index(store: FileStore, copies: int, seed: int = 0) -> FileStore:
    """``copies`` perturbed copies of every document of ``store``, marked as synthetic."""
    rng = random.Random(seed)
    noise = np.random.default_rng(seed)
    base = store.contents()
    dense = store.dense_index.vectors()
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
        words = [
            w
            for w in " ".join(rng.sample([s.text for s in p.sentences], len(p.sentences))).split()
            if rng.random() > 0.1
        ]
        texts.append(" ".join(words))
    start = time.perf_counter()
    dense_index = Dense.build(np.stack(vectors))
    tokens = [passage_terms(t) for t in texts]
    bm25 = BM25.build(tokens)
    seconds = time.perf_counter() - start
    manifest = dict(store.manifest, dense={"type": dense_index.kind, "ntotal": dense_index.size})
    manifest["counts"] = dict(store.manifest["counts"], passages=len(passages), documents=len(documents))
    manifest["index_build_s"] = seconds
    contents = Contents(
        documents, passages, base.sentence_vectors, rows, Lexicon.build(tokens), base.vocabulary
    )
    return FileStore(contents, dense_index, bm25, manifest)


def scale_run(
    assistant: Assistant, questions: list[str], factors: tuple[int, ...], repeats: int, texts_per_s: float
) -> list[dict]:
    out = []
    for factor in factors:
        builds, p95s, p50s = [], [], []
        for r in range(repeats):
            index = synthetic_index(assistant.store, factor, seed=r)
            builds.append(index.manifest["index_build_s"])
        big = Assistant(index, assistant.embedder, assistant.weights, assistant.settings)
        for _ in range(repeats):
            big.forget_questions()
            totals = sorted(big.ask(q).timings_ms["total"] for q in questions)
            p50s.append(percentile(totals, 50))
            p95s.append(percentile(totals, 95))
        counts = index.manifest["counts"]
        embed_texts = counts["passages"] + 2 * counts["sentences"] * factor
        out.append(
            {
                "factor": factor,
                "passages": counts["passages"],
                "faiss": index.dense_index.kind,
                "index_build_s": _median(builds),
                "embedding_s_extrapolated": embed_texts / texts_per_s if texts_per_s else None,
                "query_p50_ms": _median(p50s),
                "query_p95_ms": _median(p95s),
            }
        )
    return out


def run(
    assistant: Assistant,
    questions_file: Path,
    repeats: int = 3,
    factors: tuple[int, ...] = (10, 100),
    checks_file: Path | None = None,
) -> dict:
    """Every figure for ``assistant``'s engine, and the torch reference's beside it unless it is the one.
    ``checks_file`` (default: checks.jsonl beside the questions, when there) times `check` too."""
    questions = [i.question for i in load_questions(questions_file)]
    checks_file = checks_file or questions_file.with_name("checks.jsonl")
    checks = [c.text for c in load_checks(checks_file)] if checks_file.is_file() else None
    engine = assistant.embedder.engine
    result: dict = {"machine": {"cpus": _cpus(), "python": sys.version.split()[0]}, "repeats": repeats}
    result["engine"] = engine
    result.update(time_build(assistant, repeats))
    assistants = {engine: assistant}
    engines = {engine: assistant.settings.engine}
    if engine != REFERENCE:
        torch_settings = assistant.settings.with_(engine="torch")
        assistants[REFERENCE] = Assistant(
            assistant.store, open_embedder(torch_settings), assistant.weights, torch_settings
        )
        engines[REFERENCE] = "torch"
    result["engines"] = {
        name: time_cold_start(assistant, COLD_RUNS, questions[0], flag) for name, flag in engines.items()
    }
    for name, warm in time_warm(assistants, questions, repeats, checks).items():
        result["engines"][name].update(warm)
    result.update(result["engines"][engine])
    if checks:
        result["check_vs_ask"] = {
            "p50": result["check_p50_ms"] / result["warm_p50_ms"],
            "p95": result["check_p95_ms"] / result["warm_p95_ms"],
        }
    if engine != REFERENCE:
        ref = result["engines"][REFERENCE]
        result["vs_torch"] = {
            key: result[key] / ref[key]
            for key in ("cold_first_answer_s", "cold_cpu_s", "peak_rss_mb", "warm_p50_ms", "warm_p95_ms")
        }
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
        f"machine: {result['machine']['cpus']} CPUs, Python {result['machine']['python']}; medians of {result['repeats']} runs "
        f"({COLD_RUNS} for cold starts); question embeddings: {result['engine']}",
        f"index build (dossier, {result['embedded_texts']} texts embedded): {result['build_s']:.1f} s "
        f"[target <= {t['build_s']} s: {mark(result['build_s'], t['build_s'])}]",
    ]
    for name, e in result["engines"].items():
        lines += [
            f"{name}:",
            f"  cold `ask` in a new process (built index): {e['cold_first_answer_s']:.2f} s "
            f"[<= {t['cold_first_answer_s']} s: {mark(e['cold_first_answer_s'], t['cold_first_answer_s'])}] "
            f"({e['cold_cpu_s']:.2f} s of CPU), "
            f"peak RSS {e['peak_rss_mb']:.0f} MB [<= {t['peak_rss_mb']} MB: {mark(e['peak_rss_mb'], t['peak_rss_mb'])}]",
            f"  warm answer latency over {e['warm_questions']} questions: p50 {e['warm_p50_ms']:.1f} ms "
            f"[<= {t['warm_p50_ms']}: {mark(e['warm_p50_ms'], t['warm_p50_ms'])}], p95 {e['warm_p95_ms']:.1f} ms "
            f"[<= {t['warm_p95_ms']}: {mark(e['warm_p95_ms'], t['warm_p95_ms'])}]",
        ]
    if "check_vs_ask" in result:
        r = result["check_vs_ask"]
        lines.append(
            f"check a quote ({result['engine']}, {result['check_texts']} texts of the check set, after each ask pass): "
            f"p50 {result['check_p50_ms']:.1f} ms, p95 {result['check_p95_ms']:.1f} ms; check / ask "
            f"p50 {r['p50']:.2f}x [<= {t['check_ratio']}: {mark(r['p50'], t['check_ratio'])}], "
            f"p95 {r['p95']:.2f}x [<= {t['check_ratio']}: {mark(r['p95'], t['check_ratio'])}]"
        )
    if "vs_torch" in result:
        r = result["vs_torch"]
        lines.append(
            f"{result['engine']} / torch: cold {r['cold_first_answer_s']:.2f}x (CPU {r['cold_cpu_s']:.2f}x), peak RSS {r['peak_rss_mb']:.2f}x, "
            f"warm p50 {r['warm_p50_ms']:.2f}x [<= {t['warm_ratio']}: {mark(r['warm_p50_ms'], t['warm_ratio'])}], "
            f"p95 {r['warm_p95_ms']:.2f}x [<= {t['warm_ratio']}: {mark(r['warm_p95_ms'], t['warm_ratio'])}]"
        )
    lines.append(f"this benchmark process: peak RSS {result['bench_process_rss_mb']:.0f} MB")
    lines += [
        "",
        "scale (synthetic copies of the dossier; vectors reused, see `retrieval.bench`):",
        f"{'size':>6} {'passages':>9} {'faiss':>14} {'index build':>12} {'+embedding (extrapolated)':>27} {'query p50':>10} {'query p95':>10}",
    ]
    for row in result["scale"]:
        emb = row["embedding_s_extrapolated"]
        lines.append(
            f"{row['factor']:>5}x {row['passages']:>9} {row['faiss']:>14} {row['index_build_s']:>10.2f} s "
            f"{(f'{emb:.0f} s' if emb else '-'):>27} {row['query_p50_ms']:>8.1f} ms {row['query_p95_ms']:>8.1f} ms"
            + (
                ""
                if row["factor"] < 100
                else f"  [p95 <= {t['scale_p95_ms']} ms: {mark(row['query_p95_ms'], t['scale_p95_ms'])}]"
            )
        )
    return "\n".join(lines)


def as_json(result: dict) -> str:
    return json.dumps(result, indent=2)
