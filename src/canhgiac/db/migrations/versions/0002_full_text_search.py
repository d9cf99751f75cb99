"""full-text search index over folded (diacritic-free) text of cases and items

Revision ID: 0002_full_text_search
Revises: 0001_initial

SQLite: an FTS5 virtual table; rowid = doc_id * 4 + type (0 case, 1 item) so updates are cheap.
PostgreSQL: a plain table with a GIN index on to_tsvector('simple', body). The body is stored
already folded by `canhgiac.text.normalize.fold`, so no unaccent extension is needed.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002_full_text_search"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE search_index USING fts5("
            "doc_type UNINDEXED, doc_id UNINDEXED, body, tokenize = 'unicode61')"
        )
        return
    op.execute(
        "CREATE TABLE search_index ("
        "doc_type VARCHAR(8) NOT NULL, doc_id BIGINT NOT NULL, body TEXT NOT NULL, "
        "PRIMARY KEY (doc_type, doc_id))"
    )
    op.execute(
        "CREATE INDEX ix_search_index_body ON search_index USING gin (to_tsvector('simple', body))"
    )


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS search_index")
