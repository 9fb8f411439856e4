"""The audit export archive (issue 16 Build 2): zip or tar.gz, with ``manifest.json``.

``manifest.json`` = ``{"format": "omniops-audit-export/1", "export_id", "tenant_id", "subject"
(sha256 of the subject's email, or null for the whole tenant), "created_at", "files": {path:
{"sha256", "bytes"}}, "chain": {"links", "first_seq", "last_seq"}, "digests": [signed digests:
{"seq", "head_hash", "signed_at", "key_name", "signature"}]}``. Every other file is listed with its
sha256; the digests are the Vault Transit signatures over chain heads (core/audit_chain.py
``digest_message``), so an auditor checks ``audit/chain.jsonl`` link by link up to a signed head.
:func:`read_archive` and :func:`verify_manifest` are what an auditor (and the tests) run.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import zipfile
from typing import Any

FORMATS = ("zip", "tar.gz")
MANIFEST = "manifest.json"


def jsonl(rows: list[dict[str, Any]]) -> bytes:
    """One JSON object per line (keys sorted), UTF-8."""
    return "".join(json.dumps(r, sort_keys=True, default=str) + "\n" for r in rows).encode()


def manifest(files: dict[str, bytes], meta: dict[str, Any]) -> bytes:
    """``meta`` plus the sha256 and size of every file, as indented JSON."""
    listed = {p: {"sha256": hashlib.sha256(b).hexdigest(), "bytes": len(b)} for p, b in sorted(files.items())}
    return json.dumps(
        {"format": "omniops-audit-export/1", **meta, "files": listed}, indent=2, default=str
    ).encode()


def build(files: dict[str, bytes], meta: dict[str, Any], fmt: str) -> bytes:
    """The archive: ``files`` plus ``manifest.json``. Raises ValueError for an unknown format."""
    every = {**files, MANIFEST: manifest(files, meta)}
    out = io.BytesIO()
    if fmt == "zip":
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
            for path, data in every.items():
                z.writestr(path, data)
    elif fmt == "tar.gz":
        with tarfile.open(fileobj=out, mode="w:gz") as t:
            for path, data in every.items():
                info = tarfile.TarInfo(path)
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
    else:
        raise ValueError(f"format: one of {FORMATS}")
    return out.getvalue()


def read_archive(data: bytes) -> dict[str, bytes]:
    """Every file of a zip or tar.gz archive, by path."""
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return {n: z.read(n) for n in z.namelist()}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as t:
        return {m.name: t.extractfile(m).read() for m in t.getmembers() if m.isfile()}  # type: ignore[union-attr]


def verify_manifest(files: dict[str, bytes]) -> list[str]:
    """What does not match ``manifest.json``: files missing, extra, or with another sha256 ([] = ok)."""
    listed = json.loads(files[MANIFEST])["files"]
    problems = [f"missing: {p}" for p in listed if p not in files]
    problems += [f"not listed: {p}" for p in files if p != MANIFEST and p not in listed]
    problems += [
        f"sha256 differs: {p}"
        for p, want in listed.items()
        if p in files and hashlib.sha256(files[p]).hexdigest() != want["sha256"]
    ]
    return problems
