"""Messages of the CSV import workflow (issue 12, Build 2). Row data never enters history: the
rows are staged in ``import_rows`` and only ids and counts travel."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ImportInput(BaseModel):
    model_config = ConfigDict(frozen=True)

    tenant_id: str
    import_id: str
    batch_size: int = 500
    batches_per_run: int = 40
    after_row_no: int = 0
    """Rows up to this one are done (continue-as-new carries it)."""


class BatchInput(BaseModel):
    model_config = ConfigDict(frozen=True)

    tenant_id: str
    import_id: str
    after_row_no: int
    batch_size: int


class BatchResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    last_row_no: int
    """The last row this batch looked at (the next batch starts after it)."""
    processed: int
    more: bool


class ImportResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    import_id: str
    status: str
    total_rows: int
    created: int
    updated: int
    unchanged: int
    rejected: int
