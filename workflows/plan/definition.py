"""The plan definition schema: YAML data files under ``definitions/plans/{plan}.yaml`` (issue 15,
Build 6, seed 002 "multi-step workflows"), validated by these models when the registry loads them.

A plan lists operations (each a ``definitions/{service}/{operation}.yaml``) in order. A step's
inputs are templates over references only, never secrets:

- ``{{plan.x}}``: the plan's input ``x`` (declared in ``inputs``);
- ``{{steps.N.field}}``: what step ``N`` (1-based, an earlier step) reported, one of
  :data:`STEP_FIELDS`: its operation id, the Vault *path* and fingerprint of the credential it
  stored (the secret itself stays in Vault).

A reference to an unknown plan input, a later step or an unknown field is rejected at load time,
naming the field (``steps.2.inputs.site_url``).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from workflows.models import Frozen

PLAN_CONSENT_SERVICE = "plan"
"""The ``service`` of a plan's consent record (``autonomous_consent``); its ``operation`` is the
plan's name and its permissions the union of the plan's operations' permissions."""

REFERENCE = re.compile(r"\{\{\s*(plan|steps)\.([a-z0-9_]+)(?:\.([a-z_]+))?\s*\}\}")
STEP_FIELDS = ("operation_id", "credential_path", "credential_fingerprint")
"""What a later step may reference of an earlier one (all of them references, never secrets)."""


class PlanStep(Frozen):
    """One operation of the plan, with its inputs as templates over references."""

    service: str = Field(pattern=r"^[a-z0-9_]{1,50}$")
    operation: str = Field(pattern=r"^[a-z0-9_]{1,100}$")
    inputs: dict[str, str] = Field(default_factory=dict)

    @field_validator("inputs")
    @classmethod
    def _references_only(cls, inputs: dict[str, str]) -> dict[str, str]:
        for key, template in inputs.items():
            leftover = REFERENCE.sub("", template)
            if "{{" in leftover or "}}" in leftover:
                raise ValueError(f"{key}: unknown placeholder (use {{{{plan.x}}}} or {{{{steps.N.field}}}})")
        return inputs


class PlanDefinition(Frozen):
    schema_version: Literal[1] = 1
    plan: str = Field(pattern=r"^[a-z0-9_]{1,100}$")
    version: int = Field(ge=1)
    description: str = ""
    inputs: list[str] = Field(default_factory=lambda: ["site_url"])
    steps: list[PlanStep] = Field(min_length=1, max_length=20)

    @model_validator(mode="after")
    def _references_resolve(self) -> PlanDefinition:
        for n, step in enumerate(self.steps, start=1):
            for key, template in step.inputs.items():
                where = f"steps.{n}.inputs.{key}"
                for m in REFERENCE.finditer(template):
                    kind, name, field = m.groups()
                    if kind == "plan" and (field or name not in self.inputs):
                        raise ValueError(f"{where}: {{{{plan.{name}}}}} is not a plan input")
                    if kind == "steps" and not (name.isdigit() and 1 <= int(name) < n):
                        raise ValueError(f"{where}: steps.{name} is not an earlier step")
                    if kind == "steps" and field not in STEP_FIELDS:
                        raise ValueError(
                            f"{where}: steps.{name}.{field} is not one of {', '.join(STEP_FIELDS)}"
                        )
        return self


def resolve_inputs(
    step: PlanStep, plan_inputs: dict[str, str], reported: list[dict[str, str]]
) -> dict[str, str]:
    """``step``'s inputs with references substituted (pure: called by the workflow).

    Args:
        plan_inputs: the plan's inputs.
        reported: per earlier step (index 0 = step 1), its :data:`STEP_FIELDS` values.

    Raises:
        KeyError: a referenced value the earlier step did not report (e.g. no credential).
    """

    def sub(m: re.Match[str]) -> str:
        kind, name, field = m.groups()
        if kind == "plan":
            return plan_inputs[name]
        value = reported[int(name) - 1].get(field or "")
        if not value:
            raise KeyError(f"steps.{name}.{field}")
        return value

    return {key: REFERENCE.sub(sub, template) for key, template in step.inputs.items()}
