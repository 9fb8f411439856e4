"""The tamper-evident audit trail (issue 16 Build 1) on the real Postgres and Vault: every audit
write joins the tenant's hash chain through the database trigger; the verifier names the first
broken link for every kind of tampering; concurrent writers leave one linear chain; the hourly
digest is signed by Vault Transit and catches a chain rewritten end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import ProgrammingError
from temporalio.testing import ActivityEnvironment

from activities.audit_digest import AuditDigestActivities
from core.audit_chain import GENESIS, link_hash, sha256_hex
from core.settings import get_settings
from core.transit import Transit
from devstack.stack import Stack
from schema.agent import PolicyViolation
from schema.audit_chain import AuditLink
from schema.audit_verify import VerifyReport, verify
from schema.db import get_engine, owner_transaction, platform_transaction, tenant_transaction
from schema.repositories import operator_audit
from schema.tables import AutonomousConsent, AutonomousCredential
from tests.integration.cycle_helpers import enable

pytestmark = pytest.mark.stack
ROOT = Path(__file__).resolve().parents[2]


def violation(tenant: str, n: int) -> PolicyViolation:
    return PolicyViolation(
        tenant_id=tenant,
        action_key=f"k{n}-{uuid.uuid4().hex[:6]}",
        action_type="send_email",
        action_data={"n": n},
        rule="rate_limit",
        reason=f"blocked {n}",
    )


def write_trail(tenant: str) -> dict[str, str]:
    """One of each audited event, as the application role writes them (RLS, the app's grants)."""
    engine = get_engine()
    with tenant_transaction(engine, tenant) as s:
        consent = AutonomousConsent(
            tenant_id=tenant, user_id="alice", service="wordpress", operation="op", permissions=["a"]
        )
        cred = AutonomousCredential(
            tenant_id=tenant,
            service="wordpress",
            credential_type="admin",
            vault_path=f"tenants/{tenant}/wordpress/admin",
            fingerprint="f" * 16,
        )
        v = violation(tenant, 1)
        for row in (consent, cred, v):  # one flush each: the links' order is the writes' order
            s.add(row)
            s.flush()
        s.commit()
        s.execute(
            update(AutonomousConsent)
            .where(AutonomousConsent.id == consent.id)  # type: ignore[arg-type]
            .values(revoked_at=datetime.now(UTC), revoked_by="bob", revoke_reason="done")
        )
        s.commit()
        s.delete(cred)
        s.commit()
    with platform_transaction(engine, "test: operator action") as s:
        operator_audit.record(s, actor="op", issuer="platform", action="getX", tenant_id=tenant)
        s.commit()
    return {"consent": str(consent.id), "credential": str(cred.id), "violation": v.id}


def report(tenant: str, signatures: Transit | None = None) -> VerifyReport:
    with tenant_transaction(get_engine(), tenant) as s:
        return verify(s, tenant, signatures)


def owner_sql(*sql: str, **params: object) -> None:
    """Statements as the table owner (the tamperer), in one transaction."""
    with owner_transaction() as s:
        for stmt in sql:
            s.execute(text(stmt), params)
        s.commit()


def behind_the_trigger(table: str, sql: str, **params: object) -> None:
    """``sql`` with the table's chain trigger disabled (what an owner would do to hide it)."""
    owner_sql(
        f"ALTER TABLE {table} DISABLE TRIGGER audit_chain",
        sql,
        f"ALTER TABLE {table} ENABLE TRIGGER audit_chain",
        **params,
    )


@pytest.fixture
def trail(infra: Stack, tenant: str) -> tuple[str, dict[str, str]]:
    enable(tenant)
    return tenant, write_trail(tenant)


def test_every_audit_write_is_a_link_of_one_chain_that_verifies(trail: tuple[str, dict[str, str]]) -> None:
    tenant, ids = trail
    with tenant_transaction(get_engine(), tenant) as s:
        links = s.execute(
            text("SELECT seq, source, op, source_id FROM audit_chain WHERE tenant_id = :t ORDER BY seq"),
            {"t": tenant},
        ).all()
    assert [(n, src, op) for n, src, op, _ in links] == [
        (1, "autonomous_consent", "insert"),
        (2, "autonomous_credentials", "insert"),
        (3, "agent_policy_violations", "insert"),
        (4, "autonomous_consent", "update"),
        (5, "autonomous_credentials", "delete"),
        (6, "operator_audit", "insert"),
    ]
    assert links[0][3] == ids["consent"] and links[4][3] == ids["credential"]
    r = report(tenant)
    assert r.ok and r.links == 6 and r.head_seq == 6, r


def test_the_application_role_cannot_write_or_change_a_link(trail: tuple[str, dict[str, str]]) -> None:
    tenant, _ = trail
    for sql in (
        "UPDATE audit_chain SET entry_hash = 'x' WHERE tenant_id = :t",
        "DELETE FROM audit_chain WHERE tenant_id = :t",
        "INSERT INTO audit_chain VALUES (:t, 99, 's', 'i', 'insert', NULL, 'h', 'p', 'h', now())",
        "DELETE FROM autonomous_operations_audit WHERE tenant_id = :t",
        "UPDATE operation_confirmations SET reason = 'x' WHERE tenant_id = :t",
    ):
        with (
            tenant_transaction(get_engine(), tenant) as s,
            pytest.raises(ProgrammingError, match="permission"),
        ):
            s.execute(text(sql), {"t": tenant})
    assert report(tenant).ok


def _edit_link(t: str) -> None:
    owner_sql(
        "UPDATE audit_chain SET entry = jsonb_set(entry, '{user_id}', '\"mallory\"') "
        "WHERE tenant_id = :t AND seq = 1",
        t=t,
    )


def _edit_hash_field(t: str) -> None:
    owner_sql("UPDATE audit_chain SET op = 'update' WHERE tenant_id = :t AND seq = 3", t=t)


def _delete_link(t: str) -> None:
    owner_sql("DELETE FROM audit_chain WHERE tenant_id = :t AND seq = 3", t=t)


def _insert_link(t: str) -> None:
    owner_sql(
        "UPDATE audit_chain SET seq = seq + 1000 WHERE tenant_id = :t AND seq >= 4",
        "UPDATE audit_chain SET seq = seq - 999 WHERE tenant_id = :t AND seq >= 1000",
        "INSERT INTO audit_chain SELECT tenant_id, 4, source, source_id, op, entry, entry_hash, hash, "
        "hash, at FROM audit_chain WHERE tenant_id = :t AND seq = 3",
        t=t,
    )


def _reorder_links(t: str) -> None:
    owner_sql(
        "UPDATE audit_chain SET seq = -1 WHERE tenant_id = :t AND seq = 2",
        "UPDATE audit_chain SET seq = 2 WHERE tenant_id = :t AND seq = 3",
        "UPDATE audit_chain SET seq = 3 WHERE tenant_id = :t AND seq = -1",
        t=t,
    )


PV = "agent_policy_violations"


def _edit_source_row(t: str) -> None:
    behind_the_trigger(PV, f"UPDATE {PV} SET reason = 'nothing happened' WHERE tenant_id = :t", t=t)


def _delete_source_row(t: str) -> None:
    behind_the_trigger(PV, f"DELETE FROM {PV} WHERE tenant_id = :t", t=t)


def _insert_source_row(t: str) -> None:
    behind_the_trigger(
        PV,
        f"INSERT INTO {PV} (id, tenant_id, action_key, action_type, action_data, rule, reason, blocked, "
        "created_at) VALUES (md5(random()::text), :t, 'forged', 'x', '{}', 'r', 'x', true, now())",
        t=t,
    )


TAMPERING: dict[str, tuple[Callable[[str], None], str]] = {
    "edit a link's entry": (_edit_link, "break 1: entry differs from its hash"),
    "edit a hashed field": (_edit_hash_field, "break 3: hash does not recompute"),
    "delete a link": (_delete_link, "break 3: link 3 is missing"),
    "insert a link": (_insert_link, "break 4: hash does not recompute"),
    "reorder two links": (_reorder_links, "break 2: prev_hash is not the previous link's hash"),
    "edit an audit row": (_edit_source_row, "unchained: row differs from its last link"),
    "delete an audit row": (_delete_source_row, "unchained: row deleted outside the chain"),
    "insert an audit row": (_insert_source_row, "unchained: row not in the chain"),
}


@pytest.mark.parametrize("kind", sorted(TAMPERING))
def test_every_kind_of_tampering_is_named(trail: tuple[str, dict[str, str]], kind: str) -> None:
    tenant, _ = trail
    assert report(tenant).ok
    tamper, expected = TAMPERING[kind]
    tamper(tenant)
    r = report(tenant)
    assert not r.ok
    if expected.startswith("break"):
        assert r.first_break is not None
        assert f"break {r.first_break.seq}: {r.first_break.reason}".startswith(expected), r.first_break
    else:
        assert [u["reason"] for u in r.unchained] == [expected.removeprefix("unchained: ")], r.unchained
        assert r.unchained[0]["table"] == PV


def test_twenty_concurrent_writers_leave_one_linear_chain(infra: Stack, tenant: str) -> None:
    enable(tenant)

    def write(n: int) -> None:
        with tenant_transaction(get_engine(), tenant) as s:
            s.add(violation(tenant, n))
            s.commit()

    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(write, range(20)))
    with tenant_transaction(get_engine(), tenant) as s:
        seqs = s.execute(text("SELECT seq FROM audit_chain WHERE tenant_id = :t ORDER BY seq"), {"t": tenant})
        assert [n for (n,) in seqs] == list(range(1, 21))
    r = report(tenant)
    assert r.ok and r.links == 20


def _sign() -> None:
    """Every chain that grew is signed (the test database holds many tenants: batch until done)."""
    acts = AuditDigestActivities(get_settings(), get_engine())
    while ActivityEnvironment().run(acts.sign_audit_digests).more:
        pass


def test_signed_digests_verify_and_catch_a_chain_rewritten_end_to_end(
    trail: tuple[str, dict[str, str]],
) -> None:
    tenant, _ = trail
    transit = Transit(get_settings())
    _sign()
    r = report(tenant, transit)
    assert r.ok and r.digests == 1, r

    # an owner edits the first link and recomputes every hash after it: the links hold again
    _edit_link(tenant)
    with owner_transaction() as s:
        s.execute(text("SET LOCAL TimeZone = 'UTC'"))
        rows = s.execute(
            text(
                "SELECT seq, source, op, source_id, entry::text, at FROM audit_chain "
                "WHERE tenant_id = :t ORDER BY seq"
            ),
            {"t": tenant},
        ).all()
        prev = GENESIS
        for seq, source, op, sid, entry, at in rows:
            eh = sha256_hex(entry)
            h = link_hash(prev, seq, source, op, sid, eh, at)
            s.execute(
                update(AuditLink)
                .where(AuditLink.tenant_id == tenant, AuditLink.seq == seq)  # type: ignore[arg-type]
                .values(entry_hash=eh, prev_hash=prev, hash=h)
            )
            prev = h
        s.commit()
    r = report(tenant, transit)
    assert r.first_break is None  # the forger's chain is internally consistent...
    assert r.digest_failures == [f"digest at {r.head_seq}: the chain there is not what was signed"]

    # a forged signature over the forged head is refused by Vault
    owner_sql("UPDATE audit_digests SET head_hash = :h WHERE tenant_id = :t", h=prev, t=tenant)
    forged = "'vault:v1:' || encode(sha256('x'), 'base64')"
    owner_sql(f"UPDATE audit_digests SET signature = {forged} WHERE tenant_id = :t", t=tenant)
    r = report(tenant, transit)
    assert r.digest_failures == [f"digest at {r.head_seq}: the signature does not verify"]


def test_signing_twice_signs_each_head_once(trail: tuple[str, dict[str, str]]) -> None:
    tenant, _ = trail
    _sign()
    _sign()
    with platform_transaction(get_engine(), "test") as s:
        n = s.execute(text("SELECT count(*) FROM audit_digests WHERE tenant_id = :t"), {"t": tenant}).scalar()
    assert n == 1


def test_the_cli_prints_the_report_and_exits_1_on_a_break(
    trail: tuple[str, dict[str, str]], infra: Stack
) -> None:
    tenant, _ = trail
    env = dict(os.environ)  # the stack's settings (stack_env)
    argv = [sys.executable, "-m", "schema.audit_verify", "--tenant", tenant]
    ok = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and json.loads(ok.stdout)["ok"] is True, ok.stderr
    _delete_link(tenant)
    bad = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    out = json.loads(bad.stdout)
    assert bad.returncode == 1 and out["first_break"] == {
        "seq": 3,
        "reason": "link 3 is missing (found 4 next)",
    }


def test_the_platform_chain_verifies_for_operators_and_no_tenant_sees_it(infra: Stack) -> None:
    """Operator actions naming no tenant chain under PLATFORM_CHAIN: an unscoped or tenant session
    sees none of its links; a platform read verifies it."""
    from core.audit_chain import PLATFORM_CHAIN

    with platform_transaction(get_engine(), "test: platform-wide operator action") as s:
        operator_audit.record(s, actor="op", issuer="platform", action="listTenants", tenant_id=None)
        s.commit()
    with get_engine().connect() as conn:  # the app role with no scope at all
        assert conn.execute(text("SELECT count(*) FROM audit_chain")).scalar() == 0
    with platform_transaction(get_engine(), "test: verify the platform chain") as s:
        r = verify(s, PLATFORM_CHAIN, None)
    assert r.ok and r.links >= 1, r
