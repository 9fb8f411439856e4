"""The browser holds nothing worth stealing (issue 10, part 4).

- Chromium, started the way the browser worker starts it (in process here, as root as CI runs,
  with this process's environment holding the test stack's OMNIOPS_* values, root Vault token
  and JWT key included): every Chromium process runs as the unprivileged user, its environment
  has no OMNIOPS_* name and no secret value, no process has ``--no-sandbox``, and the sandbox is
  on: each renderer is under seccomp-BPF (``Seccomp: 2``), with no_new_privs, in a user
  namespace of its own; Chromium's own chrome://sandbox page says so.
- The stack's operations worker runs without the JWT key and the database URL, and its Vault
  token reads the keyring but no tenant credential.
"""

from __future__ import annotations

import os
import pwd
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import hvac
import pytest
from hvac.exceptions import Forbidden
from pydantic import SecretStr
from temporalio.exceptions import ApplicationError

from activities.browser import BrowserSessions
from activities.browser.pool import Session
from core.failures import Failure
from core.keys import KEYRING_PATH
from core.settings import get_settings
from core.targets import vet
from core.vault import VaultStore, credential_path, unwrap
from devstack.stack import Stack
from tests.integration.browser_helpers import Site, browser_sessions, open_input
from workflows.operation.browser_messages import CloseSessionInput

CHROMIUM_DIR = "/usr/lib/chromium/"


def descendants(root: int) -> list[int]:
    """Every live process below ``root`` (by parent pid)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [root]
    while frontier:
        kids = [p for p, pp in parents.items() if pp in frontier]
        found += kids
        frontier = kids
    return found


def chromium_processes() -> dict[int, dict[str, str]]:
    """This test process's Chromium processes: pid -> their /proc status fields, plus
    ``cmdline``, ``environ`` (raw text), ``userns``."""
    out = {}
    for pid in descendants(os.getpid()):
        try:
            if not os.readlink(f"/proc/{pid}/exe").startswith(CHROMIUM_DIR):
                continue
            lines = Path(f"/proc/{pid}/status").read_text().splitlines()
            info = {k: v.strip() for k, _, v in (line.partition(":") for line in lines)}
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
            info["cmdline"] = cmdline.decode(errors="replace")
            info["environ"] = Path(f"/proc/{pid}/environ").read_bytes().decode(errors="replace")
            info["userns"] = os.readlink(f"/proc/{pid}/ns/user")
        except OSError:
            continue  # exited meanwhile
        out[pid] = info
    return out


@pytest.fixture(scope="module")
async def opened(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[BrowserSessions, Session]]:
    site = Site({"/": "<h1 id=ok>hello</h1><iframe srcdoc='<p>frame</p>'></iframe>"})
    bs = browser_sessions(tmp_path_factory.mktemp("objects"))
    await bs.start()
    inp = open_input([vet(f"http://localhost:{site.port}", allowlisted=True)])
    await bs.open_session(inp)
    session = bs._pool.get(inp.operation_id)
    await session.page.goto(f"{session.origin}/", wait_until="load")
    yield bs, session
    await bs.close_session(CloseSessionInput(operation_id=inp.operation_id, tenant_id="t-egress"))
    await bs.shutdown()
    site.shutdown()


async def test_chromium_runs_unprivileged_with_no_secret_in_its_environment(
    opened: tuple[BrowserSessions, Session],
) -> None:
    secrets = [v for k, v in os.environ.items() if k.startswith("OMNIOPS_") and len(v) >= 16]
    assert os.environ.get("OMNIOPS_VAULT__TOKEN") in secrets  # the parent does hold the token
    procs = chromium_processes()
    assert len(procs) >= 3, procs.keys()  # browser, zygotes, renderer(s)
    want_uid = pwd.getpwnam(get_settings().browser.run_as_user).pw_uid if os.geteuid() == 0 else os.getuid()
    assert want_uid != 0
    for info in procs.values():
        assert {int(u) for u in info["Uid"].split()} == {want_uid}
        assert "OMNIOPS_" not in info["environ"]
        assert not any(s in info["environ"] for s in secrets)
        assert "--no-sandbox" not in info["cmdline"]


async def test_the_sandbox_is_on(opened: tuple[BrowserSessions, Session]) -> None:
    procs = chromium_processes()
    browser_ns = {i["userns"] for i in procs.values() if "--type=" not in i["cmdline"]}
    renderers = [i for i in procs.values() if "--type=renderer" in i["cmdline"]]
    assert renderers
    for r in renderers:
        assert r["Seccomp"] == "2"  # seccomp-BPF filter mode
        assert r["NoNewPrivs"] == "1"
        assert r["userns"] not in browser_ns  # the namespace sandbox's own user namespace
        assert len(r["NSpid"].split()) >= 2  # and its own pid namespace
    _, session = opened
    page = await session.page.context.new_page()
    await page.goto("chrome://sandbox")
    report = await page.inner_text("body")
    await page.close()
    assert "You are adequately sandboxed." in report
    assert "Seccomp-BPF sandbox\tYes" in report


@pytest.fixture(scope="module")
def operations_worker(infra: Stack) -> Iterator[int]:
    infra.worker("worker-operations", "operations")
    pid = infra.running("worker-operations")
    assert pid is not None
    yield pid


def test_the_operations_worker_holds_no_jwt_key_database_url_or_wide_token(
    operations_worker: int, tenant: str
) -> None:
    raw = Path(f"/proc/{operations_worker}/environ").read_bytes().split(b"\0")
    env = dict(item.decode().split("=", 1) for item in raw if b"=" in item)
    assert "OMNIOPS_AUTH__LOCAL_KEYS_DIR" not in env
    assert "OMNIOPS_DATABASE__URL" not in env
    settings = get_settings()
    root = settings.vault.token.get_secret_value() if settings.vault.token else ""
    token = env["OMNIOPS_VAULT__TOKEN"]
    assert token and token != root
    assert settings.auth.local_keys_dir is not None
    assert str(settings.auth.local_keys_dir) not in b"\0".join(raw).decode()

    path = credential_path(tenant, "wordpress", "admin")
    VaultStore(settings).write(path, {"username": "u", "password": "p"})
    vault = settings.vault.model_copy(update={"token": SecretStr(token)})
    narrow = VaultStore(settings.model_copy(update={"vault": vault}))
    with pytest.raises(Forbidden):
        narrow.read(path)
    with pytest.raises(Forbidden):
        narrow.write(path, {"username": "u", "password": "evil"})
    with pytest.raises(Forbidden):
        narrow.write(KEYRING_PATH, {"active": "evil", "keys": {}})
    with pytest.raises(Forbidden):
        hvac.Client(url=settings.vault.addr, token=token).secrets.kv.v2.list_secrets(
            path="omniops/tenants", mount_point=settings.vault.mount
        )
    assert narrow.read(KEYRING_PATH) is not None  # what the payload codec and object store need
    wrapped = narrow.wrap({"value": "extracted"}, 60)  # what extract needs
    assert unwrap(settings.vault.addr, wrapped) == {"value": "extracted"}
    VaultStore(settings).delete(path)


async def test_the_credential_arrives_only_as_a_single_use_wrap(
    infra: Stack, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """open_session unwraps the session's credential (no Vault token of the worker involved); a
    retry on the same worker reuses it; the spent wrap opens nothing else."""
    settings = get_settings()
    secret = {"username": "admin", "password": f"pw-{os.urandom(6).hex()}"}
    wrap = VaultStore(settings).wrap(secret, 60)
    bs = browser_sessions(tmp_path_factory.mktemp("objects"))
    await bs.start()
    try:
        first = open_input([]).model_copy(update={"credential_wrap": wrap})
        await bs.open_session(first)
        assert bs._pool.get(first.operation_id).credential == secret
        await bs.open_session(first)  # an activity retry on this worker
        assert bs._pool.get(first.operation_id).credential == secret
        other = open_input([]).model_copy(update={"credential_wrap": wrap})
        with pytest.raises(ApplicationError) as spent:
            await bs.open_session(other)
        assert spent.value.type == Failure.CREDENTIAL_WRAP_SPENT and spent.value.non_retryable
        assert secret["password"] not in str(spent.value)
    finally:
        await bs.shutdown()
