"""incident parent link and request type service (issue 13)

Revision ID: 0005
Revises: 0004

``request_type.service_id``: the service a type's requests are for; a request
raised from the type takes it, like its priority and SLA.

The same outage reported twice, or one site's incidents under the major one:
an incident may have a parent incident, linked and followed like the other
links. The column is added with ``ALTER TABLE … ADD COLUMN`` (a named, nullable
foreign key SQLite accepts there), not in batch mode: re-creating ``incident``
would drop its search triggers (see 0003). The downgrade needs batch mode, so
it puts the incident's search index and triggers back afterwards.
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path

from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute('ALTER TABLE incident ADD COLUMN parent_id INTEGER '
               'CONSTRAINT fk_incident_parent_id_incident REFERENCES incident (id)')
    op.create_index(op.f('ix_incident_parent_id'), 'incident', ['parent_id'], unique=False)
    op.execute('ALTER TABLE request_type ADD COLUMN service_id INTEGER '
               'CONSTRAINT fk_request_type_service_id_service REFERENCES service (id)')


def _search_revision():
    path = Path(__file__).with_name("0003_record_text_search.py")
    spec = importlib.util.spec_from_file_location("sms_tui_migration_0003", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def downgrade() -> None:
    with op.batch_alter_table('request_type', schema=None) as batch_op:
        batch_op.drop_column('service_id')
    op.drop_index(op.f('ix_incident_parent_id'), table_name='incident')
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.drop_column('parent_id')
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL dropped the column in place: its search index stays
    search = _search_revision()  # batch mode re-created the table without its triggers
    search.drop_search(op.execute, "incident")
    for sql in search._statements("incident"):
        op.execute(sql)
