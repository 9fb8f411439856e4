"""document search: the full-text candidates of a tenant's chunks through the GIN index under RLS

Revision ID: 0014
Revises: 0013

Issue 14 item 4. Row-level security keeps the GIN index ``ix_document_chunks_tsv`` out of the
application role's plans: ``@@`` (``ts_match_vq``) is not LEAKPROOF, so Postgres evaluates it only
after the policy's ``tenant_id`` check, row by row (measured: a parallel scan of every chunk of the
tenant, ~0.2-1 s at 100,000 chunks, against ~5-40 ms through the index as the owner).

``document_chunks_text_ranked(q, n, cats)`` runs the same query as the table owner (SECURITY
DEFINER, fixed ``search_path``), so the index is used, and applies the isolation itself with the
very expression of the ``tenant_isolation`` policy: only chunks whose ``tenant_id`` equals the
transaction's ``omniops.tenant_id`` (no scope, an empty one or a platform scope: no rows). It
returns chunk ids only, best ``ts_rank_cd`` first (ties by id), of ``completed`` documents, in
``cats`` when given, at most ``n`` (1..1000). The query text is bound as a parameter (``EXECUTE
... USING``: a plan for the actual query each time, never SQL built from it). Only the application
role may execute it.
"""

from alembic import op

from schema.db import app_role

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

FUNCTION = """
CREATE FUNCTION public.document_chunks_text_ranked(q text, n integer, cats text[] DEFAULT NULL)
RETURNS TABLE (chunk_id varchar)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    t text := current_setting('omniops.tenant_id', true);
BEGIN
    IF t IS NULL OR t = '' OR n IS NULL OR n < 1 OR n > 1000 THEN
        RETURN;
    END IF;
    RETURN QUERY EXECUTE
        'SELECT c.id FROM public.document_chunks c
           JOIN public.documents d ON d.tenant_id = c.tenant_id AND d.id = c.document_id
          WHERE c.tenant_id = $1 AND d.tenant_id = $1 AND d.extraction_status = ''completed''
            AND ($4::text[] IS NULL OR d.category = ANY($4))
            AND c.tsv @@ websearch_to_tsquery(''english'', $2)
          ORDER BY ts_rank_cd(c.tsv, websearch_to_tsquery(''english'', $2)) DESC, c.id
          LIMIT $3'
        USING t, q, n, cats;
END
$fn$
"""
SIGNATURE = "public.document_chunks_text_ranked(text, integer, text[])"


def upgrade() -> None:
    op.execute(FUNCTION)
    op.execute(f"REVOKE ALL ON FUNCTION {SIGNATURE} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION {SIGNATURE} TO {app_role()}")


def downgrade() -> None:
    op.execute(f"DROP FUNCTION IF EXISTS {SIGNATURE}")
