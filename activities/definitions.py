"""The ``load_definition`` activity over the file-backed definition registry."""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError

from core.failures import Failure
from schema.repositories.definitions import DefinitionError, DefinitionRegistry
from workflows.operation.definition import OperationDefinition
from workflows.operation.messages import LoadDefinitionInput


class DefinitionActivities:
    def __init__(self, registry: DefinitionRegistry) -> None:
        self._registry = registry

    @activity.defn(name="load_definition")
    def load_definition(self, inp: LoadDefinitionInput) -> OperationDefinition:
        try:
            return self._registry.load(inp.service, inp.operation, inp.version)
        except DefinitionError as e:
            raise ApplicationError(str(e), type=Failure.DEFINITION_ERROR, non_retryable=True) from e
