"""English words brought to the dossier's vocabulary, with a made-up embedding (no model)."""

from __future__ import annotations

import numpy as np

from retrieval.crosslingual import MIN_COSINE, Vocabulary, WordVectors, content_words
from retrieval.records import Document

# A toy bilingual space: a translation pair shares an axis.
AXES = {"recruter": 0, "hire": 0, "étudiants": 1, "students": 1, "puissance": 2, "power": 2, "peu": 3}


def embed(words: list[str]) -> np.ndarray:
    out = np.zeros((len(words), 5), dtype=np.float32)
    for row, word in enumerate(words):
        out[row, AXES.get(word, 4)] = 1.0
        if word == "peak":  # near "peu", but not enough
            out[row, 3], out[row, 4] = 0.8, 0.6
    return out


def test_content_words_drop_stopwords_and_repeats():
    assert content_words("How many students will the programme hire? Students!") == [
        "students",
        "programme",
        "hire",
    ]


def test_english_words_map_to_their_nearest_dossier_word_above_the_cosine(tmp_path):
    doc = Document("d.txt", "d", "Recruter des étudiants ; la puissance ; peu.")
    vocabulary = Vocabulary.build([doc], embed)
    assert set(vocabulary.words) == {"recruter", "étudiants", "puissance", "peu"}
    # stems of recruter, étudiants; "peak" (0.8 < MIN_COSINE) maps to nothing
    assert vocabulary.nearest(embed(["hire", "peak", "students"])) == [["recrut"], [], ["etudi"]]
    assert MIN_COSINE > 0.8
    vocabulary.save(tmp_path)
    again = Vocabulary.load(tmp_path)
    assert again.words == vocabulary.words and np.array_equal(again.vectors, vocabulary.vectors)


def test_word_vectors_embed_each_new_word_once():
    calls: list[list[str]] = []

    def counting(words):
        calls.append(list(words))
        return embed(words)

    vectors = WordVectors(counting)
    first = vectors(["hire", "students"])
    second = vectors(["students", "power"])
    assert calls == [["hire", "students"], ["power"]]
    assert np.array_equal(first[1], second[0])
