"""Print and write evaluation reports: text table, JSON, Markdown with plots, TREC files."""

from __future__ import annotations

import json
from pathlib import Path

from .evaluate import Report

RETRIEVAL_COLUMNS = ("hit@1", "hit@5", "mrr@{k}", "ndcg@{k}", "recall@{k}")
FAILURE_CHARS = 300  # of an answer shown beside a failure: its first quote or two (the JSON has it whole)


def _pct(x: float) -> str:
    return f"{x:.3f}"


def retrieval_rows(report: Report) -> list[list[str]]:
    rows = []
    for retriever in report.retrievers:
        m = report.retrieval[retriever]
        rows.append([retriever] + [_pct(m.get(c.format(k=report.k), 0.0)) for c in RETRIEVAL_COLUMNS])
    return rows


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths))  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


def _markdown_table(header: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def _header(report: Report) -> list[str]:
    return ["retriever"] + [c.format(k=report.k) for c in RETRIEVAL_COLUMNS]


def _summary_lines(report: Report) -> list[str]:
    a, ab, lat = report.answers, report.abstention, report.latency
    n = len(report.results)
    return [
        f"questions: {n} ({a['answerable']} answerable, {ab['unanswerable']} unanswerable), k={report.k}, "
        f"answer from confidence {report.threshold:g}",
        f"answers: gold span in answer {_pct(a['span'])}, in the first quote {_pct(a['first_quote'])}, "
        f"quotes verbatim {_pct(a['verbatim'])}, "
        f"citation precision {_pct(a['citation_precision'])}, median length {a['median_words']:g} words",
        f"answered with confidence: {a['answered']}, of which {a['wrong_answers']} hold no gold span "
        f"(a wrong quote, or an answer to a question the dossier can't answer)",
        f"declined (confidence low or none): {ab['right']} right / {ab['wrong']} wrong of {ab['abstained']} "
        f"(precision {_pct(ab['precision'])}, recall {_pct(ab['recall'])}, "
        f"false abstentions {_pct(ab['false_abstention_rate'])} of answerable)",
        "latency ms (p50/p95): " + ", ".join(f"{s} {v['p50']:.1f}/{v['p95']:.1f}" for s, v in lat.items()),
    ]


def _breakdown_rows(groups: dict[str, dict[str, float]]) -> list[list[str]]:
    rows = []
    for name, row in groups.items():
        cells = [name, str(int(row["questions"]))]
        cells += [_pct(row[c]) if c in row else "" for c in ("hit@1", "hit@5", "span", "first_quote")]
        cells.append(str(int(row["wrongly_declined"])) if "wrongly_declined" in row else "")
        cells.append(_pct(row["abstained"]) if "abstained" in row else "")
        rows.append(cells)
    return rows


BREAKDOWN_HEADER = [
    "group",
    "questions",
    "hit@1",
    "hit@5",
    "span",
    "first quote",
    "wrongly declined",
    "declined (unanswerable)",
]


def report_text(report: Report) -> str:
    parts = [
        "Retrieval (answerable questions; relevant = passage holds a gold evidence string)",
        _table(_header(report), retrieval_rows(report)),
        "",
        *_summary_lines(report),
        "",
        "By kind",
        _table(BREAKDOWN_HEADER, _breakdown_rows(report.by_kind)),
        "",
        "By language",
        _table(BREAKDOWN_HEADER, _breakdown_rows(report.by_language)),
    ]
    failures = report.failures()
    parts += ["", f"Failures ({len(failures)})", *[failure_line(f) for f in failures]]
    return "\n".join(parts)


def failure_line(f: dict, markdown: bool = False) -> str:
    """One failure of ``Report.failures`` for a person: the question, what was expected, what came."""
    expected = f["expected"] if isinstance(f["expected"], str) else " | ".join(f["expected"])
    name, br = (f"**{f['id']}**", "  \n  ") if markdown else (f["id"], "\n    ")
    return f"- {name} {f['question']}{br}expected: {expected}{br}got: {f['got'][:FAILURE_CHARS]}"


def report_json(report: Report) -> dict:
    return {
        "questions": len(report.results),
        "k": report.k,
        "threshold": report.threshold,
        "retrieval": report.retrieval,
        "answers": report.answers,
        "abstention": report.abstention,
        "latency_ms": report.latency,
        "by_kind": report.by_kind,
        "by_language": report.by_language,
        "failures": report.failures(),
        "items": [
            {
                "id": r.item.id,
                "kind": r.item.kind,
                "split": r.item.split,
                "abstained": r.answer.abstained,
                "confidence": r.answer.confidence,
                "evidence": round(r.answer.evidence, 4),
                "span_hit": r.span_hit if r.item.answerable else None,
                "first_quote_hit": r.first_quote_hit if r.item.answerable else None,
                "first_relevant": {name: r.first_relevant(name) for name in report.retrievers},
            }
            for r in report.results
        ],
    }


# ------------------------------------------------------------ report folder


def write_trec(report: Report, folder: Path) -> None:
    """qrels (binary relevance) and one run file per retriever, for ir-measures / trec_eval."""
    with open(folder / "qrels.txt", "w", encoding="utf-8") as f:
        for r in report.results:
            for pid in sorted(r.relevant):
                f.write(f"{r.item.id} 0 {pid} 1\n")
    for retriever in report.retrievers:
        with open(folder / f"run-{retriever}.txt", "w", encoding="utf-8") as f:
            for r in report.results:
                if not (r.item.answerable and r.relevant):
                    continue
                ranking = r.rankings[retriever][: report.k]
                for rank, pid in enumerate(ranking, start=1):
                    f.write(f"{r.item.id} Q0 {pid} {rank} {len(ranking) - rank + 1} {retriever}\n")


def write_plots(report: Report, folder: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = []
    kinds = [k for k, row in report.by_kind.items() if "span" in row]
    fig, ax = plt.subplots(figsize=(7, 3.5))
    x = range(len(kinds))
    ax.bar([i - 0.2 for i in x], [report.by_kind[k]["hit@5"] for k in kinds], width=0.4, label="hit@5")
    ax.bar([i + 0.2 for i in x], [report.by_kind[k]["span"] for k in kinds], width=0.4, label="answer span")
    ax.set_xticks(list(x), kinds)
    ax.set_ylim(0, 1.05)
    ax.set_title("By kind of question")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(folder / "by-kind.png", dpi=110)
    plt.close(fig)
    names.append("by-kind.png")

    fig, ax = plt.subplots(figsize=(7, 3.5))
    totals = [r.answer.timings_ms.get("total", 0.0) for r in report.results]
    ax.hist(totals, bins=30, color="#4c72b0")
    ax.axvline(report.latency["total"]["p50"], color="black", linestyle="--", label="p50")
    ax.axvline(report.latency["total"]["p95"], color="red", linestyle="--", label="p95")
    ax.set_xlabel("answer latency (ms, warm)")
    ax.set_ylabel("questions")
    ax.legend()
    fig.tight_layout()
    fig.savefig(folder / "latency.png", dpi=110)
    plt.close(fig)
    names.append("latency.png")

    fig, ax = plt.subplots(figsize=(7, 3.5))
    pos = [r.answer.evidence for r in report.results if r.item.answerable]
    neg = [r.answer.evidence for r in report.results if not r.item.answerable]
    bins = 30
    ax.hist(pos, bins=bins, alpha=0.6, label="answerable", color="#55a868")
    ax.hist(neg, bins=bins, alpha=0.7, label="unanswerable", color="#c44e52")
    ax.axvline(
        report.threshold, color="black", linestyle="--", label=f"answer threshold {report.threshold:g}"
    )
    ax.set_xlabel("confidence: probability that the dossier answers")
    ax.set_ylabel("questions")
    ax.legend()
    fig.tight_layout()
    fig.savefig(folder / "evidence.png", dpi=110)
    plt.close(fig)
    names.append("evidence.png")
    return names


def write_report(report: Report, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_trec(report, folder)
    plots = write_plots(report, folder)
    (folder / "report.json").write_text(json.dumps(report_json(report), ensure_ascii=False, indent=2))
    failures = report.failures()
    md = [
        "# Evaluation report",
        "",
        _markdown_table(_header(report), retrieval_rows(report)),
        "",
        *[f"- {line}" for line in _summary_lines(report)],
        "",
        "## By kind",
        "",
        _markdown_table(BREAKDOWN_HEADER, _breakdown_rows(report.by_kind)),
        "",
        "## By language",
        "",
        _markdown_table(BREAKDOWN_HEADER, _breakdown_rows(report.by_language)),
        "",
        "## Plots",
        "",
        *[f"![{name}]({name})" for name in plots],
        "",
        f"## Failures ({len(failures)})",
        "",
    ]
    md += [failure_line(f, markdown=True) for f in failures]
    md += ["", "TREC files: `qrels.txt`, `run-<retriever>.txt` (check with ir-measures or trec_eval)."]
    (folder / "report.md").write_text("\n".join(md) + "\n", encoding="utf-8")
    return folder
