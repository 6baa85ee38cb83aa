"""information security incidents, change control and the full change record (issue 18)

Revision ID: 0007
Revises: 0006

``incident.security_risk`` (8.7.3.3): ``none`` for every incident recorded
before, so nothing an existing desk holds changes priority. The column is
added with ``op.add_column`` outside batch mode (``ALTER TABLE … ADD COLUMN``
on SQLite and PostgreSQL alike): re-creating ``incident`` would drop its
search triggers (see 0003).

``security_step``: the handling steps of a security incident, like
``major_step``.

``change.service_change``: a proposal to add, remove or transfer a service
(8.5.2), ``''`` for every change recorded before. The full change record
(8.5.1.3): decision inputs (feasibility, impact on customers and users, on
policies and plans), verification and test results, whether the back-out plan
was tested (and why not), all empty for the changes recorded before; and
``remedial_action``, the actions that remedy an unsuccessful change;
``service.owner``, who is told of the deployment dates of changes to it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('incident', sa.Column('security_risk', sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                        server_default='none'))
    op.add_column('change', sa.Column('service_change', sqlmodel.sql.sqltypes.AutoString(),
                                      nullable=False, server_default=''))
    for column in ('feasibility', 'impact_customers', 'impact_policies', 'verification_results',
                   'test_results', 'backout_untested_reason'):
        op.add_column('change', sa.Column(column, sa.Text(), nullable=False, server_default=''))
    op.add_column('change', sa.Column('backout_tested', sqlmodel.sql.sqltypes.AutoString(),
                                      nullable=False, server_default=''))
    op.add_column('service', sa.Column('owner', sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                       server_default=''))
    op.create_table(
        'remedial_action',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('change_ref', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('action', sa.Text(), nullable=False),
        sa.Column('owner', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('agreed_with', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('done_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('done_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_remedial_action')),
        sa.UniqueConstraint('change_ref', 'position', name=op.f('uq_remedial_action_change_ref_position')),
    )
    op.create_index(op.f('ix_remedial_action_change_ref'), 'remedial_action', ['change_ref'],
                    unique=False)
    op.create_table(
        'security_step',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('incident_ref', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('title', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('done_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('done_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_security_step')),
        sa.UniqueConstraint('incident_ref', 'position',
                            name=op.f('uq_security_step_incident_ref_position')),
    )
    op.create_index(op.f('ix_security_step_incident_ref'), 'security_step', ['incident_ref'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_security_step_incident_ref'), table_name='security_step')
    op.drop_table('security_step')
    # DROP COLUMN (SQLite 3.35+, PostgreSQL): no batch copy, so the search triggers stay
    op.drop_column('incident', 'security_risk')
    op.drop_column('change', 'service_change')
    for column in ('feasibility', 'impact_customers', 'impact_policies', 'verification_results',
                   'test_results', 'backout_untested_reason', 'backout_tested'):
        op.drop_column('change', column)
    op.drop_column('service', 'owner')
    op.drop_index(op.f('ix_remedial_action_change_ref'), table_name='remedial_action')
    op.drop_table('remedial_action')
