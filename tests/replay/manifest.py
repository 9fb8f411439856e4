"""The manifest of committed replay histories: tests/replay/histories/MANIFEST.sha256.

Histories are append-only: a committed history is never modified or deleted (a change that breaks
one is guarded with ``workflow.patched`` and gets a new history beside the old). The manifest lists
each history's sha256 in ``sha256sum`` format, so ``cd tests/replay/histories && sha256sum -c
MANIFEST.sha256`` checks it too; tests/replay/test_histories.py fails on a changed, deleted or
unlisted history.

Retiring: a workflow type whose every start is bounded by an ``execution_timeout`` Temporal
enforces may drop a patch (remove the ``workflow.patched`` call and its old path) one bound after
the deploy that made the patched path the only one: no run of the old shape exists any more. The
histories that no longer replay then move, unchanged, to ``retired/`` (:func:`retire`): still in
git and in this manifest (the line keeps its sha256, its name gains ``retired/``), no longer
replayed. Moving into ``retired/`` is the only change the append-only checks accept.

    uv run python -m tests.replay.manifest add       # list new histories (never rewrites a line)
    uv run python -m tests.replay.manifest check     # what the test checks, without pytest
    uv run python -m tests.replay.manifest retire NAME.json ...   # move histories to retired/
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from tests.histories import HISTORIES

MANIFEST = HISTORIES / "MANIFEST.sha256"
RETIRED = "retired/"
"""The prefix, in the manifest, of histories of retired patches (tests/replay/histories/retired/)."""
ADD_COMMAND = "uv run python -m tests.replay.manifest add"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def listed() -> dict[str, str]:
    """File name -> sha256, as the manifest lists them (empty if there is no manifest yet)."""
    if not MANIFEST.exists():
        return {}
    entries: dict[str, str] = {}
    for line in MANIFEST.read_text().splitlines():
        if line.strip():
            sha, name = line.split(maxsplit=1)
            entries[name.lstrip("*")] = sha
    return entries


def problems() -> tuple[list[str], list[str]]:
    """(changed or deleted listed histories, unlisted history files), each a sorted list of messages."""
    entries = listed()
    broken = []
    for name, sha in sorted(entries.items()):
        path = HISTORIES / name
        if not path.exists():
            broken.append(f"{name}: deleted")
        elif digest(path) != sha:
            broken.append(f"{name}: modified (sha256 {digest(path)}, manifest {sha})")
    files = [*HISTORIES.glob("*.json"), *HISTORIES.glob(f"{RETIRED}*.json")]
    unlisted = sorted(n for p in files if (n := p.relative_to(HISTORIES).as_posix()) not in entries)
    return broken, unlisted


def add() -> list[str]:
    """Append every unlisted history to the manifest; listed lines are never touched."""
    _, unlisted = problems()
    if unlisted:
        with MANIFEST.open("a") as f:
            f.writelines(f"{digest(HISTORIES / name)}  {name}\n" for name in unlisted)
    return unlisted


def retire(names: list[str]) -> list[str]:
    """Move the listed, unchanged histories ``names`` to ``retired/`` and rename their manifest
    lines to match (same sha256, same order). Raises ValueError for a name that is not a listed,
    unchanged top-level history."""
    entries = listed()
    for name in names:
        path = HISTORIES / name
        if "/" in name or name not in entries or not path.exists() or digest(path) != entries[name]:
            raise ValueError(f"{name}: not a listed, unchanged history in {HISTORIES}")
    (HISTORIES / RETIRED).mkdir(exist_ok=True)
    for name in names:
        (HISTORIES / name).rename(HISTORIES / RETIRED / name)
    moved = set(names)
    lines = []
    for line in MANIFEST.read_text().splitlines():
        sha, _, name = line.partition("  ")
        lines.append(f"{sha}  {RETIRED}{name}" if name in moved else line)
    MANIFEST.write_text("\n".join(lines) + "\n")
    return names


def main(argv: list[str]) -> int:
    if argv == ["add"]:
        for name in add():
            print(f"added {name}")
        return 0
    if argv[:1] == ["retire"] and argv[1:]:
        for name in retire(argv[1:]):
            print(f"retired {name}")
        return 0
    if argv == ["check"]:
        broken, unlisted = problems()
        for line in broken:
            print(f"changed: {line}")
        for name in unlisted:
            print(f"unlisted: {name} (run '{ADD_COMMAND}')")
        return 1 if broken or unlisted else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
