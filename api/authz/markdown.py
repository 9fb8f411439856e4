"""The README's route x role x own/other-tenant table, generated from the matrix.

Cells: ``yes`` (allowed on the caller's own tenant), ``-`` (403 before anything is read),
``public`` (no token needed). The *other tenant* column is an allowed tenant role's answer for
another tenant's id or tenant name: 404, the same as a missing id (a refused role gets 403).
"""

from __future__ import annotations

from api.authz.matrix import MATRIX
from api.authz.rule import HIERARCHY, SYSTEM, Rule

BEGIN = "<!-- authz-matrix:begin (generated: uv run python -m api.authz --markdown) -->"
END = "<!-- authz-matrix:end -->"
ROLES = (*HIERARCHY, SYSTEM)


def _cell(rule: Rule, role: str) -> str:
    if rule.public:
        return "public"
    return "yes" if role in rule.roles else "-"


def _operator(rule: Rule) -> str:
    if rule.public:
        return "public"
    if not rule.operator:
        return "-"
    where = f" ({rule.tenant.replace(':', ' ')})" if rule.tenant else " (platform-wide)"
    return "yes" + where


def _other(rule: Rule) -> str:
    """An allowed role's answer for another tenant's id or name (a refused role gets 403)."""
    if rule.public:
        return "public"
    return "404" if rule.roles else "403"


def table() -> str:
    """The markdown table between :data:`BEGIN` and :data:`END` (both included)."""
    head = ["operation", *ROLES, "platform operator", "other tenant", "why"]
    lines = [BEGIN, "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for op in sorted(MATRIX):
        rule = MATRIX[op]
        cells = [f"`{op}`", *(_cell(rule, r) for r in ROLES), _operator(rule), _other(rule), rule.why]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append(END)
    return "\n".join(lines)
