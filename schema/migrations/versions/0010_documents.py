"""documents library: documents and their chunks, full-text vector with a GIN index

Revision ID: 0010
Revises: 0009

Issue 14 (seed 004 P1.1): ``documents`` (one row per file; the file encrypted in the object
store) and ``document_chunks`` (a passage with page and section, a generated English
``tsvector`` with a GIN index for websearch queries, and its embedding), both with row-level
security (:mod:`schema.rls`).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from schema.rls import enable_tenant_rls

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(63), sa.ForeignKey("tenants.id"), nullable=False, index=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("filename", sa.String(300), nullable=True),
        sa.Column("source_type", sa.String(20), nullable=False),
        sa.Column("source_ref", sa.String(300), nullable=True),
        sa.Column("category", sa.String(30), nullable=False),
        sa.Column("mime_type", sa.String(100), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("blob_key", sa.String(300), nullable=True),
        sa.Column("extraction_status", sa.String(20), nullable=False, index=True),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("page_count", sa.Integer(), nullable=True),
        sa.Column("chunk_count", sa.Integer(), nullable=False),
        sa.Column("workflow_id", sa.String(200), nullable=True),
        sa.Column("created_by", sa.String(200), nullable=True),
        sa.Column("created_at", TS, server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", TS, nullable=True),
        sa.Column("extracted_at", TS, nullable=True),
        sa.UniqueConstraint("tenant_id", "id", name="uq_documents_tenant_id"),
    )
    op.create_index(
        "uq_documents_source",
        "documents",
        ["tenant_id", "source_type", "source_ref"],
        unique=True,
        postgresql_where=sa.text("source_ref IS NOT NULL"),
    )
    op.create_table(
        "document_chunks",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(63), sa.ForeignKey("tenants.id"), nullable=False, index=True),
        sa.Column("document_id", sa.String(64), nullable=False, index=True),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.Column("section", sa.String(300), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("embedding", sa.LargeBinary(), nullable=True),
        sa.Column("embedding_model", sa.String(100), nullable=True),
        sa.Column(
            "tsv",
            postgresql.TSVECTOR(),
            sa.Computed("to_tsvector('english', text)", persisted=True),
        ),
        sa.UniqueConstraint("document_id", "ordinal", name="uq_document_chunk_ordinal"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "document_id"],
            ["documents.tenant_id", "documents.id"],
            name="document_chunks_tenant_document_id_fkey",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_document_chunks_tsv", "document_chunks", ["tsv"], postgresql_using="gin")
    enable_tenant_rls(op, "documents")
    enable_tenant_rls(op, "document_chunks")


def downgrade() -> None:
    op.drop_table("document_chunks")
    op.drop_table("documents")
