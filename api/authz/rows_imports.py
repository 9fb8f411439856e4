"""Authorization rows of CSV imports (issue 12, Build 2); merged into
:data:`api.authz.matrix.MATRIX`. Starting an import writes many records at once (and can update
existing ones), so it needs an admin; reading progress and reports is for every tenant role."""

from __future__ import annotations

from api.authz.rule import ADMIN, VIEW, Rule

ROWS: dict[str, Rule] = {
    "startImport": Rule(ADMIN, why="bulk writes: many records created or updated at once"),
    "listImports": Rule(VIEW, why="read"),
    "getImport": Rule(VIEW, why="read"),
    "listImportRows": Rule(VIEW, why="read"),
}
