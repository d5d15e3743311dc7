"""A check against an ask, in one run: is checking a quote within twice the time of answering?

    python benchmarks/check.py                 # every check-set text and every question, 3 rounds
    python benchmarks/check.py --rounds 1 --json

One assistant (model and index loaded once, warmed up), then rounds that
time every question of eval/questions.jsonl through ``ask`` and every text of
eval/checks.jsonl through ``check``, interleaved so that both see the same
machine load. The query-vector cache is emptied before each call so that no
round is faster for having seen a text before. Prints p50 / p95 / mean of
each and the ratios; the target is check p50 and p95 <= 2 x ask's.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval.check_eval import load_checks  # noqa: E402
from retrieval.evaluate import percentile  # noqa: E402
from retrieval.questions import load_questions  # noqa: E402

TARGET_RATIO = 2.0


def measure(assistant, questions: list[str], texts: list[str], rounds: int) -> dict:
    ask_ms: list[float] = []
    check_ms: list[float] = []
    by_verdict: dict[str, list[float]] = {}
    assistant.check(
        texts[0]
    )  # builds the checker (folded documents) once, as a server would at its first check
    assistant.ask(questions[0])
    for _ in range(rounds):
        for n in range(max(len(questions), len(texts))):
            if n < len(questions):
                assistant.forget_questions()
                t0 = time.perf_counter()
                assistant.ask(questions[n])
                ask_ms.append((time.perf_counter() - t0) * 1000)
            if n < len(texts):
                assistant.forget_questions()
                t0 = time.perf_counter()
                result = assistant.check(texts[n])
                ms = (time.perf_counter() - t0) * 1000
                check_ms.append(ms)
                by_verdict.setdefault(result.claims[0].verdict, []).append(ms)

    def summary(values: list[float]) -> dict:
        return {
            "n": len(values),
            "p50_ms": round(percentile(sorted(values), 50), 1),
            "p95_ms": round(percentile(sorted(values), 95), 1),
            "mean_ms": round(statistics.fmean(values), 1),
        }

    ask, check = summary(ask_ms), summary(check_ms)
    ratios = {key: round(check[key] / ask[key], 2) for key in ("p50_ms", "p95_ms", "mean_ms")}
    return {
        "ask": ask,
        "check": check,
        "check_by_verdict": {v: summary(ms) for v, ms in sorted(by_verdict.items())},
        "ratio": ratios,
        "target_ratio": TARGET_RATIO,
        "met": ratios["p50_ms"] <= TARGET_RATIO and ratios["p95_ms"] <= TARGET_RATIO,
    }


def text(result: dict) -> str:
    lines = ["                     n    p50 ms   p95 ms  mean ms"]
    rows = [("ask", result["ask"]), ("check", result["check"])]
    rows += [(f"  check, {v}", s) for v, s in result["check_by_verdict"].items()]
    for name, s in rows:
        lines.append(f"{name:<18} {s['n']:>4}  {s['p50_ms']:>7}  {s['p95_ms']:>7}  {s['mean_ms']:>7}")
    r = result["ratio"]
    verdict = "met" if result["met"] else "MISSED"
    lines.append(
        f"check / ask: p50 {r['p50_ms']}x, p95 {r['p95_ms']}x, mean {r['mean_ms']}x "
        f"(target <= {result['target_ratio']}x: {verdict})"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--questions", default=str(ROOT / "eval" / "questions.jsonl"))
    parser.add_argument("--checks", default=str(ROOT / "eval" / "checks.jsonl"))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be positive")
    from retrieval.pipeline import Assistant

    assistant = Assistant.open()
    questions = [q.question for q in load_questions(Path(args.questions))]
    texts = [c.text for c in load_checks(Path(args.checks))]
    result = measure(assistant, questions, texts, args.rounds)
    print(json.dumps(result, indent=2) if args.json else text(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
