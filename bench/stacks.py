"""The benches' own stacks: one data dir per bench under /var/tmp and the ports of the test
stacks' layout moved up (29233/38233/38200/45432/...) plus ``offset``, so a bench never clashes
with ``make run``'s stack (7233/8200/55432/...) or a test stack (17233/18200/...)."""

from __future__ import annotations

from pathlib import Path

from devstack.config import StackConfig


def bench_stack(name: str, offset: int, *, cluster: bool = False) -> StackConfig:
    """``/var/tmp/{name}`` on the bench ports plus ``offset``; ``cluster``: the Temporal server on
    Postgres (it also takes the 8 ports after ``temporal_port``, all <= 32767: membership ports)."""
    return StackConfig(
        data_dir=Path("/var/tmp") / name,  # noqa: S108 - the stacks' usual place
        temporal_port=29233 + offset,
        ui_port=38233 + offset,
        vault_port=38200 + offset,
        pg_port=45432 + offset,
        api_port=38000 + offset,
        smtp_port=32525 + offset,
        redis_port=36379 + offset,
        imap_port=31143 + offset,
        oauth_port=38418 + offset,
        wp_port=38089 + offset,
        temporal_cluster=cluster,
    )
