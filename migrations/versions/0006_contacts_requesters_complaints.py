"""contacts requesters complaints (issue 17)

Revision ID: 0006
Revises: 0005

The contact register (``contact``) and customer organisations with their
relationship manager (``organisation``); a requester on incidents and service
requests (``requester_id``, a nullable foreign key to ``contact``); service
complaints (``complaint``, a record table like the others, with a requester and
an outcome); satisfaction survey invitations (``survey_invitation``: a sampled
record's requester, the score when they answer); the mail received (``mail_message``: one row per Message-ID, so a
message delivered twice is handled once, and replies thread to their record).

Portable to PostgreSQL: tables and indexes through ``op.*``; the two requester
columns are added with ``ALTER TABLE … ADD COLUMN … CONSTRAINT … REFERENCES``,
which both SQLite and PostgreSQL accept (on SQLite batch mode would re-create
``incident`` and drop its search triggers, see 0003 and 0005). The complaint's
FTS5 search index and its triggers are SQLite's own and made only there.
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('organisation', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('mail_opt_out', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact')),
    sa.UniqueConstraint('email', name=op.f('uq_contact_email')),
    sa.UniqueConstraint('ref', name=op.f('uq_contact_ref')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_organisation'), ['organisation'], unique=False)

    op.create_table('mail_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('record_ref', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('sender', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('received_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('attachments', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_message')),
    sa.UniqueConstraint('message_id', name=op.f('uq_mail_message_message_id'))
    )
    op.create_index(op.f('ix_mail_message_record_ref'), 'mail_message', ['record_ref'],
                    unique=False)
    op.create_table('survey_invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('record_ref', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('organisation', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('comment', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('answered_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('answered_via', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'],
                            name=op.f('fk_survey_invitation_contact_id_contact')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_invitation')),
    sa.UniqueConstraint('period', 'record_ref', name=op.f('uq_survey_invitation_period_record_ref'))
    )
    for column in ('contact_id', 'period', 'record_ref'):
        op.create_index(op.f(f'ix_survey_invitation_{column}'), 'survey_invitation', [column],
                        unique=False)
    op.create_table('organisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('relationship_manager', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation')),
    sa.UniqueConstraint('name', name=op.f('uq_organisation_name'))
    )
    op.create_table('complaint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('assignee', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('assignment_group', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('escalated_to', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('escalation_level', sa.Integer(), nullable=False),
    sa.Column('impact', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('urgency', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=True),
    sa.Column('ci_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('resolved_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('closed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('requester_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['ci_id'], ['configuration_item.id'], name=op.f('fk_complaint_ci_id_configuration_item')),
    sa.ForeignKeyConstraint(['requester_id'], ['contact.id'], name=op.f('fk_complaint_requester_id_contact')),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_complaint_service_id_service')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint')),
    sa.UniqueConstraint('ref', name=op.f('uq_complaint_ref')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.create_index('ix_complaint_assignee_queue', ['assignee', 'priority', 'created_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_ci_id'), ['ci_id'], unique=False)
        batch_op.create_index('ix_complaint_closed', ['closed_at'], unique=False)
        batch_op.create_index('ix_complaint_created', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_complaint_ended', ['resolved_at', 'closed_at', 'created_at'], unique=False)
        batch_op.create_index('ix_complaint_queue', ['priority', 'created_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_requester_id'), ['requester_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_service_id'), ['service_id'], unique=False)
        batch_op.create_index('ix_complaint_status_queue', ['status', 'priority', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_complaint_updated', ['updated_at', 'id'], unique=False)

    for table in ('incident', 'service_request'):
        op.execute(f'ALTER TABLE {table} ADD COLUMN requester_id INTEGER '
                   f'CONSTRAINT fk_{table}_requester_id_contact REFERENCES contact (id)')
        op.create_index(op.f(f'ix_{table}_requester_id'), table, ['requester_id'], unique=False)
    search = _search_revision()
    if op.get_bind().dialect.name == 'sqlite':
        for sql in search._statements('complaint'):
            op.execute(sql)
    else:  # the server searches through a GIN expression index, as 0003 made for the others
        op.execute(f'CREATE INDEX IF NOT EXISTS ix_complaint_search ON "complaint" '
                   f'USING gin ({search.PG_DOCUMENT})')


def _search_revision():
    path = Path(__file__).with_name("0003_record_text_search.py")
    spec = importlib.util.spec_from_file_location("sms_tui_migration_0003", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == 'sqlite'
    search = _search_revision() if sqlite else None
    if search is not None:
        search.drop_search(op.execute, 'complaint')
    else:
        op.execute('DROP INDEX IF EXISTS ix_complaint_search')
    for table in ('service_request', 'incident'):
        op.drop_index(op.f(f'ix_{table}_requester_id'), table_name=table)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('requester_id')
        if search is not None:  # batch mode re-created the table without its triggers
            search.drop_search(op.execute, table)
            for sql in search._statements(table):
                op.execute(sql)

    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_updated')
        batch_op.drop_index('ix_complaint_status_queue')
        batch_op.drop_index(batch_op.f('ix_complaint_service_id'))
        batch_op.drop_index(batch_op.f('ix_complaint_requester_id'))
        batch_op.drop_index('ix_complaint_queue')
        batch_op.drop_index('ix_complaint_ended')
        batch_op.drop_index('ix_complaint_created')
        batch_op.drop_index('ix_complaint_closed')
        batch_op.drop_index(batch_op.f('ix_complaint_ci_id'))
        batch_op.drop_index('ix_complaint_assignee_queue')

    op.drop_table('complaint')
    for column in ('contact_id', 'period', 'record_ref'):
        op.drop_index(op.f(f'ix_survey_invitation_{column}'), table_name='survey_invitation')
    op.drop_table('survey_invitation')
    op.drop_table('organisation')
    op.drop_index(op.f('ix_mail_message_record_ref'), table_name='mail_message')
    op.drop_table('mail_message')
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_organisation'))
        batch_op.drop_index(batch_op.f('ix_contact_name'))

    op.drop_table('contact')
