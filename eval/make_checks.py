"""Write eval/checks.jsonl: the check set of `retrieval eval --checks`, from the dossier's own text.

Every case names the dossier sentence it starts from by a unique prefix, so a
typo fails here instead of silently testing nothing. Verbatim and cut quotes
are slices of the cleaned dossier (some retyped: straight apostrophes, other
case, line breaks, « »); altered ones replace, reorder or drop words of one
sentence; paraphrases and fabricated sentences are written by hand. About two
cases in five are the test split, never looked at while tuning.

    python eval/make_checks.py        # rewrites eval/checks.jsonl
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval.corpus import load_corpus  # noqa: E402
from retrieval.sentences import split_sentences  # noqa: E402

DOC, _ = load_corpus(ROOT / "corpus")
TEXT = DOC[0].text
SENTENCES = [s.text for s in split_sentences(DOC[0])]


def sentence(prefix: str) -> str:
    found = [s for s in SENTENCES if s.startswith(prefix)]
    if len(found) != 1:
        raise SystemExit(f"{len(found)} sentences start with {prefix!r}")
    return found[0]


def following(prefix: str) -> str:
    """The sentence and the one after it, as the dossier has them (one slice)."""
    first = sentence(prefix)
    start = TEXT.index(first)
    second = SENTENCES[SENTENCES.index(first) + 1]
    end = TEXT.index(second, start) + len(second)
    return TEXT[start:end]


def words(text: str, a: int, b: int | None) -> str:
    """The slice of ``text`` from its word ``a`` to before its word ``b`` (a verbatim substring)."""
    parts = text.split(" ")
    return " ".join(parts[a:b])


VERBATIM = [
    "Depuis 2017, le Président",
    "Pour faire de la France un leader mondial en IA",
    "Un total de 560 M€",
    "Cela s’est traduit concrètement",
    "Avec notamment la baisse de l’impôt",
    "La phase 2, lancée en 2022",
    "En 2023, un nouvel axe de la SNIA",
    "Tel est l’objectif du dispositif",
    "45 millions d’euros ont déjà été accordés",
    "Ces premiers projets du programme de recherche IA",
    "Cette extension du calculateur Jean Zay",
    "En complément du financement du Ministère",
    "Le projet est porté par la France",
    "Quatre premiers pôles",
    "Ils forment chaque année",
    "En s’appuyant sur l’expertise d’un jury international",
    "Le projet MIAI Cluster soutient",
    "Le Cluster ANITI IA repose",
    "MACMIA (5,9 M€)",
    "Le projet SaclAI-School",
    "L’attractivité est également un des points clés",
    "Le projet CAIRE (7,8 M€)",
    "Dans la continuité de l’appel à projets « Communs",
    "La relève aura lieu",
    "Le 8 mars 2024, à Paris",
    "Le consortium d’Etats membres",
    "8 nouveaux lauréats bénéficieront",
    "SHAPE AI, emmené par VSORA",
    "Ce projet vise à utiliser l'IA pour cartographier",
    "La Stratégie nationale pour l’IA consacre ainsi",
    "Il s’agit de la troisième bibliothèque",
    "France 2030 est inédit par son ampleur",
    "Afin d’inciter à la collaboration entre acteurs",
    "Le dispositif IA Booster lancé en juin 2023",
    "Santé numérique : la medtech Posos",
    "Hydrogène : le projet SOLHYD",
    "La chaleur fatale de la machine",
    "Dans le domaine de l’IA générative et en particulier",
]
SPANNING = [  # two dossier sentences in one quote
    "Depuis 2017, le Président",
    "Ils forment chaque année",
    "Tous les cas d’usages sont éligibles.",
    "Le projet est porté par la France",
]
CUT = [  # (sentence prefix, first word kept, word after the last kept or None)
    ("Pour faire de la France un leader mondial en IA", 9, None),
    ("Pour faire de la France un leader mondial en IA", 0, 22),
    ("Pour faire de la France un leader mondial en IA", 9, 22),
    ("Un total de 560 M€", 0, 10),
    ("Un total de 560 M€", 3, 17),
    ("Cela s’est traduit concrètement", 4, 10),
    ("La phase 2, lancée en 2022", 0, 6),
    ("Tel est l’objectif du dispositif", 11, 18),
    ("45 millions d’euros ont déjà été accordés", 0, 12),
    ("Ces premiers projets du programme de recherche IA", 7, None),
    ("Dans le domaine de l’IA générative et en particulier", 12, 28),
    ("Cette extension du calculateur Jean Zay", 5, None),
    ("En complément du financement du Ministère", 8, 25),
    ("En quatre ans, ce réseau", 4, None),
    ("Quatre premiers pôles", 0, 8),
    ("Le 8 mars 2024, à Paris", 0, 14),
    ("Le consortium d’Etats membres", 14, None),
    ("La Stratégie nationale pour l’IA consacre ainsi", 9, 21),
    ("Le renforcement de la bibliothèque open source", 0, 14),
    ("France 2030 est inédit par son ampleur", 6, 15),
    ("Le dispositif IA Booster lancé en juin 2023", 0, 15),
    ("À date, la phase 1", 15, 30),
    ("Le projet SaclAI-School", 0, 9),
    ("Afin d’inciter à la collaboration entre acteurs", 7, None),
    ("Cette extension du calculateur Jean Zay", 0, 10),
    ("Le Cluster ANITI IA repose", 3, 12),
]
NUMBER = [  # (sentence prefix, dossier's figure, the altered one)
    ("Un total de 560 M€", "560", "650"),
    ("Cela s’est traduit concrètement", "60", "70"),
    ("Avec notamment la baisse de l’impôt", "25%", "28%"),
    ("3,2 Mds€ levés", "3,2", "2,3"),
    ("45 millions d’euros ont déjà été accordés", "45", "55"),
    ("Pour réaliser ces neuf premiers projets", "50", "60"),
    ("Ces premiers projets du programme de recherche IA", "150", "250"),
    ("Dans le domaine de l’IA générative et en particulier", "176", "175"),
    ("En complément du financement du Ministère", "40", "45"),
    ("Cette extension du calculateur Jean Zay", "125,9", "152,9"),
    ("La chaleur fatale de la machine", "1 000", "10 000"),
    ("En quatre ans, ce réseau", "168", "186"),
    ("En quatre ans, ce réseau", "563", "536"),
    ("Ils forment chaque année", "13 600", "16 300"),
    ("Leur production scientifique", "20", "30"),
    ("Hi! PARIS Cluster 2030 réunit", "7", "8"),
    ("Le DATAIA-Cluster, au cœur", "14", "12"),
    ("MACMIA (5,9 M€)", "5,9", "9,5"),
    ("L’attractivité est également un des points clés", "30", "40"),
    ("Le projet SaclAI-School", "11,4", "14,1"),
    ("La formation s’adresse principalement", "5", "50"),
    ("8 nouveaux lauréats bénéficieront", "40", "60"),
    ("La Stratégie nationale pour l’IA consacre ainsi", "32", "23"),
    ("France 2030 est inédit par son ampleur", "54", "45"),
    ("France 2030 est défini par deux objectifs", "50%", "40%"),
    ("À date, la phase 1", "250", "200"),
    ("En s’appuyant sur l’expertise d’un jury international", "neuf", "douze"),
    ("Quatre premiers pôles", "Quatre", "Cinq"),
    ("Le renforcement de la bibliothèque open source", "97%", "79%"),
    ("Santé numérique : la medtech Posos", "50M€", "80M€"),
]
DATE = [
    ("Tel est l’objectif du dispositif", "25 mars 2024", "25 mars 2023", "2024", "2023"),
    ("Le 8 mars 2024, à Paris", "8 mars", "18 mars", "8", "18"),
    ("La relève aura lieu", "2 juillet", "2 juin", "juillet", "juin"),
    ("Dans la continuité de l’appel à projets « Communs", "5 avril", "5 mai", "avril", "mai"),
    ("Afin d’inciter à la collaboration entre acteurs", "14 juin", "14 juillet", "juin", "juillet"),
    ("La phase 2, lancée en 2022", "en 2022", "en 2021", "2022", "2021"),
    ("Quatre premiers pôles", "en 2019", "en 2018", "2019", "2018"),
    ("Depuis 2017, le Président", "Depuis 2017", "Depuis 2015", "2017", "2015"),
    ("Afin d’encourager le développement de l’IA générative", "en 2023", "en 2022", "2023", "2022"),
    ("Le dispositif IA Booster lancé en juin 2023", "juin 2023", "mars 2023", "juin", "mars"),
    ("Le renforcement de la bibliothèque open source", "en 2006", "en 2008", "2006", "2008"),
    ("Un appel à manifestation d’intérêt visant", "en 2023", "en 2021", "2023", "2021"),
    ("La première phase de la Stratégie nationale", "en 2018", "en 2016", "2018", "2016"),
]
NAME = [
    ("Le consortium d’Etats membres", "Villers-Cotterêts", "Reims"),
    ("Ce Grand challenge sera organisé", "Inria", "CNRS"),
    ("Coordonné par Inria", "Inria", "Thales"),
    ("La startup Probabl", "Probabl", "Mistral"),
    ("AISorb (5 M€) porté", "Panthéon", "Descartes"),
    ("Le projet AccelAILearning@Hi!Paris", "HEC", "ESSEC"),
    ("VIESTA 2, développé par Thales", "Thales", "Airbus"),
    ("Ce dernier a permis au site de Toulouse", "Toulouse", "Bordeaux"),
    ("Le projet CAIRE (7,8 M€)", "Arts et Métiers", "Ponts et Chaussées"),
    ("Ce dispositif, opéré par la Banque des territoires", "Banque des territoires", "Caisse des Dépôts"),
    ("Dans le domaine de l’IA générative et en particulier", "Bloom", "Falcon"),
    ("Le projet NORMANTHIIA", "Caen", "Rouen"),
]
REORDERED = [
    (
        "Les efforts se sont concentrés",
        "Depuis 2022, les efforts se sont concentrés sur la confiance, la frugalité et l'embarquabilité.",
    ),
    (
        "Former des talents répondant",
        "Une priorité de France 2030 est de former des talents répondant aux besoins de la filière IA.",
    ),
    (
        "Pour assurer son autonomie stratégique",
        "La France a toujours fait le pari de l’open source pour assurer son autonomie stratégique.",
    ),
    (
        "Les données sont plus que jamais",
        "Les données sont des actifs stratégiques de premier plan, plus que jamais.",
    ),
    (
        "Le projet est porté par la France",
        "Le projet est porté par l’Union Européenne, la France et les Pays-Bas.",
    ),
    ("Nous ne sommes qu’à l’aube", "Beaucoup reste à faire et nous ne sommes qu’à l’aube de l’IA."),
    (
        "Ce projet vise à utiliser l'IA pour cartographier",
        "Ce projet vise à utiliser l'IA pour prédire la présence d'espèces et cartographier les milieux naturels (faune/flore).",
    ),
    (
        "Ce projet vise à utiliser l’IA pour mieux suivre",
        "Ce projet vise à utiliser l’IA pour mieux suivre et réduire le bruit et la pollution de l'air.",
    ),
]
DROPPED = [
    ("Pour faire de la France un leader mondial en IA", " de France 2030", ""),
    ("Cette augmentation va permettre", " en IA", ""),
    ("Le Cluster ANITI IA repose", " reconnus", ""),
    ("La France compte de nombreux atouts", " fortes", ""),
    ("La France a su se moderniser", " se moderniser et", ""),
    ("Ces services cloud permettent", " sécurisée", ""),
    ("Pour chacun d’entre eux", " (environ cinq équipes de recherche)", ""),
    ("L’objectif est d’aider les collectivités", " plus généralement,", ""),
]
PARAPHRASE_FR = [
    (
        "Pour faire de la France un leader mondial en IA",
        "Les neuf IA-clusters recevront au total 360 millions d'euros de l'État pendant cinq ans.",
    ),
    (
        "Le consortium d’Etats membres",
        "Le futur centre européen d'expertise aura son siège dans la Cité internationale de la langue française, à Villers-Cotterêts.",
    ),
    (
        "En complément du financement du Ministère",
        "Grâce aux 40 millions d'euros de France 2030, la puissance de calcul de Jean Zay sera quadruplée.",
    ),
    (
        "Le projet est porté par la France",
        "La France, les Pays-Bas et l'UE portent ensemble ce projet exaflopique.",
    ),
    (
        "Il s’agit de la troisième bibliothèque",
        "Derrière celles de Google et de Meta, scikit-learn arrive au troisième rang mondial des bibliothèques.",
    ),
    (
        "Nous ne sommes qu’à l’aube",
        "L'intelligence artificielle n'en est qu'à ses débuts et il reste énormément à accomplir.",
    ),
    ("La relève aura lieu", "Les candidatures seront relevées début juillet 2024."),
    (
        "Former des talents répondant",
        "France 2030 considère comme prioritaire de former les talents dont la filière a besoin.",
    ),
    (
        "Afin d’inciter à la collaboration entre acteurs",
        "Pour favoriser les coopérations, une rencontre de mise en relation est prévue à la mi-juin.",
    ),
    (
        "Cela s’est traduit concrètement",
        "Les impôts ont diminué de 60 milliards, une moitié profitant aux ménages, l'autre aux entreprises.",
    ),
    (
        "Ce projet vise à améliorer et généraliser la détection de fuites",
        "L'idée est de mieux repérer les fuites du réseau d'eau potable grâce à l'écoute des canalisations.",
    ),
    (
        "Hi! PARIS Cluster 2030 réunit",
        "Sept grandes écoles d'ingénieurs, HEC, Inria et le CNRS forment ensemble le cluster Hi! PARIS.",
    ),
]
PARAPHRASE_EN = [
    (
        "Pour faire de la France un leader mondial en IA",
        "The nine winners of the AI-clusters call will receive 360 million euros from France 2030 over five years.",
    ),
    (
        "Le consortium d’Etats membres",
        "The European expertise centre will have its headquarters in Villers-Cotterêts.",
    ),
    (
        "Cette extension du calculateur Jean Zay",
        "The upgrade raises Jean Zay's peak computing power from 36.85 to 125.9 petaflops.",
    ),
    (
        "Tel est l’objectif du dispositif",
        "The AI research programme was launched on 25 March 2024 under the national AI strategy.",
    ),
    (
        "La Stratégie nationale pour l’IA consacre ainsi",
        "The national AI strategy devotes 32 million euros to open-source machine learning tools.",
    ),
    (
        "Depuis 2017, le Président",
        "Since 2017 the President has pursued an ambitious policy for artificial intelligence.",
    ),
    ("Quatre premiers pôles", "The first four interdisciplinary AI institutes were set up in 2019."),
    (
        "France 2030 est inédit par son ampleur",
        "France 2030 invests 54 billion euros over five years in strategic sectors.",
    ),
    (
        "Ces premiers projets du programme de recherche IA",
        "These first research projects will hire more than 150 PhD students and as many postdocs and engineers.",
    ),
    (
        "La startup Probabl",
        "The start-up Probabl was spun off from Inria to turn scikit-learn into products and services.",
    ),
]
FABRICATED = [
    "L'État consacrera 2 milliards d'euros à un supercalculateur exaflopique installé à Marseille d'ici 2026.",
    "Le gouvernement a annoncé la création d'une agence nationale de l'intelligence artificielle basée à Lille.",
    "Mistral AI recevra une subvention directe de 500 M€ pour entraîner un modèle souverain.",
    "Tous les lycéens devront suivre un cours obligatoire d'intelligence artificielle dès la rentrée 2025.",
    "La France formera un million d'experts en IA d'ici 2030 grâce à un partenariat avec Google.",
    "Le plan prévoit l'interdiction de la reconnaissance faciale dans l'espace public.",
    "Les startups françaises de l'IA ont levé 12 milliards d'euros en 2023.",
    "Un label « IA responsable » sera obligatoire pour tous les logiciels vendus aux administrations.",
    "Le supercalculateur Jean Zay sera remplacé en 2025 par un ordinateur quantique.",
    "Chaque région recevra 10 M€ pour ouvrir une école d'IA gratuite.",
    "The government will ban generative AI in schools from September.",
    "France will double its AI research budget to 5 billion euros next year.",
    "Le CNRS ouvrira à Bordeaux un campus entièrement dédié à la robotique humanoïde.",
    "La stratégie nationale impose aux entreprises de déclarer chaque usage de l'IA auprès de la CNIL.",
    "L'Allemagne et la France financeront ensemble un cloud public européen de 3 Mds€.",
    "Les hôpitaux publics utiliseront un assistant d'IA pour rédiger tous les comptes rendus médicaux dès 2025.",
    "Un fonds de 800 M€ soutiendra les startups de l'IA dans les territoires d'outre-mer.",
    "The press kit says OpenAI will open its European headquarters in Paris.",
    "Les agriculteurs bénéficieront d'un crédit d'impôt de 30 % pour l'achat de robots agricoles.",
    "La taxe sur les services numériques sera doublée pour financer la recherche en IA.",
    "Le ministère des Armées déploiera des drones autonomes pilotés par l'IA dès l'an prochain.",
    "Les enseignants recevront une prime annuelle de 1 500 euros pour se former à l'IA.",
]


def retyped(text: str, n: int) -> str:
    """The same words as a person might paste them: straight apostrophes, other case, line breaks, « »."""
    kind = n % 5
    if kind == 1:
        return text.replace("’", "'")
    if kind == 2:
        return f"« {text[0].lower()}{text[1:]} »"
    if kind == 3:
        half = text.split(" ")
        return " ".join(half[: len(half) // 2]) + "\n" + "  ".join(half[len(half) // 2 :])
    if kind == 4:
        return text.upper()
    return text


def cases() -> list[dict]:
    out: list[dict] = []

    def add(kind: str, text: str, expect: str, source: str | None, changed: list | None = None) -> None:
        if source is not None and source not in TEXT:
            raise SystemExit(f"source not in the dossier: {source!r}")
        out.append({"kind": kind, "text": text, "expect": expect, "source": source, "changed": changed or []})

    for n, prefix in enumerate(VERBATIM):
        s = sentence(prefix)
        add("verbatim", retyped(s, n), "verbatim", s)
    for prefix in SPANNING:
        both = following(prefix)
        add("verbatim", " ".join(both.split()), "verbatim", both)
    for n, (prefix, a, b) in enumerate(CUT):
        cut = words(sentence(prefix), a, b).rstrip(",;:")
        text = f"…{cut}" if a and n % 2 else cut
        text = f"{text}…" if b is not None and n % 3 == 0 else text
        add("cut", retyped(cut, n) if n % 4 == 1 else text, "verbatim", cut)
    for prefix, old, new in NUMBER:
        s = sentence(prefix)
        assert s.count(old) >= 1, (prefix, old)
        add(
            "number_changed",
            s.replace(old, new, 1),
            "altered",
            s,
            [{"kind": "number", "input": new, "dossier": old}],
        )
    cut = words(sentence("Pour faire de la France un leader mondial en IA"), 9, 24)
    add(  # the issue's own example
        "number_changed",
        "Les neuf lauréats de l'AMI IA-clusters bénéficieront de 400 M€ de financement.",
        "altered",
        cut,
        [{"kind": "number", "input": "400", "dossier": "360"}],
    )
    for prefix, old, new, dossier_token, input_token in DATE:
        s = sentence(prefix)
        assert old in s, (prefix, old)
        add(
            "date_changed",
            s.replace(old, new, 1),
            "altered",
            s,
            [{"kind": "date", "input": input_token, "dossier": dossier_token}],
        )
    for prefix, old, new in NAME:
        s = sentence(prefix)
        assert old in s, (prefix, old)
        add(
            "name_changed",
            s.replace(old, new, 1),
            "altered",
            s,
            [{"kind": "name", "input": new, "dossier": old}],
        )
    for prefix, text in REORDERED:
        add("reordered", text, "altered", sentence(prefix))
    for prefix, old, new in DROPPED:
        s = sentence(prefix)
        assert old in s, (prefix, old)
        add("dropped", s.replace(old, new, 1), "altered", s)
    for prefix, text in PARAPHRASE_FR:
        add("paraphrase_fr", text, "paraphrase", sentence(prefix))
    for prefix, text in PARAPHRASE_EN:
        add("paraphrase_en", text, "paraphrase", sentence(prefix))
    for text in FABRICATED:
        add("fabricated", text, "absent", None)
    counts: dict[str, int] = {}
    for n, case in enumerate(out, start=1):
        i = counts[case["kind"]] = counts.get(case["kind"], 0) + 1
        case["split"] = "test" if i % 5 in (2, 4) else "dev"
        out[n - 1] = {"id": f"c{n:03d}", **case}
    return out


if __name__ == "__main__":
    rows = cases()
    path = ROOT / "eval" / "checks.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    by_kind: dict[str, int] = {}
    for r in rows:
        by_kind[r["kind"]] = by_kind.get(r["kind"], 0) + 1
    print(f"{len(rows)} cases -> {path}: {by_kind}; test {sum(r['split'] == 'test' for r in rows)}")
