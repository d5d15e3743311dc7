"""Checking a quote: the word alignment on hand-written strings (fast, no model), then every
verdict through the real model and index, the CLI in a real process, and the check set's figures."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from retrieval.check import (
    Change,
    CheckError,
    _fold_map,
    align,
    changes,
    prepare_text,
    split_claims,
    token_kind,
    tokenize,
)

from .conftest import ROOT

# The dossier's sentence about the IA-clusters, as the cleaned text has it.
CLUSTERS = (
    "Pour faire de la France un leader mondial en IA, les neuf lauréats de l’AMI IA-clusters "
    "bénéficieront de 360 M€ de financement de France 2030 sur cinq années."
)
ISSUE_EXAMPLE = "Les neuf lauréats de l'AMI IA-clusters bénéficieront de 400 M€ de financement."


# ----------------------------------------------------------------- fast, no model


def test_numbers_amounts_and_words_are_tokens_of_their_own():
    keys = [
        t.key
        for t in tokenize("3,2 Mds€ levés en 2022 ; 13 600 personnes, 125,9 PFlop/s, 50M€ et 25% de l’IA")
    ]
    assert keys == [
        "3,2",
        "mds€",
        "levés",
        "en",
        "2022",
        "13 600",
        "personnes",
        "125,9",
        "pflop/s",
        "50m€",
        "et",
        "25%",
        "de",
        "l'ia",
    ]
    text = "Le 8 mars 2024, à Paris"
    assert [text[t.start : t.end] for t in tokenize(text)] == ["Le", "8", "mars", "2024", "à", "Paris"]


@pytest.mark.parametrize(
    "text, i, kind",
    [
        ("lancé en 2023 par", 2, "date"),
        ("financement de France 2030 sur", 3, "name"),
        ("le 25 mars prochain", 1, "date"),
        ("le 25 mars prochain", 2, "date"),
        ("de 360 M€ de", 1, "number"),
        ("les neuf lauréats", 1, "number"),
        ("organisé par Inria et", 2, "name"),
        ("organisé par Inria et", 1, "word"),
        ("Depuis toujours", 0, "word"),  # a capital that opens a sentence is no name
        ("ORGANISÉ PAR INRIA", 2, "word"),  # nor is a word of a text in capitals
    ],
)
def test_token_kinds(text, i, kind):
    assert token_kind(tokenize(text), i, first=i == 0) == kind


def test_a_quote_cut_at_both_ends_aligns_with_no_change():
    a = align(tokenize(CLUSTERS), tokenize("les neuf lauréats de l’AMI IA-clusters bénéficieront de 360 M€"))
    assert a.identical and a.similarity == 1.0
    assert a.ops[0][1] == 10  # starts at "les", the words before are a cut, not a change


def test_a_changed_amount_is_called_out_whatever_the_similarity():
    dossier, claim = tokenize(CLUSTERS), tokenize(ISSUE_EXAMPLE)
    a = align(dossier, claim)
    assert a.similarity > 0.85  # nearly the same sentence...
    assert changes(dossier, claim, a.ops) == (
        Change("number", "400 M€", "360 M€"),
    )  # ...with the figure changed


def test_changed_dates_and_names_are_told_apart():
    dossier = tokenize("Le 8 mars 2024, à Paris, s'est tenue la première assemblée générale de l'ALT-EDIC.")
    claim = tokenize("Le 18 mars 2024, à Lyon, s'est tenue la première assemblée générale de l'ALT-EDIC.")
    found = changes(dossier, claim, align(dossier, claim).ops)
    assert found == (Change("date", "18 mars", "8 mars"), Change("name", "Lyon", "Paris"))


def test_dropped_words_are_a_change_but_cut_ends_are_not():
    dossier = tokenize(CLUSTERS)
    claim = tokenize(
        "les neuf lauréats de l’AMI IA-clusters bénéficieront de 360 M€ de financement sur cinq années"
    )
    a = align(dossier, claim)
    assert not a.identical
    assert changes(dossier, claim, a.ops) == (Change("name", "", "de France 2030"),)


def test_moved_words_at_the_end_are_a_change_not_a_cut():
    dossier = tokenize("Le projet est porté par la France, les Pays-Bas et l’Union Européenne.")
    claim = tokenize("Le projet est porté par l’Union Européenne, la France et les Pays-Bas.")
    a = align(dossier, claim)
    dropped = [c for c in changes(dossier, claim, a.ops) if not c.input]
    assert dropped and "l’Union Européenne" in dropped[-1].dossier


def test_other_words_score_low():
    a = align(
        tokenize(CLUSTERS),
        tokenize("Le supercalculateur Jean Zay sera remplacé par un ordinateur quantique."),
    )
    assert a.similarity < 0.3


def test_folding_keeps_offsets_into_the_original():
    text = "L’IA\n  est  LÀ"
    folded, offsets = _fold_map(text)
    assert folded == "l'ia est là"
    at = folded.find("est là")
    assert text[offsets[at] : offsets[at + len("est là") - 1] + 1] == "est  LÀ"


def test_input_is_split_into_sentences_and_bad_input_refused():
    assert split_claims(
        "« Ils forment chaque année plus de 13 600 personnes. » Le 8 mars 2024, à Paris, etc."
    ) == [
        "Ils forment chaque année plus de 13 600 personnes.",
        "Le 8 mars 2024, à Paris, etc.",
    ]
    assert split_claims("Sept écoles forment le cluster Hi! PARIS.") == [
        "Sept écoles forment le cluster Hi! PARIS."
    ]
    for bad in ("", "   \n ", "« … »", "\x00\x07"):
        with pytest.raises(CheckError):
            prepare_text(bad)
    text, notice = prepare_text("mot " * 2000)
    assert len(text) <= 4000 and "cut" in notice


# ---------------------------------------------------- real model, real index


def _verbatim_slices(assistant, result) -> None:
    """Every quote is the document's text at its offsets; a diff's dossier pieces rebuild the quote."""
    for claim in result.claims:
        for s in ([claim.source] if claim.source else []) + list(claim.related):
            assert assistant.index.document(s.document).text[s.start : s.end] == s.quote
        if claim.source and claim.diff:
            assert "".join(text for op, text in claim.diff if op != "insert") == claim.source.quote


@pytest.mark.slow
def test_verbatim_quote_retyped_with_straight_apostrophes_and_line_breaks(assistant):
    text = "pour faire de la France un leader mondial en IA, les neuf lauréats de l'AMI\nIA-clusters  bénéficieront"
    result = assistant.check(text)
    (claim,) = result.claims
    assert claim.verdict == "verbatim" and claim.changed == ()
    assert claim.source.quote == CLUSTERS[: CLUSTERS.index("bénéficieront") + len("bénéficieront")]
    assert claim.source.page == 7 and claim.source.passage_id.endswith("#p07-03")
    _verbatim_slices(assistant, result)


@pytest.mark.slow
def test_a_slice_inside_a_word_is_no_quote(assistant):
    (claim,) = assistant.check("rance 2030 soutient la convergence des technologies").claims
    assert claim.verdict == "altered" and claim.source.quote.startswith("2030 soutient")
    assert [c.input for c in claim.changed] == ["rance"]


@pytest.mark.slow
def test_quote_spanning_two_dossier_sentences_is_one_verbatim_claim(assistant):
    text = (
        "Ils forment chaque année plus de 13 600 personnes. Leur production scientifique a augmenté "
        "de plus de 20 % entre la période 2014-2018 et la période 2020-2021."
    )
    (claim,) = assistant.check(text).claims
    assert claim.verdict == "verbatim" and claim.source.quote == text


@pytest.mark.slow
def test_the_issues_example_is_altered_with_the_amount_called_out(assistant):
    result = assistant.check(ISSUE_EXAMPLE)
    (claim,) = result.claims
    assert claim.verdict == "altered"
    assert claim.changed == (Change("number", "400 M€", "360 M€"),)
    assert (
        claim.source.quote == "les neuf lauréats de l’AMI IA-clusters bénéficieront de 360 M€ de financement"
    )
    assert ("delete", "360 ") in claim.diff and ("insert", "400") in claim.diff
    _verbatim_slices(assistant, result)


@pytest.mark.slow
def test_paraphrase_shows_the_closest_sentences_and_claims_no_source(assistant):
    result = assistant.check(
        "Le futur centre européen d'expertise aura son siège dans la Cité internationale de la langue française, "
        "à Villers-Cotterêts."
    )
    (claim,) = result.claims
    assert claim.verdict == "paraphrase" and claim.source is None and claim.diff == ()
    assert any("Villers-Cotterêts" in r.quote for r in claim.related)
    _verbatim_slices(assistant, result)


@pytest.mark.slow
def test_fabricated_sentence_is_absent_with_passages_to_read(assistant):
    result = assistant.check("Qui a gagné la Coupe du monde de football en 2018 ?")
    (claim,) = result.claims
    assert claim.verdict == "absent" and claim.source is None and len(claim.related) == 3
    _verbatim_slices(assistant, result)


@pytest.mark.slow
def test_a_text_is_checked_sentence_by_sentence(assistant):
    result = assistant.check(
        "Le 18 mars 2024, à Paris, s'est tenue la première assemblée générale de l'ALT-EDIC. "
        "Ils forment chaque année plus de 13 600 personnes."
    )
    assert [c.verdict for c in result.claims] == ["altered", "verbatim"]
    assert result.claims[0].changed == (Change("date", "18 mars", "8 mars"),)
    assert set(result.timings_ms) == {"retrieval", "align", "total"}


# ------------------------------------------------------------------ the CLI


@pytest.fixture(scope="module")
def cli(assistant, settings):
    env = {
        **os.environ,
        "RETRIEVAL_CORPUS": str(settings.corpus_dir),
        "RETRIEVAL_INDEX": str(settings.index_dir),
    }

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "retrieval", *args], cwd=ROOT, env=env, capture_output=True, timeout=300
        )

    return run


@pytest.mark.slow
def test_cli_text_says_what_changed_with_marks(cli):
    done = cli("check", ISSUE_EXAMPLE)
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode()
    assert out.startswith("ALTERED — the dossier says 360 M€, not 400 M€ (p. 7, « Préserver")
    assert "passage p07-03" in out
    assert (
        "« …les neuf lauréats de l’AMI IA-clusters bénéficieront de [-360-]{+400+} M€ de financement… »"
        in out
    )


@pytest.mark.slow
def test_cli_json_and_batch_give_one_verdict_per_line(cli, tmp_path):
    batch = tmp_path / "quotes.jsonl"
    batch.write_bytes(
        b'{"id": "v", "text": "Ils forment chaque ann\xc3\xa9e plus de 13 600 personnes."}\n'
        b'{"id": "e", "text": ""}\n'
        b"not json\n"
        b'{"id": "p", "text": "The European expertise centre will have its headquarters in Villers-Cotter\xc3\xaats."}\n'
        b'{"id": "a", "text": "La Coupe du monde 2018 a \xc3\xa9t\xc3\xa9 gagn\xc3\xa9e par la France."}\n'
        + b"[" * 100_000
        + b'\n{"id": NaN, "text": 5}\n'
    )
    done = cli("check", "--json", "--batch", str(batch))
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [line["id"] for line in lines] == ["v", "e", None, "p", "a", None, "NaN"]
    assert "nested too deeply" in lines[5]["error"] and 'no "text" string' in lines[6]["error"]
    assert list(lines[0]) == ["id", "input", "claims", "timings_ms"]
    claim = lines[0]["claims"][0]
    assert list(claim) == ["text", "verdict", "source", "diff", "changed", "related"]
    assert list(claim["source"]) == ["passage_id", "document", "page", "section", "quote", "start", "end"]
    assert claim["verdict"] == "verbatim"
    assert "empty" in lines[1]["error"] and "JSON" in lines[2]["error"]
    assert [lines[3]["claims"][0]["verdict"], lines[4]["claims"][0]["verdict"]] == ["paraphrase", "absent"]
    assert lines[4]["claims"][0]["source"] is None and lines[4]["claims"][0]["related"]
    assert "could not be checked" in done.stderr.decode()


@pytest.mark.slow
@pytest.mark.parametrize(
    "args, message",
    [
        (("check", ""), "the text to check is empty"),
        (("check",), "no text given"),
        (("check", "x", "--batch", "f"), "not both"),
        (("check", "--batch", "/nonexistent.jsonl"), "batch file not found"),
    ],
)
def test_cli_check_errors_are_one_line(cli, args, message):
    done = cli(*args)
    err = done.stderr.decode()
    assert done.returncode != 0 and message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err and done.stdout == b""


# ------------------------------------------------------------- the check set

# The figures README "Checking a quote" reports, as floors (`retrieval eval --checks --split dev|test`).
FLOORS = {
    "dev": {"changed number or date caught": 1.0, "verbatim or cut found": 1.0, "fabricated kept out": 1.0},
    "test": {"changed number or date caught": 1.0, "verbatim or cut found": 1.0, "fabricated kept out": 1.0},
}


@pytest.fixture(scope="module")
def check_reports(assistant):
    from retrieval.check_eval import load_checks, run

    return {split: run(assistant, load_checks(ROOT / "eval" / "checks.jsonl", split)) for split in FLOORS}


@pytest.mark.slow
@pytest.mark.parametrize("split", sorted(FLOORS))
def test_check_set_figures_hold(check_reports, assistant, split):
    report = check_reports[split]
    for name, floor in FLOORS[split].items():
        assert report.targets[name]["value"] >= floor, (name, report.failures())
    for outcome in report.outcomes:  # every quote of every case is where it says it is
        for claim in outcome.claims:
            for s in ([claim.source] if claim.source else []) + list(claim.related):
                assert assistant.index.document(s.document).text[s.start : s.end] == s.quote
