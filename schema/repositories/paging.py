"""Keyset (cursor) pagination, the one way lists page (issue 12): rows ordered by ``(sort column,
id)``, the cursor an opaque url-safe token of the last row's ``(value, id)``. Stable under inserts,
O(limit) per page at any depth, unlike OFFSET.

Sortable columns must be NOT NULL (a NULL has no place in the order). A cursor that does not
decode, or was made for another sort, raises :class:`BadCursor` (the API answers 400).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, tuple_
from sqlalchemy.orm import Session

T = TypeVar("T")


class BadCursor(ValueError):
    """The cursor is not one this list gave out."""


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None
    """None on the last page."""


def _encode(sort: str, value: Any, row_id: Any) -> str:
    if isinstance(value, datetime):
        v: Any = {"t": value.isoformat()}
    elif isinstance(value, Decimal):
        v = {"d": str(value)}
    else:
        v = value
    raw = json.dumps([sort, v, str(row_id)], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, sort: str) -> tuple[Any, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        s, v, row_id = json.loads(raw)
        if isinstance(v, dict):
            v = datetime.fromisoformat(v["t"]) if "t" in v else Decimal(v["d"])
    except (ValueError, TypeError, KeyError) as e:
        raise BadCursor("cursor: not a cursor of this list") from e
    if s != sort or not isinstance(row_id, str):
        raise BadCursor("cursor: made for another sort order")
    return v, row_id


def keyset_page(
    s: Session,
    query: Select[Any],
    sort_col: Any,
    id_col: Any,
    *,
    sort: str,
    descending: bool = False,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Any]:
    """One page of ``query`` (a select of ORM rows, already filtered) ordered by ``(sort_col,
    id_col)``, ascending or ``descending``, after ``cursor``; ``sort`` names the order in the cursor.
    ``limit`` rows at most (1..500)."""
    limit = max(1, min(limit, 500))
    if cursor:
        value, row_id = _decode(cursor, sort)
        key = tuple_(sort_col, id_col)
        query = query.where(key < (value, row_id) if descending else key > (value, row_id))
    order = (sort_col.desc(), id_col.desc()) if descending else (sort_col.asc(), id_col.asc())
    rows = list(s.execute(query.order_by(*order).limit(limit + 1)).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    nxt = None
    if more and rows:
        last = rows[-1]
        nxt = _encode(sort, getattr(last, sort_col.key), getattr(last, id_col.key))
    return Page(items=rows, next_cursor=nxt)
