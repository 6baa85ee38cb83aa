"""request SLA clocks, services in the CI graph, planned CI updates (issue 18)

Revision ID: 0009
Revises: 0008

``service_request`` gets the SLA clock an incident has (8.6.2 with 8.3.3):
first response, business time counted, when the clock last started, the
respond reading, the thresholds already journaled, and the two targets copied
from the request type when the request was raised. Requests recorded before
keep what they had: an open request that was running (``new``,
``in_progress``) gets a resolution clock counted from its creation with its
type's target (``sla_hours``), a paused one (``on_hold``,
``awaiting_approval``) a stopped clock at zero; the first-response clock and
the clocks of requests already fulfilled or closed are not tracked (their
targets stay NULL: no clock was recorded then, and reports leave them out
rather than invent one). The columns are added with ``op.add_column`` outside
batch mode, so ``service_request`` keeps its search triggers (see 0003).

``request_type.respond_minutes``: the first-response target of a type (NULL:
``[sla.requests] respond`` of the config).

``service_ci_relationship``: a service in the relationship graph
(``service depends_on ci``, ``service used_by ci``). ``change_ci_update``: the
configuration updates a change plans, applied under it when it is implemented.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        'service_ci_relationship',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('service_id', sa.Integer(), nullable=False),
        sa.Column('ci_id', sa.Integer(), nullable=False),
        sa.Column('relation', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(['ci_id'], ['configuration_item.id'],
                                name=op.f('fk_service_ci_relationship_ci_id_configuration_item')),
        sa.ForeignKeyConstraint(['service_id'], ['service.id'],
                                name=op.f('fk_service_ci_relationship_service_id_service')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_service_ci_relationship')),
        sa.UniqueConstraint('service_id', 'ci_id', 'relation',
                            name=op.f('uq_service_ci_relationship_service_id_ci_id_relation')),
    )
    op.create_index(op.f('ix_service_ci_relationship_ci_id'), 'service_ci_relationship', ['ci_id'])
    op.create_index(op.f('ix_service_ci_relationship_service_id'), 'service_ci_relationship',
                    ['service_id'])
    op.create_table(
        'change_ci_update',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('change_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('ci_id', sa.Integer(), nullable=False),
        sa.Column('ci_field', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('value', sa.Text(), nullable=False),
        sa.Column('created_at', TIMESTAMP(), nullable=False),
        sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('applied_at', TIMESTAMP(), nullable=True),
        sa.Column('applied_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(['change_id'], ['change.id'],
                                name=op.f('fk_change_ci_update_change_id_change')),
        sa.ForeignKeyConstraint(['ci_id'], ['configuration_item.id'],
                                name=op.f('fk_change_ci_update_ci_id_configuration_item')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_change_ci_update')),
        sa.UniqueConstraint('change_id', 'position', name=op.f('uq_change_ci_update_change_id_position')),
    )
    op.create_index(op.f('ix_change_ci_update_change_id'), 'change_ci_update', ['change_id'])
    op.create_index(op.f('ix_change_ci_update_ci_id'), 'change_ci_update', ['ci_id'])
    op.add_column('request_type', sa.Column('respond_minutes', sa.Integer(), nullable=True))
    op.add_column('service_request', sa.Column('first_response_at', TIMESTAMP(), nullable=True))
    op.add_column('service_request', sa.Column('sla_counted_s', sa.Float(), nullable=False,
                                               server_default='0'))
    op.add_column('service_request', sa.Column('sla_running_since', TIMESTAMP(), nullable=True))
    op.add_column('service_request', sa.Column('sla_response_s', sa.Float(), nullable=True))
    op.add_column('service_request', sa.Column('sla_flags', sqlmodel.sql.sqltypes.AutoString(),
                                               nullable=False, server_default=''))
    op.add_column('service_request', sa.Column('sla_respond_target_s', sa.Float(), nullable=True))
    op.add_column('service_request', sa.Column('sla_resolve_target_s', sa.Float(), nullable=True))
    # the open requests of the desk get their type's resolution clock (see the docstring)
    op.execute(
        "UPDATE service_request SET sla_resolve_target_s = (SELECT t.sla_hours * 3600.0 "
        "FROM request_type t WHERE t.name = service_request.request_type) "
        "WHERE status IN ('new', 'in_progress', 'on_hold', 'awaiting_approval')")
    op.execute("UPDATE service_request SET sla_running_since = created_at "
               "WHERE status IN ('new', 'in_progress') AND sla_resolve_target_s IS NOT NULL")


def downgrade() -> None:
    # DROP COLUMN (SQLite 3.35+, PostgreSQL): no batch copy, so the search triggers stay
    for column in ('sla_resolve_target_s', 'sla_respond_target_s', 'sla_flags', 'sla_response_s',
                   'sla_running_since', 'sla_counted_s', 'first_response_at'):
        op.drop_column('service_request', column)
    op.drop_column('request_type', 'respond_minutes')
    op.drop_index(op.f('ix_change_ci_update_ci_id'), table_name='change_ci_update')
    op.drop_index(op.f('ix_change_ci_update_change_id'), table_name='change_ci_update')
    op.drop_table('change_ci_update')
    op.drop_index(op.f('ix_service_ci_relationship_service_id'), table_name='service_ci_relationship')
    op.drop_index(op.f('ix_service_ci_relationship_ci_id'), table_name='service_ci_relationship')
    op.drop_table('service_ci_relationship')
