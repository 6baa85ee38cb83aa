"""Alembic environment: targets SQLModel.metadata, batch mode for SQLite.

sms-tui runs migrations itself (``sms_tui.storage.migrate``) on a connection
with foreign keys off and passes it in ``config.attributes["connection"]``.
"""

from alembic import context
from sqlalchemy import create_engine

from sms_tui.storage.schema import metadata  # every table module
from sms_tui.storage.search import is_search_index, is_search_table

config = context.config
target_metadata = metadata


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things: copy-and-move
        compare_type=True,
        include_name=_include_name,
    )


def _include_name(name, type_, _parent_names) -> bool:
    # The FTS5 indexes (migration 0003) are hand-made virtual tables, not models; on
    # PostgreSQL the search indexes are expression indexes, not models either.
    return not ((type_ == "table" and is_search_table(name))
                or (type_ == "index" and is_search_index(name)))


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
