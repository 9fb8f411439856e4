"""JWT minting/claims, definition registry validation, log redaction, failure classification."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from temporalio.exceptions import ActivityError, ApplicationError, RetryState, TimeoutError, TimeoutType

from api.auth import TokenVerifier, mint_token
from api.jwt_keys import ensure_local_keys, jwks_url
from core.logging import configure_logging
from core.settings import Settings
from schema.repositories.definitions import DefinitionError, DefinitionRegistry
from workflows.operation.workflow import session_lost

ROOT = Path(__file__).resolve().parents[2]


def test_minted_token_carries_tenant_user_and_roles(tmp_path: Path) -> None:
    ensure_local_keys(tmp_path)
    s = Settings.model_validate(
        {
            "auth": {
                "local_keys_dir": str(tmp_path),
                "jwks_url": jwks_url(tmp_path, "tenant"),
                "platform_jwks_url": jwks_url(tmp_path, "platform"),
            }
        }
    )
    raw = mint_token(s, "acme", "alice", ["admin", "operator"])
    p = TokenVerifier(s).verify(raw)
    assert (p.tenant_id, p.user_id, p.roles, p.platform) == ("acme", "alice", {"admin"}, False)
    with pytest.raises(ValueError, match="invalid tenant"):
        mint_token(s, "Bad Tenant!", "alice", [])


def test_registry_loads_the_wordpress_definition_from_data() -> None:
    d = DefinitionRegistry(ROOT / "definitions").load("wordpress", "application_password_generation")
    assert d.steps[0].action == "navigate" and d.steps[-1].store_as == "application_password"
    assert any(s.checkpoint for s in d.steps)
    assert "#new-application-password-value" in d.mask


def test_registry_rejects_unknown_invalid_and_mislabelled_files(tmp_path: Path) -> None:
    reg = DefinitionRegistry(tmp_path)
    with pytest.raises(DefinitionError, match="no definition"):
        reg.load("wordpress", "nothing")
    with pytest.raises(DefinitionError, match="invalid"):
        reg.load("../etc", "passwd")
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc/op.yaml").write_text(
        "service: svc\noperation: op\nversion: 1\ncredential: admin\n"
        "permissions: []\nsteps: [{intent: x, action: teleport, target: y}]\n"
    )
    with pytest.raises(DefinitionError, match="action"):
        reg.load("svc", "op")
    (tmp_path / "svc/op.yaml").write_text(
        "service: other\noperation: op\nversion: 1\ncredential: admin\n"
        "permissions: []\nsteps: [{intent: x, action: click, target: y}]\n"
    )
    with pytest.raises(DefinitionError, match="declares other/op"):
        reg.load("svc", "op")


def test_logs_are_json_and_redact_secret_fields(capsys) -> None:  # type: ignore[no-untyped-def]
    import structlog

    configure_logging("INFO", json=True)
    structlog.get_logger("t").info("stored", password="hunter2", tenant_id="acme")
    logging.getLogger("std").info("plain %s", "record", extra={"api_token": "tok123"})
    lines = [json.loads(x) for x in capsys.readouterr().err.strip().splitlines()]
    assert lines[0]["password"] == "***" and lines[0]["tenant_id"] == "acme"
    assert lines[1]["api_token"] == "***" and lines[1]["event"] == "plain record"


def _act_err(cause: BaseException) -> ActivityError:
    err = ActivityError(
        "x",
        scheduled_event_id=1,
        started_event_id=2,
        identity="i",
        activity_type="run_step",
        activity_id="1",
        retry_state=RetryState.NON_RETRYABLE_FAILURE,
    )
    err.__cause__ = cause
    return err


@pytest.mark.parametrize(
    ("cause", "lost"),
    [
        (TimeoutError("t", type=TimeoutType.SCHEDULE_TO_START, last_heartbeat_details=[]), True),
        (TimeoutError("t", type=TimeoutType.HEARTBEAT, last_heartbeat_details=[]), True),
        (TimeoutError("t", type=TimeoutType.START_TO_CLOSE, last_heartbeat_details=[]), False),
        (ApplicationError("gone", type="SessionLost"), True),
        (ApplicationError("nope", type="StepFailed"), False),
    ],
)
def test_session_loss_classification(cause: BaseException, lost: bool) -> None:
    assert session_lost(_act_err(cause)) is lost
