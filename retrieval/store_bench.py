"""`retrieval bench --store URL`: both stores side by side at 1x, 100x and 1,000x the dossier.

For each size: the build time (documents put one by one, as `retrieval add` puts
them; embeddings reused, see below), the retrieval latency of the question set
(p50/p95 of the hybrid search, dense + BM25 + fusion, the question vectors computed
beforehand: the answerer's own work does not grow with the store), the memory the
store takes in this process (and on disk or in the database), and recall@10 of the
dense ranking against exact search over the same vectors.

Synthetic copies are distinct documents: in each, one word in ten is replaced by
another word of the dossier of the same length (offsets, sentences and passages
unchanged, so citations stay valid), and each passage vector gets Gaussian noise
(NOISE per dimension, then renormalised: cosine about 0.93 with the original, so a
copy's nearest neighbours are still its own passage and its topic). Sentence and
word vectors are reused. Embedding a real corpus of that size would add the time
extrapolated from the dossier's measured throughput.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from .config import Settings
from .embedder import Embedder
from .evaluate import percentile
from .passages import SplitParams
from .search import Query, Searcher
from .store.base import Ingested, Store
from .store.files import FileStore, build

NOISE = 0.02  # per-dimension standard deviation of the noise added to each copied passage vector
REPLACED = 0.1  # share of words replaced in each copy
RECALL_K = 10
_WORD = re.compile(r"[^\W\d_]{2,}")


def _rss_mb() -> float:
    """This process's resident memory now (not its peak)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _perturb(text: str, rng: random.Random) -> str:
    """``text`` with one word in 1/REPLACED swapped for another of its words of the same length."""
    by_length: dict[int, list[str]] = {}
    for w in sorted(set(_WORD.findall(text))):
        by_length.setdefault(len(w), []).append(w)

    def swap(m: re.Match) -> str:
        return rng.choice(by_length[len(m.group())]) if rng.random() < REPLACED else m.group()

    return _WORD.sub(swap, text)


def synthetic_parts(parts: list[Ingested], copies: int, seed: int = 0) -> list[Ingested]:
    """``copies`` distinct copies of every document of ``parts`` (see the module docstring)."""
    rng = random.Random(seed)
    noise = np.random.default_rng(seed)
    out = []
    for copy in range(copies):
        for part in parts:
            doc = part.document
            text = _perturb(doc.text, rng)
            name = f"synthetic-copy-{copy:04d}/{doc.name}"
            copied = replace(doc, name=name, title=f"{doc.title} (synthetic copy {copy})", text=text)
            passages = [
                replace(
                    p,
                    passage_id=f"{p.passage_id}~{copy}",
                    document=name,
                    title=copied.title,
                    text=text[p.start : p.end],
                    sentences=tuple(replace(s, text=text[s.start : s.end]) for s in p.sentences),
                )
                for p in part.passages
            ]
            vectors = part.passage_vectors + noise.normal(0, NOISE, part.passage_vectors.shape).astype(
                np.float32
            )
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            out.append(
                replace(
                    part, document=copied, passages=passages, passage_vectors=vectors, checksum=f"copy-{copy}"
                )
            )
    return out


def _latency(store: Store, searcher: Searcher, queries: list[Query]) -> tuple[float, float]:
    contents = store.contents()
    times = []
    for query in queries:
        t0 = time.perf_counter()
        searcher.search(query, k=10, contents=contents)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return percentile(times, 50), percentile(times, 95)


def _recall(store: Store, vectors: np.ndarray, queries: list[Query]) -> float:
    """Mean share of the exact top RECALL_K (inner product over ``vectors``) the store's dense ranking returns."""
    contents = store.contents()
    found = []
    for query in queries:
        exact = set(np.argsort(-(vectors @ query.vector))[:RECALL_K].tolist())
        got = {i for i, _ in store.dense(contents, query.vector, RECALL_K)}
        found.append(len(exact & got) / RECALL_K)
    return float(statistics.mean(found))


def _files(parts: list[Ingested], manifest: dict) -> tuple[FileStore, float, float, str]:
    folder = Path(tempfile.mkdtemp(prefix="bench-files-"))
    before = _rss_mb()
    t0 = time.perf_counter()
    store = FileStore.from_parts(parts, manifest)
    store.save(folder)
    seconds = time.perf_counter() - t0
    disk = sum(p.stat().st_size for p in store.folder.rglob("*") if p.is_file()) / 2**20
    store.contents()
    memory = _rss_mb() - before
    shutil.rmtree(folder, ignore_errors=True)
    return store, seconds, memory, f"{disk:.0f} MB on disk ({store.dense_index.kind})"


def _postgres(parts: list[Ingested], url: str, embedder: Embedder):
    from .store.postgres import PostgresStore

    store = PostgresStore.connect(url, embedder)
    held = store.held()
    if any(not name.startswith("synthetic-copy-") for name in held):
        raise ValueError(f"bench --store needs a database of its own: {url} holds the corpus's documents")
    store.put([], list(held))
    store.record_model(embedder, SplitParams())
    t0 = time.perf_counter()
    store.put(parts)
    store.conn.execute("VACUUM ANALYZE passages")
    store.conn.execute("VACUUM ANALYZE postings")
    seconds = time.perf_counter() - t0
    before = _rss_mb()
    store.contents()
    memory = _rss_mb() - before
    size = store.conn.execute("SELECT pg_database_size(current_database())").fetchone()[0] / 2**20
    return store, seconds, memory, f"{size:.0f} MB in the database (pgvector hnsw)"


def run(
    settings: Settings, embedder: Embedder, questions: list[str], url: str, factors: tuple[int, ...]
) -> dict:
    """Build both stores at each size and measure them; the dossier is embedded once."""
    t0 = time.perf_counter()
    base = build(settings.corpus_dir, embedder)
    embed_s = time.perf_counter() - t0
    base_parts = base.parts()
    searcher = Searcher(base, embedder)
    queries = [searcher.encode(q) for q in questions]
    rows = []
    for factor in factors:
        parts = synthetic_parts(base_parts, factor)
        vectors = np.concatenate([p.passage_vectors for p in parts])
        passages = len(vectors)
        for kind in ("files", "postgresql"):
            if kind == "files":
                store, seconds, memory, size = _files(parts, base.manifest)
            else:
                store, seconds, memory, size = _postgres(parts, url, embedder)
            p50, p95 = _latency(store, Searcher(store, embedder), queries)
            rows.append(
                {
                    "store": kind,
                    "factor": factor,
                    "documents": len(parts),
                    "passages": passages,
                    "build_s": seconds,
                    "build_s_per_1k_passages": seconds / passages * 1000,
                    "query_p50_ms": p50,
                    "query_p95_ms": p95,
                    "memory_mb": memory,
                    "size": size,
                    f"recall@{RECALL_K}": _recall(store, vectors, queries),
                    "embedding_s_extrapolated": embed_s * factor,
                }
            )
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)  # a long run's figures so far
            del store
    return {"questions": len(queries), "noise": NOISE, "replaced": REPLACED, "rows": rows}


def text(result: dict) -> str:
    lines = [
        f"stores at scale: synthetic copies of the dossier (one word in {round(1 / result['replaced'])} replaced, "
        f"vector noise sd {result['noise']} per dimension, renormalised); {result['questions']} questions, "
        "hybrid retrieval (dense + BM25 + fusion) timed, question vectors precomputed",
        f"{'store':<11} {'size':>6} {'passages':>9} {'build':>9} {'per 1k':>8} {'p50':>8} {'p95':>8} "
        f"{'memory':>9} {'recall@10':>10}  storage",
    ]
    for r in result["rows"]:
        lines.append(
            f"{r['store']:<11} {r['factor']:>5}x {r['passages']:>9} {r['build_s']:>7.1f} s {r['build_s_per_1k_passages']:>6.2f} s "
            f"{r['query_p50_ms']:>6.1f}ms {r['query_p95_ms']:>6.1f}ms {r['memory_mb']:>6.0f} MB {r['recall@10']:>10.3f}  {r['size']}"
        )
    lines.append(
        "build excludes embedding (vectors reused); a real corpus adds about the dossier's embedding time per copy."
    )
    return "\n".join(lines)
