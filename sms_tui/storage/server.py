"""A desk on a PostgreSQL server (team mode): the engine, its errors, its migrations.

The same guarantees as the SQLite file, by the server's means:

* one writer at a time, like SQLite's ``BEGIN IMMEDIATE``: every write
  transaction first takes a transaction-level advisory lock
  (``pg_advisory_xact_lock``), so the hash chains, the journal heads and the
  read-then-write checks of the services see every earlier write; readers never
  wait (a ``REPEATABLE READ`` snapshot each);
* the schema comes from the same Alembic revisions, run in one transaction
  (PostgreSQL's DDL is transactional) under another advisory lock, so two
  analysts starting at once cannot migrate twice;
* the password never appears in a message: only :func:`~.url.mask_url` of the
  URL does. Passwords come from the URL, ``PGPASSWORD``/``~/.pgpass`` (libpq
  reads them itself) or the environment variable named by ``[database]
  password_env`` in the config. Other libpq options in the URL's query
  (``sslmode``, ``connect_timeout``, ``application_name``…) pass through.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Iterator

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from ..domain.errors import ConfigError
from .engine import READ_ONLY, DatabaseError, busy_timeout_s
from .head import HEAD_REVISION
from .url import mask_url

WRITER_LOCK = 0x534D5354  # "SMST": held by the one write transaction at a time
MIGRATE_LOCK = 0x534D534D  # "SMSM": held while the schema is created or upgraded
SCHEDULER_LOCK = 0x534D5353  # "SMSS": held by the one scheduler that raises reviews
CONNECT_TIMEOUT_S = 10
log = logging.getLogger(__name__)
INSTALL_HINT = "pip install 'sms-tui[postgres]'"


def server_url(url: str, password_env: str | None = None):
    """The SQLAlchemy URL for ``url`` on psycopg 3, with the password from ``password_env``."""
    try:
        parsed = make_url(url)
    except Exception:
        raise ConfigError(f"{mask_url(url)} is not a valid PostgreSQL URL "
                          "(postgresql://user@host[:port]/dbname)") from None
    if not parsed.database:
        raise ConfigError(f"{mask_url(url)} names no database (postgresql://user@host/dbname)")
    parsed = parsed.set(drivername="postgresql+psycopg")
    if password_env and parsed.password is None:
        value = os.environ.get(password_env)
        if value is None:
            raise ConfigError(f"[database] password_env: environment variable {password_env} "
                              "is not set")
        parsed = parsed.set(password=value)
    return parsed


def check_driver() -> None:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise DatabaseError(
            f"PostgreSQL support is not installed; install it with {INSTALL_HINT}") from None


INSUFFICIENT_PRIVILEGE = "42501"  # SQLSTATE: the role lacks a privilege (GRANT SELECT only)
UNDEFINED_TABLE = "42P01"  # SQLSTATE: no such table (the database dropped and made again)


def refused_privilege(exc: BaseException) -> bool:
    """True when the server refused a statement because the role lacks the privilege."""
    orig = getattr(exc, "orig", None) or exc
    return getattr(orig, "sqlstate", None) == INSUFFICIENT_PRIVILEGE


def explain_server(exc: BaseException, url: str, writing: bool = False) -> str:
    """One line for a server error, naming the desk by its URL without the password.

    ``writing``: the error came from a write transaction (a privilege refused there
    means the desk is read-only for this role)."""
    orig = getattr(exc, "orig", None) or exc
    raw = str(orig).strip()
    first = raw.splitlines()[0] if raw else type(orig).__name__
    where = mask_url(url)
    try:
        parsed = make_url(url)
        host, user, db = parsed.host or "localhost", parsed.username or "", parsed.database or ""
        port = parsed.port or 5432
    except Exception:
        host, user, db, port = "the server", "", "", 5432
    low = raw.lower()
    if "lock timeout" in low:
        return (f"the desk on {host}:{port} is busy (another analyst's write held it too long); "
                "nothing was written, try again")
    if "password authentication failed" in low or "no password supplied" in low \
            or "authentication failed" in low:
        return (f"PostgreSQL at {host}:{port} refused user {user!r} (wrong or missing password; "
                "give it in PGPASSWORD, ~/.pgpass or [database] password_env)")
    if "not permitted to log in" in low:
        return (f"PostgreSQL at {host}:{port} refused user {user!r}: the role may not log in "
                f"(ALTER ROLE {user} LOGIN)")
    if "does not exist" in low and "database" in low:
        return f"database {db!r} does not exist on {host}:{port} (create it: createdb {db})"
    if "role" in low and "does not exist" in low:
        return f"PostgreSQL at {host}:{port} has no role {user!r} (create it: createuser {user})"
    if "read-only transaction" in low:  # default_transaction_read_only, a hot standby
        return (f"the desk on {host}:{port} takes no writes (a read-only connection or "
                "server); nothing was written")
    if "statement timeout" in low:
        return (f"the server at {host}:{port} stopped a statement at its statement_timeout; "
                "nothing was changed, try again")
    if ("connection refused" in low or "could not connect" in low or "timeout" in low
            or "could not translate host" in low or "name or service not known" in low
            or "connection failed" in low or "no route" in low):
        return f"cannot reach the PostgreSQL server at {host}:{port} ({where}); is it running?"
    if getattr(orig, "sqlstate", None) == UNDEFINED_TABLE:
        return (f"the desk's tables are gone from database {db!r} on {host}:{port} (dropped or "
                "replaced since the desk opened); nothing was written: restore a backup into it, "
                "or quit and open it again for a new, empty desk")
    if writing and refused_privilege(exc):  # a role granted SELECT only, as a read-only file
        return (f"the desk on {host}:{port} is read-only for role {user!r} "
                f"({_masked(first, url)}); nothing was written")
    if "permission denied" in low:
        return f"{where}: permission denied ({_masked(first, url)})"
    return f"database error on {where}: {_masked(first, url)}"


def _where(url: str) -> tuple[str, int, str]:
    try:
        parsed = make_url(url)
        return parsed.host or "localhost", parsed.port or 5432, parsed.username or ""
    except Exception:
        return "the server", 5432, ""


def read_only_reason(connection, url: str) -> str | None:
    """Why this connection's role cannot write the desk (granted SELECT only, a read-only
    server or connection), in one line; None when it can. Every write journals, so a role
    that may not add to the journal changes nothing."""
    may_write, read_only = connection.execute(text(
        "SELECT has_table_privilege('journal_entry', 'INSERT'), "
        "current_setting('transaction_read_only') = 'on'")).one()
    host, port, user = _where(url)
    if read_only:
        return f"the desk on {host}:{port} takes no writes (a read-only connection or server)"
    if not may_write:
        return f"the desk on {host}:{port} is read-only for role {user!r}"
    return None


def _masked(message: str, url: str) -> str:
    try:
        password = make_url(url).password
    except Exception:
        password = None
    return message.replace(password, "***") if password else message


def _on_connect(dbapi_connection, _record) -> None:
    # Times are UTC on the desk: text timestamps the reports bind read as UTC, as in SQLite.
    dbapi_connection.execute("SET TIME ZONE 'UTC'")
    # A writer waits for another's lock as long as on SQLite (SMS_TUI_BUSY_TIMEOUT), then
    # says the desk is busy, instead of hanging behind a stuck transaction.
    dbapi_connection.execute(f"SET lock_timeout = {int(busy_timeout_s() * 1000)}")
    dbapi_connection.commit()


def _on_begin(conn) -> None:
    if not conn.get_execution_options().get(READ_ONLY):
        # One writer at a time for the desk, till this transaction ends.
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITER_LOCK})")


def make_server_engine(url: str, password_env: str | None = None) -> Engine:
    """An engine on the PostgreSQL database of ``url`` (psycopg 3), writers serialized."""
    check_driver()
    engine = create_engine(
        server_url(url, password_env),
        connect_args={"connect_timeout": CONNECT_TIMEOUT_S, "application_name": "sms-tui"},
        pool_size=2, max_overflow=8, pool_pre_ping=True,
        hide_parameters=True,
    )
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    return engine


def read_engine(engine: Engine) -> Engine:
    """Readers: a REPEATABLE READ snapshot, no writer lock."""
    return engine.execution_options(isolation_level="REPEATABLE READ", **{READ_ONLY: True})


def connect_check(engine: Engine, url: str) -> None:
    """Connect once, turning any failure into one clear line."""
    try:  # as a reader: opening the desk never waits for another analyst's write
        with engine.connect().execution_options(**{READ_ONLY: True}) as con:
            con.exec_driver_sql("SELECT 1")
    except Exception as exc:
        raise DatabaseError(explain_server(exc, url)) from None


def stored_server_revision(connection) -> str | None:
    if connection.execute(text("SELECT to_regclass('alembic_version')")).scalar() is None:
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def ensure_server_schema(url: str, password_env: str | None = None) -> bool:
    """Create or upgrade the desk's schema on the server: all revisions in ONE transaction.
    True if the database held no desk and now holds a new, empty one."""
    engine = make_server_engine(url, password_env)
    try:
        connect_check(engine, url)
        try:
            with engine.connect().execution_options(**{READ_ONLY: True}) as probe, probe.begin():
                if stored_server_revision(probe) == HEAD_REVISION:
                    return False
            return upgrade_server(engine)
        except DatabaseError:
            raise
        except Exception as exc:
            raise DatabaseError(explain_server(exc, url)) from None
    finally:
        engine.dispose()


def upgrade_server(engine: Engine, revision: str = "head") -> bool:
    """Migrate the server's desk to ``revision``; True if it held no desk before."""
    from alembic import command

    from .migrate import FOREIGN, alembic_config, known_revisions, ours

    with engine.connect() as connection, connection.begin():
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATE_LOCK})")
        rev = stored_server_revision(connection)
        if rev == HEAD_REVISION and revision == "head":
            return False  # another analyst's sms-tui migrated it while we waited
        if (rev is not None and not ours(rev)) or (rev is None and _has_foreign_tables(connection)):
            raise DatabaseError(f"the database already {FOREIGN}; use an empty database "
                                "(createdb NAME)")
        if rev is not None and rev not in known_revisions():
            raise DatabaseError(f"this desk was written by a newer sms-tui (schema {rev}); "
                                "upgrade sms-tui to open it")
        cfg = alembic_config("postgresql+psycopg://")
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)
        return rev is None


def _has_foreign_tables(connection) -> bool:
    return bool(connection.execute(text(
        "SELECT count(*) FROM information_schema.tables "
        "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")).scalar())


CHANGES_CHANNEL = "sms_tui_changes"  # NOTIFY'd in every write transaction (delivered at commit)


def notify_change(session) -> None:
    """Tell the other analysts' TUIs that this transaction wrote (sent only if it commits)."""
    session.execute(text(f"SELECT pg_notify('{CHANGES_CHANNEL}', '')"))


LEASE_S = 30.0  # a leader that stops renewing its lead (ctrl+z, SIGSTOP) loses it after this


class Leadership:
    """The scheduler's lead: an advisory lock on a connection of its own, held as a lease.

    ``held()`` takes the lock if it is free (never waits) and the role may write the desk;
    a role that may only read never leads (it could run no check). The leader keeps it:

    * **a lease.** The connection has ``idle_session_timeout`` set to ``lease_s``, and a
      thread pings it four times per lease. A process that no longer runs (stopped with
      ctrl+z) stops pinging: the server ends its session after ``lease_s`` and frees the
      lock, and the next ``held()`` elsewhere takes over. A process that ends frees it at once.
    * **a check in progress keeps it.** :meth:`checking` opens a transaction on the lead's
      connection for the time of one check; the idle timeout does not apply inside one, so a
      leader stopped in the middle of a check keeps the lead until it resumes and finishes:
      two checks never run at once. A stopped leader that resumes after losing the lead
      finds its session gone at its next check and runs nothing.
    """

    def __init__(self, engine: Engine, url: str = "", who: str = "",
                 lease_s: float = LEASE_S) -> None:
        self.engine = engine
        self.url = url
        self.who = who  # shown to the others: "another scheduler leads: <who>"
        self.lease_s = lease_s
        self.refused: str | None = None  # why this program may not lead (read-only), once known
        self._con = None
        self._lock = threading.Lock()  # the connection is used by the checks and the pings
        self._stop_pinging: threading.Event | None = None

    def held(self) -> bool:
        with self._lock:
            if self._con is not None:
                try:
                    self._con.exec_driver_sql("SELECT 1")
                    return True
                except Exception:  # the lease ran out (the session was ended) or the server went
                    self._release()
            if self.refused is not None:
                return False
            con = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT",
                                                          **{READ_ONLY: True})
            try:
                self.refused = read_only_reason(con, self.url)
                if self.refused is None and con.execute(text(
                        "SELECT set_config('application_name', :who, false), "
                        "set_config('idle_session_timeout', :lease, false), "
                        "set_config('idle_in_transaction_session_timeout', '0', false), "
                        f"pg_try_advisory_lock({SCHEDULER_LOCK})"),
                        {"who": f"sms-tui scheduler: {self.who}"[:63],
                         "lease": str(max(1, int(self.lease_s * 1000)))}).one()[3]:
                    self._con = con
                    self._start_pinging()
                    return True
            except Exception:
                log.debug("taking the scheduler's lead failed", exc_info=True)
            with contextlib.suppress(Exception):
                con.invalidate()  # its settings are the lead's: not back to the pool
                con.close()
            return False

    @contextlib.contextmanager
    def checking(self) -> Iterator[bool]:
        """For one check: True while this program leads (then the lead is kept, even while
        this process is stopped, until the check is done); False when another does."""
        leads = self.held() and self._in_transaction("BEGIN")
        try:
            yield leads
        finally:
            if leads:
                self._in_transaction("COMMIT")

    def _in_transaction(self, statement: str) -> bool:
        with self._lock:
            if self._con is None:
                return False
            try:
                self._con.exec_driver_sql(statement)
                return True
            except Exception:  # the lease ran out just now: another may lead
                self._release()
                return False

    def leader(self) -> str:
        """Who holds the lead (as it named itself), or "another program"."""
        try:
            with self.engine.connect().execution_options(**{READ_ONLY: True}) as con:
                name = con.execute(text(
                    "SELECT a.application_name FROM pg_locks l "
                    "JOIN pg_stat_activity a ON a.pid = l.pid "
                    "WHERE l.locktype = 'advisory' AND l.granted AND l.objid = :lock "
                    "AND l.database = (SELECT oid FROM pg_database "
                    "WHERE datname = current_database())"),
                    {"lock": SCHEDULER_LOCK}).scalar()
        except Exception:
            name = None
        prefix = "sms-tui scheduler: "
        return name[len(prefix):] if name and name.startswith(prefix) else "another program"

    def _start_pinging(self) -> None:
        stop = self._stop_pinging = threading.Event()

        def ping() -> None:
            while not stop.wait(self.lease_s / 4):
                with self._lock:
                    if stop.is_set() or self._con is None:
                        return
                    try:
                        self._con.exec_driver_sql("SELECT 1")
                    except Exception:  # the session is gone: so is the lead
                        self._release()
                        return

        threading.Thread(target=ping, name="scheduler lead", daemon=True).start()

    def release(self) -> None:
        with self._lock:
            self._release()

    def _release(self) -> None:
        if self._stop_pinging is not None:
            self._stop_pinging.set()
            self._stop_pinging = None
        con, self._con = self._con, None
        if con is not None:
            with contextlib.suppress(Exception):  # let go now, not when the session ends
                con.exec_driver_sql(f"SELECT pg_advisory_unlock({SCHEDULER_LOCK})")
            with contextlib.suppress(Exception):
                con.invalidate()  # closes the session itself (not back to the pool): the lock goes
                con.close()


# ------------------------------------------------------------------ bulk loads (import, restore)
def defer_foreign_keys(connection) -> list[tuple[str, str]]:
    """Make every NOT DEFERRABLE foreign key of the desk deferred till the end of this
    transaction, as SQLite's ``PRAGMA defer_foreign_keys`` does: an import's rows may
    come in any order. ``ALTER CONSTRAINT`` is transactional (a rollback undoes it) and
    takes each table's lock till the end: nobody reads a half-loaded desk. Returns the
    constraints to hand to :func:`check_foreign_keys`."""
    found = [(table, name) for table, name in connection.exec_driver_sql(
        "SELECT c.conrelid::regclass::text, c.conname FROM pg_constraint c "
        "JOIN pg_namespace n ON n.oid = c.connamespace "
        "WHERE c.contype = 'f' AND NOT c.condeferrable AND n.nspname = current_schema() "
        "ORDER BY 1, 2")]
    for table, name in found:
        connection.exec_driver_sql(
            f'ALTER TABLE {table} ALTER CONSTRAINT "{name}" DEFERRABLE INITIALLY DEFERRED')
    return found


def check_foreign_keys(connection, deferred: list[tuple[str, str]]) -> None:
    """Check every deferred reference now (an error if one is broken), then make those
    foreign keys NOT DEFERRABLE again, as the migrations made them."""
    connection.exec_driver_sql("SET CONSTRAINTS ALL IMMEDIATE")
    for table, name in deferred:
        connection.exec_driver_sql(f'ALTER TABLE {table} ALTER CONSTRAINT "{name}" NOT DEFERRABLE')


def restart_ids(connection, table_names) -> None:
    """Each id sequence continues after the ids written with explicit values (a new record
    never reuses one)."""
    for name in table_names:
        connection.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), COALESCE(MAX(id), 1), "
            f'MAX(id) IS NOT NULL) FROM "{name}"')  # setval(NULL, …) of a table without one: NULL
