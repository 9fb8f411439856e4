"""Committed replay histories are append-only, and each maps to the workflow test that records it.

- The manifest (tests/replay/histories/MANIFEST.sha256, tests/replay/manifest.py) pins every
  history's sha256: a modified or deleted history fails; a new one fails until it is listed.
- With git, no commit after the one that introduced the manifest modifies or deletes a history,
  and no manifest line was changed or removed (so re-hashing a modified history is caught too).
- The one change accepted: a history moved unchanged into ``retired/`` (a pure rename, git
  similarity 100, same file name), its manifest line keeping its sha256 under ``retired/NAME``.
  Retired histories are those of patches a workflow type dropped once every start of it is bounded
  by an ``execution_timeout`` (README "Replay and versioning"; tests/replay/manifest.py); they are
  kept and pinned, and no longer replayed (tests/replay/test_replay.py reads the top level only).
- Each history's name gives its test (tests/histories.py: the convention, or ``LEGACY``), and that
  test function exists in tests/workflows; its prefix matches its workflow type.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.histories import (
    HISTORIES,
    PREFIXES,
    WORKFLOW_TESTS,
    legacy_test,
    named_test,
    prefix_of,
    workflow_type,
)
from tests.replay.manifest import ADD_COMMAND, MANIFEST, RETIRED, listed, problems

ROOT = Path(__file__).resolve().parents[2]


def test_no_committed_history_is_modified_or_deleted() -> None:
    broken, _ = problems()
    assert not broken, (
        "histories are append-only; restore these from git and record a new history beside them "
        "(guard the changed path with workflow.patched):\n" + "\n".join(broken)
    )


def test_every_history_is_in_the_manifest() -> None:
    _, unlisted = problems()
    assert not unlisted, f"histories not in {MANIFEST.name}: {unlisted}; run '{ADD_COMMAND}'"


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout


def _manifest_commit() -> str:
    """The commit that introduced the manifest (skips without git or outside a full clone)."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    try:
        rel = MANIFEST.relative_to(ROOT).as_posix()
        commits = _git("log", "--format=%H", "--diff-filter=A", "--", rel).split()
    except subprocess.CalledProcessError:
        pytest.skip("not a git checkout")
    if not commits:
        pytest.skip("the manifest is not committed yet (or the clone is shallow)")
    return commits[-1]


def retired_move(line: str, rel: str) -> bool:
    """Whether a ``git log --name-status`` line is a history moved unchanged into ``retired/``:
    ``R100<TAB>{rel}/NAME.json<TAB>{rel}/retired/NAME.json``."""
    parts = line.split("\t")
    if len(parts) != 3 or parts[0] != "R100":
        return False
    _, old, new = parts
    name = old.removeprefix(f"{rel}/")
    return "/" not in name and new == f"{rel}/{RETIRED}{name}"


def test_git_shows_no_history_modified_or_deleted_after_the_manifest() -> None:
    since = _manifest_commit()
    rel = HISTORIES.relative_to(ROOT).as_posix()
    log = _git(
        "log",
        "-M",
        "--format=commit %h %s",
        "--name-status",
        "--diff-filter=MDR",
        f"{since}..HEAD",
        "--",
        rel,
    )
    offending = [line for line in log.splitlines() if line.endswith(".json") and not retired_move(line, rel)]
    assert not offending, (
        "committed histories modified, renamed or deleted (append-only; only an unchanged move into "
        f"{RETIRED} is accepted):\n" + "\n".join(offending)
    )


def test_only_an_unchanged_move_into_retired_is_accepted() -> None:
    rel = "tests/replay/histories"
    assert retired_move(f"R100\t{rel}/cycle-x.json\t{rel}/retired/cycle-x.json", rel)
    assert not retired_move(f"R098\t{rel}/cycle-x.json\t{rel}/retired/cycle-x.json", rel)  # edited
    assert not retired_move(f"R100\t{rel}/cycle-x.json\t{rel}/retired/cycle-y.json", rel)  # renamed
    assert not retired_move(f"R100\t{rel}/cycle-x.json\t{rel}/cycle-y.json", rel)
    assert not retired_move(f"R100\t{rel}/retired/cycle-x.json\t{rel}/cycle-x.json", rel)  # revived
    assert not retired_move(f"D\t{rel}/cycle-x.json", rel)
    assert not retired_move(f"M\t{rel}/retired/cycle-x.json", rel)


def test_manifest_lines_are_never_changed_or_removed() -> None:
    since = _manifest_commit()
    first = _git("show", f"{since}:{MANIFEST.relative_to(ROOT).as_posix()}")
    now = listed()
    pinned = [line.split(maxsplit=1) for line in first.splitlines() if line.strip()]

    def kept(name: str) -> str | None:  # where the line is now: as it was, or moved to retired/
        return next((n for n in (name, f"{RETIRED}{name}") if n in now), None)

    lost = [name for _, name in pinned if kept(name) is None]
    changed = [name for sha, name in pinned if (k := kept(name)) is not None and now[k] != sha]
    assert not lost and not changed, f"manifest lines removed: {lost}; changed: {changed}"


def _workflow_tests() -> dict[str, set[str]]:
    """Test file name -> its test function names (tests/workflows)."""
    found: dict[str, set[str]] = {}
    for path in sorted(WORKFLOW_TESTS.glob("test_*.py")):
        tree = ast.parse(path.read_text())
        found[path.name] = {
            n.name
            for n in ast.walk(tree)
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name.startswith("test_")
        }
    return found


def test_each_history_maps_to_an_existing_workflow_test() -> None:
    tests = _workflow_tests()
    everywhere = set().union(*tests.values())
    orphans = []
    for path in sorted(HISTORIES.glob("*.json")):
        stem, legacy = path.stem, legacy_test(path.stem)
        if legacy:
            file, name = legacy.split("::")
            ok = name in tests.get(file, set())
        else:
            ok = named_test(stem) in everywhere
        if not ok:
            orphans.append(f"{path.name} -> {legacy or named_test(stem)}")
    assert not orphans, (
        "histories whose test no longer exists (a renamed test keeps its histories: map the old "
        "name in tests/histories.py LEGACY):\n" + "\n".join(orphans)
    )


def test_each_history_prefix_matches_its_workflow_type() -> None:
    wrong = []
    for path in sorted(HISTORIES.glob("*.json")):
        kind = workflow_type(json.loads(path.read_text()))
        if prefix_of(path.stem) != PREFIXES.get(kind, kind):
            wrong.append(f"{path.name}: type {kind}, expected prefix {PREFIXES.get(kind, kind)}")
    assert not wrong, "\n".join(wrong)
