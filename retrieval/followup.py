"""Follow-up questions without a language model.

"Et pour Toulouse ?" after "Combien reçoit le cluster de Grenoble ?" only
makes sense with the previous question. A question is taken as a follow-up
when it is elliptic: few topic words, and either a continuation opener
("Et…", "And…", "What about…"), a pronoun standing for something said
before ("Quand a-t-il été lancé ?") or a preposition before the
interrogative with no subject named ("Avec quel partenaire local ?"). It is
then searched together with the previous question, the new words weighing
more (see ``answer``).
A complete question is searched on its own, so context never drags a new
topic back to the old one.
"""

from __future__ import annotations

import re

from .lexical import analyze

MAX_TOPIC_TERMS = 3
_OPENER = re.compile(r"^\s*(et|and|mais|puis|aussi|what about|how about|also)\b", re.IGNORECASE)
# A preposition before the interrogative and no subject of its own: "Avec quel partenaire
# local ?", "For how long?" take their subject from the question before.
_ELLIPTIC = re.compile(
    r"^\s*(?:avec|pour|sur|dans|par|en|depuis|chez|with|for|in|on|at|from|by|since)\s+"
    r"(?:quel|quelle|quels|quelles|combien|qui|quoi|lequel|laquelle|lesquels|lesquelles"
    r"|which|what|whom|how|when)\b",
    re.IGNORECASE,
)
_PRONOUN = re.compile(
    r"\b(?:il|elle|ils|elles|lui|leur|leurs|son|sa|ses|celui|celle|ceux|celles|it|its|they|them|their|he|she|his|her)\b"
    r"|\bl['’](?:a|ont|avait|avaient|aura|auront|est|sont)\b",
    re.IGNORECASE,
)


def is_followup(question: str) -> bool:
    terms = analyze(question)
    if len(terms) > MAX_TOPIC_TERMS:
        return False
    if _OPENER.search(question) or len(terms) <= 1:
        return True
    # "Quand a-t-il été lancé ?" leans on the last question; "Quand ChatGPT
    # a-t-il été lancé ?" names its own subject.
    return bool(_PRONOUN.search(question) or _ELLIPTIC.search(question)) and not _names(question)


def _names(question: str) -> list[str]:
    """Its words that name something: capitalised, after the first word."""
    return [w for w in question.split()[1:] if w[:1].isupper()]


def with_context(question: str, previous: str | None) -> str | None:
    """The previous question to search with, or None when ``question`` stands alone.

    A follow-up that names something puts it in the place of what the previous question
    named ("And the one in Grenoble?" after "How much is the Toulouse AI cluster
    getting?"): the previous question is searched without its names.
    """
    if not (previous and previous.strip() and is_followup(question)):
        return None
    context = previous.strip()
    if _names(question):
        dropped = set(_names(context))
        first, *rest = context.split()
        context = " ".join([first, *(w for w in rest if w not in dropped)])
    return context
