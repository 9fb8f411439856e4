import os

from devstack.stack import Stack
from tests.stack_fixtures import TEST_CONFIG

s = Stack(TEST_CONFIG)
for k, v in {**s.env(), **s.owner_env()}.items():
    os.environ[k] = v
s.stop("worker-agent")
s.worker("worker-agent", "agent", timeout=900)
print("agent restarted", flush=True)
