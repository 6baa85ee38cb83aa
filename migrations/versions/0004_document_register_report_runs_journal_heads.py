"""document register, report runs, journal heads (issue 16)

Revision ID: 0004
Revises: 0003

* ``document``: the register of documented information (policies, plans,
  contracts, minutes) the evidence report points to;
* ``report_run``: every report issued and the decision recorded from it (9.4);
* ``improvement_opportunity`` gains ``criteria``, ``target`` and ``measurement``
  (10.2: evaluated before approval, its target and what was measured), added with
  ALTER TABLE ADD COLUMN (no table copy);
* ``journal_head``: the newest entry (id, hash, count) of each record's journal,
  written ONLY by the trigger ``journal_head_advance`` after every journal
  INSERT. Guards refuse any DELETE of a head and any UPDATE that does not add
  exactly one to its count of entries and point at an existing entry of the
  same record with that entry's hash. (Entry ids can be reused after the newest
  entries are deleted, so the count, not the id, is what only moves forward.)
  Deleting a record's newest journal entries -- with the append-only triggers
  dropped, or through a purge authorisation left in ``sms_meta`` -- therefore
  leaves a head pointing at an entry that is gone, which ``sms-tui verify``
  reports. A purge appends its tombstone, which moves the head on.

Heads of the existing journals are filled in from the journal as it is.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OFI_COLUMNS = ("criteria", "target", "measurement")

BACKFILL = """
    INSERT INTO journal_head (record_ref, last_id, hash, entries)
    SELECT j.record_ref, j.id, j.hash, c.n
    FROM journal_entry j
    JOIN (SELECT record_ref, MAX(id) AS last_id, COUNT(*) AS n FROM journal_entry
          GROUP BY record_ref) c ON c.last_id = j.id
"""

TRIGGERS = {
    "journal_head_advance": """
        CREATE TRIGGER journal_head_advance
        AFTER INSERT ON journal_entry
        BEGIN
            INSERT INTO journal_head (record_ref, last_id, hash, entries)
            VALUES (new.record_ref, new.id, new.hash, 1)
            ON CONFLICT (record_ref) DO UPDATE SET
                last_id = excluded.last_id, hash = excluded.hash,
                entries = journal_head.entries + 1;
        END
    """,
    "journal_head_no_delete": """
        CREATE TRIGGER journal_head_no_delete
        BEFORE DELETE ON journal_head
        BEGIN
            SELECT RAISE(ABORT, 'journal heads only move forward: DELETE refused');
        END
    """,
    "journal_head_forward_only": """
        CREATE TRIGGER journal_head_forward_only
        BEFORE UPDATE ON journal_head
        WHEN new.record_ref IS NOT old.record_ref
          OR new.entries IS NOT old.entries + 1
          OR new.hash IS NOT (SELECT hash FROM journal_entry
                              WHERE id = new.last_id AND record_ref = new.record_ref)
        BEGIN
            SELECT RAISE(ABORT, 'journal heads only move forward: UPDATE refused');
        END
    """,
}


# PostgreSQL (team mode): the same three rules as trigger functions.
PG_FUNCTIONS = {
    "journal_head_advance": """
        CREATE OR REPLACE FUNCTION journal_head_advance() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO journal_head (record_ref, last_id, hash, entries)
            VALUES (NEW.record_ref, NEW.id, NEW.hash, 1)
            ON CONFLICT (record_ref) DO UPDATE SET
                last_id = excluded.last_id, hash = excluded.hash,
                entries = journal_head.entries + 1;
            RETURN NULL;
        END $$
    """,
    "journal_head_no_delete": """
        CREATE OR REPLACE FUNCTION journal_head_no_delete() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'journal heads only move forward: DELETE refused';
        END $$
    """,
    "journal_head_forward_only": """
        CREATE OR REPLACE FUNCTION journal_head_forward_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.record_ref IS DISTINCT FROM OLD.record_ref
               OR NEW.entries IS DISTINCT FROM OLD.entries + 1
               OR NEW.hash IS DISTINCT FROM (SELECT hash FROM journal_entry
                                             WHERE id = NEW.last_id
                                               AND record_ref = NEW.record_ref) THEN
                RAISE EXCEPTION 'journal heads only move forward: UPDATE refused';
            END IF;
            RETURN NEW;
        END $$
    """,
}
PG_TRIGGERS = {
    "journal_head_advance": "AFTER INSERT ON journal_entry FOR EACH ROW",
    "journal_head_no_delete": "BEFORE DELETE ON journal_head FOR EACH ROW",
    "journal_head_forward_only": "BEFORE UPDATE ON journal_head FOR EACH ROW",
}


def _create_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, sql in PG_FUNCTIONS.items():
            table = PG_TRIGGERS[name].split(" ON ")[1].split()[0]
            op.execute(sql)
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            op.execute(f"CREATE TRIGGER {name} {PG_TRIGGERS[name]} EXECUTE FUNCTION {name}()")
        return
    for name, sql in TRIGGERS.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(sql)


def _drop_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, when in PG_TRIGGERS.items():
            table = when.split(" ON ")[1].split()[0]
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
        return
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")


def upgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table('document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('doc_version', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('owner', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('approved_on', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('next_review', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('location', sa.Text(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document')),
    sa.UniqueConstraint('ref', name=op.f('uq_document_ref')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_kind'), ['kind'], unique=False)

    op.create_table('journal_head',
    sa.Column('record_ref', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('last_id', sa.Integer(), nullable=False),
    sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('entries', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('record_ref', name=op.f('pk_journal_head'))
    )
    op.create_table('report_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('report', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('period_start', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('period_end', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('format', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('output', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('decision', sa.Text(), nullable=False),
    sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_run')),
    sa.UniqueConstraint('ref', name=op.f('uq_report_run_ref')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('report_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_run_at'), ['at'], unique=False)

    # ### end Alembic commands ###
    for column in OFI_COLUMNS:
        op.add_column("improvement_opportunity",
                      sa.Column(column, sa.Text(), nullable=False, server_default=""))
    op.execute(BACKFILL)
    _create_triggers()


def downgrade() -> None:
    _drop_triggers()
    with op.batch_alter_table("improvement_opportunity", schema=None) as batch_op:
        for column in reversed(OFI_COLUMNS):
            batch_op.drop_column(column)
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('report_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_run_at'))

    op.drop_table('report_run')
    op.drop_table('journal_head')
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_kind'))

    op.drop_table('document')
    # ### end Alembic commands ###
