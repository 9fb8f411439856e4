"""The definition registry: operations as versioned data files, ``{root}/{service}/{op}.yaml``.

A file-backed repository, importable by the API (listing, validation at initiate, reload) and
the workers (the ``load_definition`` and ``test_connection`` activities) without either crossing
a layer. ``root`` is ``OMNIOPS_DEFINITIONS_DIR``.

Issue 15 Build 2 (versioned data, loaded without a restart):
- Every version loaded is kept in memory; ``load(service, op, version)`` returns exactly that
  version, so a running operation keeps the version it started with after the file changes.
- Files are read again when they change (their mtime and size), on any ``load``/``list``, and
  all at once by :meth:`DefinitionRegistry.reload` (the audited ``POST .../services/reload``).
- An invalid file is rejected with a message naming the field (``steps.1.path: ...``) and never
  raises out of ``reload``/``list``: the versions already loaded stay in use.
- A changed file that keeps a loaded version number with different content is rejected (a
  version, once loaded, never changes).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import ValidationError

from workflows.operation.definition import OperationDefinition

Key = tuple[str, str]
PLANS = "plans"
"""``{root}/plans/``: multi-step plan definitions, not operations (schema/repositories/plans.py)."""
FIELD_FIRST = re.compile(r"^([A-Za-z_][\w.\-]*): (.*)$", re.S)


class DefinitionError(ValueError):
    pass


def describe(e: ValidationError) -> str:
    """Pydantic's errors as ``field.path: message`` lines (the field named first)."""
    lines = []
    for err in e.errors():
        loc = ".".join(str(p) for p in err["loc"])
        msg = str(err["msg"]).removeprefix("Value error, ")
        if loc and (inner := FIELD_FIRST.match(msg)):  # a model validator naming a field inside
            loc, msg = f"{loc}.{inner[1]}", inner[2]
        lines.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(lines)


@dataclass
class ReloadReport:
    loaded: list[str] = field(default_factory=list)
    """``service/operation@vN`` of every file that loaded (new or unchanged)."""
    rejected: dict[str, str] = field(default_factory=dict)
    """File (``service/op.yaml``) -> why it was rejected (names the field)."""


class DefinitionRegistry:
    def __init__(self, root: Path) -> None:
        self._root = root
        self._lock = threading.Lock()
        self._versions: dict[Key, dict[int, OperationDefinition]] = {}
        self._current: dict[Key, int] = {}
        self._stamp: dict[Key, tuple[float, int]] = {}
        self._rejected: dict[Key, str] = {}

    def _refresh(self, key: Key) -> None:
        """Read ``key``'s file again if it changed; raises DefinitionError when it is invalid."""
        path = self._root / key[0] / f"{key[1]}.yaml"
        try:
            st = path.stat()
        except FileNotFoundError:
            return
        stamp = (st.st_mtime, st.st_size)
        if self._stamp.get(key) == stamp:
            if key in self._rejected:
                raise DefinitionError(self._rejected[key])
            return
        self._stamp[key] = stamp
        try:
            d = OperationDefinition.model_validate(yaml.safe_load(path.read_text()))
            if (d.service, d.operation) != key:
                raise DefinitionError(f"{path.name}: declares {d.service}/{d.operation}")
            known = self._versions.get(key, {}).get(d.version)
            if known is not None and known != d:
                raise DefinitionError(
                    f"{path.name}: version: {d.version} is already loaded with other content (raise version)"
                )
        except ValidationError as e:
            self._rejected[key] = f"{key[0]}/{path.name}: {describe(e)}"
        except yaml.YAMLError as e:
            self._rejected[key] = f"{key[0]}/{path.name}: not YAML ({type(e).__name__})"
        except DefinitionError as e:
            self._rejected[key] = f"{key[0]}/{e}"
        else:
            self._rejected.pop(key, None)
            self._versions.setdefault(key, {})[d.version] = d
            self._current[key] = d.version
            return
        raise DefinitionError(self._rejected[key])

    def load(self, service: str, operation: str, version: int | None = None) -> OperationDefinition:
        """``version`` of the definition (None: the current one). An invalid file on disk still
        yields the versions loaded before it. Raises DefinitionError for an unknown name or
        version, or an invalid file with nothing loaded before it."""
        if not (service.replace("_", "").isalnum() and operation.replace("_", "").isalnum()):
            raise DefinitionError(f"invalid service/operation name {service!r}/{operation!r}")
        key = (service, operation)
        with self._lock:
            try:
                self._refresh(key)
            except DefinitionError:
                if key not in self._current:
                    raise
            versions = self._versions.get(key)
            if not versions:
                raise DefinitionError(f"no definition for service={service} operation={operation}")
            chosen = self._current[key] if version is None else version
            if chosen not in versions:
                raise DefinitionError(f"{service}/{operation} has no loaded version {version}")
            return versions[chosen]

    def reload(self) -> ReloadReport:
        """Read every changed file now; never raises for a bad file (see ``rejected``)."""
        report = ReloadReport()
        for path in sorted(self._root.glob("*/*.yaml")):
            if path.parent.name == PLANS:  # multi-step plans (schema/repositories/plans.py)
                continue
            key = (path.parent.name, path.stem)
            try:
                d = self.load(*key)
            except DefinitionError as e:
                report.rejected[f"{key[0]}/{path.name}"] = str(e)
                continue
            with self._lock:
                if key in self._rejected:
                    report.rejected[f"{key[0]}/{path.name}"] = self._rejected[key]
            report.loaded.append(f"{d.service}/{d.operation}@v{d.version}")
        return report

    def list(self) -> list[OperationDefinition]:
        """The current version of every definition that loads (rejected files are skipped)."""
        self.reload()
        with self._lock:
            return [self._versions[k][v] for k, v in sorted(self._current.items())]

    def versions(self, service: str, operation: str) -> list[int]:
        """Every version loaded of ``service/operation``, ascending."""
        with self._lock:
            return sorted(self._versions.get((service, operation), {}))
