"""Measure `check` on a check set (`eval/checks.jsonl`, written by `eval/make_checks.py`).

One case per line::

    {"id": "c075", "text": "…", "kind": "number_changed", "expect": "altered",
     "source": "exact dossier substring" | null, "changed": [{"kind": "number", "input": "400", "dossier": "360"}],
     "split": "dev"}

Besides the accuracy of the verdict per expected verdict and per kind, the
three figures the issue sets targets for:

* **changed number or date caught**: a number_changed or date_changed case
  called altered, with every expected change reported with its kind;
* **verbatim or cut found**: called verbatim, the source being the expected
  slice of the dossier (ends' punctuation aside);
* **fabricated kept out**: a fabricated sentence called absent or paraphrase
  (never verbatim or altered, which would claim a source).
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from dataclasses import dataclass, field, fields
from pathlib import Path

from .check import VERDICTS, Claim, check
from .questions import QuestionSetError
from .text import normalize_space

KINDS = (
    "verbatim",
    "cut",
    "number_changed",
    "date_changed",
    "name_changed",
    "reordered",
    "dropped",
    "paraphrase_fr",
    "paraphrase_en",
    "fabricated",
)
TARGETS = {"changed number or date caught": 0.98, "verbatim or cut found": 0.98, "fabricated kept out": 0.95}
_ENDS = ' .,;:…«»"“”()'


@dataclass(frozen=True)
class Case:
    id: str
    text: str
    kind: str
    expect: str
    source: str | None
    changed: tuple[dict, ...]
    split: str


def load_checks(path: Path, split: str | None = None) -> list[Case]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise QuestionSetError(f"cannot read check set {path}: {exc}") from exc
    cases = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            changed = tuple(d.get("changed", []))
            case = Case(d["id"], d["text"], d["kind"], d["expect"], d.get("source"), changed, d["split"])
        except (ValueError, KeyError, TypeError) as exc:
            raise QuestionSetError(
                f"{path}:{number}: not a check case ({exc.__class__.__name__}: {exc})"
            ) from exc
        if case.kind not in KINDS or case.expect not in VERDICTS:
            raise QuestionSetError(f"{path}:{number}: unknown kind {case.kind!r} or verdict {case.expect!r}")
        if split is None or case.split == split:
            cases.append(case)
    return cases


def _norm(text: str) -> str:
    return normalize_space(text).lower().strip(_ENDS)


@dataclass
class Outcome:
    case: Case
    claims: list[Claim]
    ms: float

    @property
    def verdict(self) -> str:
        """The verdict on the whole text: the one claim's, or the worst of several."""
        order = {v: n for n, v in enumerate(VERDICTS)}
        return max((c.verdict for c in self.claims), key=order.__getitem__)

    @property
    def correct(self) -> bool:
        return self.verdict == self.case.expect

    @property
    def found(self) -> bool:
        """Verbatim, and the source is the expected slice (or the claims' sources cover it, in order)."""
        if self.verdict != "verbatim" or not self.case.source:
            return False
        quotes = " ".join(c.source.quote for c in self.claims if c.source)
        return _norm(quotes) == _norm(self.case.source)

    @property
    def caught(self) -> bool:
        """Altered, the source at the expected sentence, each expected change reported with its kind."""
        if self.verdict != "altered" or not self.case.source:
            return False
        claim = self.claims[0]
        if claim.source is None or _norm(claim.source.quote) not in _norm(self.case.source):
            return False
        return all(any(_same(expected, c) for c in claim.changed) for expected in self.case.changed)

    @property
    def kept_out(self) -> bool:
        return all(c.verdict in ("absent", "paraphrase") and c.source is None for c in self.claims)

    @property
    def related_hit(self) -> bool:
        """For a paraphrase: the sentence it paraphrases is among those shown."""
        want = _norm(self.case.source or "")
        return bool(want) and any(want in _norm(r.quote) for c in self.claims for r in c.related)


def _same(expected: dict, change) -> bool:
    if change.kind != expected["kind"]:
        return False
    a, b = _norm(expected["input"]), _norm(change.input)
    c, d = _norm(expected["dossier"]), _norm(change.dossier)
    return bool(a and b and c and d) and (a in b or b in a) and (c in d or d in c)


@dataclass
class CheckReport:
    outcomes: list[Outcome]
    # The summary, in the order `eval --checks --json` prints it.
    targets: dict[str, dict] = field(default_factory=dict)
    by_verdict: dict[str, dict] = field(default_factory=dict)
    by_kind: dict[str, dict] = field(default_factory=dict)
    latency_ms: dict[str, float] = field(default_factory=dict)

    def failures(self) -> list[dict]:
        return [
            {
                "id": o.case.id,
                "kind": o.case.kind,
                "expect": o.case.expect,
                "got": o.verdict,
                "text": o.case.text,
            }
            for o in self.outcomes
            if not o.correct
        ]


def run(assistant, cases: list[Case]) -> CheckReport:
    outcomes = []
    for case in cases:
        result = check(assistant, case.text)
        outcomes.append(Outcome(case, list(result.claims), result.timings_ms["total"]))
    report = CheckReport(outcomes)
    groups: dict[str, list[Outcome]] = defaultdict(list)
    kinds: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        groups[o.case.expect].append(o)
        kinds[o.case.kind].append(o)
    for verdict in VERDICTS:
        if groups[verdict]:
            got = defaultdict(int)
            for o in groups[verdict]:
                got[o.verdict] += 1
            report.by_verdict[verdict] = {
                "n": len(groups[verdict]),
                "accuracy": _share(o.correct for o in groups[verdict]),
                "called": dict(got),
            }
    for kind in KINDS:
        if kinds[kind]:
            report.by_kind[kind] = {"n": len(kinds[kind]), "accuracy": _share(o.correct for o in kinds[kind])}
    changed = kinds["number_changed"] + kinds["date_changed"]
    found = kinds["verbatim"] + kinds["cut"]
    fabricated = kinds["fabricated"]
    figures = {
        "changed number or date caught": (changed, lambda o: o.caught),
        "verbatim or cut found": (found, lambda o: o.found),
        "fabricated kept out": (fabricated, lambda o: o.kept_out),
    }
    for name, (group, test) in figures.items():
        if group:
            value = _share(test(o) for o in group)
            target = TARGETS[name]
            report.targets[name] = {"n": len(group), "value": value, "target": target, "met": value >= target}
    paraphrases = kinds["paraphrase_fr"] + kinds["paraphrase_en"]
    if paraphrases:
        report.targets["paraphrase: paraphrased sentence shown"] = {
            "n": len(paraphrases),
            "value": _share(o.related_hit for o in paraphrases),
            "target": None,
            "met": None,
        }
    ms = sorted(o.ms for o in outcomes)
    report.latency_ms = {
        "p50": round(statistics.median(ms), 1),
        "p95": round(ms[int(0.95 * (len(ms) - 1))], 1),
    }
    return report


def _share(values) -> float:
    values = list(values)
    return round(sum(values) / len(values), 3) if values else 0.0


def report_json(report: CheckReport) -> dict:
    summary = {f.name: getattr(report, f.name) for f in fields(report) if f.name != "outcomes"}
    return {"cases": len(report.outcomes), **summary, "failures": report.failures()}


def report_text(report: CheckReport) -> str:
    lines = [
        f"{len(report.outcomes)} check cases",
        "",
        "target                                  n   value  target",
    ]
    for name, t in report.targets.items():
        mark = "" if t["met"] is None else ("  ok" if t["met"] else "  MISSED")
        target = "" if t["target"] is None else f"≥ {t['target']:.2f}"
        lines.append(f"{name:<38} {t['n']:>3}  {t['value']:.3f}  {target}{mark}")
    lines += ["", "expected verdict   n   accuracy  called"]
    for verdict, v in report.by_verdict.items():
        called = ", ".join(f"{k} {n}" for k, n in sorted(v["called"].items()))
        lines.append(f"{verdict:<16} {v['n']:>3}   {v['accuracy']:.3f}    {called}")
    lines += ["", "kind of case       n   accuracy"]
    for kind, v in report.by_kind.items():
        lines.append(f"{kind:<16} {v['n']:>3}   {v['accuracy']:.3f}")
    lines += ["", f"latency per check: p50 {report.latency_ms['p50']} ms, p95 {report.latency_ms['p95']} ms"]
    failures = report.failures()
    if failures:
        lines += ["", f"wrong verdicts ({len(failures)}):"]
        for f in failures:
            lines.append(
                f"  {f['id']} {f['kind']}: expected {f['expect']}, got {f['got']} — {f['text'][:90]}"
            )
    return "\n".join(lines)
