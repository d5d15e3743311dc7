"""retrieval.config and the flags the CLI and the chat share (retrieval.cli.settings_from_args)."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.config import DEFAULT_MODEL, Settings, SettingsError, parse_threshold


@pytest.mark.parametrize("text", ["0", "0.25", "1"])
def test_a_threshold_is_a_probability(text):
    assert parse_threshold(text) == float(text)


@pytest.mark.parametrize("text", ["nan", "inf", "-0.1", "1.5", "haut", ""])
def test_anything_else_is_refused_naming_its_source(text):
    with pytest.raises(SettingsError, match="RETRIEVAL_THRESHOLD must be a number between 0 and 1"):
        parse_threshold(text, "RETRIEVAL_THRESHOLD")


def test_settings_come_from_the_environment_and_changes_skip_none(monkeypatch, tmp_path):
    for name in ("RETRIEVAL_CORPUS", "RETRIEVAL_MODEL", "RETRIEVAL_THRESHOLD"):
        monkeypatch.delenv(name, raising=False)
    assert Settings().model == DEFAULT_MODEL and Settings().threshold is None
    monkeypatch.setenv("RETRIEVAL_CORPUS", str(tmp_path))
    monkeypatch.setenv("RETRIEVAL_THRESHOLD", "0.4")
    settings = Settings()
    assert settings.corpus_dir == tmp_path and settings.threshold == 0.4
    changed = settings.with_(corpus_dir=None, index_dir="~/idx", threshold="0.7")
    assert changed.corpus_dir == tmp_path and changed.index_dir == Path("~/idx").expanduser()
    assert changed.threshold == 0.7
    monkeypatch.setenv("RETRIEVAL_THRESHOLD", "nan")
    with pytest.raises(SettingsError):
        Settings()


COMMON = ["--corpus", "c", "--index", "i", "--model", "m", "--cache", "/tmp/k", "--threshold", "0.3"]


def test_the_cli_and_the_chat_read_the_same_flags_into_the_same_settings():
    from app import parse_args
    from retrieval.cli import build_parser, settings_from_args

    cli = settings_from_args(build_parser().parse_args(["ask", "q", *COMMON, "--engine", "torch"]))
    chat = settings_from_args(parse_args([*COMMON, "--engine", "torch"]))
    assert cli == chat
    assert (cli.corpus_dir, cli.index_dir, cli.model, cli.cache_dir, cli.threshold, cli.engine) == (
        Path("c"),
        Path("i"),
        "m",
        Path("/tmp/k"),
        0.3,
        "torch",
    )
