"""The question-set format (JSON lines) used by `eval`, `bench` and the tests.

One object per line::

    {"id": "q042", "question": "Combien reçoivent les IA clusters ?", "language": "fr",
     "kind": "number", "evidence": ["bénéficieront de 360 M€"], "answers": ["360 M€"],
     "split": "dev", "context": "q041"}

``evidence``: short substrings of the corpus that identify a relevant passage,
``answers``: spans a correct answer contains (both empty when the corpus
can't answer: kind "unanswerable"), ``context``: for a follow-up, the id of
the question asked just before it, ``"require": "all"``: a list question, whose
answer must hold every span of ``answers`` (otherwise one is enough).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

# "list": the items of a list or table, or a comparison across its rows ("which
# cluster gets the least?"); "entity": which project, who carries it, who holds a
# title, answered by a table cell or a name beside a title.
KINDS = ("direct", "paraphrase", "number", "date", "english", "followup", "unanswerable", "list", "entity")
SPLITS = ("dev", "test")


class QuestionSetError(ValueError):
    pass


@dataclass(frozen=True)
class Item:
    id: str
    question: str
    language: str
    kind: str
    evidence: tuple[str, ...]
    answers: tuple[str, ...]
    split: str
    context: str | None = None
    require_all: bool = False  # a list: a correct answer holds every span of ``answers``
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def answerable(self) -> bool:
        return bool(self.evidence)


def load_questions(path: Path, split: str | None = None) -> list[Item]:
    """Read and check a question set; ``split`` keeps only "dev" or "test"."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise QuestionSetError(f"cannot read question set {path}: {exc}") from exc
    items: list[Item] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            item = Item(
                id=str(data["id"]),
                question=str(data["question"]),
                language=str(data.get("language", "fr")),
                kind=str(data.get("kind", "direct")),
                evidence=tuple(data.get("evidence", [])),
                answers=tuple(data.get("answers", [])),
                split=str(data.get("split", "dev")),
                context=data.get("context"),
                require_all=data.get("require") == "all",
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise QuestionSetError(f"{path}:{number}: not a question record ({exc})") from exc
        if item.split not in SPLITS:
            raise QuestionSetError(f"{path}:{number}: split must be dev or test, not {item.split!r}")
        items.append(item)
    ids = [i.id for i in items]
    if len(set(ids)) != len(ids):
        raise QuestionSetError(f"{path}: duplicate ids")
    known = set(ids)
    for item in items:
        if item.context and item.context not in known:
            raise QuestionSetError(f"{path}: {item.id} follows unknown question {item.context}")
    if split:
        items = [i for i in items if i.split == split]
    return items
