"""Authorization rows of mailbox connections (issue 13 Build 1); merged into
:data:`api.authz.matrix.MATRIX`. Connecting a mailbox stores a secret and starts reading the
tenant's mail, so it needs an admin (or the owner), like credentials; every tenant role may see
the connections' status."""

from __future__ import annotations

from api.authz.rule import ADMIN, VIEW, Rule

ROWS: dict[str, Rule] = {
    "connectMailbox": Rule(
        ADMIN, why="stores a mailbox secret in Vault and starts reading the tenant's mail"
    ),
    "listMailboxConnections": Rule(VIEW, why="read (status and checkpoint; never a secret)"),
    "deleteMailboxConnection": Rule(ADMIN, why="stops ingestion and deletes the secret"),
    "syncMailbox": Rule(ADMIN, why="starts a sync now"),
}
