"""Authorization rows of one-click unsubscribe (issue 13 item 6, RFC 8058); merged into
:data:`api.authz.matrix.MATRIX`."""

from __future__ import annotations

from api.authz.rule import Rule

ROWS: dict[str, Rule] = {
    "unsubscribePage": Rule(
        public=True, why="no bearer token: the 256-bit token in the email; shows a form, changes nothing"
    ),
    "unsubscribeOneClick": Rule(
        public=True, why="no bearer token: the 256-bit token in the email suppresses its own address"
    ),
}
