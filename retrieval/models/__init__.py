"""Embedding engines, one module each, all behind ``retrieval.embedder.Embedder``:
``st`` (sentence-transformers on torch: building, any model), ``onnx_e5``
(the default model on onnxruntime, for questions), ``fake`` (tests)."""
