"""An in-memory stand-in for the Vault KV v2 store the key functions use (core/keys.KeyStore)."""

from __future__ import annotations

import copy
from typing import Any


class MemoryKeyStore:
    """``read``/``create`` (check-and-set 0)/``write`` over a dict; counts reads per path."""

    def __init__(self) -> None:
        self.data: dict[str, dict[str, Any]] = {}
        self.reads: dict[str, int] = {}

    def read(self, path: str) -> dict[str, Any] | None:
        self.reads[path] = self.reads.get(path, 0) + 1
        found = self.data.get(path)
        return copy.deepcopy(found) if found is not None else None

    def create(self, path: str, data: dict[str, Any]) -> bool:
        if path in self.data:
            return False
        self.data[path] = copy.deepcopy(data)
        return True

    def write(self, path: str, data: dict[str, Any]) -> int:
        self.data[path] = copy.deepcopy(data)
        return 1
