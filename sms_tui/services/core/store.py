"""The Store: one database, its configuration, who is acting, and a clock.

Every service takes a Store. ``write()`` is one transaction that starts with
``BEGIN IMMEDIATE``; ``read()`` is a deferred read transaction. The clock is
injectable so that tests of SLAs and schedules never sleep.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import event, inspect
from sqlalchemy.exc import InternalError, OperationalError, ProgrammingError
from sqlmodel import Session

from ...config import Config, config_is_required, load_config
from ...domain.errors import ConfigError, ValidationError
from ...domain.text import checked_actor, storable_text
from ...paths import current_user, default_config_path, default_db_path
from ...storage.engine import READ_ONLY, DatabaseError, ReadOnlyDesk, explain_sqlite, make_engine
from ...storage.migrate import ensure_schema
from ...storage.url import desk_location, display_name, is_server_url

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def _encoding_error() -> ValidationError:
    # Lone surrogates (e.g. a terminal that sent bytes that are not UTF-8) cannot be stored.
    return ValidationError("text contains characters that are not valid UTF-8 "
                           "(check the terminal's encoding); nothing was written")


def _database_error(exc: OperationalError | InternalError | ProgrammingError, path: Path | str,
                    writing: bool = False) -> DatabaseError:
    if isinstance(path, str) and is_server_url(path):
        from ...storage.server import explain_server, refused_privilege

        said = explain_server(exc, path, writing)
        if writing and (refused_privilege(exc) or "read-only transaction" in str(exc.orig)):
            return ReadOnlyDesk(said)  # the scheduler gives up its lead on this
        return DatabaseError(said)
    text = str(exc.orig) if exc.orig is not None else str(exc)
    return DatabaseError(explain_sqlite(text, path) or f"database error on {path}: {text}")




def _refused_privilege(exc: ProgrammingError) -> bool:
    """A role refused a privilege, or the desk's tables gone (the database dropped and made
    again under a running desk): said in one line, not as an internal error with its SQL."""
    from ...storage.server import UNDEFINED_TABLE, refused_privilege

    orig = getattr(exc, "orig", None) or exc
    return refused_privilege(exc) or getattr(orig, "sqlstate", None) == UNDEFINED_TABLE


class DeskSession(Session):
    """The session of every write: what it stores meets :func:`storable_text`."""


@event.listens_for(DeskSession, "before_flush")
def _refuse_unstorable_text(session: Session, _context, _instances) -> None:
    """Every text column of every row a write adds or changes, checked before it reaches
    the driver: the CLI, the TUI, the scheduler and mail-in all write through here."""
    for obj in (*session.new, *session.dirty):
        state = inspect(obj)
        for attr in state.mapper.column_attrs:
            value = state.dict.get(attr.key)
            if value.__class__ is str:
                storable_text(value, attr.key)


class Store:
    """Access to one sms-tui database."""

    # Set on the copies made by bound(): the open session every write()/read() yields.
    _bound: Session | None = None
    writes = 0  # write transactions committed by this store (a command's output lost after one)

    def __init__(
        self,
        db_path: Path | str,
        config: Config | None = None,
        actor: str | None = None,
        clock: Clock | None = None,
        migrate: bool = True,
    ) -> None:
        location = desk_location(db_path) if isinstance(db_path, str) else Path(db_path)
        self.config = config or Config()
        self.actor = checked_actor(actor or current_user())
        self.created = False  # True: this open created the desk's file (a new, empty desk)
        self.clock: Clock = clock or utc_now
        if isinstance(location, str):  # a PostgreSQL server (team mode)
            from ...storage import server

            self.url = location  # secret: holds the password if the URL does
            self.path = display_name(location)  # what messages show: no password
            self.dialect = "postgresql"
            password_env = password_env_of(self.config)
            if migrate:
                self.created = server.ensure_server_schema(location, password_env)
            self.engine = server.make_server_engine(location, password_env)
            self._read_engine = server.read_engine(self.engine)
        else:
            self.url = None
            self.path = location
            self.dialect = "sqlite"
            if migrate:
                self.created = ensure_schema(self.path)
            self.engine = make_engine(self.path)
            self._read_engine = self.engine.execution_options(**{READ_ONLY: True})
        self.journal_key = journal_key(self.config)
        if self.journal_key is not None:
            self._check_key_marker()

    @property
    def on_server(self) -> bool:
        """True for a desk on a PostgreSQL server (team mode)."""
        return self.dialect == "postgresql"

    def now(self) -> datetime:
        return self.clock()

    def bound(self, session: Session, now: datetime, actor: str | None = None) -> Store:
        """A copy of this store acting inside ``session``'s open transaction, at ``now``.

        Every ``write()``/``read()`` of the copy yields that session (no new
        transaction, no commit), so several use cases of any service make ONE
        transaction: demo data and imports use this. Errors propagate to the
        owner of the transaction, who rolls back.
        """
        clone = copy.copy(self)
        clone._bound = session
        clone.clock = lambda: now
        if actor:
            clone.actor = actor
        return clone

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: committed at the end, rolled back on any error."""
        if self._bound is not None:
            yield self._bound
            return
        try:
            with DeskSession(self.engine, expire_on_commit=False) as session, session.begin():
                if self.journal_key is not None:
                    session.info["journal_key"] = self.journal_key
                yield session
                if self.url is not None:  # team mode: the other TUIs refresh (LISTEN/NOTIFY)
                    from ...storage.server import notify_change

                    notify_change(session)
            self.writes += 1
        except (OperationalError, InternalError) as exc:  # InternalError: a read-only server
            if self.url is None and "readonly" in str(exc.orig or exc).replace("-", ""):
                # SQLite keeps a connection opened on a read-only file read-only: the next
                # write opens a new one, so a file made writable again is written
                # (it said "read-only" until the desk was restarted)
                self.engine.dispose()
            raise _database_error(exc, self.url or self.path, writing=True) from None
        except ProgrammingError as exc:  # a role granted SELECT only: the desk is read-only
            if self.url is None or not _refused_privilege(exc):
                raise
            raise _database_error(exc, self.url, writing=True) from None
        except UnicodeEncodeError:
            raise _encoding_error() from None

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A consistent read snapshot."""
        if self._bound is not None:
            yield self._bound
            return
        try:
            with Session(self._read_engine) as session, session.begin():
                yield session
        except (OperationalError, InternalError) as exc:
            raise _database_error(exc, self.url or self.path) from None
        except ProgrammingError as exc:  # a role not granted SELECT on a table
            if self.url is None or not _refused_privilege(exc):
                raise
            raise _database_error(exc, self.url) from None
        except UnicodeEncodeError:
            raise _encoding_error() from None

    def refused_writes(self) -> str | None:
        """Why this program may only read the desk, in one line (a server role granted SELECT
        only, a read-only server), or None. A file desk says so at its first write."""
        if self.url is None:
            return None
        from ...storage.server import read_only_reason

        with self.read() as session:
            return read_only_reason(session.connection(), self.url)

    def close(self) -> None:
        self.engine.dispose()

    def _check_key_marker(self) -> None:
        """The journal is keyed from the entry after the newest one when a key first comes;
        a key that did not make the marker is refused (it would break every new entry)."""
        from sqlalchemy import text

        from .journal import keyed_marker, marker_first_id

        key = self.journal_key
        assert key is not None
        with self.write() as session:
            found = session.execute(text("SELECT value FROM sms_meta WHERE key = :k"),
                                    {"k": KEY_MARKER}).scalar()
            if found is None:
                if session.execute(text("SELECT 1 FROM journal_entry WHERE hash LIKE 'hmac:%' "
                                        "LIMIT 1")).first() is not None:
                    return  # keyed before and its marker removed: verify reports it
                first = int(session.execute(text(
                    "SELECT COALESCE(MAX(id), 0) + 1 FROM journal_entry")).scalar() or 1)
                session.execute(text("INSERT INTO sms_meta (key, value) VALUES (:k, :v)"),
                                {"k": KEY_MARKER, "v": keyed_marker(key, first)})
            elif marker_first_id(key, found) is None:
                raise ConfigError(f"{self.config.path or 'config'}: [journal] key_env: this key "
                                  "is not the one this desk's journal is keyed with")


KEY_MARKER = "journal:keyed_from"


def password_env_of(config: Config) -> str | None:
    """``[database] password_env``: the NAME of the variable holding the server password."""
    name = config.section("database").get("password_env")
    return name.strip() if isinstance(name, str) and name.strip() else None


def journal_key(config: Config) -> bytes | None:
    """The key of ``[journal] key_env`` (the NAME of an environment variable), or None."""
    section = config.section("journal")
    if not section:
        return None
    source = f"{config.path or 'config'}: [journal]"
    unknown = set(section) - {"key_env"}
    if unknown:
        raise ConfigError(f"{source} has no key '{sorted(unknown)[0]}' (only key_env)")
    name = section.get("key_env")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{source} key_env must name an environment variable")
    value = os.environ.get(name.strip(), "")
    if len(value) < 16:
        raise ConfigError(f"{source} key_env: environment variable {name.strip()} must hold the "
                          "journal key (16 characters or more)")
    return value.encode("utf-8", "surrogatepass")


def open_store(
    db_path: Path | str | None = None,
    config_path: Path | str | None = None,
    actor: str | None = None,
    clock: Clock | None = None,
) -> Store:
    """Open (creating and migrating if needed) the database, with the config file."""
    config = load_config(Path(config_path) if config_path else default_config_path(),
                         required=config_is_required(config_path))
    location = desk_location(db_path) if db_path else default_db_path()
    return Store(location, config, actor, clock)
