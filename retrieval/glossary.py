"""English words for the dossier's French words, from Apertium's dictionaries.

The embedding word map (``crosslingual``) follows spelling: it finds
« opérateur » for "operator" but not « écoles » for "schools" or « printemps »
for "spring". Apertium's bilingual dictionaries do, and Debian ships them
(`apt-get install apertium-fr-es apertium-eng-spa`): there is no French–English
pair, so each French word goes through Spanish (« écoles » → école → escuela →
school). Only the dossier's own words are translated, in that direction, so a
question word can only bring a word the dossier uses. Without the packages the
glossary is empty and English questions keep the embedding map alone.

Translations are looked up in batches (three ``lt-proc`` runs, whatever the
number of words) and kept in a file of the cache folder, named for the
dictionaries' files: a word is translated once on a machine, and a process
that starts reads what earlier ones translated.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
import subprocess
import threading
from collections.abc import Iterable
from pathlib import Path

from .files import write_atomic

log = logging.getLogger(__name__)

APERTIUM = Path("/usr/share/apertium")
# French analysis, French -> Spanish, Spanish -> English: Debian 12's apertium-fr-es and
# apertium-eng-spa.
STEPS = (
    ("-w", "apertium-fr-es/fr-es.automorf.bin"),
    ("-b", "apertium-fr-es/fr-es.autobil.bin"),
    ("-b", "apertium-eng-spa/spa-eng.autobil.bin"),
)
# One batch of the dossier's words takes well under a second; a stuck tool is not waited on.
TIMEOUT_S = 60.0
_UNIT = re.compile(r"\^([^$]*)\$")
# Words reach lt-proc only when they are letters: its stream format gives ^ $ / < > @ # * a meaning.
_WORD = re.compile(r"[^\W\d_]+")


def available() -> bool:
    return shutil.which("lt-proc") is not None and all((APERTIUM / path).is_file() for _, path in STEPS)


def state() -> str:
    """What English questions read besides the embedding word map, for `retrieval info`."""
    if available():
        return f"Apertium fr-es + eng-spa dictionaries ({APERTIUM})"
    return "none (apt-get install apertium-fr-es apertium-eng-spa for English questions)"


def _run(flag: str, path: str, text: str) -> dict[str, list[str]]:
    """Each stream unit of ``text`` run through one lt-proc step: its source -> its outputs."""
    out = subprocess.run(
        ["lt-proc", flag, str(APERTIUM / path)],
        input=text,
        capture_output=True,
        text=True,
        check=True,
        timeout=TIMEOUT_S,
    ).stdout
    found: dict[str, list[str]] = {}
    for unit in _UNIT.findall(out):
        source, *targets = unit.split("/")
        # "*word": unknown; "@…", "#…": no translation
        found[source] = [t for t in targets if t and t[0] not in "*@#"]
    return found


def _lemma(analysis: str) -> str:
    return analysis.split("<", 1)[0].lower()


def translate(words: list[str]) -> dict[str, tuple[str, ...]]:
    """The English lemmas of each French word (empty when Apertium doesn't know it).

    Raises OSError or subprocess errors when the tools fail."""
    words = [w for w in dict.fromkeys(words) if _WORD.fullmatch(w)]
    if not words:
        return {}
    (flag, path), *bilingual = STEPS
    analyses = _run(flag, path, "\n".join(words) + "\n")
    step = {a: [a] for v in analyses.values() for a in v}
    for flag, path in bilingual:  # French analyses -> Spanish -> English
        sources = sorted({t for targets in step.values() for t in targets})
        found = _run(flag, path, " ".join(f"^{s}$" for s in sources)) if sources else {}
        step = {a: [o for t in targets for o in found.get(t, [])] for a, targets in step.items()}
    return {
        w: tuple(dict.fromkeys(_lemma(e) for a in analyses.get(w, []) for e in step.get(a, []) if _lemma(e)))
        for w in words
    }


def _cache_name() -> str:
    """The cache file's name: another version of the dictionaries translates afresh."""
    stamp = hashlib.sha256()
    for _, path in STEPS:
        info = (APERTIUM / path).stat()
        stamp.update(f"{path}:{info.st_size}:{info.st_mtime_ns};".encode())
    return f"glossary-{stamp.hexdigest()[:16]}.json"


class Glossary:
    """French words -> their English lemmas, filled as words come (thread-safe)."""

    def __init__(self) -> None:
        self._english: dict[str, tuple[str, ...]] = {}
        self._lock = threading.Lock()
        self._usable = available()
        self._file: Path | None = None

    @property
    def usable(self) -> bool:
        return self._usable

    def keep_in(self, folder: Path) -> None:
        """Keep the translations in ``folder`` (the cache folder), reading what is there."""
        if not self._usable:
            return
        with self._lock:
            self._file = Path(folder) / _cache_name()
            try:
                kept = json.loads(self._file.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return  # none yet, or unreadable: translated again, written anew
            if isinstance(kept, dict):
                for word, english in kept.items():
                    if isinstance(english, list) and all(isinstance(e, str) for e in english):
                        self._english.setdefault(str(word), tuple(english))

    def english(self, words: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """Each of ``words`` with its English lemmas, translating those not seen before."""
        words = list(words)
        with self._lock:
            new = [w for w in dict.fromkeys(words) if w not in self._english]
            if new and self._usable:
                try:
                    self._english.update(translate(new))
                    self._save()
                except (OSError, subprocess.SubprocessError) as exc:
                    log.warning(
                        "Apertium glossary unavailable, English questions use the word map alone: %s", exc
                    )
                    self._usable = False
            for w in new:
                self._english.setdefault(w, ())
            return {w: self._english[w] for w in words}

    def _save(self) -> None:
        """Write the translations whole (a reader sees the old file or the new)."""
        if self._file is not None:
            self._file.parent.mkdir(parents=True, exist_ok=True)
            kept = {w: list(e) for w, e in self._english.items()}
            write_atomic(self._file, json.dumps(kept, ensure_ascii=False))


def lemmas(word: str) -> list[str]:
    """An English word and the lemmas it may be a form of ("schools" -> school, "based" ->
    base, "studies" -> study): Apertium's entries are lemmas."""
    out = [word]
    for suffix, replacement in (
        ("ies", "y"),
        ("es", ""),
        ("s", ""),
        ("ed", ""),
        ("ed", "e"),
        ("ing", ""),
        ("ing", "e"),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            out.append(word[: -len(suffix)] + replacement)
    return list(dict.fromkeys(out))


GLOSSARY = Glossary()
