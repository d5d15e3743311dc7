"""retrieval.pipeline: the Assistant composed from its parts (the tiny index, the fake model through
`open_embedder`), its questions, follow-ups, thread safety, and the input cleaner of retrieval.text."""

from __future__ import annotations

import dataclasses
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from retrieval.config import MAX_QUESTION_CHARS
from retrieval.pipeline import SEARCH_TRIES, Assistant, QuestionError, load_weights, prepare_question
from retrieval.text import prepare_input

BUDGET = "Quel est le budget du plan vélo ?"


def test_composing_an_assistant_reads_and_writes_nothing(fake_index, fake_embedder, fake_settings, tmp_path):
    nowhere = fake_settings.with_(corpus_dir=tmp_path / "no-corpus", index_dir=tmp_path / "no-index")
    assistant = Assistant(fake_index, fake_embedder, load_weights(fake_settings), nowhere)
    assert assistant.ask(BUDGET).citations[0].quote == "Le budget du plan est de 12 M€."
    assert list(tmp_path.iterdir()) == []


def test_the_package_exports_the_assistant():
    import retrieval

    assert retrieval.Assistant is Assistant


def test_ask_returns_a_frozen_answer_cut_to_k_with_its_timings(fake_assistant):
    answer = fake_assistant.ask(BUDGET, k=2)
    assert len(answer.hits) == 2 and answer.notice is None and answer.asked == BUDGET
    assert set(answer.timings_ms) == {"retrieval", "answer", "total"}
    assert answer.timings_ms["total"] >= answer.timings_ms["retrieval"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        answer.hits = []  # type: ignore[misc]


def test_a_follow_up_is_searched_with_the_previous_question_and_a_new_topic_alone(fake_assistant):
    follow = fake_assistant.ask("Et les bus ?", previous=BUDGET)
    assert follow.asked == f"{BUDGET} Et les bus ?"
    # the plan's passage is found by the previous question's words, which the follow-up lacks
    alone_too = fake_assistant.ask("Et les bus ?")

    def plan(answer):
        return next(h for h in answer.hits if h.passage.passage_id == "notes#s001")

    assert plan(follow).lexical_score > 0 and not plan(alone_too).lexical_score
    assert plan(follow).dense_score > plan(alone_too).dense_score
    alone = fake_assistant.ask("Quand ouvrira la ligne de tramway ?", previous=BUDGET)
    assert alone.asked == "Quand ouvrira la ligne de tramway ?"


def test_search_ranks_the_query_ask_searches(fake_assistant):
    query = fake_assistant.query("Et les bus ?", previous=BUDGET)
    assert query.text == fake_assistant.ask("Et les bus ?", previous=BUDGET).asked
    hits = fake_assistant.search("Et les bus ?", k=2, retriever="bm25", previous=BUDGET)
    direct = fake_assistant.searcher.search(query, k=2, retriever="bm25")
    assert [h.passage.passage_id for h in hits] == [h.passage.passage_id for h in direct]


def test_an_overlong_question_is_cut_at_a_word_with_a_notice(fake_assistant):
    answer = fake_assistant.ask("budget " * 400)
    assert len(answer.question) <= MAX_QUESTION_CHARS and answer.question.endswith("budget")
    assert (
        answer.notice
        == f"question cut to its first {len(answer.question)} characters (limit {MAX_QUESTION_CHARS})"
    )


@pytest.mark.parametrize("question", ["", "   ", "?!…", "\u200b\u2028", None])
def test_an_empty_question_is_refused_before_anything_is_searched(fake_assistant, question):
    with pytest.raises(QuestionError):
        fake_assistant.ask(question)


def test_the_input_cleaner_words_its_messages_for_what_it_cleans():
    assert prepare_input("  a\u00adb\tc ", 10, KeyError, "text to check", "paste one") == ("ab c", None)
    with pytest.raises(KeyError, match="the text to check is empty: paste one"):
        prepare_input(" ", 10, KeyError, "text to check", "paste one")
    with pytest.raises(QuestionError, match="the question has no words: type a question"):
        prepare_question("« ? »")
    with pytest.raises(QuestionError, match="the question must be a string"):
        prepare_question(42)  # type: ignore[arg-type]
    assert prepare_input("un deux trois", 9, KeyError, "text to check", "") == (
        "un deux",
        "text cut to its first 7 characters (limit 9)",
    )


def test_other_weights_make_another_assistant_over_the_same_index(fake_assistant):
    never = dataclasses.replace(fake_assistant.weights, high=1.1, low=1.1)
    strict = fake_assistant.with_weights(never)
    assert strict.index is fake_assistant.index and strict.embedder is fake_assistant.embedder
    assert strict.ask(BUDGET).abstained and not fake_assistant.ask(BUDGET).abstained


class _OneAtATime:
    """The fake model, recording how many threads are inside it at once (a tokenizer allows one)."""

    def __init__(self, inner):
        self.inner, self.inside, self.most = inner, 0, 0
        self.name, self.dim, self.engine = inner.name, inner.dim, inner.engine
        self._count = threading.Lock()

    def queries(self, texts):
        with self._count:
            self.inside += 1
            self.most = max(self.most, self.inside)
        time.sleep(0.002)  # long enough for another thread to come in if nothing stops it
        try:
            return self.inner.queries(texts)
        finally:
            with self._count:
                self.inside -= 1

    def passages(self, texts, progress=False):
        return self.inner.passages(texts)

    def probe(self):
        return self.inner.probe()


def test_threads_share_one_assistant_and_the_model_sees_one_question_at_a_time(fake_assistant):
    model = _OneAtATime(fake_assistant.embedder)
    shared = Assistant(fake_assistant.store, model, fake_assistant.weights, fake_assistant.settings)
    questions = [f"{q} {i}" for i in range(12) for q in (BUDGET, "Quand ouvrira le tramway ?")]
    alone = [fake_assistant.ask(q).text for q in questions]
    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(lambda q: shared.ask(q).text, questions))
    assert together == alone
    assert model.most == 1


class _Moving:
    """The tiny store, as another process changes it once: the contents read after the first
    search are a new state (``store.contents()`` moves, as PostgreSQL's does after a write)."""

    def __init__(self, store) -> None:
        self.store, self.states, self.searched = store, [store.contents()], []

    def contents(self):
        return self.states[-1]

    always = False  # a write lands during every search, not only the first

    def dense(self, contents, *args, **kwargs):
        self.searched.append(contents)
        if len(self.states) == 1 or self.always:  # a write lands while the search runs
            self.states.append(dataclasses.replace(contents))
        return self.store.dense(contents, *args, **kwargs)

    def lexical(self, contents, *args, **kwargs):
        return self.store.lexical(contents, *args, **kwargs)


def test_a_question_searched_while_the_store_moved_is_searched_again_on_the_new_state(
    fake_index, fake_embedder, fake_settings
):
    moving = _Moving(fake_index)
    assistant = Assistant(moving, fake_embedder, load_weights(fake_settings), fake_settings)
    answer = assistant.ask(BUDGET)
    # searched once on each state, in order
    assert [id(c) for c in moving.searched] == [id(c) for c in moving.states]
    assert answer.citations
    still = _Moving(fake_index)
    still.states.append(still.states[0])  # nothing moves: one search
    Assistant(still, fake_embedder, load_weights(fake_settings), fake_settings).ask(BUDGET)
    assert len(still.searched) == 1
    busy = _Moving(fake_index)
    busy.always = True  # never still: after the last try, the answer is of the state it searched
    contents, _, hits = Assistant(busy, fake_embedder, load_weights(fake_settings), fake_settings)._searched(
        BUDGET, None, 5, "hybrid", None
    )
    assert len(busy.searched) == SEARCH_TRIES and contents is busy.searched[-1]
