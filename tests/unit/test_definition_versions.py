"""Versioned definitions loaded without a restart (issue 15 Build 2) and ``store_fields``
templates (Build 1), on the file-backed registry and the hand-off's field rendering."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from temporalio.exceptions import ApplicationError

from activities.operations import stored_fields
from schema.repositories.definitions import DefinitionError, DefinitionRegistry
from workflows.operation.messages import RecordCredentialInput

ROOT = Path(__file__).resolve().parents[2] / "definitions"
REDMINE = ROOT / "redmine" / "api_key_generation.yaml"


def write(path: Path, text: str) -> None:
    """Write ``text`` and move the mtime on, so a rewrite within one clock tick is still seen."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text)
    os.utime(path, ns=(before + 10**9, before + 10**9))


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "redmine").mkdir()
    shutil.copy(REDMINE, tmp_path / "redmine" / REDMINE.name)
    return tmp_path


def test_every_shipped_definition_loads() -> None:
    report = DefinitionRegistry(ROOT).reload()
    assert report.rejected == {}
    assert {"redmine/api_key_generation@v1", "zabbix/api_token_generation@v1"} <= set(report.loaded)


def test_a_new_version_is_picked_up_and_the_old_one_stays_loadable(root: Path) -> None:
    reg = DefinitionRegistry(root)
    v1 = reg.load("redmine", "api_key_generation")
    path = root / "redmine" / REDMINE.name
    write(
        path,
        path.read_text()
        .replace("\nversion: 1\n", "\nversion: 2\n")
        .replace("/users/current.json", "/my/account.json"),
    )
    assert reg.reload().rejected == {}
    assert reg.load("redmine", "api_key_generation").version == 2
    assert reg.load("redmine", "api_key_generation", 1) == v1  # a running operation's version
    assert reg.versions("redmine", "api_key_generation") == [1, 2]
    with pytest.raises(DefinitionError, match="no loaded version 3"):
        reg.load("redmine", "api_key_generation", 3)


def test_an_invalid_file_is_rejected_naming_the_field_and_the_old_version_stays(root: Path) -> None:
    reg = DefinitionRegistry(root)
    reg.load("redmine", "api_key_generation")
    path = root / "redmine" / REDMINE.name
    bad = path.read_text().replace("\nversion: 1\n", "\nversion: 2\n")
    bad = bad.replace(
        'X-Redmine-API-Key: "{{credential.password}}"', 'X-Redmine-API-Key: "{{steps.login.key}}"'
    )
    write(path, bad)
    report = reg.reload()
    (why,) = report.rejected.values()
    assert "connection_test.steps.0.headers.X-Redmine-API-Key" in why and "{{steps.login.key}}" in why
    assert reg.load("redmine", "api_key_generation").version == 1  # never takes a worker down
    assert [d.version for d in reg.list()] == [1]


def test_a_loaded_version_never_changes_content(root: Path) -> None:
    reg = DefinitionRegistry(root)
    v1 = reg.load("redmine", "api_key_generation")
    path = root / "redmine" / REDMINE.name
    write(path, path.read_text().replace("/users/current.json", "/users/me.json"))
    (why,) = reg.reload().rejected.values()
    assert "version: 1 is already loaded with other content" in why
    assert reg.load("redmine", "api_key_generation", 1) == v1


def test_a_file_with_nothing_loaded_before_it_is_an_error(root: Path) -> None:
    (root / "broken").mkdir()
    write(root / "broken" / "op.yaml", "service: broken\noperation: op\nversion: 0\n")
    with pytest.raises(DefinitionError) as e:
        DefinitionRegistry(root).load("broken", "op")
    assert "version:" in str(e.value) and "steps:" in str(e.value)


def record(fields: dict[str, str]) -> RecordCredentialInput:
    return RecordCredentialInput(
        tenant_id="t",
        service="s",
        credential_type="api_key",
        vault_path="p",
        fingerprint="",
        site_url="http://site",
        store_fields=fields,
        inputs={"bot_name": "omnibot"},
    )


def test_store_fields_templates_derive_every_stored_field() -> None:
    admin = {"username": "ada", "password": "admin-pass"}
    out = stored_fields(record({"username": "{{credential.username}}@{{input.bot_name}}"}), admin, "new-key")
    assert out == {"username": "ada@omnibot", "password": "new-key", "site_url": "http://site"}
    plain = stored_fields(record({}), admin, "new-key")
    assert plain["username"] == "ada" and plain["password"] == "new-key"


def test_a_store_field_without_a_value_fails_naming_the_field_not_a_secret() -> None:
    with pytest.raises(ApplicationError) as e:
        stored_fields(record({"label": "{{input.missing}}-{{value}}"}), {"username": "ada"}, "new-key")
    assert (
        e.value.non_retryable and "store_fields.label" in e.value.message and "new-key" not in e.value.message
    )
