"""The Web UI's codec route never logs its path (the capability): client errors are problem
details the framework does not log, anything else is answered 503 here, logged by type only."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from litestar import Litestar
from litestar.di import Provide
from litestar.exceptions import NotAuthorizedException
from litestar.logging.config import LoggingConfig
from litestar.testing import TestClient

from api.controllers.codec import CodecController
from api.services.codec import CodecServer

CAP = "eyJhbGciOiJFUzI1NiJ9.secret-capability-body.sig"


class Failing(CodecServer):
    """A codec server whose capability check raises ``error`` (no codec, database or keys)."""

    def __init__(self, error: Exception) -> None:  # no super().__init__: a stand-in needs no codec
        self.error = error

    async def ui_operator(self, capability: str) -> Any:  # type: ignore[override]
        raise self.error


def app(server: Any) -> Litestar:
    return Litestar(
        route_handlers=[CodecController],
        dependencies={"codec_server": Provide(lambda: server, sync_to_thread=False)},
        logging_config=LoggingConfig(
            configure_root_logger=False, log_exceptions="always", disable_stack_trace={401, 403, 422}
        ),  # as api/app.py: the root logger stays ours (core/logging.py)
    )


@pytest.mark.parametrize(
    ("error", "status"),
    [(RuntimeError(f"vault down at /codec/ui/{CAP}"), 503), (NotAuthorizedException("expired"), 401)],
)
def test_the_capability_is_in_no_log_record(
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str], error: Exception, status: int
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.WARNING, logger="httpx")  # the test client's own request log
    with TestClient(app(Failing(error))) as client:
        for action in ("decode", "encode"):
            r = client.post(f"/codec/ui/{CAP}/{action}", json={"payloads": []})
            assert r.status_code == status, r.text
            assert CAP not in r.text
    captured = capsys.readouterr()
    records = "".join(rec.getMessage() + str(rec.__dict__) for rec in caplog.records)
    logged = captured.out + captured.err + records
    if status == 503:  # the failure is logged (so this check can fail), by type only
        assert "codec ui request failed" in logged and "RuntimeError" in logged
    assert CAP not in logged
