"""Workflow tests run on the test stack's Temporal dev server (``temporal_client``) or the
time-skipping test server (``time_env``), both from tests/stack_fixtures.py, with the test
stack's environment set for the session."""

import pytest

from devstack.stack import Stack


@pytest.fixture(autouse=True)
def _stack_env(stack_env: Stack) -> Stack:
    return stack_env
