"""What a signature does to a contact (issue 13 Build 7, seed 004 P1.6 ``processEnrichmentQueue``).
Pure: :func:`decide` compares the fields a signature offers with the contact's own and says, per
field, ``set`` (the contact's field is empty: take the value), ``same`` (it already has it) or
``conflict`` (it has another value: keep the contact's, never overwrite). Every decision keeps
the value's source message, so the caller can record where each value came from.

Fields: ``phone`` (the first signature number; any of them equal to the contact's is ``same``),
``title``, ``company``, ``linkedin_url``, ``address``. Comparison ignores case and spacing; phones
compare by digits (a national number equals its E.164 form), LinkedIn URLs without scheme/www.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from workflows.mail_models import SignatureFields, SourcedValue

FIELDS = ("phone", "title", "company", "linkedin_url", "address")
Outcome = Literal["set", "same", "conflict"]


@dataclass(frozen=True)
class FieldDecision:
    field: str
    value: str
    outcome: Outcome
    message_id: str
    source: str = "signature"


def _norm(field: str, value: str) -> str:
    v = " ".join(value.split()).lower()
    if field == "phone":
        return re.sub(r"\D", "", v)
    if field == "linkedin_url":
        return re.sub(r"^(https?://)?(www\.|[a-z]{2,3}\.)?", "", v).rstrip("/")
    return v


def _same(field: str, a: str, b: str) -> bool:
    x, y = _norm(field, a), _norm(field, b)
    if field == "phone" and min(len(x), len(y)) >= 7:
        return x.endswith(y) or y.endswith(x)
    return x == y


def offered(sig: SignatureFields) -> dict[str, list[SourcedValue]]:
    """The signature's values per contact field (phones: all of them, first first)."""
    out: dict[str, list[SourcedValue]] = {"phone": list(sig.phones)}
    for field, v in (
        ("title", sig.title),
        ("company", sig.company),
        ("linkedin_url", sig.linkedin),
        ("address", sig.address),
    ):
        out[field] = [v] if v is not None else []
    return out


def decide(current: Mapping[str, str | None], sig: SignatureFields) -> list[FieldDecision]:
    """One decision per field the signature offers a value for, in :data:`FIELDS` order.
    ``current``: the contact's values by field name (None or blank: empty)."""
    out: list[FieldDecision] = []
    for field, values in offered(sig).items():
        values = [v for v in values if v.value.strip()]
        if not values:
            continue
        have = (current.get(field) or "").strip()
        match = next((v for v in values if have and _same(field, have, v.value)), None)
        outcome: Outcome = "set" if not have else "same" if match is not None else "conflict"
        v = match if match is not None else values[0]
        out.append(FieldDecision(field, v.value, outcome, v.message_id, v.source))
    return sorted(out, key=lambda d: FIELDS.index(d.field))
