"""Structural units measured against the dossier: every laureate is one unit, whole in one passage.

The expectations below were copied from the raw dossier text
(``corpus/france2030-ia-dossier-de-presse-2024-05-22.txt``), not from the
code's output: for each laureate, the words that open its entry (name,
carrier, partners, amount) and the words that close its description.
"""

from __future__ import annotations

import pytest

from retrieval.corpus import load_corpus
from retrieval.passages import SplitParams, make_passages
from retrieval.records import HEADING, LIST, PARAGRAPH, TABLE_HEADER, TABLE_ROW, TITLE_NAME, Document
from retrieval.sentences import split_sentences
from retrieval.units import find_units, table_labels

from .conftest import CORPUS

# The frugal-AI table (pp. 20-22): chef de file, project, partners, first and last words of the description.
FRUGAL_ROWS = [
    (
        "Advizeo",
        "IA Eco Pilot (acteur émergent)",
        "Gridfit, Métropole du Grand Paris.",
        "Ce projet vise à développer une solution pour automatiser",
        "notamment lors des pics de consommation).",
    ),
    (
        "Communauté d’agglomération Paris-Saclay",
        "Urba(IA) (collectivité)",
        "BuildRZ, Centrale Supelec, Dassault Systèmes, Institut Paris Région, NamR.",
        "Ce projet vise à utiliser l'IA pour mieux prendre en compte",
        "sur la base de paramètres écologiques clefs.",
    ),
    (
        "Etablissement Public Territorial Paris Ouest la Défense",
        "Predict AI'r (collectivité)",
        "IFPEN, Citepa, Orange, AIR&D.",
        "Ce projet a pour objectif de développer un observatoire",
        "afin d'accompagner les décisions des pouvoirs publics.",
    ),
    (
        "Leakmited",
        "Mission 90+ (acteur émergent)",
        "Syndicat de gestion des eaux du brivadois.",
        "Ce projet vise à améliorer et généraliser la détection de fuites",
        "plus durable et écoresponsable des ressources hydriques.",
    ),
    (
        "Région Centre-Val de Loire",
        "PREVIZO (collectivité)",
        "Antea France, BRGM, LabIA, Laboratoire PRISME, SMO Val de Loire Numérique, Nouvel Espace du Cher, Tours Métropole.",
        "Ce projet vise à prédire et anticiper les épisodes de tension",
        "en lien avec les usages ou les aménagements (barrages, plan d’eau…).",
    ),
    (
        "Région Occitanie",
        "PEP-BIOccIA (collectivité)",
        "OpenIG, CNRS, TerrOïko.",
        "Ce projet vise à utiliser l'IA pour cartographier les milieux naturels",
        "avec les échelles européenne, nationale et régionale.",
    ),
    (
        "Telescoop",
        "IA.rbre (acteur émergent)",
        "Métropole de Lyon, UMR LIRIS (Université Lumière Lyon 2, CNRS, Université Claude Bernard Lyon 1, INSA Lyon et École Centrale de Lyon).",
        "Ce projet vise à aider les aménageurs à végétaliser",
        "au changement climatique et aux épisodes de canicule.",
    ),
    (
        "Waltr",
        "AMELIA (acteur émergent)",
        "BRUITPARIF, IFPEN, Université G.Eiffel, Etablissement Public Territorial Paris Est Marne et Bois.",
        "Ce projet vise à utiliser l’IA pour mieux suivre et réduire la pollution",
        "pour aider à la planification territoriale.",
    ),
]

# Bullet-list laureates: « Communs numériques pour l’IA générative » (p. 16) and « IA embarquée » (pp. 19-20).
COMMUNS = [
    ("AGM des partenaires Mistral, Giskard et Artefact", "avec des fournisseurs de données du patrimoine."),
    ("Photoroom, emmené par la start-up", "un potentiel économique particulièrement important."),
    (
        "PODRIA, sous la coordination de la start-up",
        "une adoption éthique et responsable de l’IA générative.",
    ),
    (
        "AI for Democracy de l’entreprise Make.org, Sciences Po et Sorbonne Université",
        "dans les processus démocratiques.",
    ),
    ("CC-SWH du projet Software Heritage d’Inria et du CEA", "particulièrement prometteur pour l’économie."),
    (
        "OpenLLM-France de Linagora, du CNRS, du CEA et d’OpinionScience",
        "pour l’évaluation de modèles francophones.",
    ),
    ("Scribe des partenaires ALEIA, Inria, OpenValue", "en partenariat avec des entreprises spécialisées."),
]
IA_EMBARQUEE = [
    (
        "IMINAR V2, conduit par Cortus, Teledyne et Soben",
        "pourra progressivement s’étendre à d’autres verticales.",
    ),
    ("MOSAIC LP, développé par Menta et le CEA", "pour la conduite autonome et l’IOT industriel."),
    (
        "PROTECH, mené par le consortium Actia, CNRS, Manitou, Agreenculture",
        "pour le marché des engins industriels.",
    ),
    (
        "OL FACTORY, sous l’égide d’Aryballe Tech en collaboration avec le CEA Saclay",
        "faire de l’IA à partir d’odeurs.",
    ),
    (
        "SHAPE AI, emmené par VSORA, le CEA Grenoble et Valeo",
        "notamment des cas d’usages de conduite autonome.",
    ),
    ("VIESTA 2, développé par Thales SIX GTS, XXII, SNCF", "analyse de flux, bagages oubliés etc."),
    ("MOPSOS, conduit par HawAI.Tech et Savoye", "accélérer la maintenance prédictive par l’IA"),
    ("PERSEPHONE, mené par Prophesee et le CEA", "améliorer la qualité des caméras de téléphone."),
]
# « Compétences et Métiers d’Avenir » laureates (pp. 12-15): name with amount and carrier, end of the entry.
CMA = [
    (
        "MACMIA (5,9 M€) est porté par l’Institut Mines-Télécom (IMT)",
        "Campus des Métiers et des Qualifications d’Excellence (CMQE).",
    ),
    (
        "AISorb (5 M€) porté par l’Université Paris 1 Panthéon Sorbonne",
        "pour former étudiants et professionnels aux métiers transformés par l’IA.",
    ),
    (
        "avec le projet EFELIA-PRAIRIE (8,8 M€), l’institut 3IA PRAIRIE",
        "un programme ambitieux de formation des formateurs.",
    ),
    (
        "Porté par l’Université Grenoble Alpes, EFELIA MIAI (6,4 M€)",
        "au moins 50% des élèves de collège et de lycée de l’académie.",
    ),
    (
        "EFELIA - Côte d’Azur (8 M€) de l’’institut 3 IA",
        "la création d’une Deep Learning School et d'un DU IA et santé.",
    ),
    ("Le projet EFELIA ANITI (5,1 M€)", "augmenter le nombre de bourses de master de 10 à 30."),
    (
        "Le projet AccelAILearning@Hi!Paris (7,8 M€) porté par l’IPP et HEC",
        "de son vivier étudiant et corps professoral.",
    ),
    (
        "Le projet SaclAI-School (11,4 M€) porté par l’université Paris Saclay",
        "pour favoriser la parité et la mixité sociale.",
    ),
    (
        "Le projet Sorbonne.AI (7 M€), porté par Sorbonne-Université",
        "la multiplication des actions de formation continue",
    ),
    (
        "Le projet TIARe (3,3 M€), porté par l’université de Rennes",
        "des données et des cas d’usages - Datalab).",
    ),
    (
        "Le projet NORMANTHIIA (5,3 M€), porté par l’Université Caen Normandie",
        "en soutien des data scientists.",
    ),
    ("Le projet CAP IA (3,7 M€), porté par l’Université de Bordeaux", "création de formations continues."),
    (
        "Le projet ADOPT’IA (1,1 M€), porté par l’association Aivancity",
        "avec un objectif de 5 millions de vues.",
    ),
    (
        "Le projet CAIRE (7,8 M€), porté par l’Ecole nationale supérieure des Arts et Métiers",
        "un large éventail de domaines d’activité et de professions.",
    ),
]
# IA-clusters (pp. 8-10): the title with its amount, and the first words of the text it heads.
CLUSTERS = [
    ("PR[AI]RIE – PSAI (Université Paris Sciences et Lettres) – 75 M€", "Quatre années après sa création"),
    ("MIAI Cluster (Université Grenoble Alpes) – 70 M€", "Le projet MIAI Cluster soutient"),
    ("Hi! PARIS Cluster 2030 (Institut Polytechnique de Paris)–70 M€", "Hi! PARIS Cluster 2030 réunit"),
    ("PostGenAI@PARIS (Sorbonne université) – 35 M€", "Le cluster PostGenAI@Paris réunit"),
    ("ENACT (Université de Lorraine) – 30 M€", "ENACT ambitionne de faire de la Région Grand Est"),
    ("DATAIA-Cluster (Université Paris Saclay) – 20 M€", "Le DATAIA-Cluster, au cœur de"),
    ("ANITI IA Cluster (Université de Toulouse) – 20 M€", "Le Cluster ANITI IA repose"),
    ("3IA Côte d’Azur 2030 (Université Côte d’Azur) – 20 M€", "L'institut 3IA Côte d'Azur s'est établi"),
    ("SequoIA (Université de Rennes) – 20 M€", "Le projet SequoIA"),
]
# The editorial's signatures (p. 1): each minister's name on the line above their title.
MINISTERS = [
    ("Marina Ferrari", "Secrétaire d’Etat chargée du Numérique"),
    ("Sylvie Retailleau", "Ministre de l’Enseignement supérieur et de la Recherche"),
    ("Christophe Béchu", "Ministre de transition écologique et de la cohésion des territoires"),
    ("Catherine Vautrin", "Ministre du Travail, de la Santé et des Solidarités"),
    (
        "Bruno Le Maire",
        "Ministre de l'Économie, des Finances et de la Souveraineté industrielle et numérique",
    ),
    ("Rachida Dati", "Ministre de la Culture"),
]


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def dossier():
    documents, _ = load_corpus(CORPUS)
    return documents[0], make_passages(documents)


def unit_holding(doc: Document, *fragments: str):
    """The one unit whose text holds every fragment (line breaks read as spaces)."""
    holding = [u for u in doc.units if all(flat(f) in flat(doc.text[u.start : u.end]) for f in fragments)]
    assert len(holding) == 1, (fragments, [doc.text[u.start : u.end][:80] for u in holding])
    return holding[0]


def passages_holding(passages, unit):
    return [p for p in passages if p.start <= unit.start and unit.end <= p.end]


def test_units_cover_the_text_in_order_without_overlap(dossier):
    doc, _ = dossier
    for a, b in zip(doc.units, doc.units[1:]):
        assert a.end <= b.start
    covered = [False] * len(doc.text)
    for u in doc.units:
        covered[u.start : u.end] = [True] * (u.end - u.start)
    assert all(covered[i] for i, c in enumerate(doc.text) if not c.isspace())
    for s in split_sentences(doc):
        assert s.unit is not None and doc.units[s.unit].start <= s.start < doc.units[s.unit].end


@pytest.mark.parametrize(
    "carrier, name, partners, opening, closing", FRUGAL_ROWS, ids=[r[1] for r in FRUGAL_ROWS]
)
def test_every_frugal_ai_row_is_one_unit_whole_in_one_passage(
    dossier, carrier, name, partners, opening, closing
):
    doc, passages = dossier
    unit = unit_holding(doc, carrier, name, partners, opening, closing)
    assert unit.kind == TABLE_ROW
    cells = flat(unit.head.replace(" / ", " "))  # the head joins the cells' lines
    assert flat(name) in cells and flat(carrier) in cells and flat(partners) in cells
    assert len(passages_holding(passages, unit)) >= 1


def test_the_frugal_ai_table_has_eight_rows(dossier):
    doc, _ = dossier
    section = next(s for s in doc.sections if "Démonstrateurs d’IA frugale" in s[2])
    rows = [u for u in doc.units if u.kind == TABLE_ROW and section[0] <= u.start < section[1]]
    assert len(rows) == len(FRUGAL_ROWS) == 8


def test_the_frugal_ai_tables_column_labels_head_its_rows_and_are_no_row(dossier):
    doc, passages = dossier
    labels = unit_holding(doc, "Chef de file", "Description du projet")
    assert labels.kind == TABLE_HEADER
    assert labels.head == "Chef de file / Nom du projet / Membres du consortium / Description du projet"
    first = unit_holding(doc, "Advizeo", "IA Eco Pilot")
    assert first.head.startswith("Advizeo / IA Eco Pilot")  # the labels were its first cells
    rows = table_labels(doc)
    assert [k for k, u in enumerate(doc.units) if u.kind == TABLE_ROW and k in rows] == sorted(rows)
    assert len(rows) == 8 and set(rows.values()) == {labels.head}
    # the labels travel with the first row, as a heading with what it heads
    assert passages_holding(passages, labels) == passages_holding(passages, first)


def test_column_labels_are_the_cells_up_to_the_descriptions_label():
    rows = "".join(
        f"Porteur {n}\nProjet {n}\nPartenaire {n}.\nCe projet vise l’objectif {n} avec des moyens dédiés, des partenaires engagés et un calendrier précis.\n\n"
        for n in ("A", "B")
    )
    text = f"Les lauréats sont présentés ci-dessous.\n\nPorteur\nNom du projet\nDescription\n{rows}Fin du texte après le tableau."
    doc = Document(name="t.txt", title="t", text=text)
    doc.units = find_units(doc)
    kinds = [u.kind for u in doc.units]
    assert kinds == [PARAGRAPH, TABLE_HEADER, TABLE_ROW, TABLE_ROW, PARAGRAPH]
    assert doc.units[2].head == "Porteur A / Projet A / Partenaire A."
    assert table_labels(doc) == {
        2: "Porteur / Nom du projet / Description",
        3: "Porteur / Nom du projet / Description",
    }
    # a row whose cells include no description label has no column labels
    plain = Document(name="u.txt", title="u", text=rows)
    plain.units = find_units(plain)
    assert TABLE_HEADER not in [u.kind for u in plain.units] and table_labels(plain) == {}


@pytest.mark.parametrize(
    "opening, closing", COMMUNS + IA_EMBARQUEE, ids=[o.split(",")[0][:20] for o, _ in COMMUNS + IA_EMBARQUEE]
)
def test_every_listed_laureate_is_in_its_list_and_whole_in_one_passage(dossier, opening, closing):
    doc, passages = dossier
    unit = unit_holding(doc, opening, closing)
    assert unit.kind == LIST and unit.head and unit.head.rstrip().endswith((":", "."))
    start = doc.text.index(opening)
    end = doc.text.index(closing, start) + len(closing)
    holding = [p for p in passages if p.start <= start and end <= p.end]
    assert holding, opening
    # a passage that does not open the list carries its introduction for the retrievers
    for p in holding:
        if p.start > unit.start:
            assert p.head == unit.head and unit.head in p.index_text() and not p.text.startswith(unit.head)


@pytest.mark.parametrize("opening, closing", CMA, ids=[o.split("(")[0].strip()[-20:] for o, _ in CMA])
def test_every_cma_laureate_is_one_unit_whole_in_one_passage(dossier, opening, closing):
    doc, passages = dossier
    unit = unit_holding(doc, opening, closing)
    assert unit.kind in (PARAGRAPH, LIST)
    assert passages_holding(passages, unit)


@pytest.mark.parametrize("title, opening", CLUSTERS, ids=[t.split(" (")[0] for t, _ in CLUSTERS])
def test_every_ia_cluster_title_heads_its_text_in_one_passage(dossier, title, opening):
    doc, passages = dossier
    heading = unit_holding(doc, title)
    assert heading.kind == HEADING
    assert doc.section_at(heading.start) == title
    after = next(u for u in doc.units if u.start > heading.start)
    assert doc.text[after.start :].startswith(opening)
    # the title opens a passage with (at least) the first sentence of what it heads
    first = next(s for s in split_sentences(doc) if s.start >= after.start)
    assert [p for p in passages if p.start <= heading.start and first.end <= p.end]


@pytest.mark.parametrize("name, title", MINISTERS, ids=[n for n, _ in MINISTERS])
def test_a_ministers_name_and_title_are_one_unit(dossier, name, title):
    doc, passages = dossier
    unit = unit_holding(doc, name, title)
    assert unit.kind == TITLE_NAME and unit.head == name
    assert doc.text[unit.start : unit.end] == f"{name}\n{title}"
    assert passages_holding(passages, unit)


def test_a_long_row_is_cut_inside_its_description_and_carries_its_cells():
    sentence = "Ce projet vise l’objectif numéro {} avec des partenaires et des moyens dédiés."
    description = " ".join(sentence.format(i) for i in range(8))
    cells = "Région Sud\nProjet Delta (collectivité)\nAlpha, Beta."
    text = f"Intro du tableau en une phrase complète.\n\n{cells}\n{description}"
    doc = Document(name="t.txt", title="t", text=text)
    doc.units = find_units(doc)
    row = next(u for u in doc.units if u.kind == TABLE_ROW)
    assert row.head == "Région Sud / Projet Delta (collectivité) / Alpha, Beta."
    passages = make_passages([doc], SplitParams(min_words=10, max_words=40, whole_words=50))
    inside = [p for p in passages if p.start < row.end and p.end > row.start]
    assert len(inside) >= 2
    assert inside[0].start <= row.start and f"{cells}\nCe projet" in inside[0].text
    for p in inside[1:]:
        assert p.head == row.head and p.index_text().startswith(row.head) and "Région Sud" not in p.text
        assert p.text.startswith("Ce projet vise")


def test_a_short_row_stays_whole_even_past_the_passage_limit():
    description = " ".join(f"Ce projet vise l’objectif numéro {i} avec des moyens dédiés." for i in range(4))
    text = f"Région Sud\nProjet Delta (collectivité)\nAlpha, Beta.\n{description}"
    doc = Document(name="t.txt", title="t", text=text)
    passages = make_passages([doc], SplitParams(min_words=10, max_words=20, whole_words=80))
    assert len(passages) == 1 and passages[0].text == text and passages[0].head is None
