"""The e5 tokenizer (SentencePiece unigram) in a few lines of Python, for questions.

``tokenizers`` gives the same ids, but building its model for 250,002
pieces costs a cold ``ask`` more time and memory than everything else it
does (and SentencePiece's about as much time; see README "Performance").
A question has a few dozen characters, so a dict lookup per substring
(pieces are at most ``max_piece`` long) and the unigram Viterbi are quick. This mirrors the tokenizer ``e5_convert``
writes for sentence-transformers step for step (normaliser, Metaspace
pre-tokeniser, ``tokenizers``' Viterbi with its tie rule and fused unknowns,
truncation); ``tests/test_engine.py`` checks equal ids on every question
and every sentence of the dossier.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import numpy as np

from ..e5_convert import DROPPED_CHARS, SPACE_CHARS

# tokenizers' Unigram: an unknown character scores this far below the rarest piece.
UNK_PENALTY = 10.0
SPACE = "\u2581"  # SentencePiece's visible space


class UnigramTokenizer:
    """Text to token ids: ``<s>`` pieces ``</s>``, at most ``max_tokens`` in all."""

    def __init__(
        self, pieces: list[str], scores: np.ndarray, bos: int, eos: int, unk: int, max_tokens: int
    ) -> None:
        self.ids = dict(zip(pieces, range(len(pieces))))  # built in C, unlike a comprehension
        self.scores = scores.tolist()
        self.max_piece = max(map(len, pieces))
        self.unk_score = float(scores.min()) - UNK_PENALTY
        self.bos, self.eos, self.unk, self.max_tokens = bos, eos, unk, max_tokens
        self._dropped = re.compile(DROPPED_CHARS)
        self._space = re.compile(SPACE_CHARS)
        self._spaces = re.compile(" {2,}")

    @classmethod
    def load(cls, pieces_file: Path, scores_file: Path, **special: int) -> UnigramTokenizer:
        pieces = Path(pieces_file).read_text(encoding="utf-8").split("\n")
        return cls(pieces, np.load(scores_file), **special)

    def normalize(self, text: str) -> str:
        text = self._space.sub(" ", self._dropped.sub("", text))
        return self._spaces.sub(" ", unicodedata.normalize("NFKC", text))

    def words(self, text: str) -> list[str]:
        """Metaspace: spaces become ▁, one is prepended, each word keeps the ▁ before it."""
        text = self.normalize(text).replace(" ", SPACE)
        if not text:
            return []
        if not text.startswith(SPACE):
            text = SPACE + text
        return re.findall(f"{SPACE}[^{SPACE}]*", text)

    def _viterbi(self, word: str) -> list[int]:
        n = len(word)
        score = [0.0] + [float("-inf")] * n
        back: list[tuple[int, int]] = [(-1, -1)] * (n + 1)
        for start in range(n):
            base = score[start]
            single = False
            for end in range(start + 1, min(n, start + self.max_piece) + 1):
                token = self.ids.get(word[start:end])
                if token is None:
                    continue
                single = single or end == start + 1
                if back[end][0] < 0 or base + self.scores[token] > score[end]:
                    score[end], back[end] = base + self.scores[token], (start, token)
            if not single and (back[start + 1][0] < 0 or base + self.unk_score > score[start + 1]):
                score[start + 1], back[start + 1] = base + self.unk_score, (start, self.unk)
        ids: list[int] = []
        end = n
        while end > 0:
            start, token = back[end]
            if not (token == self.unk and ids and ids[-1] == self.unk):  # consecutive unknowns fuse
                ids.append(token)
            end = start
        return ids[::-1]

    def encode(self, text: str) -> list[int]:
        ids = [token for word in self.words(text) for token in self._viterbi(word)]
        return [self.bos, *ids[: self.max_tokens - 2], self.eos]
