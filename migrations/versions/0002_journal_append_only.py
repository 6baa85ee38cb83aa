"""journal append-only: triggers refuse UPDATE and DELETE on journal_entry

Revision ID: 0002
Revises: 0001

The journal is the record of what was done; the application only ever
INSERTs into it. These triggers make that a property of the database, so a
bug, a script or a hand-typed ``sqlite3`` session cannot rewrite history:

* any UPDATE of a journal entry is aborted;
* a DELETE is aborted unless the same transaction has written a purge
  authorisation for that record into ``sms_meta`` (key
  ``purge_authorised:<REF>``). Only ``sms-tui purge REF --yes``
  (:mod:`sms_tui.services.admin.purge`) writes that row, deletes the record's
  entries, appends a tombstone and removes the row again, all in one
  transaction, so the authorisation never outlives the purge.

Someone with write access to the file can still drop the triggers; the hash
chain (checked by ``sms-tui verify``) is what detects such edits.

Note for later revisions: an Alembic batch operation on ``journal_entry``
re-creates the table and would drop these triggers; re-create them after it
(``sms-tui verify`` reports missing triggers).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PURGE_KEY_PREFIX = "purge_authorised:"

TRIGGERS = {
    "journal_entry_no_update": """
        CREATE TRIGGER journal_entry_no_update
        BEFORE UPDATE ON journal_entry
        BEGIN
            SELECT RAISE(ABORT, 'journal entries are append-only: UPDATE refused');
        END
    """,
    "journal_entry_no_delete": f"""
        CREATE TRIGGER journal_entry_no_delete
        BEFORE DELETE ON journal_entry
        WHEN NOT EXISTS (
            SELECT 1 FROM sms_meta WHERE key = '{PURGE_KEY_PREFIX}' || OLD.record_ref
        )
        BEGIN
            SELECT RAISE(ABORT, 'journal entries are append-only: DELETE refused');
        END
    """,
}


# PostgreSQL (team mode): the same two rules as trigger functions that raise.
PG_FUNCTIONS = {
    "journal_entry_no_update": """
        CREATE OR REPLACE FUNCTION journal_entry_no_update() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'journal entries are append-only: UPDATE refused';
        END $$
    """,
    "journal_entry_no_delete": f"""
        CREATE OR REPLACE FUNCTION journal_entry_no_delete() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM sms_meta
                           WHERE key = '{PURGE_KEY_PREFIX}' || OLD.record_ref) THEN
                RAISE EXCEPTION 'journal entries are append-only: DELETE refused';
            END IF;
            RETURN OLD;
        END $$
    """,
}
PG_TRIGGERS = {
    "journal_entry_no_update": "BEFORE UPDATE ON journal_entry FOR EACH ROW",
    "journal_entry_no_delete": "BEFORE DELETE ON journal_entry FOR EACH ROW",
}


def is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if is_postgresql():
        for name, sql in PG_FUNCTIONS.items():
            op.execute(sql)
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON journal_entry")
            op.execute(f"CREATE TRIGGER {name} {PG_TRIGGERS[name]} EXECUTE FUNCTION {name}()")
        return
    for name, sql in TRIGGERS.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(sql)


def downgrade() -> None:
    if is_postgresql():
        for name in PG_FUNCTIONS:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON journal_entry")
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
        return
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
