"""The definition registry: operations as data files under ``definitions/{service}/{op}.yaml``.

A file-backed repository, importable by the API (listing, validation at initiate) and the
workers (the ``load_definition`` activity) without either crossing a layer.

Each file is validated by :class:`OperationDefinition`; a file that does not validate is an
error at load time, never a half-run operation.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from workflows.operation.definition import OperationDefinition


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
        return [
            self.load(p.parent.name, p.stem)
            for p in sorted(self._root.glob("*/*.yaml"))
            if p.parent.name != "plans"  # multi-step plans (schema/repositories/plans.py)
        ]
