"""the content of mail attachments, kept when configured (issue 17)

Revision ID: 0008
Revises: 0007

``mail_attachment``: one row per attachment of a message that made or noted a
record -- name, type and size always; the content (``BLOB`` on SQLite,
``bytea`` on PostgreSQL) only when ``[mail] keep_attachments`` is on and it is
within ``[mail] max_attachment_bytes``, else ``note`` says why it was not kept.
A new table only: nothing an existing desk holds changes (mail received before
keeps its attachment list in the record's description, as it was).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'mail_attachment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('record_ref', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('mail_id', sa.Integer(), nullable=True),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('kept', sa.Boolean(), nullable=False),
        sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('received_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_attachment')),
        sa.UniqueConstraint('record_ref', 'position',
                            name=op.f('uq_mail_attachment_record_ref_position')),
    )
    op.create_index(op.f('ix_mail_attachment_mail_id'), 'mail_attachment', ['mail_id'],
                    unique=False)
    op.create_index(op.f('ix_mail_attachment_record_ref'), 'mail_attachment', ['record_ref'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_mail_attachment_record_ref'), table_name='mail_attachment')
    op.drop_index(op.f('ix_mail_attachment_mail_id'), table_name='mail_attachment')
    op.drop_table('mail_attachment')
