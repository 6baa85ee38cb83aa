"""record text search: FTS5 indexes over titles and descriptions, kept in step by triggers

Revision ID: 0003
Revises: 0002

A search over a million incidents with ``LIKE '%vpn%'`` reads every row
(about a second); an FTS5 index answers from token lists in milliseconds
(issue 9). Each record table gets ``<table>_fts``, an *external content*
index: it stores the tokens only and reads texts from the record table
(``content_rowid`` = the record's id), so the texts are not stored twice.

Three triggers per table keep it exact: after INSERT add the row; after
DELETE (purge) remove it; after an UPDATE of title or description remove the
old texts and add the new ones. FTS5 needs the *old* texts to remove a row,
which is why the index must never drift from the table: writing the record
tables with the triggers missing would corrupt it (``INSERT INTO
<table>_fts(<table>_fts) VALUES('rebuild')`` repairs it).

Note for later revisions: an Alembic batch operation on a record table
re-creates the table and drops its triggers; re-create them after it (call
``create_search(op.execute)`` from this module's code or copy it) and rebuild
the index.

Queries go through ``sms_tui.storage.search`` (the MATCH expression is built
from quoted words there, so user text cannot break it).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RECORD_TABLES = ("incident", "service_request", "problem", "known_error", "change")
# unicode61: words of letters and digits, any case; remove_diacritics 2: "cafe" finds "café"
TOKENIZER = "unicode61 remove_diacritics 2"


def _statements(table: str) -> list[str]:
    fts = f"{table}_fts"
    quoted = f'"{table}"'  # "change" is a keyword in some SQL dialects; quote every name
    old = f"INSERT INTO {fts}({fts}, rowid, title, description) " \
          "VALUES ('delete', old.id, old.title, old.description);"
    new = f"INSERT INTO {fts}(rowid, title, description) VALUES (new.id, new.title, new.description);"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5(title, description, content={quoted}, "
        f"content_rowid='id', tokenize='{TOKENIZER}')",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {quoted} BEGIN {new} END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {quoted} BEGIN {old} END",
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF title, description ON {quoted} "
        f"BEGIN {old} {new} END",
        # index what is already there
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


def create_search(execute) -> None:
    """Create every index and its triggers, filled from the records (also for later revisions)."""
    for table in RECORD_TABLES:
        drop_search(execute, table)
        for sql in _statements(table):
            execute(sql)


def drop_search(execute, table: str) -> None:
    fts = f"{table}_fts"
    for suffix in ("insert", "delete", "update"):
        execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
    execute(f"DROP TABLE IF EXISTS {fts}")


# PostgreSQL (team mode): a GIN index on an expression of the same texts, through a
# text search configuration like unicode61 with remove_diacritics: words of letters
# and digits, lower-cased, accents removed (unaccent), no stemming, no stop words.
# Queries use the same expression (sms_tui.storage.search.PG_DOCUMENT) with prefix terms.
PG_CONFIG = "sms_search"
PG_DOCUMENT = (f"to_tsvector('{PG_CONFIG}'::regconfig, "
               "coalesce(title, '') || ' ' || coalesce(description, ''))")


def create_pg_search(execute) -> None:
    execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {PG_CONFIG}")
    execute(f"CREATE TEXT SEARCH CONFIGURATION {PG_CONFIG} (COPY = simple)")
    execute(f"ALTER TEXT SEARCH CONFIGURATION {PG_CONFIG} "
            "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple")
    for table in RECORD_TABLES:
        execute(f'CREATE INDEX IF NOT EXISTS ix_{table}_search ON "{table}" '
                f"USING gin ({PG_DOCUMENT})")


def drop_pg_search(execute) -> None:
    for table in RECORD_TABLES:
        execute(f"DROP INDEX IF EXISTS ix_{table}_search")
    execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {PG_CONFIG}")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        create_pg_search(op.execute)
        return
    create_search(op.execute)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        drop_pg_search(op.execute)
        return
    for table in RECORD_TABLES:
        drop_search(op.execute, table)
