"""The question-answering pipeline: one object that the CLI, the chat and the evaluation share."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection
from dataclasses import replace

from . import scoring
from .answer import AnswerParams, compose
from .config import MAX_QUESTION_CHARS, Settings
from .embedder import Embedder, open_embedder
from .followup import with_context
from .glossary import GLOSSARY
from .records import Answer, Hit
from .search import Query, Searcher
from .store.base import Contents, Store
from .store.select import open_store
from .text import clean_question, prepare_input

# Searches of one question while other processes keep changing the store (see ``Assistant._searched``).
SEARCH_TRIES = 3


class QuestionError(ValueError):
    """A question that can't be asked (empty once cleaned)."""


def prepare_question(raw: str) -> tuple[str, str | None]:
    """The question to ask and a notice if it had to be cut; QuestionError if empty."""
    return prepare_input(
        raw, MAX_QUESTION_CHARS, QuestionError, "question", "type a question about the dossier"
    )


def load_weights(settings: Settings) -> scoring.Weights:
    """The fitted weights, with the answer threshold of the settings when one is set."""
    weights = scoring.load_weights()
    if settings.threshold is not None:
        weights = replace(weights, high=settings.threshold, low=min(weights.low, settings.threshold))
    return weights


class Assistant:
    """Answers questions from a store with an embedder; ``Assistant.open`` loads both from settings.

    Safe to share between threads (the chat answers several sessions at once):
    questions are embedded one at a time, since a model's tokenizer is not safe
    to share between threads, and a check, which embeds as it goes, runs alone.
    Everything else only reads the store: each question reads one state of it (``Contents``)
    from search to citations, so a document added meanwhile is either wholly there or not.
    """

    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        weights: scoring.Weights,
        settings: Settings | None = None,
        params: AnswerParams = AnswerParams(),
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.weights = weights
        self.settings = settings or Settings()
        self.params = params
        self.searcher = Searcher(store, embedder)
        self._lock = threading.RLock()  # re-entrant: a check may embed through the same assistant

    @classmethod
    def open(
        cls,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        progress: bool = False,
        log: Callable[[str], None] = lambda message: None,
        rebuild: bool = False,
    ) -> Assistant:
        """The model of ``settings`` (or ``embedder``, which must be that model) and its store
        (``settings.store``); the file store is loaded if up to date, else (re)built."""
        settings = settings or Settings()
        if embedder is not None and embedder.name != settings.model:
            raise ValueError(f"embedder {embedder.name!r} is not the configured model {settings.model!r}")
        embedder = embedder or open_embedder(settings, rebuild=rebuild)
        store = open_store(settings, embedder, progress=progress, log=log, rebuild=rebuild)
        GLOSSARY.keep_in(settings.cache_dir)
        return cls(store, embedder, load_weights(settings), settings)

    @property
    def index(self) -> Contents:
        """The store's current contents (what one question reads)."""
        return self.store.contents()

    def with_weights(self, weights: scoring.Weights) -> Assistant:
        """The same store and model answering with other weights (cross-validation)."""
        return type(self)(self.store, self.embedder, weights, self.settings, self.params)

    def query(self, question: str, previous: str | None = None, contents: Contents | None = None) -> Query:
        """What ``ask`` searches for ``question``: with the previous question for a follow-up;
        QuestionError if it is empty."""
        question, _ = prepare_question(question)
        return self._query(contents or self.index, question, previous)

    def _query(self, contents: Contents, question: str, previous: str | None) -> Query:
        context = with_context(question, clean_question(previous)[:MAX_QUESTION_CHARS] if previous else None)
        with self._lock:
            return self.searcher.encode(question, context, contents)

    def retrieve(
        self,
        query: Query,
        k: int = 10,
        retriever: str = "hybrid",
        documents: frozenset[str] | None = None,
        contents: Contents | None = None,
    ) -> list[Hit]:
        """The passages ``query`` retrieves (of ``documents`` only, when given): at least as many
        as the answerer reads."""
        contents = contents or self.index
        return self.searcher.search(
            query, k=max(k, self.params.passages), retriever=retriever, documents=documents, contents=contents
        )

    def _searched(
        self, question: str, previous: str | None, k: int, retriever: str, documents: Collection[str] | None
    ) -> tuple[Contents, Query, list[Hit]]:
        """The contents a question reads and the passages it retrieves from them, of one state.

        A store that other processes write to (PostgreSQL) ranks passages as they are when it is
        asked; when a document was added or removed since the contents were read, the question is
        searched again on the new contents, up to ``SEARCH_TRIES`` times (writes are rare).
        """
        contents = self.index
        for attempt in range(1, SEARCH_TRIES + 1):
            chosen = contents.check_names(documents)
            query = self._query(contents, question, previous)
            hits = self.retrieve(query, k, retriever, chosen, contents)
            now = self.index
            if now is contents or attempt == SEARCH_TRIES:  # the last try answers from what it read
                break
            contents = now
        return contents, query, hits

    def search(
        self,
        question: str,
        k: int = 10,
        retriever: str = "hybrid",
        previous: str | None = None,
        documents: Collection[str] | None = None,
    ) -> list[Hit]:
        """The top ``k`` passages for ``question``, searched as ``ask`` searches it."""
        question, _ = prepare_question(question)
        return self._searched(question, previous, k, retriever, documents)[2][:k]

    def ask(
        self,
        question: str,
        k: int = 10,
        retriever: str = "hybrid",
        previous: str | None = None,
        documents: Collection[str] | None = None,
    ) -> Answer:
        """Answer ``question`` from the dossier, or abstain; QuestionError if it is empty,
        DocumentError if ``documents`` names a document the store doesn't hold.

        ``previous`` is the question asked just before, in a conversation: an
        elliptic follow-up ("Et pour Toulouse ?") is searched with it. ``documents``
        restricts the passages searched, hence the citations, to those documents.
        """
        t0 = time.perf_counter()
        question, notice = prepare_question(question)
        contents, query, hits = self._searched(question, previous, k, retriever, documents)
        t1 = time.perf_counter()
        answer = compose(query, hits, contents, self.weights, self.params)
        t2 = time.perf_counter()
        timings = {
            "retrieval": round((t1 - t0) * 1000, 2),
            "answer": round((t2 - t1) * 1000, 2),
            "total": round((t2 - t0) * 1000, 2),
        }
        return replace(answer, hits=answer.hits[:k], notice=notice, timings_ms=timings)

    def check(self, text: str):
        """Check a quote attributed to the dossier, sentence by sentence (``retrieval.check``)."""
        from .check import check

        with self._lock:
            return check(self, text)

    def forget_questions(self) -> None:
        """Empty the cache of question vectors (benchmarks time real embeddings)."""
        self.searcher.vector.cache_clear()
