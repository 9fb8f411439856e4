# The two commands a new user needs: `make run` (the demo, end to end) and `make test`.
.PHONY: setup pyenv run up down demo test test-cluster test-unit lint bench token
UV = $(shell command -v uv 2>/dev/null || echo $(HOME)/.cache/omniops/bin/uv)
CLUSTER_TESTS = tests/integration/test_operation_e2e.py tests/integration/test_cycle.py tests/integration/test_outbox.py
# CLUSTER=1: the stack runs the Temporal server itself on its Postgres instead of the dev server
ifeq ($(CLUSTER),1)
export OMNIOPS_TEMPORAL_CLUSTER = 1
endif

setup:            ## install what is missing (Debian packages, uv env, Temporal CLI, Vault)
	deploy/local/provision.sh all

pyenv:            ## only uv and the locked Python env (what lint needs)
	deploy/local/provision.sh python

run: setup        ## start the stack, run the demo operation, stop (KEEP=1 leaves it running)
	$(UV) run python -m devstack run $(if $(KEEP),--keep)

up: setup         ## start the stack and leave it running
	$(UV) run python -m devstack up

down:
	$(UV) run python -m devstack down

test: setup       ## the whole suite against real Temporal, Vault, Postgres, Chromium, WordPress
	$(UV) run pytest
	$(MAKE) test-cluster

test-cluster: setup  ## the operation end to end, the cycle and the outbox again, on the Temporal server on Postgres
	OMNIOPS_TEST_CLUSTER=1 $(UV) run pytest $(CLUSTER_TESTS)

test-unit:
	$(UV) run pytest tests/unit

lint: pyenv       ## ruff (lint + format) and mypy (strict on core/ and workflows/, pyproject)
	$(UV) run ruff check . && $(UV) run ruff format --check . && $(UV) run mypy

bench: setup
	$(UV) run python -m bench.operation
