"""Authorization rows of signed order webhooks and their secret (issue 12, Build 3); merged into
:data:`api.authz.matrix.MATRIX`."""

from __future__ import annotations

from api.authz.rule import ADMIN, Rule

ROWS: dict[str, Rule] = {
    "receiveOrderWebhook": Rule(
        public=True, why="no bearer token: the Standard Webhooks signature is verified"
    ),
    "rotateOrderWebhookSecret": Rule(ADMIN, why="a secret that lets the host application write orders"),
    "getOrderWebhook": Rule(ADMIN, why="webhook configuration (never the secret)"),
}
