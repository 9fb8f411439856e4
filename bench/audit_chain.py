"""Audit-write throughput with chaining, and verification speed (issue 16, Measure).

    uv run python -m bench.audit_chain [--rows 5000] [--rounds 3]

Starts (or reuses) the local stack's infrastructure (Postgres, Vault, schema). Each round writes
``--rows`` policy-violation audit rows for a fresh tenant as the application role, one row per
transaction like the services do: once into ``agent_policy_violations`` (the chain trigger
appends a link per row) and once into a scratch table with the same columns and no trigger (the
bare baseline). Prints rows/s of both, the best of ``--rounds``, the ratio (goal >= 0.5x), and the
verifier's speed (links/s, reconciliation included) over the chained tenant.
"""

from __future__ import annotations

import argparse
import os
import time
import uuid

from sqlalchemy import text

from devstack.config import StackConfig
from devstack.stack import Stack

INSERT = (
    "INSERT INTO {table} (id, tenant_id, action_key, action_type, action_data, rule, reason, "
    "blocked, created_at) VALUES (:id, :t, :k, 'send_email', '{{\"to\": \"x\"}}', 'rate_limit', "
    "'cap reached', true, now())"
)


def write(engine: object, tenant: str, table: str, rows: int) -> float:
    from schema.db import tenant_transaction

    sql = text(INSERT.format(table=table))
    started = time.perf_counter()
    for i in range(rows):
        with tenant_transaction(engine, tenant) as s:  # type: ignore[arg-type]
            s.execute(sql, {"id": uuid.uuid4().hex, "t": tenant, "k": f"k{i}"})
            s.commit()
    return time.perf_counter() - started


def main(rows: int, rounds: int) -> None:
    stack = Stack(StackConfig())
    stack.infra_up()
    os.environ.update(stack.env())
    from core.settings import get_settings
    from schema.audit_verify import verify
    from schema.db import get_engine, owner_transaction, tenant_transaction
    from schema.repositories.tenants import ensure_tenant

    get_settings.cache_clear()
    engine = get_engine()
    chained, bare, verify_s, links = [], [], [], 0
    for _ in range(rounds):
        tenant = f"bench-audit-{uuid.uuid4().hex[:8]}"
        scratch = f"bench_audit_bare_{uuid.uuid4().hex[:8]}"
        with owner_transaction() as s:
            ensure_tenant(s, tenant)
            s.execute(text(f"CREATE TABLE {scratch} (LIKE agent_policy_violations INCLUDING ALL)"))
            s.execute(text(f"GRANT INSERT ON {scratch} TO {engine.url.username}"))
            s.commit()
        try:
            bare.append(rows / write(engine, tenant, scratch, rows))
            chained.append(rows / write(engine, tenant, "agent_policy_violations", rows))
        finally:
            with owner_transaction() as s:
                s.execute(text(f"DROP TABLE {scratch}"))
                s.commit()
        started = time.perf_counter()
        with tenant_transaction(engine, tenant) as s:
            report = verify(s, tenant, None)
        verify_s.append(time.perf_counter() - started)
        links = report.links
        if not report.ok or report.links != rows:
            raise SystemExit(f"verification failed: {report.as_dict()}")
    print(
        f"chained audit writes: best {max(chained):,.0f} rows/s ({', '.join(f'{r:,.0f}' for r in chained)})"
    )
    print(f"plain inserts:        best {max(bare):,.0f} rows/s ({', '.join(f'{r:,.0f}' for r in bare)})")
    print(f"ratio chained/plain:  {max(chained) / max(bare):.2f}x (goal >= 0.5x)")
    speed = links / min(verify_s)
    print(f"verification:         best {speed:,.0f} links/s ({links} links, reconciliation included)")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=5000)
    p.add_argument("--rounds", type=int, default=3)
    a = p.parse_args()
    main(a.rows, a.rounds)
