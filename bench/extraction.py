"""Extraction throughput (issue 14): pages per second of our extraction path
(``activities.document_text.extract`` + ``chunk``, and with ``core.embeddings``) against bare pypdf
``page.extract_text()`` over the same generated PDFs, in one run. Goal: ours >= 0.8x bare.

    uv run python -m bench.extraction [--pages 200] [--files 3] [--rounds 3]

Prints pages/s of each and the ratios. Best of ``rounds`` for each (same process, warm embedder).
"""

from __future__ import annotations

import argparse
import io
import time
from collections.abc import Callable

from pypdf import PdfReader

from activities.document_text import chunk, extract
from core import doc_types
from core.embeddings import embedder
from core.settings import DocumentSettings
from tests.document_fixtures import pdf_bytes


def bare(data: bytes) -> int:
    reader = PdfReader(io.BytesIO(data))
    for page in reader.pages:
        page.extract_text()
    return len(reader.pages)


def ours(cfg: DocumentSettings, embed: bool) -> Callable[[bytes], int]:
    def run(data: bytes) -> int:
        pages, passages = extract(data, doc_types.PDF, cfg)
        chunks = chunk(passages, cfg.chunk_chars)
        if embed:
            embedder().embed([c.text for c in chunks])
        return pages or 0

    return run


def rate(fn: Callable[[bytes], int], files: list[bytes], rounds: int) -> float:
    best = 0.0
    for _ in range(rounds):
        t0 = time.perf_counter()
        pages = sum(fn(f) for f in files)
        best = max(best, pages / (time.perf_counter() - t0))
    return best


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--pages", type=int, default=200)
    p.add_argument("--files", type=int, default=3)
    p.add_argument("--rounds", type=int, default=3)
    a = p.parse_args()
    files = [pdf_bytes(a.pages) for _ in range(a.files)]
    cfg = DocumentSettings()
    embedder().embed(["warm up"])
    b = rate(bare, files, a.rounds)
    o = rate(ours(cfg, embed=False), files, a.rounds)
    e = rate(ours(cfg, embed=True), files, a.rounds)
    print(f"bare pypdf extract_text:        {b:8.1f} pages/s")
    print(f"ours (extract + chunk):         {o:8.1f} pages/s  ratio {o / b:.2f}x")
    print(f"ours (extract + chunk + embed): {e:8.1f} pages/s  ratio {e / b:.2f}x")


if __name__ == "__main__":
    main()
