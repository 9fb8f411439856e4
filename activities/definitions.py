"""The definition registry: operations as data files under ``definitions/{service}/{op}.yaml``.

Each file is validated by :class:`OperationDefinition`; a file that does not validate is an
error at load time, never a half-run operation.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError
from temporalio import activity
from temporalio.exceptions import ApplicationError

from workflows.operation.models import LoadDefinitionInput, OperationDefinition


class DefinitionError(ValueError):
    pass


class DefinitionRegistry:
    def __init__(self, root: Path) -> None:
        self._root = root

    def load(self, service: str, operation: str) -> OperationDefinition:
        """Raises DefinitionError for an unknown or invalid definition."""
        if not (service.replace("_", "").isalnum() and operation.replace("_", "").isalnum()):
            raise DefinitionError(f"invalid service/operation name {service!r}/{operation!r}")
        path = self._root / service / f"{operation}.yaml"
        if not path.exists():
            raise DefinitionError(f"no definition for service={service} operation={operation}")
        try:
            definition = OperationDefinition.model_validate(yaml.safe_load(path.read_text()))
        except (ValidationError, yaml.YAMLError) as e:
            raise DefinitionError(f"{path.name}: {e}") from e
        if (definition.service, definition.operation) != (service, operation):
            raise DefinitionError(f"{path} declares {definition.service}/{definition.operation}")
        return definition

    def list(self) -> list[OperationDefinition]:
        return [self.load(p.parent.name, p.stem) for p in sorted(self._root.glob("*/*.yaml"))]


class DefinitionActivities:
    def __init__(self, registry: DefinitionRegistry) -> None:
        self._registry = registry

    @activity.defn(name="load_definition")
    def load_definition(self, inp: LoadDefinitionInput) -> OperationDefinition:
        try:
            return self._registry.load(inp.service, inp.operation)
        except DefinitionError as e:
            raise ApplicationError(str(e), type="DefinitionError", non_retryable=True) from e
