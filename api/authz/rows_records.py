"""Authorization rows of business records (issue 12, Build 1); merged into
:data:`api.authz.matrix.MATRIX`. Generated from the record specs: reading is for every tenant role,
creating and changing is day-to-day work (member and up), archiving (which takes a record away from
the agent and from lists) needs an admin. Platform operators do not act on tenant records."""

from __future__ import annotations

from api.authz.rule import ADMIN, VIEW, WORK, Rule
from api.records.specs import RECORDS

ROWS: dict[str, Rule] = {}
for _api in RECORDS:
    _t, _ts = _api.title, f"{_api.title}s"
    ROWS[f"list{_ts}"] = Rule(VIEW, why="read")
    ROWS[f"get{_t}"] = Rule(VIEW, why="read")
    ROWS[f"create{_t}"] = Rule(WORK, why="day-to-day work")
    ROWS[f"update{_t}"] = Rule(WORK, why="day-to-day work")
    ROWS[f"archive{_t}"] = Rule(ADMIN, why="takes the record away from the agent and from lists")
ROWS["transitionOrder"] = Rule(WORK, why="day-to-day work")
ROWS["addOrderDocument"] = Rule(WORK, why="day-to-day work")
ROWS["listOrderDocuments"] = Rule(VIEW, why="read")
