"""Process supervision for the local stack: one pidfile per part under ``{data_dir}/run`` and one
log under ``{data_dir}/logs``; a part started by an earlier launcher is still found by its pidfile.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from devstack.config import ROOT, StackConfig


class Processes:
    """Start, find and stop the stack's named processes (each in its own session/process group)."""

    def __init__(self, config: StackConfig) -> None:
        self.c = config

    def pidfile(self, name: str) -> Path:
        return self.c.run_dir / f"{name}.pid"

    def running(self, name: str) -> int | None:
        """The pid of part ``name`` if it is alive, else None (a stale pidfile is removed)."""
        pf = self.pidfile(name)
        if not pf.exists():
            return None
        pid = int(pf.read_text())
        try:
            if os.waitpid(pid, os.WNOHANG)[0] == pid:  # our own child exited: reap it
                pf.unlink(missing_ok=True)
                return None
        except ChildProcessError:
            pass  # not our child (started by an earlier launcher)
        try:
            os.kill(pid, 0)
        except OSError:
            pf.unlink(missing_ok=True)
            return None
        return pid

    def spawn(
        self, name: str, argv: list[str], env: dict[str, str], user: str | None = None
    ) -> subprocess.Popen[bytes]:
        """Start ``argv`` (as ``user`` through runuser if given) in the repo root with exactly
        ``env``, output appended to ``{log_dir}/{name}.log``; writes its pidfile."""
        log = (self.c.log_dir / f"{name}.log").open("ab")
        if user:
            argv = ["runuser", "-u", user, "--", *argv]
        proc = subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT, start_new_session=True
        )
        self.pidfile(name).write_text(str(proc.pid))
        return proc

    def stop(self, name: str, sig: int = signal.SIGTERM, timeout: float = 15.0) -> None:
        """Send ``sig`` to the part's process group; SIGKILL after ``timeout`` seconds."""
        pid = self.running(name)
        if pid is None:
            return
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.running(name):
            time.sleep(0.1)
        if self.running(name):
            os.killpg(pid, signal.SIGKILL)
        self.pidfile(name).unlink(missing_ok=True)
