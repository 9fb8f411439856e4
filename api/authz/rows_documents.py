"""Authorization rows of the documents library (issue 14);
merged into :data:`api.authz.matrix.MATRIX`."""

from __future__ import annotations

from api.authz.rule import ADMIN, VIEW, WORK, Rule

ROWS: dict[str, Rule] = {
    "listDocuments": Rule(VIEW, why="reading the tenant's documents"),
    "getDocument": Rule(VIEW, why="reading the tenant's documents"),
    "downloadDocument": Rule(VIEW, why="reading the tenant's documents"),
    "getDocumentText": Rule(VIEW, why="reading the tenant's documents"),
    "searchDocuments": Rule(VIEW, why="reading the tenant's documents (its own chunks only)"),
    "uploadDocument": Rule(WORK, why="adding a file is everyday work; it is sniffed, capped and reversible"),
    "updateDocument": Rule(WORK, why="renaming or re-filing is everyday work"),
    "uploadOrderDocumentFile": Rule(WORK, why="receiving an order's file is everyday order work"),
    "deleteDocument": Rule(ADMIN, why="destroys the file and its text for good (no archive)"),
}
