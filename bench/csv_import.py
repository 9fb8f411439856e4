"""CSV import throughput (issue 12, Measure): rows per second of a whole import, from ``POST
/api/imports`` to ``completed`` (parse, stage, the workflow's batches of validation, dedupe and
upserts with per-row outcomes), against a bare ``COPY`` of the same rows into a scratch table, in
one run.

    uv run python -m bench.csv_import [--rows 20000] [--rounds 3]

Starts (or reuses) the local dev stack. Each round imports ``--rows`` new contacts into a fresh
tenant (every row a create) and COPYs the same CSV into a temporary table; prints the best of
``--rounds`` for each and the ratio (ours / COPY).
"""

from __future__ import annotations

import argparse
import os
import time
import uuid

import httpx
import psycopg

from api.auth import mint_token
from core.settings import Settings
from devstack.config import StackConfig
from devstack.stack import Stack


def contacts_csv(n: int, tag: str) -> bytes:
    lines = ["email,name,title,phone"]
    lines += [f"c{i}-{tag}@example.test,Contact {i},Buyer,555-{i % 10000:04d}" for i in range(n)]
    return ("\n".join(lines) + "\n").encode()


def run_import(http: httpx.Client, headers: dict[str, str], raw: bytes) -> float:
    started = time.perf_counter()
    r = http.post(
        "/api/imports",
        headers=headers,
        files={"file": ("c.csv", raw, "text/csv")},
        data={"entity": "contacts"},
    )
    r.raise_for_status()
    job = r.json()
    while job["status"] not in ("completed", "failed"):
        time.sleep(0.25)  # under the API's per-IP rate limit (300/minute by default)
        r = http.get(f"/api/imports/{job['id']}", headers=headers)
        r.raise_for_status()
        job = r.json()
    took = time.perf_counter() - started
    if job["status"] != "completed" or job["created"] != job["total_rows"]:
        raise SystemExit(f"import did not create every row: {job}")
    return took


def run_copy(dsn: str, raw: bytes) -> float:
    started = time.perf_counter()
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("CREATE TEMP TABLE scratch (email text, name text, title text, phone text)")
        with cur.copy("COPY scratch FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
            copy.write(raw)
        conn.commit()
    return time.perf_counter() - started


def main(rows: int, rounds: int) -> None:
    stack = Stack(StackConfig())
    stack.up()
    os.environ.update(stack.env())
    settings = Settings.model_validate(
        {"auth": {"local_keys_dir": stack.env()["OMNIOPS_AUTH__LOCAL_KEYS_DIR"]}}
    )
    dsn = stack.owner_env()["OMNIOPS_DATABASE__MIGRATION_URL"].replace(
        "postgresql+psycopg://", "postgresql://"
    )
    ours, bare = [], []
    with httpx.Client(base_url=f"http://127.0.0.1:{stack.c.api_port}", timeout=300) as http:
        for n in range(rounds):
            tenant = f"bench-import-{uuid.uuid4().hex[:8]}"
            headers = {"Authorization": f"Bearer {mint_token(settings, tenant, 'bench', ['admin'])}"}
            raw = contacts_csv(rows, tenant)
            http.post("/api/accounts", headers=headers, json={"name": "warm-up"}).raise_for_status()
            ours.append(run_import(http, headers, raw))
            bare.append(run_copy(dsn, raw))
            print(f"round {n + 1}: import {ours[-1]:.2f} s, COPY {bare[-1]:.3f} s", flush=True)
    o, b = rows / min(ours), rows / min(bare)
    print(f"rows: {rows}; best of {rounds}")
    print(f"import (POST to completed): {o:,.0f} rows/s")
    print(f"bare COPY:                  {b:,.0f} rows/s")
    print(f"ratio import / COPY:        {o / b:.3f}x")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    main(a.rows, a.rounds)
