"""A definition's connection test as a short declarative HTTP sequence (issue 15 Build 1).

Each request has a method, a site-relative path, headers and a form or JSON body holding
placeholders (core/templates.py: ``{{credential.x}}``, ``{{input.x}}``,
``{{steps.<name>.<var>}}``). ``extract`` takes values from a response's JSON (a JSON pointer,
RFC 6901), a header or a ``Set-Cookie`` cookie for the later requests; ``expect`` checks the
status and JSON fields. The old one-request form (``method``, ``path``, ``auth: basic``,
``username_from``, ``expect_status``) still loads, translated to a one-request sequence.

Validation names the field: a placeholder naming no earlier step's extracted value, a duplicate
step name or a path that is not site-relative is rejected when the file loads.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from core.templates import TemplateError, references, strings
from workflows.models import Frozen

Scalar = str | int | float | bool | None


class Extract(Frozen):
    """Exactly one source: ``json`` (a JSON pointer into the body), ``header`` or ``cookie``."""

    json_pointer: str | None = Field(default=None, pattern=r"^(/.*)?$")
    header: str | None = None
    cookie: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Extract:
        if sum(x is not None for x in (self.json_pointer, self.header, self.cookie)) != 1:
            raise ValueError("an extract takes exactly one of json_pointer, header, cookie")
        return self


class Expect(Frozen):
    status: list[int] = Field(default_factory=lambda: [200], min_length=1)
    json_equals: dict[str, Scalar] = Field(default_factory=dict, description="JSON pointer -> value")
    json_present: list[str] = Field(default_factory=list, description="JSON pointers that must exist")

    @model_validator(mode="before")
    @classmethod
    def _one_status(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("status"), int):
            return {**data, "status": [data["status"]]}
        return data


class BasicAuth(Frozen):
    username: str = "{{credential.username}}"
    password: str = "{{credential.password}}"


class HttpStep(Frozen):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "GET"
    path: str = Field(pattern=r"^/", max_length=2000, description="Site-relative, e.g. /users/current.json")
    headers: dict[str, str] = Field(default_factory=dict)
    form: dict[str, str] | None = None
    json_body: dict[str, Any] | list[Any] | None = None
    basic_auth: BasicAuth | None = None
    expect: Expect = Field(default_factory=Expect)
    extract: dict[str, Extract] = Field(default_factory=dict)
    describe: str | None = Field(
        default=None, pattern=r"^/", description="JSON pointer of a non-secret value for the result"
    )

    @model_validator(mode="after")
    def _one_body(self) -> HttpStep:
        if self.form is not None and self.json_body is not None:
            raise ValueError(f"step {self.name}: form and json_body are exclusive")
        return self

    def templates(self) -> list[tuple[str, str]]:
        """(field, template) of every string that may hold placeholders."""
        out = [("path", self.path)] + [(f"headers.{k}", v) for k, v in self.headers.items()]
        out += [(f"form{loc}", s) for loc, s in strings(self.form or {})]
        out += [(f"json_body{loc}", s) for loc, s in strings(self.json_body or {})]
        if self.basic_auth:
            out += [("basic_auth.username", self.basic_auth.username)]
            out += [("basic_auth.password", self.basic_auth.password)]
        return out


def _legacy(data: dict[str, Any]) -> dict[str, Any]:
    """The pre-issue-15 form as a one-request sequence (basic auth, the WordPress user's name)."""
    if data.get("auth", "basic") != "basic":
        raise ValueError("auth: only basic is supported in the one-request form")
    user = str(data.get("username_from", "credential.username"))
    step = {
        "name": "request",
        "method": data.get("method", "GET"),
        "path": data["path"],
        "basic_auth": {"username": "{{" + user + "}}", "password": "{{credential.password}}"},
        "expect": {"status": [data.get("expect_status", 200)]},
        "describe": "/name",
    }
    return {"steps": [step]}


class ConnectionTest(Frozen):
    steps: list[HttpStep] = Field(min_length=1, max_length=10)

    @model_validator(mode="before")
    @classmethod
    def _translate(cls, data: Any) -> Any:
        if isinstance(data, dict) and "steps" not in data and "path" in data:
            return _legacy(data)
        return data

    @model_validator(mode="after")
    def _placeholders(self) -> ConnectionTest:
        extracted: dict[str, set[str]] = {}
        for i, step in enumerate(self.steps):
            if step.name in extracted:
                raise ValueError(f"steps.{i}.name: {step.name!r} is used twice")
            for field, template in step.templates():
                where = f"steps.{i}.{field}"
                try:
                    refs = list(references(template))
                except TemplateError as e:
                    raise ValueError(f"{where}: {e}") from None
                for ref in refs:
                    if ref[0] == "value":
                        raise ValueError(f"{where}: {{{{value}}}} is for store_fields only")
                    if ref[0] == "steps" and ref[2] not in extracted.get(ref[1], set()):
                        raise ValueError(
                            f"{where}: {{{{steps.{ref[1]}.{ref[2]}}}}} names no value "
                            "an earlier step extracts"
                        )
            extracted[step.name] = set(step.extract)
        return self


class StepOutcome(Frozen):
    """One request's outcome: never a secret (status, which expectation failed, a described value)."""

    name: str
    status_code: int = 0
    passed: bool
    detail: str = ""
