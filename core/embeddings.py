"""Text embeddings computed locally (issue 14, seed 004 P1.1 "embeddings"): ``wordllama``'s
bundled 256-dimension weights, loaded offline (nothing is fetched from a model hub at run time).

- :func:`embedder` returns the process's one :class:`Embedder` (loaded once, ~0.1 s).
- ``Embedder.embed(texts)`` gives an ``(n, dim)`` float32 array of L2-normalized rows, so a dot
  product is the cosine similarity.
- :func:`pack` / :func:`unpack` store a row as little-endian float32 bytes
  (``document_chunks.embedding``; ``MODEL`` names the model in ``embedding_model``).

A configured embedding API is the production option (DESIGN.md); it would be another
:class:`Embedder` with the same ``embed``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

MODEL = "wordllama-l2_supercat-256"
DIM = 256

Vectors = npt.NDArray[np.float32]


class Embedder:
    """Embeds text with wordllama (thread-safe for reads: numpy only)."""

    def __init__(self) -> None:
        import wordllama
        from wordllama import WordLlama

        # The wheel ships the weights and the tokenizer config; pointing the cache at the package
        # directory makes the loader find both, and disable_download keeps it offline.
        self._wl = WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)
        self.model, self.dim = MODEL, DIM

    def embed(self, texts: list[str]) -> Vectors:
        """``(len(texts), DIM)`` float32, rows L2-normalized (an empty text is a zero row)."""
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        v = np.asarray(self._wl.embed(texts, norm=False), dtype=np.float32)
        norms = np.linalg.norm(v, axis=1, keepdims=True)
        out: Vectors = np.divide(v, norms, out=np.zeros_like(v), where=norms > 0)
        return out


@lru_cache(maxsize=1)
def embedder() -> Embedder:
    """The process's embedder (loaded on first use)."""
    return Embedder()


def pack(row: Vectors) -> bytes:
    """One embedding row as ``DIM`` little-endian float32 (1,024 bytes)."""
    return np.asarray(row, dtype="<f4").tobytes()


def unpack(blob: bytes) -> Vectors:
    """The inverse of :func:`pack`."""
    return np.frombuffer(blob, dtype="<f4").astype(np.float32)
