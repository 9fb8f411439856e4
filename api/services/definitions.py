"""Operation definitions as the API sees them: load one (400 when unknown), list them all with
their versions, and reload the registry (issue 15 Build 2)."""

from __future__ import annotations

import asyncio

from api.errors import ValidationException
from api.schemas.operations import ReloadView, ServiceView
from core.logging import get_logger
from schema.repositories.definitions import DefinitionError, DefinitionRegistry
from workflows.operation.definition import OperationDefinition

log = get_logger("api.definitions")


def load_definition(registry: DefinitionRegistry, service: str, operation: str) -> OperationDefinition:
    """The definition of ``service/operation``; 400 (``ValidationException``) when there is none."""
    try:
        return registry.load(service, operation)
    except DefinitionError as e:
        raise ValidationException(str(e)) from None


async def reload_services(registry: DefinitionRegistry) -> ReloadView:
    """Read every changed file of the registry now (the API's; workers re-read a changed file on
    their next load). A bad file never raises: it is listed in ``rejected``."""
    report = await asyncio.to_thread(registry.reload)
    for name, why in report.rejected.items():
        log.warning("definition rejected", file=name, reason=why)
    return ReloadView(loaded=report.loaded, rejected=report.rejected)


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
            versions=registry.versions(d.service, d.operation),
            connection_test=[t.name for t in d.connection_test.steps] if d.connection_test else [],
        )
        for d in defs
    ]
