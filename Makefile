# The two commands a new user needs: `make run` (the demo, end to end) and `make test`.
.PHONY: setup run up down demo test test-unit lint bench token

setup:            ## install what is missing (Debian packages, uv env, Temporal CLI, Vault)
	deploy/local/provision.sh all

run: setup        ## start the stack, run the demo operation, stop (KEEP=1 leaves it running)
	uv run python -m workers.dev run $(if $(KEEP),--keep)

up: setup         ## start the stack and leave it running
	uv run python -m workers.dev up

down:
	uv run python -m workers.dev down

test: setup       ## the whole suite against real Temporal, Vault, Postgres, Chromium, WordPress
	uv run pytest

test-unit:
	uv run pytest tests/unit

lint:
	uv run ruff check . && uv run ruff format --check .

bench: setup
	uv run python -m bench.operation
