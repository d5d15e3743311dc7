"""Run a question set through the real pipeline and measure retrieval, answers and abstention.

Relevance is judged from the question set alone: a passage is relevant when
it contains one of the question's evidence strings (whitespace and
apostrophes normalised), so the figures hold whatever the chunking.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from .pipeline import Assistant
from .questions import Item
from .records import Answer, Passage
from .search import RETRIEVERS
from .text import normalize_space


@dataclass
class Result:
    """One question's outcome."""

    item: Item
    relevant: set[str]  # ids of the passages holding the evidence
    rankings: dict[str, list[str]]  # retriever -> ranked passage ids
    answer: Answer

    def first_relevant(self, retriever: str) -> int | None:
        for rank, pid in enumerate(self.rankings[retriever], start=1):
            if pid in self.relevant:
                return rank
        return None

    @property
    def span_hit(self) -> bool:
        text = normalize_space(self.answer.text).lower()
        found = (normalize_space(a).lower() in text for a in self.item.answers)
        return all(found) if self.item.require_all else any(found)

    @property
    def declined(self) -> bool:
        """A "low" answer (the closest the dossier comes) counts as declined, like "none"."""
        return self.answer.confidence != "high"

    @property
    def first_quote_hit(self) -> bool:
        """The first quote, the answer itself, holds a gold span."""
        if self.declined or not self.answer.citations:
            return False
        quote = normalize_space(self.answer.citations[0].quote).lower()
        return any(normalize_space(a).lower() in quote for a in self.item.answers)

    @property
    def correct(self) -> bool:
        """Answered with a gold span, or (for a question the dossier can't answer) declined."""
        return (not self.declined and self.span_hit) if self.item.answerable else self.declined

    @property
    def verbatim(self) -> bool:
        return all(normalize_space(c.quote) in normalize_space(c.passage.text) for c in self.answer.citations)

    @property
    def words(self) -> int:
        return sum(len(c.quote.split()) for c in self.answer.citations)


@dataclass
class Report:
    results: list[Result]
    k: int
    retrievers: tuple[str, ...]
    threshold: float
    retrieval: dict[str, dict[str, float]] = field(default_factory=dict)
    answers: dict[str, float] = field(default_factory=dict)
    abstention: dict[str, float] = field(default_factory=dict)
    latency: dict[str, dict[str, float]] = field(default_factory=dict)
    by_kind: dict[str, dict[str, float]] = field(default_factory=dict)
    by_language: dict[str, dict[str, float]] = field(default_factory=dict)

    def failures(self) -> list[dict]:
        out = []
        for r in self.results:
            if r.item.answerable and (r.declined or not r.span_hit):
                got = f"({r.answer.confidence}) {r.answer.text}" if r.declined else r.answer.text
                out.append(
                    {
                        "id": r.item.id,
                        "question": r.item.question,
                        "expected": list(r.item.answers),
                        "got": got,
                    }
                )
            elif not r.item.answerable and not r.declined:
                out.append(
                    {
                        "id": r.item.id,
                        "question": r.item.question,
                        "expected": "(abstain)",
                        "got": r.answer.text,
                    }
                )
        return out


def relevant_passages(item: Item, passages: list[Passage]) -> set[str]:
    evidence = [normalize_space(e) for e in item.evidence]
    return {p.passage_id for p in passages if any(e in normalize_space(p.text) for e in evidence)}


def run(
    assistant: Assistant,
    items: list[Item],
    k: int = 10,
    retrievers: tuple[str, ...] = RETRIEVERS,
    context: dict[str, Item] | None = None,
) -> Report:
    """Ask every question once (answers come from the first retriever listed); a follow-up's
    previous question is looked up in ``context`` (default: ``items``)."""
    by_id = context or {i.id: i for i in items}
    results = []
    for item in items:
        previous = by_id[item.context].question if item.context and item.context in by_id else None
        answer = assistant.ask(item.question, k=k, retriever=retrievers[0], previous=previous)
        rankings = {retrievers[0]: [h.passage.passage_id for h in answer.hits]}
        for retriever in retrievers[1:]:  # the query ``ask`` searched, ranked by the others
            hits = assistant.search(item.question, k=k, retriever=retriever, previous=previous)
            rankings[retriever] = [h.passage.passage_id for h in hits]
        results.append(Result(item, relevant_passages(item, assistant.index.passages), rankings, answer))
    report = Report(results, k, retrievers, assistant.weights.high)
    summarize(report)
    return report


def summarize(report: Report) -> None:
    results = report.results
    report.retrieval = {r: retrieval_metrics(results, r, report.k) for r in report.retrievers}
    report.answers = answer_metrics(results)
    report.abstention = abstention_metrics(results)
    report.latency = latency(results)
    report.by_kind = _breakdown(results, lambda r: r.item.kind, report.retrievers[0], report.k)
    report.by_language = _breakdown(results, lambda r: r.item.language, report.retrievers[0], report.k)


def retrieval_metrics(results: list[Result], retriever: str, k: int) -> dict[str, float]:
    """hit@1, hit@5, MRR@k, nDCG@k and recall@k over answerable questions (binary relevance)."""
    judged = [r for r in results if r.item.answerable and r.relevant]
    if not judged:
        return {}
    out: dict[str, float] = {"questions": len(judged)}
    for cutoff in (1, 5):
        out[f"hit@{cutoff}"] = _mean(
            1.0 if (r.first_relevant(retriever) or k + 1) <= cutoff else 0.0 for r in judged
        )
    out[f"mrr@{k}"] = _mean(1.0 / rank if (rank := r.first_relevant(retriever)) else 0.0 for r in judged)
    out[f"ndcg@{k}"] = _mean(_ndcg(r.rankings[retriever][:k], r.relevant) for r in judged)
    out[f"recall@{k}"] = _mean(
        len(set(r.rankings[retriever][:k]) & r.relevant) / len(r.relevant) for r in judged
    )
    return out


def _ndcg(ranking: list[str], relevant: set[str]) -> float:
    dcg = sum(1.0 / math.log2(i + 2) for i, pid in enumerate(ranking) if pid in relevant)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(relevant), len(ranking))))
    return dcg / ideal if ideal else 0.0


def answer_metrics(results: list[Result]) -> dict[str, float]:
    answerable = [r for r in results if r.item.answerable]
    answered = [r for r in results if not r.declined]
    cited = [c for r in results for c in r.answer.citations]
    return {
        "answerable": len(answerable),
        "span": _mean(1.0 if r.correct else 0.0 for r in answerable),
        "first_quote": _mean(1.0 if r.first_quote_hit else 0.0 for r in answerable),
        "verbatim": _mean(1.0 if r.verbatim else 0.0 for r in results if r.answer.citations),
        "citation_precision": _mean(
            1.0 if normalize_space(c.quote) in normalize_space(c.passage.text) else 0.0 for c in cited
        ),
        "median_words": statistics.median([r.words for r in answered]) if answered else 0.0,
        # What a reader risks: answers given with confidence "high" that hold no gold span
        # (a wrong quote, or any answer to a question the dossier can't answer).
        "answered": len(answered),
        "wrong_answers": sum(1 for r in answered if not r.correct),
    }


def abstention_metrics(results: list[Result]) -> dict[str, float]:
    """Declining = confidence "low" or "none": right for a question the dossier can't answer."""
    unanswerable = [r for r in results if not r.item.answerable]
    abstained = [r for r in results if r.declined]
    right = sum(1 for r in abstained if not r.item.answerable)
    answerable = [r for r in results if r.item.answerable]
    return {
        "unanswerable": len(unanswerable),
        "abstained": len(abstained),
        "right": right,
        "wrong": len(abstained) - right,
        "precision": right / len(abstained) if abstained else 0.0,
        "recall": right / len(unanswerable) if unanswerable else 0.0,
        "false_abstention_rate": (len(abstained) - right) / len(answerable) if answerable else 0.0,
    }


def latency(results: list[Result]) -> dict[str, dict[str, float]]:
    out = {}
    for stage in ("retrieval", "answer", "total"):
        values = sorted(r.answer.timings_ms.get(stage, 0.0) for r in results)
        out[stage] = {
            "p50": percentile(values, 50),
            "p95": percentile(values, 95),
            "max": values[-1] if values else 0.0,
        }
    return out


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return float(sorted_values[rank - 1])


def _breakdown(results: list[Result], key, retriever: str, k: int) -> dict[str, dict[str, float]]:
    groups: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        groups[key(r)].append(r)
    out = {}
    for name, rs in sorted(groups.items()):
        answerable = [r for r in rs if r.item.answerable]
        row: dict[str, float] = {"questions": len(rs)}
        if answerable:
            for cutoff in (1, 5):
                row[f"hit@{cutoff}"] = _mean(
                    1.0 if (r.first_relevant(retriever) or k + 1) <= cutoff else 0.0 for r in answerable
                )
            row["span"] = _mean(1.0 if r.correct else 0.0 for r in answerable)
            row["first_quote"] = _mean(1.0 if r.first_quote_hit else 0.0 for r in answerable)
            row["wrongly_declined"] = sum(1 for r in answerable if r.declined)
        unanswerable = [r for r in rs if not r.item.answerable]
        if unanswerable:
            row["abstained"] = _mean(1.0 if r.declined else 0.0 for r in unanswerable)
        out[name] = row
    return out


def _mean(values) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0
