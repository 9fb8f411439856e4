"""Alembic environment: runs as the owner role (``database.migration_url``, the one settings class)."""

from alembic import context
from sqlalchemy import create_engine
from sqlmodel import SQLModel

import schema.agent  # noqa: F401  (registers the tables)
import schema.audit_chain  # noqa: F401
import schema.audit_lifecycle  # noqa: F401
import schema.business  # noqa: F401
import schema.documents  # noqa: F401
import schema.followups  # noqa: F401
import schema.intake  # noqa: F401
import schema.order_review  # noqa: F401
import schema.platform  # noqa: F401
import schema.signals  # noqa: F401
import schema.tables  # noqa: F401
import schema.unsubscribe  # noqa: F401
import schema.work  # noqa: F401
from core.settings import get_settings

target_metadata = SQLModel.metadata


def run() -> None:
    engine = create_engine(get_settings().database.migration_url)
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()


run()
