"""The default model's questions on onnxruntime: no torch in the process.

``e5_convert`` writes, next to the sentence-transformers folder, the BERT
encoder exported to ONNX (from the word vectors to the mean-pooled,
normalised embedding) and the tokenizer's pieces. The word vector table
(250,037 rows, most of the model's weight) stays in ``model.safetensors``
and is memory-mapped: a question reads a few dozen of its rows, so neither
the load nor the resident memory pays for the rest. Same weights, same
float32 arithmetic: ``tests/test_engine.py`` checks the vectors against
sentence-transformers' on every question, and every load checks the
index's probe vector.

Building an index embeds thousands of passages and stays with
sentence-transformers: ``passages`` loads it on first use.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np

from ..embedder import PROBE, ModelError
from .unigram import UnigramTokenizer

ENGINE_FILE = "engine.json"  # inside the converted model's ``onnx/`` folder
# Threads per question: 0 is onnxruntime's default, one per core, as torch does
# (a single question measured about 1.5x faster on 2 cores than with one thread).
THREADS = 0
# A thread that waits for work sleeps instead of spinning: on a machine shared
# with other processes, or with several questions at once, spinning threads
# take turns from the ones that work.
SPIN = "0"


def mmap_safetensor(path: Path, name: str) -> np.ndarray:
    """One float32 tensor of a safetensors file as a read-only memory map (the format:
    an 8-byte header length, a JSON header with each tensor's dtype, shape and
    byte offsets after the header, then the raw little-endian data)."""
    with open(path, "rb") as f:
        (size,) = struct.unpack("<Q", f.read(8))
        info = json.loads(f.read(size))[name]
    if info["dtype"] != "F32":
        raise ModelError(f"{path}: {name} is {info['dtype']}, not F32")
    start, _ = info["data_offsets"]
    return np.memmap(path, dtype="<f4", mode="r", offset=8 + size + start, shape=tuple(info["shape"]))


class OnnxE5Embedder:
    """Questions through the exported encoder; passages through sentence-transformers."""

    engine = "onnxruntime"

    def __init__(self, cache_dir: Path) -> None:
        from ..config import DEFAULT_MODEL
        from .st import default_model_folder

        self.name = DEFAULT_MODEL
        self.cache_dir = cache_dir
        folder = default_model_folder(cache_dir)
        try:
            spec = json.loads((folder / "onnx" / ENGINE_FILE).read_text(encoding="utf-8"))
            self.query_prompt = spec["query_prompt"]
            self.dim = int(spec["dim"])
            self.tokenizer = UnigramTokenizer.load(
                folder / "onnx" / spec["pieces"], folder / "onnx" / spec["scores"], **spec["special"]
            )
            self.words = mmap_safetensor(
                folder / spec["word_vectors"]["file"], spec["word_vectors"]["tensor"]
            )
            self.session = _session(folder / "onnx" / spec["encoder"])
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(f"cannot load the ONNX export of the default model in {folder}: {exc}") from exc
        self._builder = None

    def _embed(self, text: str) -> np.ndarray:
        ids = self.tokenizer.encode(text)
        vectors = np.asarray(self.words[ids], dtype=np.float32)[None]
        mask = np.ones((1, len(ids)), dtype=np.int64)
        return self.session.run(None, {"inputs_embeds": vectors, "attention_mask": mask})[0][0]

    def queries(self, texts: list[str]) -> np.ndarray:
        """One question at a time: no padding, so each vector is what it would be alone."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row] = self._embed(self.query_prompt + text)
        return out

    def passages(self, texts: list[str], progress: bool = False) -> np.ndarray:
        if self._builder is None:
            from .st import SentenceTransformerEmbedder

            self._builder = SentenceTransformerEmbedder(self.name, self.cache_dir)
        return self._builder.passages(texts, progress=progress)

    def probe(self) -> list[float]:
        return [round(float(x), 6) for x in self._embed(PROBE)]


def _session(path: Path):
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = THREADS
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", SPIN)
    # ``e5_convert`` saved the graph already optimised: don't spend the start on it again.
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.log_severity_level = 3  # errors only: no advisory lines on stderr
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
