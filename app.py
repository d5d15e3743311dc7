"""The chat: ask the dossier in French or English, read verbatim quotes and open their sources.

    python app.py                       # http://127.0.0.1:7860, builds the index on first run
    python app.py --host 0.0.0.0 --port 8080
    python app.py --mcp                 # also an MCP server exposing the `ask` and `check_quote` tools

The port answers at once: while the model loads and the index is built, the page
says so and the chat starts answering as soon as they are ready.

Environment: RETRIEVAL_HOST, RETRIEVAL_PORT, RETRIEVAL_CONCURRENCY, RETRIEVAL_QUEUE_SIZE,
and the RETRIEVAL_* settings of the CLI (the same flags: --corpus, --index, --store, --model,
--cache, --threshold, --quiet). With --store postgresql://…, many app processes serve from
one database while `retrieval add` / `remove` / `build --store` change it.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import sys
import threading
from pathlib import Path

from retrieval.chat_view import (
    PAGE,
    Turn,
    conversation_html,
    esc,
    make_check_turn,
    make_turn,
    panel_html,
)
from retrieval.cli import chat_parser, settings_from_args
from retrieval.config import Settings
from retrieval.corpus import CorpusError, load_corpus, read_settings
from retrieval.embedder import ModelError, prepare_environment
from retrieval.http_limits import MAX_REQUEST_BYTES, RequestLimits
from retrieval.store.base import Contents, DocumentError, IndexProblem

HERE = Path(__file__).resolve().parent
WEB = HERE / "web"
CONCURRENCY = (
    4  # questions answered at once: one answer is ~30 ms of CPU, 2 cores, so more only queues inside
)
QUEUE_SIZE = 256  # questions waiting beyond that; the next one is refused with "retry in 5 seconds"
BOX_MAX_CHARS = 20_000  # a pasted page fits in the box and gets the "question cut" notice (cut at 1,000)
EXAMPLES_SHOWN = 8
STATUS_POLL_S = 1.0  # how often a page opened during the build asks whether the chat is ready
LOOPBACK_NAMES = {"localhost"}
DEFAULT_TITLE = "Questions sur le dossier"
# The two modes of the box: ask a question, or check a quote attributed to the dossier.
MODES = [("Poser une question / Ask", "ask"), ("Vérifier une citation / Check a quote", "check")]
PLACEHOLDERS = {
    "ask": "Votre question… / Your question…",
    "check": "Collez une phrase attribuée au dossier… / Paste a sentence attributed to the dossier…",
}


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a port number (1-65535; --port or RETRIEVAL_PORT)"
        ) from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (1-65535; --port or RETRIEVAL_PORT)")
    return port


def _count(name: str, env: str, high: int):
    def parse(value: str) -> int:
        try:
            n = int(value)
        except ValueError:
            n = 0
        if not 1 <= n <= high:
            raise argparse.ArgumentTypeError(
                f"{name} takes a whole number from 1 to {high} ({env}), not {value!r}"
            )
        return n

    return parse


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = chat_parser("Chat with the dossier (answers quote it, with sources).")
    env = os.environ.get
    parser.add_argument(
        "--host", default=env("RETRIEVAL_HOST", "127.0.0.1"), help="default 127.0.0.1 (env RETRIEVAL_HOST)"
    )
    parser.add_argument(
        "--port", type=_port, default=env("RETRIEVAL_PORT", "7860"), help="default 7860 (env RETRIEVAL_PORT)"
    )
    parser.add_argument(
        "--concurrency",
        type=_count("--concurrency", "RETRIEVAL_CONCURRENCY", 64),
        default=env("RETRIEVAL_CONCURRENCY", str(CONCURRENCY)),
        help=f"questions answered at once (env RETRIEVAL_CONCURRENCY, default {CONCURRENCY})",
    )
    parser.add_argument(
        "--queue-size",
        type=_count("--queue-size", "RETRIEVAL_QUEUE_SIZE", 100_000),
        default=env("RETRIEVAL_QUEUE_SIZE", str(QUEUE_SIZE)),
        help=f"questions that may wait; beyond, a client is told to retry (env RETRIEVAL_QUEUE_SIZE, default {QUEUE_SIZE})",
    )
    parser.add_argument(
        "--mcp", action="store_true", help="also serve the `ask` and `check_quote` tools over MCP"
    )
    parser.add_argument(
        "--share", action="store_true", help="create a public gradio.live link (off by default)"
    )
    return parser.parse_args(argv)


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_warning(host: str) -> str | None:
    """What binding to a non-loopback address exposes, or None for loopback."""
    if is_loopback(host):
        return None
    return (
        f"listening on {host}: anyone who can reach this machine on the network can use the chat and its API "
        "(there is no login)"
    )


class Chat:
    """The assistant behind the page and the API; one model and index for every session.

    The assistant loads in a thread (`start`), so the server answers while the index is built;
    `ready` says when questions can be answered, `error` why loading failed.
    """

    def __init__(self, load) -> None:
        self._load = load
        self.assistant = None
        self._views: tuple[Contents | None, dict[str, str], dict] = (None, {}, {})
        self.ready = threading.Event()
        self.failed = threading.Event()
        self.error: str | None = None

    def start(self) -> None:
        threading.Thread(target=self._open, name="load-assistant", daemon=True).start()

    def _open(self) -> None:
        try:
            assistant = self._load()
        except (CorpusError, IndexProblem, ModelError, OSError, ValueError) as exc:
            self.error = str(exc)
            self.failed.set()
            return
        self.assistant = assistant
        self.ready.set()

    def _view(self) -> tuple[dict[str, str], dict]:
        """Document texts and passages by id of the store's current state (a PostgreSQL store
        another process adds to changes under the chat), rebuilt when that state changes."""
        contents = self.assistant.index
        if self._views[0] is not contents:
            self._views = (
                contents,
                {d.name: d.text for d in contents.documents},
                {p.passage_id: p for p in contents.passages},
            )
        return self._views[1], self._views[2]

    @property
    def documents(self) -> dict[str, str]:
        return self._view()[0] if self.assistant else {}

    @property
    def passages(self) -> dict:
        """Passage id -> Passage, to show a check's sources in context."""
        return self._view()[1] if self.assistant else {}

    def names(self) -> list[str]:
        """The documents one can restrict a conversation to."""
        return sorted(self.documents)

    def answer(self, question: str, previous: str | None = None, documents: list[str] | None = None):
        """The answer from ``documents`` only when given (DocumentError naming an unknown one)."""
        return self.assistant.ask(question, previous=previous, documents=documents or None)

    def check(self, text):
        """A CheckResult for ``text``; CheckError (a QuestionError) if there is nothing to check."""
        return self.assistant.check(text)


class HistoryError(ValueError):
    """`history` of an API call is not a list of turns."""


def build_ui(chat: Chat, examples: list[str], title: str = DEFAULT_TITLE):
    import gradio as gr

    from retrieval.check_render import check_json
    from retrieval.pipeline import QuestionError
    from retrieval.render import to_json

    def refused(message: str) -> gr.Error:
        return gr.Error(
            message, print_exception=False
        )  # a refused question is one line in the log, not a traceback

    def respond(question: str, turns: list[Turn], previous: str | None, mode: str = "ask", documents=None):
        turns = list(turns or [])
        if not chat.ready.is_set():
            return question, turns, previous, conversation_html(turns, PAGE["busy"]), gr.skip()
        checking = mode == "check"
        if not isinstance(question, str) or not question.strip():
            empty = PAGE["empty_check" if checking else "empty_question"]
            return "", turns, previous, conversation_html(turns, empty), gr.skip()
        if checking:  # a check leaves the follow-up context (`previous`) as it was
            try:
                result = chat.check(question)
            except QuestionError:
                return question, turns, previous, conversation_html(turns, PAGE["no_words_check"]), gr.skip()
            turns.append(make_check_turn(result, len(turns), chat.documents, chat.passages))
            return "", turns, previous, conversation_html(turns), panel_html(turns)
        try:
            answer = chat.answer(question, previous, documents)
        except QuestionError:
            return question, turns, previous, conversation_html(turns, PAGE["no_words"]), gr.skip()
        except DocumentError as exc:  # a document removed from the store since the page listed it
            return question, turns, previous, conversation_html(turns, str(exc)), gr.skip()
        turns.append(make_turn(answer, len(turns), chat.documents))
        return "", turns, answer.asked, conversation_html(turns), panel_html(turns)

    def new_conversation():
        return "", [], None, conversation_html([]), panel_html([]), gr.update(value=[])

    def ask(question: str, history: list | None = None, documents: list[str] | None = None) -> dict:
        """Answer a question about the dossier by quoting it word for word, with numbered citations.

        The result is the JSON object that `python -m retrieval ask --json` prints. Its "answer" holds verbatim quotes of the dossier, each followed by a marker such as [1], or a plain statement that the dossier does not answer. Its "confidence" is high when the quotes answer the question, low when they are only the closest the dossier comes, and none when it does not answer. Its "citations" give for each marker the passage id, the document, the page, the section and the exact quote. Its "passages" list the ranked passages with their text.

        Args:
            question: The question, in French or in English, as plain text of up to 1,000 characters.
            history: Optional earlier turns of the conversation, oldest first. Each turn is either a string or a message with a role and a content. The last user question gives its context to an elliptic follow-up such as "Et pour Toulouse ?".
            documents: Optional names of the documents to answer from (all when empty or absent); every citation then comes from one of them.
        """
        if not chat.ready.is_set():
            raise refused("the index is being built: retry in a few seconds")
        try:
            previous = last_user_question(history)
        except HistoryError as exc:
            raise refused(str(exc)) from None
        if documents is not None and not (
            isinstance(documents, list) and all(isinstance(d, str) for d in documents)
        ):
            raise refused("documents must be a list of document names")
        try:
            answer = chat.answer(question if isinstance(question, str) else "", previous, documents)
        except (QuestionError, DocumentError) as exc:
            raise refused(str(exc)) from None
        return to_json(answer)

    def check_quote(text: str) -> dict:
        """Check a sentence attributed to the dossier (a quote heard in a speech or read in an article) against the dossier's exact words.

        The result is the JSON object that `python -m retrieval check --json` prints: the input, then one claim per sentence of it, each with a verdict. "verbatim" means the sentence is the dossier's own words (case, apostrophes, spaces and the quotation marks around it aside), and "source" gives the exact quote with its passage id, document, page, section and character offsets. "altered" means it is a dossier sentence with words changed, added or dropped: "source" is the dossier's sentence, "diff" the word diff as [op, text] pairs (equal and delete pieces are the dossier's text, insert pieces the claim's words), and "changed" lists every change with its kind (number, date, name or word), what the input says and what the dossier says. "paraphrase" means it is not the dossier's words but is close in meaning to some of its sentences; nothing proves the dossier says it, so "source" is null and "related" holds the closest dossier sentences to read and compare. "absent" means the dossier does not say it: "source" is null and "related" holds the closest passages as reading only. A text longer than 4,000 characters is cut there and the result carries a "notice".

        Args:
            text: The sentence or short paragraph to check, in French or in English, as plain text of up to 4,000 characters.
        """
        if not chat.ready.is_set():
            raise refused("the index is being built: retry in a few seconds")
        try:
            result = chat.check(text)
        except QuestionError as exc:
            raise refused(str(exc)) from None
        return check_json(result)

    def placeholder(mode: str):
        return gr.update(placeholder=PLACEHOLDERS.get(mode, PLACEHOLDERS["ask"]))

    def poll():
        """Each page asks on load, then every STATUS_POLL_S while the index is built: the notice shows
        only then; once ready, the document filter lists the store's documents."""
        if chat.ready.is_set():
            names = chat.names()
            return (
                gr.update(visible=False),
                gr.Timer(active=False),
                gr.update(choices=names, visible=len(names) > 1),
            )
        return gr.update(visible=True), gr.Timer(active=True), gr.skip()

    chat_js = (WEB / "chat.js").read_text(encoding="utf-8")
    chat_js = chat_js.replace("__COPY__", json.dumps(PAGE["copy"])).replace(
        "__COPIED__", json.dumps(PAGE["copied"])
    )
    with gr.Blocks(title=title, analytics_enabled=False) as demo:
        gr.HTML(
            f"<h2>{esc(title)}</h2><p>Posez une question en français ou en anglais : la réponse cite le dossier "
            "mot pour mot, avec ses sources ; cliquez sur un [n] pour voir le passage. "
            "« Vérifier une citation » compare une phrase attribuée au dossier à ses mots exacts. "
            "<em>Ask in French or English; answers quote the dossier word for word. "
            "“Check a quote” compares a sentence attributed to the dossier with its exact words.</em></p>",
            elem_id="intro",
        )
        status = gr.HTML(
            f'<p class="building" role="status">{esc(PAGE["building"])}</p>', elem_id="status", visible=False
        )
        turns = gr.State([])
        previous = gr.State(None)
        with gr.Row():
            with gr.Column(scale=3):
                conversation = gr.HTML(conversation_html([]), elem_id="chatbot", js_on_load=chat_js)
                mode = gr.Radio(
                    MODES,
                    value="ask",
                    show_label=False,
                    container=False,
                    elem_id="mode",
                    elem_classes=["mode"],
                )
                box = gr.Textbox(
                    placeholder=PLACEHOLDERS["ask"],
                    show_label=False,
                    lines=1,
                    max_length=BOX_MAX_CHARS,
                    elem_id="question",
                    submit_btn="Envoyer",
                )
                documents = gr.Dropdown(
                    [],
                    value=[],
                    multiselect=True,
                    label="Documents (tous si vide) / Documents (all when empty)",
                    elem_id="documents",
                    visible=False,
                )
                with gr.Row():
                    reset = gr.Button("Nouvelle conversation", size="sm", elem_id="new-conversation")
                    download = gr.Button("Télécharger la conversation", size="sm", elem_id="download")
                gr.Examples(examples=[[e] for e in examples], inputs=[box], label="Exemples / Examples")
            with gr.Column(scale=2):
                panel = gr.HTML(panel_html([]), elem_id="sources")
        box.submit(
            respond,
            [box, turns, previous, mode, documents],
            [box, turns, previous, conversation, panel],
            api_visibility="private",
        )
        mode.change(placeholder, mode, box, queue=False, api_visibility="private")
        reset.click(
            new_conversation,
            None,
            [box, turns, previous, conversation, panel, documents],
            api_visibility="private",
        )
        download.click(None, None, None, js="() => window.dossierDownload()", api_visibility="private")
        timer = gr.Timer(STATUS_POLL_S, active=False)
        timer.tick(poll, None, [status, timer, documents], queue=False, api_visibility="private")
        demo.load(poll, None, [status, timer, documents], queue=False, api_visibility="private")
        gr.api(ask, api_name="ask")
        gr.api(check_quote, api_name="check")  # the MCP tool takes the function's name, check_quote
    return demo


def last_user_question(history) -> str | None:
    """The last user question of an API history (strings, or {"role", "content"} messages)."""
    if history is None:
        return None
    if not isinstance(history, list):
        raise HistoryError("history must be a list of earlier turns (strings or role/content messages)")
    for turn in reversed(history):
        if isinstance(turn, str) and turn.strip():
            return turn
        if isinstance(turn, dict) and turn.get("role") == "user" and isinstance(turn.get("content"), str):
            return turn["content"]
    return None


def chat_settings(settings: Settings) -> dict:
    """The [chat] table of corpus.toml: title and examples."""
    chat = read_settings(settings.corpus_dir).get("chat", {})
    return chat if isinstance(chat, dict) else {}


def default_examples(settings: Settings) -> list[str]:
    """Examples from corpus.toml ([chat] examples), else one per section of the corpus."""
    configured = chat_settings(settings).get("examples")
    if configured:
        return [str(e) for e in configured][:EXAMPLES_SHOWN]
    documents, _ = load_corpus(settings.corpus_dir)
    sections = [title for d in documents for _, _, title in d.sections]
    return [f"Que dit le dossier sur « {title.split(' — ')[0][:60]} » ?" for title in sections[:4]]


def theme_and_css():
    """Gradio's theme with DejaVu Sans, shipped by matplotlib (a dependency): every glyph of the dossier
    (« » ’ € …, bold capitals) in one face, from this server, with no font CDN."""
    import gradio as gr
    import matplotlib

    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    regular, bold = fonts / "DejaVuSans.ttf", fonts / "DejaVuSans-Bold.ttf"
    css = (WEB / "chat.css").read_text(encoding="utf-8")
    css = css.replace("FONT_REGULAR", f"gradio_api/file={regular}").replace(
        "FONT_BOLD", f"gradio_api/file={bold}"
    )
    theme = gr.themes.Default(
        font=["DejaVu Sans", "ui-sans-serif", "system-ui", "sans-serif"],
        font_mono=["DejaVu Sans Mono", "ui-monospace", "monospace"],
    )
    return theme, css, [str(regular), str(bold)]


def json_tool_results(demo) -> None:
    """MCP tool results as JSON text: Gradio's MCP server sends str(result), a Python repr, for a dict."""
    server = demo.mcp_server_obj
    if server is None:
        return
    original = server.postprocess_output_data

    def postprocess(data, root_url):
        return original(
            [json.dumps(d, ensure_ascii=False) if isinstance(d, (dict, list)) else d for d in data], root_url
        )

    server.postprocess_output_data = postprocess


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # No usage statistics or version checks leave the machine.
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # with prepare_environment's below
    if warning := host_warning(args.host):
        print(f"app: warning: {warning}", file=sys.stderr, flush=True)
    try:
        settings = settings_from_args(args)
        prepare_environment(settings)
        title = str(chat_settings(settings).get("title") or DEFAULT_TITLE)
        examples = default_examples(settings)
    except (CorpusError, ValueError) as exc:
        print(f"app: error: {exc}", file=sys.stderr)
        return 1
    quiet = args.quiet
    log = (lambda m: None) if quiet else (lambda m: print(f"app: {m}", file=sys.stderr, flush=True))

    def load():
        from retrieval.pipeline import Assistant

        return Assistant.open(settings, progress=not quiet, log=log)

    from starlette.middleware import Middleware

    chat = Chat(load)
    # Loading starts before Gradio is imported and the page built: the model session and the
    # index files load while the interpreter imports Gradio, so the first answer comes sooner.
    chat.start()
    demo = build_ui(chat, examples, title)
    demo.queue(default_concurrency_limit=args.concurrency, max_size=args.queue_size)
    theme, css, font_files = theme_and_css()
    demo.launch(
        server_name=args.host,
        server_port=args.port,
        share=args.share,
        mcp_server=args.mcp,
        theme=theme,
        css=css,
        allowed_paths=font_files,
        max_file_size=1,  # no upload route is needed; RequestLimits refuses it before this applies
        app_kwargs={
            "middleware": [Middleware(RequestLimits, max_bytes=MAX_REQUEST_BYTES, queue_size=args.queue_size)]
        },
        footer_links=["api"],
        show_error=False,
        quiet=quiet,
        prevent_thread_lock=True,
    )
    json_tool_results(demo)
    try:
        while not chat.ready.wait(1.0) and not chat.failed.is_set():
            pass
        if chat.ready.is_set():
            log(f"ready to answer on {demo.local_url}")
        while not chat.failed.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        demo.close()
    if chat.error:
        print(f"app: error: {chat.error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
