"""The admin response models keep the JSON the admin routes have always returned."""

from __future__ import annotations

from datetime import UTC, datetime

from api.schemas.admin import (
    AgentRunDetail,
    AgentRunView,
    AgentStateView,
    EmailView,
    KillSwitch,
    ReflectionView,
    StoredKillSwitch,
    TenantAgentView,
)
from schema.agent import AgentRun, HourlyReflection


def test_run_views_have_exactly_the_table_columns() -> None:
    assert list(AgentRunView.model_fields) == list(AgentRun.model_fields)
    assert list(ReflectionView.model_fields) == list(HourlyReflection.model_fields)
    assert list(AgentRunDetail.model_fields) == [*AgentRun.model_fields, "reflection"]


def test_run_view_serialises_like_the_row() -> None:
    run = AgentRun(id="cycle-t-2026112202", tenant_id="t", hour="2026112202", cycle_number=1)
    run.started_at = datetime(2026, 11, 22, 2, tzinfo=UTC)
    assert AgentRunView.model_validate(run.model_dump()).model_dump(mode="json") == run.model_dump(
        mode="json"
    )


def test_kill_switch_keeps_its_two_shapes() -> None:
    tenant = TenantAgentView(id="t", agent_enabled=False, agent_settings={})
    email = EmailView(mode="dry_run", disabled=False)
    default = AgentStateView(
        kill_switch=KillSwitch(global_enabled=True, source="default", reason=None), tenant=tenant, email=email
    )
    assert default.model_dump(mode="json")["kill_switch"] == {
        "global_enabled": True,
        "source": "default",
        "reason": None,
    }
    stored = StoredKillSwitch(
        global_enabled=False,
        source="system_config",
        reason="r",
        updated_by="u",
        updated_at="2026-11-22T02:00:00+00:00",
    )
    out = AgentStateView(kill_switch=stored, tenant=tenant, email=email).model_dump(mode="json")
    assert out["kill_switch"]["updated_by"] == "u" and out["kill_switch"]["source"] == "system_config"
    assert out["tenant"] == {"id": "t", "agent_enabled": False, "agent_settings": {}, "schedule": None}
