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
    assert any(t.startswith("Préserver et renforcer le rang") and "360 M€ de soutien public" in t for t in titles)
    assert dossier.section_at(dossier.text.index("dont le siège social sera établi à Villers-Cotterêts")) == (
        "Lancement d’un centre d’expertise européen en IA générative (ALT-EDIC)"
    )
    # body paragraphs and signatures are not titles
    assert not any(t.startswith(("Marina Ferrari", "Cabinet de", "Le projet")) for t in titles)


def test_line_end_hyphens_join_compounds_without_a_space(dossier):
    assert "(IA-clusters) a ainsi été lancé en 2023" in dossier.text
    assert "neuf IA-Cluster, pôles d’excellence" in dossier.text
    assert "IA générative (ALT-EDIC)" in dossier.text
    assert "IA- clusters" not in dossier.text


def test_hyphen_is_dropped_when_the_document_spells_the_word_without_it(tmp_path):
    path = tmp_path / "doc.md"
    path.write_text("Le déve-\nloppement du développement durable est un enjeu de la région.\n", encoding="utf-8")
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
        assert dossier.text[span.start : span.start + span.length] == source[span.source_start : span.source_start + span.length]
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
        os.mknod(tmp_path / "zero.txt", 0o600 | __import__("stat").S_IFCHR, os.makedev(1, 5))  # like /dev/zero
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
