"""SMTP reachability for health checks (shared by the API and the workers)."""

from __future__ import annotations

import socket


def smtp_reachable(host: str, port: int) -> bool:
    """For health checks: does the SMTP server accept a TCP connection?"""
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False
