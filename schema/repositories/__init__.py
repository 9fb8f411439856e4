"""Repositories: the one data-access style. Functions take a SQLAlchemy ``Session`` (or an
``Engine`` where they own the transaction) and return typed rows or models; no SQL lives in
activities or API handlers."""
