"""Database engine (sync SQLAlchemy over psycopg 3) and the unit of work callers open.

Repositories (``schema/repositories``) take a ``Session``; the caller (an activity or an API
service) opens it here and owns the transaction. Callers in async code use ``asyncio.to_thread``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import Engine
from sqlmodel import Session, create_engine

from core.settings import get_settings


@lru_cache(maxsize=4)
def engine_for(url: str) -> Engine:
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def get_engine() -> Engine:
    return engine_for(get_settings().database.url)


def session() -> Session:
    return Session(get_engine(), expire_on_commit=False)


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One unit of work: a session that commits when the block ends; when the block raises,
    closing the session rolls back. Rows stay readable after the block (``expire_on_commit=False``)."""
    with Session(engine, expire_on_commit=False) as s:
        yield s
        s.commit()
