"""Benchmark: self-healing vs. deterministic runs of the same operation.

    uv run python -m bench.agent [--runs 3]

Runs its own stack (ports 27xxx, data in /var/tmp/omniops-bench) whose workers call the local
Messages-API peer. Each round runs the WordPress application-password operation twice:
- **deterministic**: the page as the definition expects it;
- **self-healing**: a must-use plugin renames the Add button (selector drift), the step fails
  after its selector wait, and the AI (the peer, choosing by the button's label) completes it.
Prints the LLM calls and tokens per operation in each mode and the median wall-time ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
from pathlib import Path
from typing import Any

from bench.operation import orchestrated_run
from devstack.config import StackConfig
from devstack.demo import DemoClient
from devstack.stack import Stack
from tests.integration.test_agent_brain import DRIFT_LABEL, DRIFT_PHP, MU_PLUGINS, click_labelled
from tests.peers.messages_api import MessagesPeer

PEER_PORT = 27900
CONFIG = StackConfig(
    data_dir=Path("/var/tmp/omniops-bench"),
    temporal_port=27233,
    ui_port=28233,
    vault_port=28200,
    pg_port=55434,
    api_port=28000,
    wp_port=8089,
    extra_env={"ANTHROPIC_API_KEY": "bench-key", "ANTHROPIC_BASE_URL": f"http://127.0.0.1:{PEER_PORT}"},
)


async def one(api: DemoClient, client: Any, url: str) -> tuple[float, Any]:
    elapsed, result = await orchestrated_run(api, client, url)
    return elapsed, result.llm


async def main(runs: int) -> None:
    peer = MessagesPeer(PEER_PORT).start()
    peer.reset(click_labelled(DRIFT_LABEL))
    stack = Stack(CONFIG)
    wp = stack.up()
    os.environ.update(stack.env())
    from core.temporal import connect
    from workflows import ids

    client = await connect(scoping=ids)
    api = DemoClient(stack)
    api.store_wordpress_admin(wp)
    plugin = MU_PLUGINS / "omniops-bench-drift.php"
    det, heal = [], []
    try:
        for i in range(runs + 1):
            plugin.unlink(missing_ok=True)
            td, ud = await one(api, client, wp["url"])
            MU_PLUGINS.mkdir(parents=True, exist_ok=True)
            plugin.write_text(DRIFT_PHP % {"inject": "false", "label": DRIFT_LABEL})
            th, uh = await one(api, client, wp["url"])
            if i:
                det.append((td, ud))
                heal.append((th, uh))
            print(
                f"round {i}{' (warm-up)' if not i else ''}: deterministic {td:.2f}s ({ud.calls} LLM calls)  "
                f"self-healing {th:.2f}s ({uh.calls} calls, {uh.input_tokens}+{uh.output_tokens} tokens)",
                flush=True,
            )
    finally:
        plugin.unlink(missing_ok=True)
        stack.down()
        peer.stop()
    md, mh = statistics.median(t for t, _ in det), statistics.median(t for t, _ in heal)
    u = heal[0][1]
    print(f"\ndeterministic: median {md:.2f}s, LLM calls per operation {det[0][1].calls}, tokens 0")
    print(
        f"self-healing:  median {mh:.2f}s, LLM calls per operation {u.calls}, "
        f"tokens {u.input_tokens} in + {u.output_tokens} out (peer-reported), cost ${u.cost_usd:.4f}"
    )
    print(
        f"wall-time ratio self-healing/deterministic: {mh / md:.2f}x "
        "(includes the step's 5 s selector wait that detects the drift)"
    )


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=3)
    asyncio.run(main(p.parse_args().runs))
