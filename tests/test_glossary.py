"""retrieval.glossary: English lemmas of the dossier's French words through Apertium's dictionaries,
and what a failing or missing Apertium leaves (the embedding word map alone)."""

from __future__ import annotations

import logging
import subprocess

import numpy as np
import pytest

from retrieval import crosslingual, glossary
from retrieval.crosslingual import Vocabulary
from retrieval.glossary import Glossary, lemmas, translate
from retrieval.lexical import analyze

needs_apertium = pytest.mark.skipif(
    not glossary.available(),
    reason="Apertium's dictionaries are not installed (apt-get install apertium-fr-es apertium-eng-spa; "
    ".ci/run installs them)",
)


@pytest.mark.parametrize(
    ("word", "lemma"),
    [
        ("schools", "school"),
        ("studies", "study"),
        ("based", "base"),
        ("hiring", "hire"),
        ("spring", "spring"),
    ],
)
def test_an_english_word_is_tried_as_the_lemmas_it_may_be_a_form_of(word, lemma):
    assert lemma in lemmas(word)
    assert lemmas(word)[0] == word  # the word itself first


def test_short_words_are_not_stripped_below_three_letters():
    assert lemmas("bus") == ["bus"]
    assert lemmas("ties") == ["ties", "tie"]  # not "t" nor "ti"


class StubGlossary:
    """The translations Apertium gives for a few dossier words (read from its output once)."""

    TRANSLATIONS = {
        "écoles": ("school",),
        "printemps": ("spring",),
        "siège": ("seat",),
        "recruter": ("hire",),
    }

    def english(self, words):
        return {w: self.TRANSLATIONS.get(w, ()) for w in words}


def test_english_question_words_bring_the_dossier_words_translated_as_them(monkeypatch):
    monkeypatch.setattr(crosslingual, "GLOSSARY", StubGlossary())
    vocabulary = Vocabulary(["écoles", "printemps", "siège", "recruter", "puissance"], np.zeros((5, 2)))
    assert vocabulary.english_terms(["schools", "spring", "hired", "power"]) == [
        *analyze("écoles"),
        *analyze("printemps"),
        *analyze("recruter"),
    ]  # "power": no dossier word is translated so
    assert vocabulary.english_terms([]) == []


@needs_apertium
def test_apertium_translates_the_dossier_words_through_spanish():
    english = translate(["écoles", "printemps", "étudiants", "capteurs", "xyzzyq"])
    assert "school" in english["écoles"]
    assert "spring" in english["printemps"]
    assert "student" in english["étudiants"]
    assert "sensor" in english["capteurs"]
    assert english["xyzzyq"] == ()  # a word Apertium doesn't know has no translation


def test_words_that_are_not_plain_letters_never_reach_apertium(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("lt-proc was called")

    monkeypatch.setattr(subprocess, "run", refuse)
    # the stream format gives ^ $ / < > @ # a meaning: such a "word" could inject units
    assert translate(["a^b$", "é/cole", "x<n>", "", "12"]) == {}


def test_a_failing_apertium_leaves_an_empty_glossary_and_a_warning(monkeypatch, caplog):
    def broken(words):
        raise subprocess.TimeoutExpired("lt-proc", glossary.TIMEOUT_S)

    monkeypatch.setattr(glossary, "translate", broken)
    monkeypatch.setattr(glossary, "available", lambda: True)
    g = Glossary()
    with caplog.at_level(logging.WARNING, logger="retrieval.glossary"):
        assert g.english(["écoles", "printemps"]) == {"écoles": (), "printemps": ()}
    assert not g.usable and "Apertium glossary unavailable" in caplog.text
    assert g.english(["écoles"]) == {"écoles": ()}  # not tried again


def test_without_apertium_the_glossary_is_empty_and_nothing_runs(monkeypatch):
    monkeypatch.setattr(glossary, "available", lambda: False)
    monkeypatch.setattr(glossary, "translate", lambda words: pytest.fail("translated without Apertium"))
    assert Glossary().english(["écoles"]) == {"écoles": ()}


@needs_apertium
def test_each_word_is_translated_once(monkeypatch):
    calls = []
    real = glossary.translate

    def counted(words):
        calls.append(list(words))
        return real(words)

    monkeypatch.setattr(glossary, "translate", counted)
    g = Glossary()
    g.english(["écoles", "printemps"])
    g.english(["printemps", "étudiants"])
    assert calls == [["écoles", "printemps"], ["étudiants"]]


@pytest.fixture
def stub_apertium(monkeypatch):
    """Apertium as if installed, translating from StubGlossary's table; the calls it gets."""
    calls = []

    def stub(words):
        calls.append(list(words))
        return {w: StubGlossary.TRANSLATIONS.get(w, ()) for w in words}

    monkeypatch.setattr(glossary, "available", lambda: True)
    monkeypatch.setattr(glossary, "_cache_name", lambda: "glossary-test.json")
    monkeypatch.setattr(glossary, "translate", stub)
    return calls


def test_translations_are_kept_in_the_cache_folder_for_the_next_process(tmp_path, stub_apertium):
    first = Glossary()
    first.keep_in(tmp_path)
    assert first.english(["écoles", "puissance"]) == {"écoles": ("school",), "puissance": ()}
    assert stub_apertium == [["écoles", "puissance"]]
    later = Glossary()  # another process, the same machine
    later.keep_in(tmp_path)
    assert later.english(["écoles", "printemps"]) == {"écoles": ("school",), "printemps": ("spring",)}
    assert stub_apertium[1:] == [["printemps"]]  # only the word not kept before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["glossary-test.json"]  # no temporary left


@pytest.mark.parametrize("content", ["{not json", '["a list"]', '{"écoles": "school"}', '{"écoles": [1]}'])
def test_an_unreadable_cache_is_translated_again_and_written_anew(tmp_path, stub_apertium, content):
    (tmp_path / "glossary-test.json").write_text(content, encoding="utf-8")
    g = Glossary()
    g.keep_in(tmp_path)
    assert g.english(["écoles"]) == {"écoles": ("school",)}
    assert stub_apertium == [["écoles"]]
    assert '"écoles": ["school"]' in (tmp_path / "glossary-test.json").read_text(encoding="utf-8")
