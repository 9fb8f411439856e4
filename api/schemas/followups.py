"""Response pieces shared by the feedback, quote and deal APIs: the workflow's state and the
plain acknowledgement of a signal."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, SerializerFunctionWrapHandler, model_serializer

from workflows.common import FollowUpState


class Sparse(BaseModel):
    """A response whose optional fields appear only when set (the body keeps the keys it had
    when it was a plain dict); required fields always appear, null or not."""

    @model_serializer(mode="wrap")
    def _drop_unset(self, handler: SerializerFunctionWrapHandler) -> Any:
        out = handler(self)
        fields = type(self).model_fields
        return {
            k: v
            for k, v in out.items()
            if k in self.model_fields_set or k not in fields or fields[k].is_required()
        }


class Accepted(BaseModel):
    """202 for a signal that was delivered to a running workflow."""

    status: str = "accepted"


class FollowUpStatus(Sparse):
    """``GET …/followup``: the workflow's execution status and, while it runs, its ``status``
    query (``state``: status, next wake-up UTC, what it waits for); once ended its ``result`` or,
    when it failed or was terminated, ``failure``. 404 when there is no such workflow."""

    workflow_id: str
    execution: str | None
    state: FollowUpState | None = None
    result: dict[str, Any] | None = None
    failure: str | None = None
