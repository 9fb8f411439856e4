"""CPU seconds each process of a bench stack used during a phase (Linux ``/proc``): where a
cycle's cost goes when the machine is the bottleneck (the Temporal server, Postgres, the agent
and messaging workers, the bench process with the bare baseline's worker)."""

from __future__ import annotations

import os
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()  # fields from 3 (state) on


def _cpu(fields: list[str]) -> float:
    """utime + stime + the reaped children's cutime + cstime, in seconds."""
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / TICK


def tree_cpu(pid: int, children: bool = True) -> float:
    """CPU seconds of ``pid`` and (``children``) its live children (Postgres backends), reaped
    ones included."""
    mine = _stat(pid)
    if mine is None:
        return 0.0
    if not children:
        return sum(int(mine[i]) for i in (11, 12)) / TICK
    total = _cpu(mine)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (f := _stat(int(entry.name))) is not None and int(f[1]) == pid:
            total += _cpu(f)
    return total


def stack_pids(data_dir: Path) -> dict[str, int]:
    """The stack's processes by name: every ``run/*.pid``, Postgres's postmaster, this process."""
    pids = {"bench (bare worker)": os.getpid()}
    for f in sorted((data_dir / "run").glob("*.pid")):
        try:
            pids[f.stem] = int(f.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            continue
    pm = data_dir / "pg" / "postmaster.pid"
    if pm.exists():
        pids["postgres"] = int(pm.read_text().split()[0])
    return pids


def snapshot(pids: dict[str, int]) -> dict[str, float]:
    me = os.getpid()  # the bench started the workers: they are its children, counted apart
    return {name: tree_cpu(pid, children=pid != me) for name, pid in pids.items()}


def print_usage(phases: dict[str, tuple[dict[str, float], dict[str, float]]]) -> None:
    """A table: one row per process, one column per phase (CPU seconds used between snapshots)."""
    names = sorted({n for before, _ in phases.values() for n in before})
    print("\nCPU seconds by process:   " + "".join(f"{p:>12}" for p in phases))
    for n in names:
        cells = "".join(f"{after.get(n, 0) - before.get(n, 0):>12.1f}" for before, after in phases.values())
        print(f"  {n:<24}{cells}")
