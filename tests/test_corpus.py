"""Cleaning the dossier: pages, sections, hyphenation, bullets, the map back to the source."""

from __future__ import annotations

import re

import pytest

from retrieval.corpus import CorpusError, corpus_checksum, load_corpus, load_document

from .conftest import CORPUS, DOSSIER


@pytest.fixture(scope="module")
def dossier():
    documents, warnings = load_corpus(CORPUS)
    assert warnings == []
    assert [d.name for d in documents] == [DOSSIER.name]
    return documents[0]


def test_page_breaks_are_the_lines_that_start_with_one_space(dossier):
    source = DOSSIER.read_text(encoding="utf-8")
    markers = [line for line in source.split("\n") if re.match(r"^ \S", line)]
    assert [page for _, page in dossier.pages] == list(range(1, len(markers) + 1))
    assert dossier.page_at(0) == 1
    assert dossier.page_at(dossier.text.index("Faire de la France un champion")) == 4
    assert dossier.page_at(dossier.text.index("PR[AI]RIE – PSAI")) == 8
    assert dossier.page_at(len(dossier.text) - 1) == len(markers)


def test_a_sentence_running_over_a_page_break_stays_whole(dossier):
    assert "L’institut propose par ailleurs des actions de sensibilisation au lycée" in dossier.text


def test_title_lines_become_sections(dossier):
    titles = [title for _, _, title in dossier.sections]
    assert "MIAI Cluster (Université Grenoble Alpes) – 70 M€" in titles
    assert "Lancement d’un centre d’expertise européen en IA générative (ALT-EDIC)" in titles
    assert any(
        t.startswith("Préserver et renforcer le rang") and "360 M€ de soutien public" in t for t in titles
    )
    assert dossier.section_at(dossier.text.index("dont le siège social sera établi à Villers-Cotterêts")) == (
        "Lancement d’un centre d’expertise européen en IA générative (ALT-EDIC)"
    )
    # body paragraphs and signatures are not titles
    assert not any(t.startswith(("Marina Ferrari", "Cabinet de", "Le projet")) for t in titles)


# Every section title of the dossier, in order, read off the raw file: the chapter and
# sub-chapter titles, each IA-cluster's name with its amount, the call titles.
SECTION_TITLES = [
    "560 M€ de France 2030 dédiés à la recherche, la formation initiale et continue en IA — "
    "Faire de la France un champion mondial de la recherche en intelligence artificielle",
    "Proposer et ouvrir aux chercheurs et aux entreprises du numérique l’une des machines de calcul les plus "
    "puissantes de France : le supercalculateur Jean Zay",
    "Soutenir l’émergence de pôles de formation de rang mondial dans le domaine de l’intelligence artificielle",
    "Préserver et renforcer le rang de la recherche et de la formation de la France dans les principaux champs de "
    "l’IA et construire de nouvelles niches d’excellence — 360 M€ de soutien public",
    "PR[AI]RIE – PSAI (Université Paris Sciences et Lettres) – 75 M€",
    "MIAI Cluster (Université Grenoble Alpes) – 70 M€",
    "Hi! PARIS Cluster 2030 (Institut Polytechnique de Paris)–70 M€",
    "PostGenAI@PARIS (Sorbonne université) – 35 M€",
    "ENACT (Université de Lorraine) – 30 M€",
    "DATAIA-Cluster (Université Paris Saclay) – 20 M€",
    "ANITI IA Cluster (Université de Toulouse) – 20 M€",
    "3IA Côte d’Azur 2030 (Université Côte d’Azur) – 20 M€",
    "SequoIA (Université de Rennes) – 20 M€",
    "Créer, transformer et adapter les formations en intelligence artificielle — 87 M€ pour 14 premiers lauréats "
    "de l’appel à projets « Compétences et Métiers d’Avenir » dédiés à la massification du nombre de formés en IA "
    "sur l’ensemble du territoire national",
    "14 dispositifs de formation en IA pour 400 000 places à horizon 2030 — Près de 11 M€ accordés à deux nouveaux "
    "projets de formation en intelligence artificielle, issus de la deuxième saison de CMA, désormais au fil de l’eau",
    "",  # the running header « Dossier de presse | France 2030 et l’IA 23 » ends that section (p. 15)
    "7 nouveaux lauréats de l’appel à projets « Communs numériques pour l’IA générative »",
    "Un nouvel appel à projets « Accélérer l’usage de l’intelligence artificielle générative dans l’économie »",
    "Lancement d’un programme sur l’évaluation des IA avancées et mise en place du Grand challenge sur l’IA d’usage général",
    "Lancement d’un centre d’expertise européen en IA générative (ALT-EDIC)",
    "8 nouveaux lauréats de l’appel à projets « IA embarquée »",
    "8 nouveaux lauréats de la vague 2 de l’appel à projets « Démonstrateurs d’IA frugale pour la transition "
    "écologique des territoires »",
    "Un nouvel appel à projet « Renforcement de l’offre de services cloud » pour rapprocher les acteurs de l’IA et du Cloud",
    "Plus de 200 entreprises françaises accompagnées pour implémenter l’IA dans leur appareil de production",
    "Renforcer la résilience et l’autonomie technologique de la France et de l’Europe grâce à l’open source",
    "France 2030 : soutenir l’innovation, l’industrialisation, la recherche et la formation",
    "Retrouvez l’intégralité des mesures du plan France 2030 sur france2030.gouv.fr",
]


def test_every_section_title_is_a_real_title(dossier):
    assert [title for _, _, title in dossier.sections] == SECTION_TITLES


def test_a_sentence_set_as_a_lead_is_not_a_title(dossier):
    """« Les 12 autres projets lauréats de la saison 1 ont déjà permis de proposer des formations… » is a
    clause: it labelled p. 13 and, running on, the p. 15 list of AI axes."""
    lead = dossier.text.index("Les 12 autres projets lauréats de la saison 1")
    assert dossier.section_at(lead).startswith("14 dispositifs de formation en IA")
    assert dossier.section_at(dossier.text.index("Parmi ces 12 lauréats")).startswith(
        "14 dispositifs de formation en IA"
    )
    axes = dossier.text.index("la stratégie nationale en IA recouvre donc les axes suivants")
    assert dossier.section_at(axes) is None
    assert dossier.section_at(dossier.text.index("• IA frugale, avec le soutien")) is None
    assert not any(hs <= lead < he for hs, he in dossier.headings)


def test_a_clause_is_not_a_title_but_a_noun_phrase_is(tmp_path):
    paragraphs = [
        "Les projets retenus ont déjà permis de former des milliers de personnes",
        "Le texte qui suit est un paragraphe ordinaire, avec sa ponctuation et assez de mots pour en être un.",
        "Lancement d’un programme sur l’évaluation des IA avancées",
        "Le programme est lancé cette année avec des partenaires nombreux et un budget annoncé.",
    ]
    path = (
        tmp_path / "doc.txt"
    )  # the extracted-PDF layout: an empty line after each line, " " between paragraphs
    path.write_text("\n\n \n\n".join(paragraphs) + "\n\n", encoding="utf-8")
    doc = load_document(path)
    assert [title for _, _, title in doc.sections] == [
        "Lancement d’un programme sur l’évaluation des IA avancées"
    ]


def test_names_and_cells_are_split_from_the_lines_they_were_glued_to(dossier):
    assert (
        "\nMinistre de transition écologique et de la cohésion des territoires\nCatherine Vautrin\n"
        in dossier.text
    )
    assert "décisions des pouvoirs publics.\nLeakmited\nMission 90+" in dossier.text
    assert "\nDescription du projet\nAdvizeo\nIA Eco Pilot (acteur émergent)\n" in dossier.text


def test_line_end_hyphens_join_compounds_without_a_space(dossier):
    assert "(IA-clusters) a ainsi été lancé en 2023" in dossier.text
    assert "neuf IA-Cluster, pôles d’excellence" in dossier.text
    assert "IA générative (ALT-EDIC)" in dossier.text
    assert "IA- clusters" not in dossier.text


def test_hyphen_is_dropped_when_the_document_spells_the_word_without_it(tmp_path):
    path = tmp_path / "doc.md"
    path.write_text(
        "Le déve-\nloppement du développement durable est un enjeu de la région.\n", encoding="utf-8"
    )
    assert "Le développement du développement durable" in load_document(path).text


def test_private_use_bullets_become_list_items(dossier):
    assert "\uf0b7" not in dossier.text
    assert not re.search("[\ue000-\uf8ff]", dossier.text)
    assert "\n• lever les verrous scientifiques de l’IA frugale" in dossier.text
    assert "\n• attirer les talents du monde entier en recherche en IA ;" in dossier.text


def test_table_cells_stay_on_their_own_lines(dossier):
    assert "\nMission 90+ (acteur émergent)\n" in dossier.text
    assert "Ce projet vise à améliorer et généraliser la détection de fuites" in dossier.text


def test_clean_text_maps_back_to_the_source(dossier):
    source = DOSSIER.read_text(encoding="utf-8")
    checked = 0
    for span in dossier.spans:
        assert (
            dossier.text[span.start : span.start + span.length]
            == source[span.source_start : span.source_start + span.length]
        )
        checked += 1
    assert checked > 5000
    at = dossier.text.index("Villers-Cotterêts")
    assert source[dossier.source_offset(at) :].startswith("Villers-Cotterêts")


def test_titles_come_from_corpus_toml(tmp_path):
    (tmp_path / "a.txt").write_text("Un texte.\n", encoding="utf-8")
    (tmp_path / "corpus.toml").write_text('[documents."a.txt"]\ntitle = "Mon dossier"\n', encoding="utf-8")
    documents, _ = load_corpus(tmp_path)
    assert documents[0].title == "Mon dossier"


def test_markdown_headings_and_lists(tmp_path):
    path = tmp_path / "guide.md"
    path.write_text("# Guide\n\nIntro.\n\n## Étape 1\n\n- premier point\n- second point\n", encoding="utf-8")
    doc = load_document(path)
    assert doc.title == "Guide"
    assert [s[2] for s in doc.sections] == ["Guide", "Étape 1"]
    assert "• premier point\n• second point" in doc.text
    assert doc.pages == []


def test_pdf_text_is_indexed_with_its_pages(tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    path = tmp_path / "deux-pages.pdf"
    with PdfPages(path) as pdf:
        for text in ("Première page du rapport.", "Le budget total atteint 7 M€."):
            fig = plt.figure()
            fig.text(0.1, 0.5, text)
            pdf.savefig(fig)
            plt.close(fig)
    doc = load_document(path)
    assert "Le budget total atteint 7 M€." in doc.text
    assert doc.page_at(doc.text.index("Le budget")) == 2


def test_empty_or_unreadable_files_are_skipped_with_a_warning(tmp_path):
    (tmp_path / "good.txt").write_text("Un vrai texte.\n", encoding="utf-8")
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\xff\xfe\x00garbage\xff")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    documents, warnings = load_corpus(tmp_path)
    assert [d.name for d in documents] == ["good.txt"]
    assert len(warnings) == 3 and all(w.startswith("skipped ") for w in warnings)


def test_a_missing_or_empty_corpus_folder_is_an_error(tmp_path):
    with pytest.raises(CorpusError, match="not found"):
        load_corpus(tmp_path / "nope")
    with pytest.raises(CorpusError, match="no .txt"):
        load_corpus(tmp_path)


def test_checksum_changes_with_any_file(tmp_path):
    (tmp_path / "a.txt").write_text("un", encoding="utf-8")
    before = corpus_checksum(tmp_path)
    (tmp_path / "a.txt").write_text("deux", encoding="utf-8")
    assert corpus_checksum(tmp_path) != before


# ------------------------------------------------------------ confinement


@pytest.fixture
def no_hang():
    """Fail instead of hanging (a FIFO opened for reading blocks until a writer comes)."""
    import signal

    def expired(signum, frame):
        raise TimeoutError("reading the corpus hung")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def test_a_link_out_of_the_corpus_folder_is_skipped_and_a_link_inside_is_read(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "sub" / "real.txt").write_text("Le budget du plan est de 12 M€.\n", encoding="utf-8")
    (corpus / "inside.txt").symlink_to(corpus / "sub" / "real.txt")
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    (corpus / "passwd.txt").symlink_to(secret)
    (corpus / "shadow.txt").symlink_to("/etc/passwd")
    (corpus / "outdir").symlink_to(tmp_path)  # a linked folder leading out
    documents, warnings = load_corpus(corpus)
    assert [d.name for d in documents] == ["inside.txt", "sub/real.txt"]
    assert not any("root:" in d.text for d in documents)
    assert sorted(warnings) == [
        "skipped passwd.txt: a link to a file outside the corpus folder",
        "skipped shadow.txt: a link to a file outside the corpus folder",
    ]


def test_fifos_sockets_devices_and_binary_text_are_skipped_without_hanging(tmp_path, no_hang):
    import os
    import socket

    (tmp_path / "good.txt").write_text("Un vrai texte.\n", encoding="utf-8")
    os.mkfifo(tmp_path / "fifo.txt")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tmp_path / "socket.md"))
    (tmp_path / "nul.txt").write_bytes(b"\x00" * 4096)
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "gone.txt")
    expected = {
        "skipped fifo.txt: not a regular file (FIFO, socket or device)",
        "skipped socket.md: not a regular file (FIFO, socket or device)",
        "skipped nul.txt: binary file (NUL bytes), not text",
        "skipped dangling.txt: a link to nothing readable",
    }
    try:
        os.mknod(
            tmp_path / "zero.txt", 0o600 | __import__("stat").S_IFCHR, os.makedev(1, 5)
        )  # like /dev/zero
        expected.add("skipped zero.txt: not a regular file (FIFO, socket or device)")
    except PermissionError:
        pass  # no CAP_MKNOD here: the FIFO and socket still cover non-regular files
    try:
        documents, warnings = load_corpus(tmp_path)
        checksum = corpus_checksum(tmp_path)
    finally:
        sock.close()
    assert [d.name for d in documents] == ["good.txt"]
    assert set(warnings) == expected
    only_good = tmp_path / "only"
    only_good.mkdir()
    (only_good / "good.txt").write_text("Un vrai texte.\n", encoding="utf-8")
    (only_good / "nul.txt").write_bytes(b"\x00" * 4096)
    assert checksum == corpus_checksum(only_good)  # what is refused at listing is not part of the checksum


def test_a_file_swapped_for_a_fifo_after_listing_is_refused_not_waited_on(tmp_path, no_hang):
    import os

    from retrieval.corpus import read_file

    os.mkfifo(tmp_path / "late.txt")
    with pytest.raises(OSError, match="not a regular file"):
        read_file(tmp_path / "late.txt")


def test_an_unreadable_file_is_skipped_with_a_warning(tmp_path):
    import os

    (tmp_path / "good.txt").write_text("Un vrai texte.\n", encoding="utf-8")
    locked = tmp_path / "locked.txt"
    locked.write_text("secret\n", encoding="utf-8")
    locked.chmod(0)
    if os.access(locked, os.R_OK):
        pytest.skip("running as root: permissions don't stop reading")
    documents, warnings = load_corpus(tmp_path)
    assert [d.name for d in documents] == ["good.txt"]
    assert warnings == ["skipped locked.txt: cannot read it (permission denied)"]


def test_the_checksum_follows_the_same_file_list(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("un texte\n", encoding="utf-8")
    before = corpus_checksum(corpus)
    outside = tmp_path / "outside.txt"
    outside.write_text("dehors\n", encoding="utf-8")
    (corpus / "link.txt").symlink_to(outside)
    assert corpus_checksum(corpus) == before  # the refused link is not part of the corpus
    outside.write_text("dehors, modifié\n", encoding="utf-8")
    assert corpus_checksum(corpus) == before


def test_a_corpus_toml_linked_from_outside_is_refused(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("un texte\n", encoding="utf-8")
    (tmp_path / "elsewhere.toml").write_text('[chat]\ntitle = "x"\n', encoding="utf-8")
    (corpus / "corpus.toml").symlink_to(tmp_path / "elsewhere.toml")
    with pytest.raises(CorpusError, match="outside the corpus folder"):
        load_corpus(corpus)
