"""The question-answering pipeline: one object that the CLI, the chat and the evaluation share."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

from . import scoring
from .answer import AnswerParams, compose
from .config import MAX_QUESTION_CHARS, Settings
from .embedder import Embedder, open_embedder
from .followup import with_context
from .index import Index, open_index
from .records import Answer, Hit
from .search import Searcher
from .text import clean_question, language


class QuestionError(ValueError):
    """A question that can't be asked (empty once cleaned)."""


def prepare_question(raw: str) -> tuple[str, str | None]:
    """The question to ask and a notice if it had to be cut; QuestionError if empty."""
    if not isinstance(raw, str):
        raise QuestionError("the question must be text")
    question = clean_question(raw)
    if not question:
        raise QuestionError("the question is empty: type a question about the dossier")
    if not any(ch.isalnum() for ch in question):
        raise QuestionError("the question has no words: type a question about the dossier")
    notice = None
    if len(question) > MAX_QUESTION_CHARS:
        cut = question[:MAX_QUESTION_CHARS].rsplit(" ", 1)[0] or question[:MAX_QUESTION_CHARS]
        notice = f"question cut to its first {len(cut)} characters (limit {MAX_QUESTION_CHARS})"
        question = cut
    return question, notice


class Assistant:
    """Loads the model and the index once, then answers questions."""

    def __init__(
        self,
        settings: Settings | None = None,
        progress: bool = False,
        log: Callable[[str], None] = lambda message: None,
        rebuild: bool = False,
        answer_params: AnswerParams = AnswerParams(),
        embedder: Embedder | None = None,
    ) -> None:
        self.settings = settings or Settings()
        if embedder is not None and embedder.name != self.settings.model:
            raise ValueError(
                f"embedder {embedder.name!r} is not the configured model {self.settings.model!r}"
            )
        self.embedder = embedder or open_embedder(self.settings, rebuild=rebuild)
        self.index: Index = open_index(
            self.settings.corpus_dir,
            self.settings.index_dir,
            self.embedder,
            progress=progress,
            log=log,
            force=rebuild,
        )
        self.searcher = Searcher(self.index, self.embedder)
        self.answer_params = answer_params
        self.weights = _weights(self.settings)

    @classmethod
    def from_index(cls, index: Index, embedder: Embedder, settings: Settings | None = None) -> Assistant:
        """An assistant over an index built in memory (benchmarks, experiments)."""
        assistant = cls.__new__(cls)
        assistant.settings = settings or Settings()
        assistant.embedder = embedder
        assistant.index = index
        assistant.searcher = Searcher(index, embedder)
        assistant.answer_params = AnswerParams()
        assistant.weights = _weights(assistant.settings)
        return assistant

    def search(self, question: str, k: int = 10, retriever: str = "hybrid") -> list[Hit]:
        question, _ = prepare_question(question)
        return self.searcher.search(self.searcher.encode(question), k=k, retriever=retriever)

    def retrieve(self, question: str, k: int = 10, retriever: str = "hybrid", previous: str | None = None):
        """The query (with the previous question for a follow-up) and the passages it retrieves."""
        context = with_context(question, clean_question(previous)[:MAX_QUESTION_CHARS] if previous else None)
        query = self.searcher.encode(question, context)
        return query, self.searcher.search(query, k=max(k, self.answer_params.passages), retriever=retriever)

    def ask(
        self, question: str, k: int = 10, retriever: str = "hybrid", previous: str | None = None
    ) -> Answer:
        """Answer ``question`` from the dossier, or abstain; QuestionError if it is empty.

        ``previous`` is the question asked just before, in a conversation: an
        elliptic follow-up ("Et pour Toulouse ?") is searched with it.
        """
        t0 = time.perf_counter()
        question, notice = prepare_question(question)
        query, hits = self.retrieve(question, k, retriever, previous)
        t1 = time.perf_counter()
        answer = compose(
            question, query, hits, self.index, language(question), self.weights, self.answer_params
        )
        t2 = time.perf_counter()
        answer.hits = answer.hits[:k]
        answer.notice = notice
        answer.asked = query.text
        answer.timings_ms = {
            "retrieval": round((t1 - t0) * 1000, 2),
            "answer": round((t2 - t1) * 1000, 2),
            "total": round((t2 - t0) * 1000, 2),
        }
        return answer

    def check(self, text: str):
        """Check a quote attributed to the dossier, sentence by sentence (``retrieval.check``)."""
        from .check import check

        return check(self, text)


def _weights(settings: Settings) -> scoring.Weights:
    """The fitted weights, with the answer threshold of the settings when one is set."""
    weights = scoring.load_weights()
    if settings.threshold is not None:
        weights = replace(weights, high=settings.threshold, low=min(weights.low, settings.threshold))
    return weights
