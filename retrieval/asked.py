"""What a question asks for, and whether a sentence carries it.

No named-entity model is available offline, so the asked type comes from the
question's interrogative wording (French and English), and the answer side is
checked with patterns: numbers with their units, dates, and proper names
(capitalised words that don't open a sentence, acronyms, codes with digits).
A quote that doesn't carry what is asked ("Où…?" answered by a sentence with
no place name) is weak evidence, whatever its words share with the question.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .lexical import STOPWORDS, analyze
from .text import fold, language
from .units import JOB_TITLES, PERSON_NAME

AMOUNT, DATE, PLACE, AGENT, NAME = "amount", "date", "place", "agent", "name"

# Order matters: the first type whose pattern matches is the one asked
# ("Quand et combien…" asks for a date first).
_ASKS = (
    (
        DATE,
        r"\b(?:quand|quelle date|à quelle date|en quelle année|quelle année|depuis quand|jusqu'à quand|"
        r"date limite|(?:la|une) date d[e']|clôture|échéance|when|what year|which year|what date|since when|by when|deadline|"
        r"closing date|the date (?:of|when))\b",
    ),
    (
        AMOUNT,
        r"\b(?:combien|montant|budget|co[uû]t|somme|enveloppe|financement total|pourcentage|population|habitants|"
        r"âge|quel âge|salaire|numéro|téléphone|effectifs?|salariés|employés|chiffre d'affaires|rang|how old|phone|"
        r"population|revenue|headcount|valuation|valued|worth|turnover|price|salary|costs?|"
        r"how (?:much|many|large|big)|what (?:share|percentage|amount|budget|sum|number)|"
        r"quel(?:le)?s? (?:part|taux|proportion|puissance|nombre|capacité|objectif chiffré))\b",
    ),
    (
        PLACE,
        # « Où en est… » asks how far something has come, not where
        r"(?:^|[^\w])(?:où|d'où)\b(?!\s+en\s+(?:est|sont|était|étaient|sera|seront)\b)|"
        r"\b(?:dans quelle (?:ville|région)|quelle ville|quelle région|quel pays|"
        r"quel territoire|quel site|where|which (?:city|town|region|country)|in what (?:city|town|region))\b",
    ),
    (
        AGENT,
        r"(?:^|[^\w])(?:qui|par qui|à qui|de qui)\b|\b(?:quel(?:le)?s? (?:organisme|entreprise|start-up|startup|"
        r"société|structure|association|établissement|université|école|opérateur|laboratoire|ministre|"
        r"acteurs?|partenaires?|membres?|porteur|chef de file|institut)|dirige|préside|pdg|who|whom|"
        r"which (?:organi[sz]ation|"
        r"company|companies|firm|university|universities|institution|operator|lab|laboratory|partners?|minister))\b",
    ),
    (
        NAME,
        r"\b(?:quel(?:le)?s? (?:projet|programme|dispositif|appel|nom|cluster|supercalculateur|"
        r"plateforme|modèle|initiative)|comment s'appelle|comment se nomme|what is the name|what's the name|"
        r"which (?:project|programme|program|scheme|call|cluster|platform|model|initiative)|what (?:project|"
        r"programme|program|scheme|call) )",
    ),
)
_ASK_PATTERNS = tuple((kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in _ASKS)
# A list is asked by name ("quels sont les", "list") or by a plural interrogative: French marks
# the plural on the word itself ("Quels projets…", "Quelles entreprises…"), English on the noun
# after "which" ("Which projects…").
_LIST = re.compile(
    r"\b(?:quels sont les|quelles sont les|lesquels|lesquelles|liste[rz]?|énumére[rz]?|citez|"
    r"what are the|which are the|list|name the|name all|quel(?:le)?s|which\s+(?!is\b|was\b|has\b|does\b)\w+s)\b",
    re.IGNORECASE,
)
# "combien d'étudiants", "quel nombre de postes", "how many students": what is counted. French
# counts with "de" ("Combien France 2030 apporte-t-il ?" counts nothing in particular).
_COUNTED = re.compile(
    r"\b(?:(?:combien|nombre)\s+(?:de |d'|d’)|how many\s+(?:of )?)(?:nouveaux |nouvelles |new )?([^\W\d]+)",
    re.IGNORECASE,
)
# A share is a percentage or a fraction (« Quelle part des élèves… » : « 50% des élèves », « plus de
# la moitié »), not an amount in euros; "take part", « à part » ask none.
_SHARE = re.compile(
    r"\b(?:(?:quelle|la|une|what) part|pourcentage|proportion|taux|share|percentage|fraction)\b",
    re.IGNORECASE,
)
_FRACTION = re.compile(
    r"%|\b(?:moitié|tiers|quart|pour ?cent|majorité|half|third|quarter|per ?cent)\b", re.IGNORECASE
)
# A population is a count of inhabitants ("Quelle est la population de Lyon ?").
_POPULATION = re.compile(r"\b(?:population|habitants|inhabitants)\b", re.IGNORECASE)
# English puts what is counted after its modifiers ("how many research teams are…"): the last
# of the words up to the verb, looked for among this many. A modifier is no count of its own
# (« 560 M€ … dédiés à la recherche » counts no research teams).
_COUNTED_WORDS = 4
# « la date de clôture de l'appel » asks when the call closes: a date of something else (« lancé
# le 5 avril 2024 ») doesn't answer.
_EVENT = re.compile(r"\bdates? (?:de |d')(?:la |le |l')?([^\W\d]{3,})", re.IGNORECASE)
# A deadline, in any of the words a call gives it with (« La relève aura lieu le 2 juillet 2024 »).
_DEADLINE = re.compile(
    r"\b(?:date limite|clôture|clôturer[a-z]*|relève|échéance|deadline|closing date|closes?)\b", re.IGNORECASE
)
_DEADLINE_TERMS = frozenset(analyze("limite clôture relève échéance"))
# Counted nouns whose answer is a measure in other words ("combien de temps": "3,5 mois"), or that
# count occurrences of what the question names elsewhere ("how many times… downloaded", "how many
# per month").
_MEASURES = frozenset({"temps", "time", "fois", "times", "per"})
# Money: the answer is an amount in euros.
_MONEY = re.compile(
    r"\b(?:montant|budget|co[uû]t|somme|enveloppe|financement|financé|reçoi[tv]|recevr|touche|investi|"
    r"alloué|dot[ée]|euros?\b|argent|salaire|valorisation|how much (?:money|funding|is|does|will|did)|funding|budget|cost|"
    r"valuation|valued|worth|turnover|price|salary|raised?|lev[ée]e?s?\b)",
    re.IGNORECASE,
)
# What a count of money counts (« Combien d'argent… », « Combien de milliards d'euros… »); a count
# of anything else asks that count, whatever money the question names (« Sur combien d'années
# s'étale l'enveloppe… »).
_MONEY_COUNTED = frozenset(
    {"argent", "euros", "milliards", "millions", "milliers", "money", "billion", "million"}
)
# Money raised (« Combien Hugging Face a-t-il levé ? », "How much did X raise?") is an amount the
# dossier gives with a word of raising (« 3,2 Mds€ levés en 2022… »), not any amount beside the
# name (a platform's funding, « (19 M€) », in the sentence after Hugging Face's partnership):
# ``Asked.of`` holds the word, which the answerer checks (``answer._of_another``).
_RAISED = re.compile(r"\b(?:lev[ée]e?s?|lever|lève|raised?|raising)\b", re.IGNORECASE)
_RAISED_TERMS = frozenset(analyze("levés"))
# "Where will ALT-EDIC be based?": the place asked is a seat, which the dossier gives with a
# word of seat ("dont le siège social sera établi à Villers-Cotterêts"); a place where
# something merely happened ("Le 8 mars 2024, à Paris, s'est tenue…") is no answer.
_SEAT_WORDS = (
    r"siège|siégera|implanté\w*|implantation|situé\w*|basé\w*|localisé\w*|installé\w*|établie?s?|hébergé\w*|"
    r"domicilié\w*"
)
_FRAME_WORDS = r"based|located|headquartered|headquarters|situated"
_SEAT_ASKED = re.compile(rf"\b(?:{_FRAME_WORDS}|{_SEAT_WORDS})\b", re.IGNORECASE)
_SEAT_FRAME = re.compile(rf"\b(?:{_FRAME_WORDS})\b", re.IGNORECASE)
_SEAT = re.compile(rf"\b(?:{_SEAT_WORDS})\b", re.IGNORECASE)
# « parmi les plus puissants », "among the largest" describe a group, not the row asked for.
_AMONG = r"(?<!parmi )(?<!among )(?<!among the )"
_MOST = re.compile(
    rf"\b{_AMONG}(?:le plus|la plus|les plus|most|largest|biggest|highest|greatest|maximum)\b", re.IGNORECASE
)
# « Le plus petit budget » asks for the least: checked before "le plus".
# The article of a superlative (« la plus… ») is a stopword already; its other words say which end.
_ARTICLES = frozenset({"le", "la", "les", "the"})
_LEAST = re.compile(
    rf"\b{_AMONG}(?:le moins|la moins|les moins|(?:le|la|les) plus (?:petite?s?|faibles?|bas|basses?|modestes?)|"
    r"least|smallest|lowest|fewest|minimum)\b",
    re.IGNORECASE,
)

# Who holds a post ("Qui est la ministre de la Culture ?", "Who heads the CNRS?"): the answer is
# a person, which the dossier gives as a name beside its title. The post must be what is asked,
# right after the interrogative: "Who runs France 2030 on behalf of the Prime Minister?" asks
# for an organisation.
_POSTS = (
    r"ministres?|minister|secrétaire d'(?:é|e)tat|secretary of state|présidente?|president|pdg|"
    r"président-directeur|directeur|directrice|director|ceo|chairman|chairwoman"
)
_POST = re.compile(
    rf"\b(?:qui\s+(?:est|était|sera)\s+(?:le|la|l')\s*(?:\w+\s+){{0,3}}?(?:{_POSTS})|qui\s+(?:dirige|préside)|"
    rf"qui\s+occupe\s+(?:le poste|la fonction)\s+(?:de\s+|d')(?:{_POSTS})|"
    rf"quel(?:le)?s?\s+(?:{_POSTS})|who\s+(?:is|was|will be)\s+the\s+(?:\w+\s+){{0,4}}?(?:{_POSTS})|"
    rf"who\s+(?:heads|chairs)|which\s+(?:{_POSTS}))\b",
    re.IGNORECASE,
)
# A name beside its post: "Rachida Dati Ministre de la Culture" (a name line and its title),
# "Bruno Le Maire, ministre de l'Économie".
_HOLDER = re.compile(rf"{PERSON_NAME},?\s+(?i:{JOB_TITLES})\b")

# A year right after a name is part of it ("France 2030"); after a word of time it is a date
# ("Depuis 2017", "En 2023").
_NAMED_YEAR = re.compile(r"(?:[A-ZÀ-Ý][\w!]*|Tech|Cluster)\s$")
_TIME_WORDS = frozenset(
    [
        "depuis",
        "dès",
        "en",
        "avant",
        "après",
        "jusqu'en",
        "fin",
        "début",
        "mi",
        "au",
        "courant",
        "since",
        "in",
        "by",
        "until",
        "before",
        "after",
        "from",
    ]
)
_MONTHS = "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
_DATE = re.compile(
    rf"\b(?:1[89]\d\d|20\d\d|{_MONTHS}|"
    r"(?:semaines|mois|années) (?:qui viennent|à venir|prochaine?s)|prochainement|d’ici (?:la )?fin)\b",
    re.IGNORECASE,
)
# A proper name not at the start of its line or sentence: a capitalised word,
# an acronym, a code with digits ("3IA", "ALT-EDIC", "Villers-Cotterêts").
_PROPER = re.compile(r"(?<=[\s(«“\"'’/,;:-])(?:[A-ZÀ-Ý][\w’'@.&-]*[\w]|[A-Z]{2,}|\w*\d\w*[A-Za-z]\w*)")
# A place: a proper name after a preposition of place ("à Paris", "en Occitanie", "Université de
# Toulouse"), not after "de" alone, which names far more than places ("de l’ALT-EDIC").
_PLACE = re.compile(
    r"(?:\b(?:à|au|aux|en|dans|sur)\s+(?:la |le |les |l’|l')?|\b(?:Université|Métropole|Région|Ville|Cité|"
    r"plateau|site|campus|ville|région|métropole|territoire)\s(?:de |du |des |d’|d')?(?:la |le |l’|l')?)"
    r"[A-ZÀ-Ý][\w’'-]+"
)
_NUMBER_WORDS = (
    "deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|quinze|vingt|trente|quarante|cinquante|"
    "soixante|cent|mille|dizaine|douzaine|quinzaine|vingtaine|trentaine|cinquantaine|centaine|millier|"
    "million|milliard|moitié|tiers|quart"
)
# A word, elided ones whole: « 45 millions d’euros » counts euros, not « d ».
_WORD = r"[^\W\d]+(?:['’][^\W\d]+)?"
# An amount or count, not a year: digits with a unit or a number word, or a rank (« 1ère »); digits
# glued to letters are a name (« 3IA », « H100 »), not a count.
_AMOUNT = re.compile(
    r"(?<!\w)\d[\d\s.,]*(?:\s?(?:%|M€|Md€|Mds€|Mds €|k€|€)|\s(?:[^\W\d]+\s){0,2}" + _WORD + ")|"
    r"(?<!\w)\d+(?:er|ère|re|e|ème)\b|\b(?:"
    + _NUMBER_WORDS
    + r")s?\b(?:\s(?:[^\W\d]+\s){0,2}"
    + _WORD
    + ")?",
    re.IGNORECASE,
)
# A number word is part of a count (« 5 millions de vues »), not what it counts.
_NUMBER_TERMS = frozenset(t for w in _NUMBER_WORDS.split("|") for t in analyze(w))


# A stage of a programme (« la phase 2 », « la deuxième saison », "the second wave"): one kind per
# word, whatever the language or the synonym (« la première étape » of IA Booster is its « phase 1 »).
_STAGE_KINDS = {
    "phase": "phase",
    "étape": "phase",
    "stage": "phase",
    "step": "phase",
    "saison": "saison",
    "season": "saison",
    "vague": "vague",
    "wave": "vague",
    "round": "vague",
    "édition": "édition",
    "edition": "édition",
}
_ORDINALS = {
    **dict.fromkeys(("premier", "première", "1er", "1re", "1ère", "first"), 1),
    **dict.fromkeys(("deuxième", "second", "seconde", "2e", "2ème", "2nde"), 2),
    **dict.fromkeys(("troisième", "third", "3e", "3ème"), 3),
    **dict.fromkeys(("quatrième", "fourth", "4e", "4ème"), 4),
}
_STAGE_NOUN = "|".join(_STAGE_KINDS)
_STAGE = re.compile(
    rf"\b(?:({'|'.join(_ORDINALS)})\s+({_STAGE_NOUN})s?|({_STAGE_NOUN})\s+(\d))\b", re.IGNORECASE
)


def stages(text: str) -> frozenset[tuple[str, int]]:
    """The stages ``text`` names, as (kind, number): « la phase 2 » and "the second phase" alike."""
    out = set()
    for m in _STAGE.finditer(text):
        if m.group(1):
            out.add((_STAGE_KINDS[m.group(2).lower()], _ORDINALS[m.group(1).lower()]))
        else:
            out.add((_STAGE_KINDS[m.group(3).lower()], int(m.group(4))))
    return frozenset(out)


def another_stage(want: Asked, text: str) -> bool:
    """Whether ``text`` is about another stage than the one asked: « La première phase de la
    SNIA, lancée en 2018… » does not say when its phase 2 was launched."""
    named = stages(text)
    kinds = {kind for kind, _ in want.stages}
    return bool(named) and not named & want.stages and any(kind in kinds for kind, _ in named)


@dataclass(frozen=True)
class Asked:
    """The answer type a question asks for (None when it asks for an explanation)."""

    kind: str | None = None
    many: bool = False  # the items of a list
    extreme: str | None = None  # "max" or "min": the row with the extreme value
    unit: str | None = None  # "€" for money, "%" for a share
    # index terms naming what the value is of: what is counted (« combien d'étudiants »), the
    # event dated (« la date de clôture »), money raised (« levé »)
    of: frozenset[str] = frozenset()
    own: frozenset[str] = frozenset()  # the question's own index terms: a name it already gives is no answer
    seat: bool = False  # a place asked as where something is based: only a place given as a seat answers
    person: bool = False  # who holds a post: only a name beside a job title answers
    stages: frozenset[tuple[str, int]] = frozenset()  # the stages it names: another's answer nothing

    @property
    def typed(self) -> bool:
        return self.kind is not None


def asked(question: str, english: Callable[[list[str]], list[str]] | None = None) -> Asked:
    """What ``question`` asks for. ``english`` brings English words to the dossier's index terms
    (``Vocabulary.english_terms``): without it an English count says nothing of what is counted."""
    text = question.replace("’", "'")
    kind = next((k for k, pattern in _ASK_PATTERNS if pattern.search(text)), None)
    extreme = "min" if _LEAST.search(text) else "max" if _MOST.search(text) else None
    unit, of = None, frozenset()
    if kind == DATE and _DEADLINE.search(text):
        of = _DEADLINE_TERMS
    elif kind == DATE and language(text) == "fr" and (event := _EVENT.search(text)):
        of = frozenset(analyze(event.group(1))[:1])
    elif kind == AMOUNT:
        found = _COUNTED.search(text)
        if _MONEY.search(text) and (not found or found.group(1).lower() in _MONEY_COUNTED):
            unit = "€"
            of = _RAISED_TERMS if _RAISED.search(text) else of
        elif _SHARE.search(text):
            unit = "%"
        elif _POPULATION.search(text):
            of = frozenset(analyze("habitants"))
        elif found and found.group(1).lower() not in _MEASURES:
            if language(text) == "fr":
                of = frozenset(analyze(found.group(1))[:1])
            elif english:
                of = frozenset(english(_counted_head(text[found.start(1) :])))
    seat = kind == PLACE and bool(_SEAT_ASKED.search(text))
    person = bool(_POST.search(text))
    return Asked(
        kind,
        bool(_LIST.search(text)),
        extreme,
        unit,
        of,
        frozenset(analyze(question)),
        seat,
        person,
        stages(text),
    )


def _counted_head(text: str) -> list[str]:
    """The English noun of what is counted: the last word before the verb ("research teams")."""
    words: list[str] = []
    for word in re.findall(r"[^\W\d]+|\S", text)[:_COUNTED_WORDS]:
        # an acronym is a modifier, not a stopword ("AI" is French « ai »)
        if not word.isalpha() or fold(word.lower()) in STOPWORDS and not word.isupper():
            break
        words.append(word.lower())
    return words[-1:]


def frame_words(question: str) -> list[str]:
    """Words that only say what kind of answer is asked, not what the question is about: an
    English seat's verb ("based" in "Where will X be based?" is no « bases »; French ones are
    the dossier's own words, « siège », « implanté »), and a superlative in either language
    (« la plus grosse dotation » asks for the row with the largest amount: « De plus, des
    bourses… » holds none of it)."""
    words = [m.group().lower() for m in _SEAT_FRAME.finditer(question)] if asked(question).seat else []
    superlative = _LEAST.search(question) or _MOST.search(question)
    said = superlative.group().lower().split() if superlative else []
    return words + [w for w in said if w not in _ARTICLES]


def _dates(text: str) -> list[str]:
    """Dates in ``text``; a year that ends a name ("France 2030", "French Tech 2030") is no date."""
    return [m.group() for m in _DATE.finditer(text) if not _named(text[: m.start()])]


def _named(before: str) -> bool:
    """The text before a year ends on a name the year belongs to ("France 2030")."""
    if not _NAMED_YEAR.search(before):
        return False
    words = before.split()
    return not words or words[-1].lower().replace("’", "'") not in _TIME_WORDS


def carries(want: Asked, text: str) -> bool:
    """Whether ``text`` holds something of the asked type that the question doesn't already name:
    a count of what is counted, an amount in euros for money, a date (of the event asked), a
    place or a name."""
    kind = want.kind
    if kind is None:
        return True
    if kind == DATE:  # a date of the event asked, when one is (« la date de clôture »)
        return bool(_dates(text)) and (not want.of or bool(want.of & set(analyze(text))))
    if kind == AMOUNT:
        amounts = _amounts(text)
        if want.unit == "€":
            return any("€" in a or "euro" in a.lower() for a in amounts)
        if want.unit == "%":
            return any(_FRACTION.search(a) for a in amounts)
        if want.of:  # a number of the counted thing, or a bare number in a sentence that names it
            return any(want.of & set(analyze(a)) for a in amounts) or (
                any(_bare(a) for a in amounts) and bool(want.of & set(analyze(text)))
            )
        return bool(amounts)
    if want.person:
        names = [m.group() for m in _HOLDER.finditer(text)]
    elif kind == PLACE:  # an acronym after a preposition is a topic ("en IA"), not a place
        if want.seat and not _SEAT.search(text):
            return False
        names = [m.group() for m in _PLACE.finditer(text) if not m.group().split()[-1].isupper()]
    else:
        names = [m.group() for m in _PROPER.finditer(" " + text)]
    return any(not set(analyze(name)) <= want.own for name in names)


def _bare(amount: str) -> bool:
    """A number that says nothing of what it counts (« de 10 à 30 »): not « 5 millions de vues »,
    « 7 M€ » or « 50% », which count, price or share something of their own."""
    return not re.search(r"[€%]", amount) and all(
        t[0].isdigit() or t in _NUMBER_TERMS for t in analyze(amount)
    )


# A day of a month is a date, not a count ("le 25 mars 2024").
_DAY = re.compile(rf"\d{{1,2}}(?:er)?\s+(?:{_MONTHS})\b", re.IGNORECASE)


def _amounts(text: str) -> list[str]:
    """The amounts and counts of ``text``, not its days nor its years; a year's words are read
    again (« France 2030 sur cinq années » counts « cinq années »)."""
    out: list[str] = []
    for m in _AMOUNT.finditer(text):
        if _is_year(a := m.group()):
            out += _amounts(a.lstrip()[4:])
        elif not _DAY.match(a):
            out.append(a)
    return out


def _is_year(match: str) -> bool:
    return bool(re.fullmatch(r"(?:1[89]|20)\d\d\b\W*(?:\w+\W*)*", match.strip())) and not re.search(
        r"[€%]", match
    )


_EUROS = re.compile(
    r"(\d+(?:[ \u202f]\d{3})*(?:,\d+)?)\s?(Mds?\s?€|Md€|milliards? d['’]euros|M€|millions? d['’]euros|k€|€)"
)


# What an amount in euros says in words: « 54 Mds€ » is « 54 milliards d’euros » to a question
# that spells its unit (« Combien de milliards d'euros… »).
_SPELT = (
    ("Md", "milliards euros"),
    ("milliard", "milliards euros"),
    ("M", "millions euros"),
    ("million", "millions euros"),
    ("k", "milliers euros"),
    ("€", "euros"),
)


def spelt_euros(text: str) -> str:
    """The words of the units of ``text``'s amounts in euros, one group per amount."""
    return " ".join(
        next(words for prefix, words in _SPELT if m.group(2).startswith(prefix))
        for m in _EUROS.finditer(text)
    )


def amount_shape(text: str) -> tuple[str, str] | None:
    """The marks around the first amount in euros: ("–", "") for a title "MIAI Cluster – 70 M€",
    ("(", ")") for "Le projet CAP IA (3,7 M€), porté par…": rows of one table share them."""
    m = _EUROS.search(text)
    if not m:
        return None
    before, after = text[: m.start()].rstrip(), text[m.end() :].lstrip()
    return (before[-1:], after[:1])


def value(text: str) -> float | None:
    """The first amount in euros of ``text`` ("70 M€", "1,1 M€", "3,2 Mds€"), for comparisons."""
    m = _EUROS.search(text)
    if m is None:
        return None
    number = float(m.group(1).replace(" ", "").replace("\u202f", "").replace(",", "."))
    unit = m.group(2)
    scale = (
        1e9
        if unit.startswith(("Md", "milliard"))
        else 1e6
        if unit.startswith(("M", "million"))
        else 1e3
        if unit == "k€"
        else 1
    )
    return number * scale
