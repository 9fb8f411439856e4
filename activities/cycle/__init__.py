"""DB activities of the hourly cycle (seed 004 P0), thin adapters over ``schema.repositories``
and the pure rules in ``workflows.cycle``: the run record and its lock (:mod:`.run`), Plan's
context (:mod:`.context`), both in one step (:mod:`.begin`), the policy guard (:mod:`.guard`),
the non-email actions (:mod:`.act`, :mod:`.runners`), broadcasts (:mod:`.broadcast`), React and
Reflect.

Sync activities on the agent queue (thread pool). Each is idempotent: rows are keyed on the run
id and the action's idempotency key, so a retry never acts or counts twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from activities.cycle.act import ActActivities
from activities.cycle.alert_delivery import AlertDeliveryActivities
from activities.cycle.begin import BeginActivities
from activities.cycle.broadcast import BroadcastActivities
from activities.cycle.context import ContextActivities
from activities.cycle.guard import GuardActivities
from activities.cycle.react import ReactActivities
from activities.cycle.reflect import ReflectActivities
from activities.cycle.run import RunActivities
from core.settings import Settings


class CycleActivities:
    """Every cycle activity, built with the same dependencies; ``all()`` is what a worker registers."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.run = RunActivities(settings, engine)
        self.begin = BeginActivities(settings, engine)
        self.context = ContextActivities(settings, engine)
        self.guard = GuardActivities(settings, engine)
        self.act = ActActivities(settings, engine)
        self.broadcast = BroadcastActivities(settings, engine)
        self.reactor = ReactActivities(settings, engine)
        self.reflector = ReflectActivities(settings, engine)
        self.alerts = AlertDeliveryActivities(settings, engine)

    def all(self) -> list[Callable[..., Any]]:
        return [
            self.run.start_run,
            self.context.gather_context,
            self.begin.begin_cycle,
            self.guard.guard_action,
            self.guard.guard_and_perform,
            self.act.perform_action,
            self.act.record_email_outcome,
            self.broadcast.prepare_broadcast,
            self.broadcast.record_broadcast,
            self.reactor.react,
            self.reflector.reflect,
            self.reflector.react_and_reflect,
            self.alerts.alert_notices,
            self.alerts.mark_alerts_notified,
            self.run.list_enabled_tenants,
        ]


__all__ = ["CycleActivities"]
