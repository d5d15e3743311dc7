"""Where the passages live: one protocol (``base``), one module per backend, one place that picks one."""

from .base import Contents, DocumentError, IndexCorrupt, IndexMissing, IndexProblem, Ingested, Store

__all__ = ["Contents", "DocumentError", "IndexCorrupt", "IndexMissing", "IndexProblem", "Ingested", "Store"]
