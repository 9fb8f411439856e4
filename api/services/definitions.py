"""Operation definitions as the API sees them: load one (400 when unknown) and list them all."""

from __future__ import annotations

import asyncio

from api.errors import ValidationException
from api.schemas.operations import ServiceView
from schema.repositories.definitions import DefinitionError, DefinitionRegistry
from workflows.operation.definition import OperationDefinition


def load_definition(registry: DefinitionRegistry, service: str, operation: str) -> OperationDefinition:
    """The definition of ``service/operation``; 400 (``ValidationException``) when there is none."""
    try:
        return registry.load(service, operation)
    except DefinitionError as e:
        raise ValidationException(str(e)) from None


async def list_services(registry: DefinitionRegistry) -> list[ServiceView]:
    """Every definition in the registry (``definitions/*/*.yaml``); agent steps have no action."""
    defs = await asyncio.to_thread(registry.list)
    return [
        ServiceView(
            service=d.service,
            operation=d.operation,
            version=d.version,
            description=d.description,
            permissions=d.permissions,
            inputs=d.inputs,
            steps=len(d.steps),
            agent_steps=sum(1 for s in d.steps if s.action is None),
        )
        for d in defs
    ]
