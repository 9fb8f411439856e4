"""The deploy checkers (issue 17 Build 2): find the Go-built tools provisioning puts in the cache
(deploy/local/provision.sh ``deploy``: docker-compose, helm, kubeconform, promtool) and turn the
Kubernetes JSON schemas shipped in the ``kubernetes-validate`` wheel (a dev dependency; their
``$ref``s point at ``/api/_definitions.json``) into the standalone files kubeconform reads.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import kubernetes_validate

CACHE = Path(os.environ.get("OMNIOPS_CACHE", Path.home() / ".cache" / "omniops"))
K8S_VERSION = "1.30.0"
_REF = "/api/_definitions.json#/$defs/"


def tool(name: str) -> str | None:
    """The tool on PATH, else in the provisioning cache, else None."""
    found = shutil.which(name)
    if found:
        return found
    cached = CACHE / "bin" / name
    return str(cached) if cached.is_file() and os.access(cached, os.X_OK) else None


def compose_argv() -> list[str] | None:
    """``docker compose`` (the plugin) or the standalone ``docker-compose`` v2 binary."""
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    standalone = tool("docker-compose")
    return [standalone] if standalone else None


def k8s_schema_dir(version: str = K8S_VERSION) -> Path:
    """A kubeconform ``-schema-location`` root with ``v{version}-standalone-strict/*.json``,
    built once from the wheel's local schemas (their ``/api/_definitions.json`` refs made relative
    to the copied ``_definitions.json``, which kubeconform resolves beside each file)."""
    root = CACHE / "k8s-schemas"
    out = root / f"v{version}-standalone-strict"
    if (out / "deployment-apps-v1.json").exists():
        return root
    src = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema" / f"v{version}-local-strict"
    tmp = root / f".{out.name}.{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for f in src.glob("*.json"):
        schema = json.loads(f.read_text().replace(_REF, "_definitions.json#/$defs/"))
        schema.pop("$id", None)
        (tmp / f.name).write_text(json.dumps(schema))
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return root


def kubeconform_argv(kubeconform: str) -> list[str]:
    loc = str(k8s_schema_dir()) + "/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}"
    return [
        kubeconform,
        "-strict",
        "-summary",
        "-kubernetes-version",
        K8S_VERSION,
        "-schema-location",
        loc + "/{{ .ResourceKind }}{{ .KindSuffix }}.json",
        "-",
    ]
