"""Bring a database to the current schema through Alembic, preserving its data.

Migrations run on a connection with foreign keys OFF: Alembic's batch mode on
SQLite copies a table and drops the old one, and with foreign keys on that
DROP would fire ON DELETE CASCADE and silently delete child rows. Afterwards
``PRAGMA foreign_key_check`` must come back empty.

Start-up is kept cheap: when the database is already at :data:`HEAD_REVISION`
Alembic is not even imported.
"""

from __future__ import annotations

import sqlite3
from importlib import resources
from pathlib import Path

from .engine import (
    DatabaseError,
    busy_timeout_s,
    discard_new_db,
    explain_sqlite,
    prepare_db_file,
    read_only_uri,
)
from .head import HEAD_REVISION  # the newest revision (tests check it is Alembic's head)
from .quick import stored_revision


def migrations_dir() -> Path:
    """The migrations folder, inside the installed package (or the repo when editable)."""
    return Path(str(resources.files("sms_tui.migrations")))


def alembic_config(url: str):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def current_revision(path: Path) -> str | None:
    """The revision stamped in the database, or None for a new/empty one."""
    try:
        con = sqlite3.connect(read_only_uri(path), uri=True, timeout=busy_timeout_s())
    except sqlite3.Error as exc:
        raise DatabaseError(explain_sqlite(str(exc), path) or f"cannot open database {path}: {exc}") from None
    try:
        return stored_revision(con)
    except sqlite3.DatabaseError as exc:
        if explain_sqlite(str(exc), path):
            raise DatabaseError(explain_sqlite(str(exc), path)) from None
        if "malformed" in str(exc) or "corrupt" in str(exc):
            raise DatabaseError(f"{path} is damaged ({exc}); restore a backup with sms-tui restore") from None
        raise DatabaseError(f"{path} is not a usable SQLite database: {exc}") from None
    finally:
        con.close()


def ours(revision: str) -> bool:
    """Whether an Alembic revision id is one of sms-tui's (four digits: 0001, 0002, ...):
    another program using Alembic stamps its own ids, and its database was called "written
    by a newer sms-tui"."""
    return len(revision) == 4 and revision.isascii() and revision.isdigit()


def _holds_tables(path: Path) -> bool:
    """Whether the SQLite file at ``path`` holds any table (of another program, when it has
    no sms-tui revision)."""
    try:
        con = sqlite3.connect(read_only_uri(path), uri=True, timeout=busy_timeout_s())
        try:
            return con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                               "AND name NOT LIKE 'sqlite_%' LIMIT 1").fetchone() is not None
        finally:
            con.close()
    except sqlite3.Error:
        return False  # the migration says what is wrong with it


FOREIGN = "holds tables that are not an sms-tui desk"


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return {rev.revision for rev in script.walk_revisions()}


def upgrade(path: Path, revision: str = "head") -> None:
    """Run the Alembic upgrade on ``path`` with foreign keys off, then check them."""
    from alembic import command
    from sqlalchemy import create_engine, event

    timeout = busy_timeout_s()
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": timeout})

    @event.listens_for(engine, "connect")
    def _fk_off(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA foreign_keys = OFF")
        dbapi_connection.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")

    try:
        with engine.begin() as connection:
            cfg = alembic_config(f"sqlite:///{path}")
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, revision)
            problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if problems:
                raise DatabaseError(
                    f"migration left {len(problems)} broken foreign keys in {path}; nothing was changed"
                )
    finally:
        engine.dispose()


def ensure_schema(path: Path) -> bool:
    """Create the database if needed and migrate it to the newest schema; True if this
    call created it (a new, empty desk).

    Refuses files that are not SQLite and databases from a newer sms-tui.
    """
    path = Path(path)
    created = prepare_db_file(path)
    try:
        _migrate(path)
    except BaseException as exc:
        # Never leave an empty or half-made database behind (e.g. a full disk). Only a
        # file made by this run, and only while empty or after a full disk: another
        # process may have started filling it meanwhile.
        if created and ("full" in str(exc) or _is_empty(path)):
            discard_new_db(path)
        raise
    return created


def _is_empty(path: Path) -> bool:
    try:
        return path.stat().st_size == 0
    except OSError:
        return False


def _migrate(path: Path) -> None:
    rev = current_revision(path)
    if rev == HEAD_REVISION:
        return
    if (rev is not None and not ours(rev)) or (rev is None and _holds_tables(path)):
        raise DatabaseError(f"{path} {FOREIGN}; give a desk, or the name of a new file")
    if rev is not None and rev not in known_revisions():
        raise DatabaseError(
            f"{path} was written by a newer sms-tui (schema {rev}); upgrade sms-tui to open it"
        )
    try:
        upgrade(path)
    except sqlite3.OperationalError as exc:
        raise DatabaseError(explain_sqlite(str(exc), path) or f"cannot migrate {path}: {exc}") from None
    except Exception as exc:  # SQLAlchemy wraps driver errors
        if "readonly" in str(exc) or "read-only" in str(exc):
            raise DatabaseError(f"{path} is read-only; sms-tui cannot create or migrate it") from None
        orig = getattr(exc, "orig", None)
        if isinstance(orig, sqlite3.Error):
            raise DatabaseError(explain_sqlite(str(orig), path) or f"cannot migrate {path}: {orig}") from None
        raise
