"""Plan definitions (issue 15, Build 6): validation naming the field, references, permissions."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from schema.repositories.definitions import DefinitionRegistry
from schema.repositories.plans import PlanError, PlanRegistry, permission_union
from workflows.plan.definition import PlanStep, resolve_inputs

ROOT = Path(__file__).resolve().parents[2] / "definitions"
EXAMPLE = "wordpress_application_password_verified"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    shutil.copytree(ROOT, tmp_path / "definitions")
    return tmp_path / "definitions"


def plans(root: Path) -> PlanRegistry:
    return PlanRegistry(DefinitionRegistry(root), root)


def write(root: Path, body: str, name: str = "broken") -> None:
    (root / "plans" / f"{name}.yaml").write_text(f"schema_version: 1\nplan: {name}\nversion: 1\n{body}")


GOOD_STEP_1 = """
  - service: wordpress
    operation: application_password_generation
    inputs: {site_url: "{{plan.site_url}}"}"""


def test_the_example_plan_loads_with_the_union_of_its_permissions() -> None:
    plan, operations = plans(ROOT).load(EXAMPLE)
    assert [s.operation for s in plan.steps] == [
        "application_password_generation",
        "application_password_check",
    ]
    assert permission_union(operations) == [
        "log_in_as_admin",
        "create_application_password",
        "use_application_password",
    ]


def test_the_operation_registry_does_not_read_plans_as_a_service() -> None:
    assert all(d.service != "plans" for d in DefinitionRegistry(ROOT).list())
    assert [p.plan for p, _ in plans(ROOT).list()] == [EXAMPLE]


@pytest.mark.parametrize(
    ("steps", "field"),
    [
        (GOOD_STEP_1 + "\n  - service: wordpress\n    operaton: x\n    inputs: {}", "steps.2.operaton"),
        (
            "\n  - service: wordpress\n    operation: application_password_check\n"
            '    inputs: {site_url: "{{plan.site_url}}", credential_path: "{{steps.2.credential_path}}"}'
            + GOOD_STEP_1,
            "steps.1.inputs.credential_path: steps.2 is not an earlier step",
        ),
        (
            GOOD_STEP_1 + "\n  - service: wordpress\n    operation: application_password_check\n"
            '    inputs: {site_url: "{{plan.site_url}}", credential_path: "{{steps.1.password}}"}',
            "steps.2.inputs.credential_path: steps.1.password is not one of",
        ),
        (
            "\n  - service: wordpress\n    operation: application_password_generation\n"
            '    inputs: {site_url: "{{plan.url}}"}',
            "steps.1.inputs.site_url: {{plan.url}} is not a plan input",
        ),
        (
            "\n  - service: wordpress\n    operation: application_password_generation\n"
            '    inputs: {site_url: "{{credential.password}}"}',
            "steps.1.inputs",
        ),
        (
            GOOD_STEP_1 + "\n  - service: wordpress\n    operation: no_such_op\n    inputs: {}",
            "steps.2.operation",
        ),
        (
            GOOD_STEP_1 + "\n  - service: wordpress\n    operation: application_password_check\n"
            '    inputs: {site_url: "{{plan.site_url}}"}',
            "steps.2.inputs: missing credential_path",
        ),
        ("", "steps: Field required"),
    ],
)
def test_an_invalid_plan_file_is_rejected_naming_the_field(root: Path, steps: str, field: str) -> None:
    write(root, "inputs: [site_url]\n" + (f"steps:{steps}\n" if steps else ""))
    with pytest.raises(PlanError) as e:
        plans(root).load("broken")
    assert str(e.value).startswith("broken.yaml: ")
    assert field in str(e.value), str(e.value)


def test_a_plan_whose_name_differs_from_its_file_is_rejected(root: Path) -> None:
    write(root, f"steps:{GOOD_STEP_1}\n", name="other")
    (root / "plans" / "other.yaml").rename(root / "plans" / "renamed.yaml")
    with pytest.raises(PlanError, match="plan: declares other"):
        plans(root).load("renamed")


def test_references_resolve_to_what_earlier_steps_reported() -> None:
    step = PlanStep(
        service="wordpress",
        operation="application_password_check",
        inputs={"site_url": "{{plan.site_url}}", "by": "op {{ steps.1.operation_id }}"},
    )
    reported = [{"operation_id": "abc", "credential_path": "", "credential_fingerprint": ""}]
    assert resolve_inputs(step, {"site_url": "http://x"}, reported) == {
        "site_url": "http://x",
        "by": "op abc",
    }
    missing = PlanStep(service="w", operation="o", inputs={"p": "{{steps.1.credential_path}}"})
    with pytest.raises(KeyError):
        resolve_inputs(missing, {}, reported)
