"""What the plan routes show: a plan's preview (its operations and the union of their
permissions, what one consent covers) and a running plan's status (from its ``status`` query)."""

from __future__ import annotations

from api.schemas.plans import PlanOperationView, PlanPreview, PlanStepView, PlanView
from schema.repositories.plans import permission_union
from workflows.operation.definition import OperationDefinition
from workflows.plan.definition import PlanDefinition
from workflows.plan.messages import PlanProgress


def preview_of(definition: PlanDefinition, operations: list[OperationDefinition]) -> PlanPreview:
    return PlanPreview(
        plan=definition.plan,
        version=definition.version,
        description=definition.description,
        inputs=definition.inputs,
        permissions=permission_union(operations),
        operations=[
            PlanOperationView(service=o.service, operation=o.operation, permissions=o.permissions)
            for o in operations
        ],
    )


def view(wf_id: str, prog: PlanProgress) -> PlanView:
    steps = [PlanStepView(**s.model_dump(exclude={"credential_fingerprint"})) for s in prog.steps]
    return PlanView(
        **prog.model_dump(exclude={"steps", "plan_id"}), plan_id=prog.plan_id, workflow_id=wf_id, steps=steps
    )
