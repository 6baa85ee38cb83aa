"""The newest schema revision, in a module that imports nothing.

``migrate.ensure_schema`` skips Alembic when a database is at this revision,
and the TUI's first queue page (:mod:`sms_tui.storage.quick`) is read only from
a database at this revision, before SQLAlchemy is imported. A test checks it
is Alembic's real head: set it when you add a revision.
"""

HEAD_REVISION = "0009"
