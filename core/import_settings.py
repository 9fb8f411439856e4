"""CSV imports (issue 12, Build 2): ``OMNIOPS_IMPORTS__*``; a section of ``core.settings.Settings``."""

from __future__ import annotations

from pydantic import BaseModel


class ImportSettings(BaseModel):
    """CSV imports (issue 12, Build 2)."""

    max_upload_bytes: int = 20 * 1_048_576
    """The largest CSV file ``POST /api/imports`` accepts (413 above), in bytes."""
    max_rows: int = 100_000
    """Rows per file (400 above)."""
    batch_size: int = 500
    """Rows per batch: one activity, one transaction."""
    batches_per_run: int = 40
    """Batches before the import workflow continues as new (history stays small)."""
