"""Check the evaluation question set against the cleaned corpus, without running the assistant.

Every evidence and answer string must be an exact substring of a cleaned document (after
``normalize_space``), each answer near one of its evidence strings (same passage region), ids
unique, follow-ups placed after their context and in its split, kinds and splits valid, and the
per-kind quotas of issue 8 met. Prints one line per failure and a summary; exit code 1 on failure.

    PYTHONPATH=$PWD .venv/bin/python eval/check_questions.py [eval/questions.jsonl] [corpus]
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from retrieval.corpus import load_corpus
from retrieval.questions import KINDS, SPLITS
from retrieval.text import normalize_space

# Issue 8 point 6 asks for these minimum counts per kind over the whole file (with margin).
QUOTAS = {"paraphrase": 65, "english": 65, "unanswerable": 55, "followup": 32, "list": 32, "entity": 32}
MIN_TOTAL = 420
# An answer must lie within this many characters of one of its evidence strings: about one
# table row with its description, so that the evidence really identifies the answer's passage.
NEAR = 1500
LIST_ITEMS = (2, 6)


def _occurrences(text: str, needle: str) -> list[int]:
    found, start = [], text.find(needle)
    while start >= 0:
        found.append(start)
        start = text.find(needle, start + 1)
    return found


def check(lines: list[str], texts: list[str]) -> tuple[list[str], list[dict]]:
    """Return the failures (one message each) and the parsed records."""
    failures: list[str] = []
    records: list[dict] = []
    seen: dict[str, dict] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError as exc:
            failures.append(f"line {number}: not JSON ({exc})")
            continue
        records.append(rec)
        qid = rec.get("id", f"line {number}")
        fail = lambda msg, qid=qid: failures.append(f"{qid}: {msg}")  # noqa: E731
        if qid in seen:
            fail("duplicate id")
        kind, split = rec.get("kind"), rec.get("split")
        if kind not in KINDS:
            fail(f"unknown kind {kind!r}")
        if split not in SPLITS:
            fail(f"unknown split {split!r}")
        if rec.get("language") not in ("fr", "en"):
            fail(f"language must be fr or en, not {rec.get('language')!r}")
        if kind == "english" and rec.get("language") != "en":
            fail("an english question must have language en")
        if not str(rec.get("question", "")).strip():
            fail("empty question")
        evidence, answers = rec.get("evidence", []), rec.get("answers", [])
        if kind == "unanswerable":
            if evidence or answers:
                fail("an unanswerable question has empty evidence and answers")
        elif not evidence or not answers:
            fail("an answerable question needs evidence and answers")
        context = rec.get("context")
        if kind == "followup":
            if not context:
                fail("a follow-up needs a context id")
            elif context not in seen:
                fail(f"context {context} is not an earlier question")
            elif seen[context].get("split") != split:
                fail(f"follow-up split {split} differs from its context's {seen[context].get('split')}")
        elif context and context not in seen:
            fail(f"context {context} is not an earlier question")
        if "require" in rec:
            if rec["require"] != "all" or kind not in ("list", "english"):
                fail("require 'all' is for list questions only")
            elif not LIST_ITEMS[0] <= len(answers) <= LIST_ITEMS[1]:
                fail(f"a list question names {LIST_ITEMS[0]} to {LIST_ITEMS[1]} items, not {len(answers)}")
        places: list[tuple[int, int]] = []  # (document index, position) of each evidence occurrence
        for ev in evidence:
            norm = normalize_space(ev)
            hits = [(d, p) for d, text in enumerate(texts) for p in _occurrences(text, norm)]
            if not hits:
                fail(f"evidence not in corpus: {ev!r}")
            places += hits
        for ans in answers:
            norm = normalize_space(ans)
            hits = [(d, p) for d, text in enumerate(texts) for p in _occurrences(text, norm)]
            if not hits:
                fail(f"answer not in corpus: {ans!r}")
            elif places and not any(d == e and abs(p - q) <= NEAR for d, p in hits for e, q in places):
                fail(f"answer {ans!r} is not near its evidence")
        seen[qid] = rec
    return failures, records


def summary(records: list[dict]) -> list[str]:
    kinds = Counter(r.get("kind") for r in records)
    out = [f"{len(records)} questions"]
    for kind in KINDS:
        per = Counter(r.get("split") for r in records if r.get("kind") == kind)
        out.append(f"  {kind:13} {kinds[kind]:4}  dev {per['dev']:3}  test {per['test']:3}")
    splits = Counter(r.get("split") for r in records)
    out.append(f"  {'all':13} {len(records):4}  dev {splits['dev']:3}  test {splits['test']:3}")
    return out


def quota_failures(records: list[dict]) -> list[str]:
    kinds = Counter(r.get("kind") for r in records)
    failures = [f"quota: {k} has {kinds[k]}, needs {n}" for k, n in QUOTAS.items() if kinds[k] < n]
    if len(records) < MIN_TOTAL:
        failures.append(f"quota: {len(records)} questions, needs {MIN_TOTAL}")
    return failures


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else Path("eval/questions.jsonl")
    folder = Path(argv[1]) if len(argv) > 1 else Path("corpus")
    documents, _ = load_corpus(folder)
    texts = [normalize_space(doc.text) for doc in documents]
    failures, records = check(path.read_text(encoding="utf-8").splitlines(), texts)
    failures += quota_failures(records)
    for line in summary(records):
        print(line)
    for failure in failures:
        print("FAIL", failure)
    print("ok" if not failures else f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
