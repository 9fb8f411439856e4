"""Database engine (sync SQLAlchemy over psycopg 3). Callers in async code use to_thread."""

from __future__ import annotations

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
