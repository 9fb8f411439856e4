"""The plan registry: multi-step plans as data files under ``definitions/plans/{plan}.yaml``
(issue 15, Build 6), beside the operation definitions they list.

A file-backed repository like :class:`DefinitionRegistry` (the API loads a plan at start and
passes it to the workflow, so a running plan keeps the version it started with). A plan is
valid when its file validates as :class:`PlanDefinition` *and* every step names an operation
the definition registry has, with every input that operation needs; errors name the field
(``steps.2.inputs``).
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from schema.repositories.definitions import DefinitionError, DefinitionRegistry
from workflows.operation.definition import OperationDefinition
from workflows.plan.definition import PlanDefinition

PLANS_FOLDER = "plans"
"""The folder of ``definitions/`` holding plans (never a service name)."""


class PlanError(ValueError):
    pass


def validation_text(e: ValidationError) -> str:
    """Pydantic's errors as ``field: message`` lines, the field dotted 1-based for steps."""
    lines = []
    for err in e.errors():
        loc = [
            str(p + 1) if isinstance(p, int) and i > 0 and err["loc"][i - 1] == "steps" else str(p)
            for i, p in enumerate(err["loc"])
        ]
        lines.append(f"{'.'.join(loc) or 'plan'}: {err['msg']}")
    return "; ".join(lines)


class PlanRegistry:
    def __init__(self, definitions: DefinitionRegistry, root: Path) -> None:
        self._definitions = definitions
        self._root = root / PLANS_FOLDER

    def load(self, plan: str) -> tuple[PlanDefinition, list[OperationDefinition]]:
        """The plan and its steps' operation definitions. Raises PlanError (unknown or invalid,
        naming the field)."""
        if not plan.replace("_", "").isalnum():
            raise PlanError(f"invalid plan name {plan!r}")
        path = self._root / f"{plan}.yaml"
        if not path.exists():
            raise PlanError(f"no plan named {plan}")
        try:
            definition = PlanDefinition.model_validate(yaml.safe_load(path.read_text()))
        except ValidationError as e:
            raise PlanError(f"{path.name}: {validation_text(e)}") from e
        except yaml.YAMLError as e:
            raise PlanError(f"{path.name}: not YAML: {e}") from e
        if definition.plan != plan:
            raise PlanError(f"{path.name}: plan: declares {definition.plan}")
        return definition, self._operations(path.name, definition)

    def _operations(self, name: str, definition: PlanDefinition) -> list[OperationDefinition]:
        ops = []
        for n, step in enumerate(definition.steps, start=1):
            try:
                op = self._definitions.load(step.service, step.operation)
            except DefinitionError as e:
                raise PlanError(f"{name}: steps.{n}.operation: {e}") from e
            missing = [k for k in dict.fromkeys([*op.inputs, "site_url"]) if k not in step.inputs]
            if missing:
                raise PlanError(f"{name}: steps.{n}.inputs: missing {', '.join(missing)}")
            ops.append(op)
        return ops

    def list(self) -> list[tuple[PlanDefinition, list[OperationDefinition]]]:
        return [self.load(p.stem) for p in sorted(self._root.glob("*.yaml"))]


def permission_union(operations: list[OperationDefinition]) -> list[str]:
    """Every permission any of the operations needs, once each, in first-seen order: what the
    plan's one consent covers."""
    return list(dict.fromkeys(p for op in operations for p in op.permissions))
