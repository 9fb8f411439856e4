"""Which tenant owns a workflow id (the payload codec's key scope, core/codec.py), and the
platform workflows' fixed ids. Pure: no clock, no I/O. :mod:`workflows.ids` spells the ids and
re-exports everything here; a new tenant workflow id format is one row of ``_TENANT_FORMATS``.
"""

from __future__ import annotations

import re

AUDIT_DIGEST = "audit-digest"
"""The hourly audit digest (issue 16): the platform workflow's id and its Temporal Schedule's id
(each scheduled run is ``audit-digest-{time}``)."""


ALERT_SWEEP = "alert-sweep"
"""The hourly alert sweep (issue 17 Build 6): the platform workflow's id and its Temporal
Schedule's id (each scheduled run is ``alert-sweep-{time}``)."""


AUDIT_RETENTION = "audit-retention"
"""The daily retention run (issue 16 Build 4): platform workflow id and Temporal Schedule id."""


# --- tenant of a workflow id (the payload codec's key scope, core/codec.py) ---------------------

_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_ROW_ID = rf"(?:[0-9a-f]{{32}}|{_UUID})"
SCHEDULED_SUFFIX = re.compile(r"-\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
"""What a Temporal Schedule appends to its action's workflow id: ``-{scheduled time, RFC 3339 UTC}``."""

_TENANT_FORMATS: tuple[tuple[str, re.Pattern[str], bool], ...] = (
    # (literal prefix, what follows ``{tenant}-``, does a schedule start it)
    ("op-", re.compile(_UUID), False),
    ("plan-", re.compile(_UUID), False),
    ("cycle-", re.compile(r"\d{10}"), False),
    ("feedback-", re.compile(_ROW_ID), False),
    ("quote-", re.compile(_ROW_ID), False),
    ("deal-", re.compile(_ROW_ID), False),
    ("doc-", re.compile(_ROW_ID), False),
    ("compliance-run-", re.compile(_ROW_ID), True),
    ("compliance-check-", re.compile(r"[0-9a-f]{32}"), False),
    ("import-", re.compile(_ROW_ID), False),
    ("mailsync-", re.compile(_ROW_ID), True),
    ("export-", re.compile(_ROW_ID), False),
    ("notify-", re.compile(r"[0-9a-f]{32}"), False),
    ("health-", re.compile(r"[0-9a-f]{32}"), True),
    ("rotate-", re.compile(r"[0-9a-f]{32}"), True),
)
_TRIGGER = "cycle-trigger-"  # ``cycle-trigger-{tenant}``: nothing follows the tenant
_FANOUT = re.compile(r"cycle-fanout-\d{10}")  # platform scope: no tenant
_PLATFORM_RUNS = re.compile(rf"audit-erasure-{_ROW_ID}|audit-retention-[0-9a-f]{{32}}")  # platform scope
RESERVED_TENANTS = frozenset({"fanout", "trigger"})
RESERVED_TENANT_PREFIX = "trigger-"


def is_reserved_tenant(tenant: str) -> bool:
    """Slugs that cannot be tenants, because their ids would read as another format's:
    ``cycle-fanout-{hour}`` is the platform fan-out (tenant ``fanout``'s cycle would be the same
    string and the same Temporal lock), and tenant ``trigger-x``'s cycle
    ``cycle-trigger-x-2026112207`` is tenant ``x-2026112207``'s schedule trigger (likewise
    ``trigger`` and ``2026112207``). Tenant creation should refuse them; here such a reading is
    simply not one."""
    return tenant in RESERVED_TENANTS or tenant.startswith(RESERVED_TENANT_PREFIX)


class UnknownWorkflowId(ValueError):
    """A workflow id that matches no format here, or more than one tenant: the codec refuses it
    rather than guess a key. The message holds the id's shape, not the id."""


def scheduled(workflow_id: str) -> bool:
    """Whether ``workflow_id`` ends with a Temporal Schedule's time suffix."""
    return SCHEDULED_SUFFIX.search(workflow_id) is not None


def binding_id(workflow_id: str) -> str:
    """The id a payload is bound to: the workflow id without a schedule's time suffix, so the
    action arguments a schedule encodes under its id *prefix* (``cycle-trigger-{tenant}``)
    decode in every run it starts (``cycle-trigger-{tenant}-2026-11-22T07:00:00Z``)."""
    return SCHEDULED_SUFFIX.sub("", workflow_id)


def tenant_of_workflow_id(workflow_id: str) -> str | None:
    """The tenant that owns ``workflow_id``; None for a platform-scope workflow (the fan-out, the
    audit digest, the alert sweep).

    Covers every workflow id format above, with or without a schedule's time suffix, for tenant
    slugs ``^[a-z0-9][a-z0-9-]{0,62}$`` containing '-': the part after the tenant has a fixed
    shape (operation uuid, ``yyyymmddhh``, 32-hex row id or uuid, 32-hex check id), so each
    split point is tried and exactly one reading must remain. Follow-up entity ids must be row
    ids (``schema.tables.new_id``, 32 hex) or uuids. Schedule ids are not workflow ids.

    Raises:
        UnknownWorkflowId: no format matches, or two readings give different tenants:
            refused, never guessed (readings as a reserved tenant, :func:`is_reserved_tenant`,
            do not count).
    """
    wid = binding_id(workflow_id)
    suffixed = wid != workflow_id
    owners: set[str | None] = set()
    if (not suffixed and (_FANOUT.fullmatch(wid) or _PLATFORM_RUNS.fullmatch(wid))) or wid in (
        AUDIT_DIGEST,
        AUDIT_RETENTION,
        ALERT_SWEEP,
    ):
        owners.add(None)
    if wid.startswith(_TRIGGER) and _SLUG.fullmatch(t := wid[len(_TRIGGER) :]) and not is_reserved_tenant(t):
        owners.add(t)  # scheduled: run ids carry the suffix, the schedule's own context does not
    for prefix, tail, by_schedule in _TENANT_FORMATS:
        if not wid.startswith(prefix) or (suffixed and not by_schedule):
            continue
        rest = wid[len(prefix) :]
        for i, ch in enumerate(rest):
            t = rest[:i]
            if ch == "-" and not is_reserved_tenant(t) and _SLUG.fullmatch(t):
                if tail.fullmatch(rest[i + 1 :]):
                    owners.add(t)
    if len(owners) != 1:
        shape = "matches no workflow id format" if not owners else "reads as more than one tenant"
        raise UnknownWorkflowId(f"workflow id {shape} (workflows/ids.py); refusing to pick a key")
    return owners.pop()


_SCHEDULE_RUNS = (
    ("cycle-schedule-", "cycle-trigger-"),
    ("compliance-schedule-", "compliance-run-"),
    ("mailsync-schedule-", "mailsync-"),
    ("health-schedule-", "health-"),
    ("rotate-schedule-", "rotate-"),
)
"""Tenant schedule id prefix -> the id prefix of the workflows it starts (workflows/ids.py)."""


def tenant_of_schedule_id(schedule_id: str) -> str | None:
    """The tenant that owns a Temporal Schedule id, read through the workflow id it starts
    (``health-schedule-{t}-{i}`` starts ``health-{t}-{i}``, and so on); None for a platform
    schedule (``alert-sweep``, ``audit-digest``, ``audit-retention``) or an id of no known format
    (never guessed: an ambiguous id is no tenant's)."""
    for prefix, run in _SCHEDULE_RUNS:
        if schedule_id.startswith(prefix):
            try:
                return tenant_of_workflow_id(run + schedule_id[len(prefix) :])
            except UnknownWorkflowId:
                return None
    return None
