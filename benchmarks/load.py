"""Load test: many concurrent clients asking the running app through gradio_client.

    python benchmarks/load.py                      # starts the app, 200 questions, 20 clients
    python benchmarks/load.py --url http://127.0.0.1:7860/ --pid 1234
    python benchmarks/load.py --requests 40 --clients 8

Loopback only; bounded in count and time. Prints errors, latency p50/p95/max,
the server's resident memory before and after and, when it starts the app, how
long after the start command the first answer came back.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval.evaluate import percentile  # noqa: E402
from retrieval.questions import load_questions  # noqa: E402


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run_load(url: str, questions: list[str], requests: int, clients: int, timeout_s: float = 600) -> dict:
    """``requests`` questions spread over ``clients`` threads, each with its own gradio_client."""
    from gradio_client import Client

    if not url.startswith(("http://127.", "http://localhost")):
        raise ValueError("the load test only runs against a loopback URL")
    local = threading.local()
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.time() + timeout_s

    def one(i: int) -> None:
        if time.time() > deadline:
            with lock:
                errors.append("skipped: time budget exhausted")
            return
        if not hasattr(local, "client"):
            local.client = Client(url, verbose=False)
        start = time.perf_counter()
        try:
            result = local.client.predict(questions[i % len(questions)], api_name="/ask")
            ok = isinstance(result, dict) and isinstance(result.get("answer"), str)
        except Exception as exc:
            ok, result = False, f"{type(exc).__name__}: {exc}"
        elapsed = (time.perf_counter() - start) * 1000
        with lock:
            latencies.append(elapsed)
            if not ok:
                errors.append(str(result)[:200])

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one, range(requests)))
    wall = time.perf_counter() - started
    values = sorted(latencies)
    return {
        "requests": requests,
        "clients": clients,
        "errors": len(errors),
        "error_samples": errors[:5],
        "p50_ms": percentile(values, 50),
        "p95_ms": percentile(values, 95),
        "max_ms": values[-1] if values else 0.0,
        "wall_s": wall,
        "throughput_qps": requests / wall if wall else 0.0,
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


READY = "app: ready to answer"  # app.py serves its page at once and logs this once it can answer


def start_app() -> tuple[subprocess.Popen, str]:
    """The app on a free loopback port, returned once it answers questions (not just its page)."""
    port = _free_port()
    # The log outlives this function: the app writes to it until the benchmark stops it.
    log = tempfile.NamedTemporaryFile(prefix="load-app-", suffix=".log", delete=False)  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "app.py", "--port", str(port)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log
    )
    url = f"http://127.0.0.1:{port}/"
    for _ in range(6000):  # polled every 0.1 s: the first-answer figure is not rounded up by the poll
        if proc.poll() is not None:
            raise SystemExit(
                "the app exited during start-up: " + Path(log.name).read_text(errors="replace")[-500:]
            )
        if READY in Path(log.name).read_text(errors="replace"):
            return proc, url
        time.sleep(0.1)
    proc.kill()
    raise SystemExit("the app did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="a running app (default: start one)")
    parser.add_argument("--pid", type=int, help="the running app's process id, for its memory")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--questions", default=str(ROOT / "eval" / "questions.jsonl"))
    parser.add_argument(
        "--warmup", type=int, default=0, help="questions asked first, not measured (fills caches)"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    questions = [q.question for q in load_questions(Path(args.questions))]
    proc = None
    url, pid = args.url, args.pid
    first_answer_s = None
    if not url:
        started = time.perf_counter()
        proc, url = start_app()
        pid = proc.pid
        run_load(url, questions[:1], 1, 1)
        first_answer_s = time.perf_counter() - started
    try:
        if args.warmup:
            run_load(url, questions, args.warmup, args.clients)
        before = rss_mb(pid) if pid else float("nan")
        result = run_load(url, questions, args.requests, args.clients)
        time.sleep(1)
        result["rss_before_mb"], result["rss_after_mb"] = before, (rss_mb(pid) if pid else float("nan"))
        result["first_answer_s"] = first_answer_s
    finally:
        if proc:
            proc.terminate()
            proc.wait(timeout=30)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"{result['requests']} questions from {result['clients']} concurrent clients in {result['wall_s']:.1f} s "
            f"({result['throughput_qps']:.1f}/s): {result['errors']} errors; latency p50 {result['p50_ms']:.0f} ms, "
            f"p95 {result['p95_ms']:.0f} ms, max {result['max_ms']:.0f} ms; server RSS "
            f"{result['rss_before_mb']:.0f} MB before, {result['rss_after_mb']:.0f} MB after"
        )
        if first_answer_s is not None:
            print(f"first answer {first_answer_s:.2f} s after the app was started")
        for sample in result["error_samples"]:
            print(f"  error: {sample}")
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
