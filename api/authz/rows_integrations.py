"""Authorization rows of outbound webhooks and integration health (issue 15 Builds 4, 5, 7);
merged into :data:`api.authz.matrix.MATRIX`."""

from __future__ import annotations

from api.authz.rule import ADMIN, VIEW, Rule

ROWS: dict[str, Rule] = {
    "createWebhook": Rule(ADMIN, why="a receiver of the tenant's events; its secret is shown once"),
    "listWebhooks": Rule(ADMIN, why="webhook configuration (never a secret)"),
    "deleteWebhook": Rule(ADMIN, why="webhook configuration"),
    "testWebhook": Rule(ADMIN, why="sends a signed event to the tenant's receiver"),
    "listIntegrations": Rule(VIEW, why="health of the tenant's stored integration credentials"),
    "putIntegrationSettings": Rule(ADMIN, why="rotation period and notification address"),
    "checkIntegration": Rule(ADMIN, why="runs a connection test with a stored credential"),
    "rotateIntegration": Rule(ADMIN, why="regenerates and revokes a credential on the customer's site"),
}
