"""The agent's trust activities on real Postgres and Vault (issue 10): ``prepare_session`` vets
the target again before every session, ``record_credential`` takes a wrapped credential over
exactly once, ``verify_consent``/``verify_confirmation`` find only this operation's records."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.operations import OperationActivities
from activities.trust import TrustActivities
from core.failures import Failure
from core.keys import fingerprint_key
from core.settings import get_settings
from core.targets import REFUSED
from core.vault import VaultStore, credential_path, fingerprint, legacy_fingerprint, unwrap
from schema.db import engine_for, owner_transaction
from schema.repositories import confirmations, consent, credentials, site_allowlist
from schema.tables import AutonomousConsent, AutonomousOperation
from workflows.operation.messages import RecordCredentialInput
from workflows.operation.trust_messages import (
    PrepareSessionInput,
    VerifyConfirmationInput,
    VerifyConsentInput,
)

pytestmark = pytest.mark.stack
SITE = "http://localhost:8089"


@pytest.fixture
def parts(infra: Any, tenant: str) -> tuple[TrustActivities, OperationActivities, VaultStore]:
    s = get_settings()
    engine, vault = engine_for(s.database.url), VaultStore(s)
    vault.write(credential_path(tenant, "wordpress", "admin"), {"username": "admin", "password": "pw-admin"})
    with owner_transaction() as db:
        credentials.upsert_credential(
            db,
            {
                "tenant_id": tenant,
                "service": "wordpress",
                "credential_type": "admin",
                "vault_path": "x",
                "fingerprint": legacy_fingerprint("pw-admin"),  # a row from before issue 11
                "site_url": SITE,
                "origin": SITE,
            },
        )
    return TrustActivities(s, engine, vault), OperationActivities(engine, vault, s.vault.addr), vault


def prep(tenant: str, site: str = SITE, domains: list[str] | None = None) -> PrepareSessionInput:
    return PrepareSessionInput(
        tenant_id=tenant,
        service="wordpress",
        credential_type="admin",
        site_url=site,
        allowed_domains=domains or [],
    )


def taken_over(tenant: str, wrap: str) -> RecordCredentialInput:
    """``record_credential``'s input for a new application password delivered in ``wrap``."""
    return RecordCredentialInput(
        tenant_id=tenant,
        service="wordpress",
        credential_type="application_password",
        vault_path="secret/omniops/x",
        fingerprint="",
        site_url=SITE + "/",
        credential_wrap=wrap,
        admin_credential="admin",
    )


def refused(fn: Any, inp: Any) -> ApplicationError:
    with pytest.raises(ApplicationError) as e:
        fn(inp)
    assert e.value.type == Failure.TARGET_REFUSED and e.value.non_retryable
    assert e.value.message == REFUSED  # the one text, whatever the cause
    return e.value


def test_prepare_session_vets_the_registered_allowlisted_origin_and_wraps_the_credential(
    parts: Any, tenant: str
) -> None:
    trust, _, _ = parts
    refused(trust.prepare_session, prep(tenant))  # registered, but http loopback and not allowlisted
    with owner_transaction() as db:
        site_allowlist.allow(db, tenant, SITE, "operator", "local WordPress")
    prepared = trust.prepare_session(prep(tenant))
    assert [(p.origin, p.address) for p in prepared.pins] == [(SITE, "127.0.0.1")]
    assert unwrap(get_settings().vault.addr, prepared.credential_wrap)["password"] == "pw-admin"
    again = trust.prepare_session(prep(tenant))  # a fresh single-use wrap per session
    assert again.credential_wrap != prepared.credential_wrap
    refused(trust.prepare_session, prep(tenant, site="http://localhost:8090"))  # not the registered origin
    refused(trust.prepare_session, prep(tenant, site="https://evil.test\\@localhost:8089/"))
    refused(trust.prepare_session, prep(tenant, domains=["localhost", "127.0.0.1"]))
    refused(trust.prepare_session, prep(tenant, domains=["169.254.169.254"]))
    refused(trust.prepare_session, prep(f"{tenant}-other"))  # another tenant has no such credential


def test_record_credential_unwraps_once_and_is_idempotent_on_retry(parts: Any, tenant: str) -> None:
    """The browser sends no fingerprint (it may not read the key); the agent computes the keyed
    one after the unwrap and returns it; a retry recognises its own delivery."""
    _, ops, vault = parts
    inp = taken_over(tenant, vault.wrap({"value": "new-app-pass"}, 60))
    fp = ops.record_credential(inp)
    key = fingerprint_key(vault, tenant)
    assert fp == fingerprint(key, "new-app-pass") != legacy_fingerprint("new-app-pass")
    stored = vault.read(credential_path(tenant, "wordpress", "application_password"))
    assert stored is not None and stored.pop("delivery")
    assert stored == {"username": "admin", "password": "new-app-pass", "site_url": SITE + "/"}
    assert ops.record_credential(inp) == fp  # a retry after the unwrap: the wrap is spent, Vault has it
    with owner_transaction() as db:
        row = credentials.get_credential(db, tenant, "wordpress", "application_password")
        assert row is not None and row.origin == SITE and row.fingerprint == fp
    other = vault.wrap({"value": "x"}, 60)
    unwrap(get_settings().vault.addr, other)  # spent elsewhere: it did not deliver Vault's value
    with pytest.raises(ApplicationError) as e:
        ops.record_credential(inp.model_copy(update={"credential_wrap": other}))
    assert e.value.type == Failure.CREDENTIAL_WRAP_SPENT and e.value.non_retryable


class DropsTwice(VaultStore):
    """Real Vault whose first two writes to ``path`` fail as a refused connection would: an outage
    that starts right after the single-use unwrap (core/outage_retry.py)."""

    def __init__(self, path: str) -> None:
        super().__init__(get_settings())
        self.path, self.dropped = path, 0

    def write(self, path: str, data: dict[str, Any], cas: int | None = None) -> int:
        if path == self.path and self.dropped < 2:
            self.dropped += 1
            raise requests.ConnectionError("Connection refused")
        return super().write(path, data, cas)


def test_record_credential_waits_out_a_vault_outage_between_the_unwrap_and_the_write(
    parts: Any, tenant: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The wrap is spent once unwrapped, so the write is the value's only way into Vault: it is
    retried in the attempt (no real waits here), not left to an activity retry that would find the
    wrap spent and the value gone."""
    _, _, vault = parts
    path = credential_path(tenant, "wordpress", "application_password")
    flaky = DropsTwice(path)
    monkeypatch.setattr("core.outage_retry.time.sleep", lambda s: None)
    ops = OperationActivities(engine_for(get_settings().database.url), flaky, get_settings().vault.addr)
    inp = taken_over(tenant, vault.wrap({"value": "kept-through-outage"}, 60))
    beats: list[Any] = []
    env = ActivityEnvironment()
    env.on_heartbeat = lambda *d: beats.append(d)
    fp = env.run(ops.record_credential, inp)
    assert fp == fingerprint(fingerprint_key(vault, tenant), "kept-through-outage")
    assert flaky.dropped == 2 and len(beats) == 2
    stored = vault.read(path)
    assert stored is not None and stored["password"] == "kept-through-outage"


def test_record_credential_of_a_workflow_started_before_keyed_fingerprints(parts: Any, tenant: str) -> None:
    """An in-flight workflow's browser sent the unkeyed fingerprint: its retry is recognised by
    the function that made it (legacy_fingerprint); the row gets the keyed one."""
    _, ops, vault = parts
    path = credential_path(tenant, "wordpress", "application_password")
    vault.write(path, {"username": "admin", "password": "old-pass", "site_url": SITE})  # no delivery
    spent = vault.wrap({"value": "old-pass"}, 60)
    unwrap(get_settings().vault.addr, spent)
    inp = RecordCredentialInput(
        tenant_id=tenant,
        service="wordpress",
        credential_type="application_password",
        vault_path="secret/omniops/x",
        fingerprint=legacy_fingerprint("old-pass"),
        site_url=SITE,
        credential_wrap=spent,
    )
    assert ops.record_credential(inp) == fingerprint(fingerprint_key(vault, tenant), "old-pass")
    with pytest.raises(ApplicationError) as e:
        ops.record_credential(inp.model_copy(update={"fingerprint": legacy_fingerprint("other")}))
    assert e.value.type == Failure.CREDENTIAL_WRAP_SPENT


def test_verify_finds_only_this_operations_records(parts: Any, tenant: str) -> None:
    trust, _, _ = parts
    op_id = uuid.uuid4()
    with owner_transaction() as db:
        c = consent.grant_consent(
            db,
            AutonomousConsent(
                tenant_id=tenant, user_id="alice", service="wordpress", operation="op", permissions=["x"]
            ),
        )
        db.add(
            AutonomousOperation(
                id=op_id, tenant_id=tenant, workflow_id="wf", service="wordpress", operation="op", status="x"
            )
        )
        db.flush()
        conf = confirmations.record_confirmation(db, tenant, op_id, 7, False, "carol", "no")
    found = trust.verify_consent(
        VerifyConsentInput(tenant_id=tenant, service="wordpress", operation="op", consent_id=str(c.id))
    )
    assert found.found and found.granted_by == "alice"
    for other in (
        VerifyConsentInput(
            tenant_id=f"{tenant}-x", service="wordpress", operation="op", consent_id=str(c.id)
        ),
        VerifyConsentInput(tenant_id=tenant, service="wordpress", operation="other", consent_id=str(c.id)),
        VerifyConsentInput(tenant_id=tenant, service="wordpress", operation="op", consent_id="nope"),
    ):
        assert not trust.verify_consent(other).found
    v = trust.verify_confirmation(
        VerifyConfirmationInput(
            tenant_id=tenant, operation_id=str(op_id), step_number=7, confirmation_id=str(conf.id)
        )
    )
    assert (v.found, v.approved, v.by, v.reason) == (True, False, "carol", "no")
    for step, cid in ((6, str(conf.id)), (7, str(uuid.uuid4())), (7, None)):
        assert not trust.verify_confirmation(
            VerifyConfirmationInput(
                tenant_id=tenant, operation_id=str(op_id), step_number=step, confirmation_id=cid
            )
        ).found
