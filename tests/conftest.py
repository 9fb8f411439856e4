"""Root conftest: registers the shared stack fixtures (tests/stack_fixtures.py) and the
``ast.parse`` lock (tests/ast_guard.py, a CPython 3.11 thread-safety workaround), nothing else.

Collecting the suite changes no environment variable and touches no directory: the workflow and
integration conftests ask for the ``stack_env`` session fixture, which does that work; unit and
replay tests need no stack.
"""

pytest_plugins = ("tests.ast_guard", "tests.stack_fixtures")
