"""What every cycle activity class shares: its dependencies (settings, engine) and the kill
switches and hourly caps, read the same way by ``start_run`` and ``guard_action``."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.settings import Settings
from schema.repositories import run_record
from workflows.cycle.messages import Switches


class CycleBase:
    """Built once per worker with its dependencies; subclasses add ``@activity.defn`` methods."""

    FACTS_KEY = "cycle.switch_facts"
    """``Session.info`` key (with the tenant id) of the unit of work's switch facts."""
    FRESH_RUN_KEY = "cycle.fresh_run"
    """``Session.info`` key: the run id ``start_run`` created in this unit of work (``begin_cycle``),
    whose follow-up claims need no re-read when there is nothing to claim."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self._s = settings
        self._engine = engine

    @staticmethod
    def _facts_of(s: Session, tenant_id: str) -> run_record.TenantSwitch:
        """``run_record.switch_facts``, read once per unit of work (``s.info``): the switches,
        caps and domains of one activity come from one statement."""
        key = (CycleBase.FACTS_KEY, tenant_id)
        if key not in s.info:
            s.info[key] = run_record.switch_facts(s, tenant_id)
        facts: run_record.TenantSwitch = s.info[key]
        return facts

    def _switches(self, s: Session, tenant_id: str) -> Switches:
        """The global switch (environment first, then ``system_config`` key ``agent``), then the
        tenant's ``agent_enabled`` (seed 004 P0.6); the reason names the switch that is off."""
        agent = self._s.agent
        f = self._facts_of(s, tenant_id)
        if agent.kill_switch:
            why = agent.kill_switch_reason or "no reason given"
            return Switches(
                global_enabled=False,
                tenant_enabled=f.tenant_enabled,
                reason=f"kill switch (environment): {why}",
            )
        if not f.db_enabled:
            why = f.db_reason or "no reason given"
            return Switches(
                global_enabled=False, tenant_enabled=f.tenant_enabled, reason=f"kill switch: {why}"
            )
        if not f.tenant_enabled:
            return Switches(
                global_enabled=True, tenant_enabled=False, reason="agent disabled for this tenant"
            )
        return Switches(global_enabled=True, tenant_enabled=True)

    def _caps(self, s: Session, tenant_id: str) -> dict[str, int]:
        """Hourly caps by rate kind (email, research, sandbox): the tenant's overrides in
        ``tenants.agent_settings``, else ``agent.max_*_per_hour``."""
        o = self._facts_of(s, tenant_id).overrides
        a = self._s.agent
        return {
            "email": int(o.get("max_emails_per_hour", a.max_emails_per_hour)),
            "research": int(o.get("max_research_per_hour", a.max_research_per_hour)),
            "sandbox": int(o.get("max_sandbox_jobs_per_hour", a.max_sandbox_jobs_per_hour)),
        }

    def _domains(self, s: Session, tenant_id: str) -> tuple[str, ...]:
        """The tenant's own domains, ``tenants.agent_settings["domains"]`` (a JSON list of host
        names; none set: no links allowed in its emails, workflows/cycle/links.py)."""
        listed = self._facts_of(s, tenant_id).overrides.get("domains") or ()
        return tuple(str(d) for d in listed) if isinstance(listed, list | tuple) else ()
