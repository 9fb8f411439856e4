"""Reflect's pure rules (seed 004 "Reflect"): metrics moved, executed, blocked, next-hour hints."""

from __future__ import annotations

from workflows.cycle.reflection import ActionRecord, blocked, executed, hints, metrics_moved


def rec(kind: str, verdict: str, outcome: str | None = None, **detail: str) -> ActionRecord:
    return ActionRecord(kind, "contact", "c1", verdict, outcome, detail or None)


def test_metrics_moved_lists_only_changed_metrics_present_before() -> None:
    moved = metrics_moved({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 9})
    assert moved == {"b": {"before": 2, "after": 3}}
    assert metrics_moved({}, {"a": 1}) == {}


def test_executed_counts_allowed_actions_with_an_outcome() -> None:
    acts = [rec("send_email", "allow", "sent"), rec("send_email", "allow", "sent"), rec("research", "allow")]
    acts.append(rec("research", "defer", "queued"))
    assert executed(acts) == {"send_email:sent": 2}


def test_blocked_lists_block_defer_and_halt_with_the_guards_detail() -> None:
    acts = [rec("send_email", "block", rule="suppression"), rec("research", "defer"), rec("x", "allow", "ok")]
    acts.append(rec("create_task", "halt"))
    out = blocked(acts)
    assert [b["verdict"] for b in out] == ["block", "defer", "halt"]
    assert out[0] == {
        "action": "send_email",
        "target": "contact:c1",
        "verdict": "block",
        "rule": "suppression",
    }


def test_hints_in_order_and_only_when_something_needs_saying() -> None:
    m = {"engagement_overdue": 3, "open_order_exceptions": 2, "compliance_due": 1}
    out = hints("kill switch: test", m, [rec("research", "defer"), rec("send_email", "defer")])
    assert out == [
        "halted: kill switch: test; no actions until the switch is back on",
        "2 action(s) deferred by rate limits run first next hour",
        "3 contact(s) still past their 21-day touch",
        "2 order exception(s) need a person",
        "1 compliance check(s) in their window",
    ]
    assert hints(None, {"engagement_overdue": 0}, [rec("send_email", "allow", "sent")]) == []
