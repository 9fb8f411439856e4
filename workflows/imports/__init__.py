"""The CSV import workflow (issue 12, Build 2)."""
