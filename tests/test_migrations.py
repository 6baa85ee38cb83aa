"""Migrations: one head, from nothing to head, schema == models, down/up round trips, data kept."""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event

from sms_tui.domain.errors import DeskError
from sms_tui.storage import migrate
from sms_tui.storage.migrate import HEAD_REVISION, alembic_config, ensure_schema
from sms_tui.storage.schema import metadata
from sms_tui.storage.search import is_search_index, is_search_table

REPO = Path(__file__).resolve().parents[1]


def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def _revisions_oldest_first() -> list[str]:
    return [rev.revision for rev in reversed(list(_script().walk_revisions()))]


def _run_alembic(db: Path, action: str, target: str) -> None:
    """Run an Alembic upgrade/downgrade the way sms-tui does: foreign keys off."""
    engine = create_engine(f"sqlite:///{db}")
    event.listen(engine, "connect", lambda con, _r: con.execute("PRAGMA foreign_keys = OFF"))
    try:
        with engine.begin() as connection:
            cfg = alembic_config(f"sqlite:///{db}")
            cfg.attributes["connection"] = connection
            getattr(command, action)(cfg, target)
    finally:
        engine.dispose()


def _schema_diff(db: Path) -> list:
    engine = create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={
                "compare_type": True,  # the FTS5 indexes of migration 0003 are not models
                "include_name": lambda name, type_, _p: not (type_ == "table" and is_search_table(name)),
            })
            return compare_metadata(context, metadata)
    finally:
        engine.dispose()


def _tables(db: Path) -> set[str]:
    con = sqlite3.connect(db)
    try:
        return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")
                if not r[0].startswith("sqlite_") and not is_search_table(r[0])}
    finally:
        con.close()


def _revision(db: Path) -> str | None:
    return migrate.current_revision(db)


# ---------------------------------------------------------------- the revision graph
def test_there_is_exactly_one_head():
    assert len(_script().get_heads()) == 1


def test_head_revision_constant_matches_alembic_head():
    """ensure_schema skips Alembic when the database is at HEAD_REVISION: it must be the real head."""
    assert _script().get_current_head() == HEAD_REVISION


def test_revisions_form_one_line_from_the_first():
    revisions = _revisions_oldest_first()
    assert revisions[0] == "0001"
    for older, newer in zip(revisions, revisions[1:], strict=False):
        assert _script().get_revision(newer).down_revision == older


# ---------------------------------------------------------------- the desk under test
# Every test below runs on the SQLite file and on a real PostgreSQL database (the module is
# in BOTH_BACKENDS): the same revisions must create, upgrade and downgrade both. On the server
# each test starts from an empty schema of a database made for this module, dropped after.
class FileDesk:
    """A desk file, migrated the way sms-tui does (foreign keys off)."""

    dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.location = path

    def alembic(self, action: str, target: str) -> None:
        _run_alembic(self.path, action, target)

    def ensure(self) -> None:
        ensure_schema(self.path)

    def upgrade_to(self, revision: str) -> None:
        migrate.upgrade(self.path, revision)  # the product's path, foreign keys checked after

    def tables(self) -> set[str]:
        return _tables(self.path)

    def revision(self) -> str | None:
        return _revision(self.path)

    def schema_diff(self) -> list:
        return _schema_diff(self.path)

    def execute(self, sql: str) -> None:
        con = sqlite3.connect(self.path)
        try:
            con.execute(sql)
            con.commit()
        finally:
            con.close()

    def dump(self) -> dict[str, list[tuple]]:
        return _dump(self.path)

    def other_objects(self) -> set[str]:
        """Triggers, indexes and views: what a downgrade must remove besides the tables."""
        con = sqlite3.connect(self.path)
        try:
            return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type IN "
                                              "('trigger', 'index', 'view') AND sql IS NOT NULL")}
        finally:
            con.close()

    def integrity(self) -> None:
        con = sqlite3.connect(self.path)
        try:
            assert con.execute("PRAGMA foreign_key_check").fetchall() == []
            assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        finally:
            con.close()


class ServerDesk:
    """A desk in an empty PostgreSQL database (team mode)."""

    dialect = "postgresql"

    def __init__(self, url: str) -> None:
        self.url = url
        self.location = url

    def _engine(self):
        from sqlalchemy.engine import make_url

        return create_engine(make_url(self.url).set(drivername="postgresql+psycopg"))

    @contextlib.contextmanager
    def _connection(self):
        engine = self._engine()
        try:
            with engine.begin() as connection:
                yield connection
        finally:
            engine.dispose()

    def alembic(self, action: str, target: str) -> None:
        with self._connection() as connection:
            cfg = alembic_config("postgresql+psycopg://")
            cfg.attributes["connection"] = connection
            getattr(command, action)(cfg, target)

    def ensure(self) -> None:
        from sms_tui.storage.server import ensure_server_schema

        ensure_server_schema(self.url)

    def upgrade_to(self, revision: str) -> None:
        from sms_tui.storage.server import make_server_engine, upgrade_server

        engine = make_server_engine(self.url)  # the product's path: one transaction, locked
        try:
            upgrade_server(engine, revision)
        finally:
            engine.dispose()

    def tables(self) -> set[str]:
        with self._connection() as connection:
            return {r[0] for r in connection.exec_driver_sql(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")}

    def revision(self) -> str | None:
        from sms_tui.storage.server import stored_server_revision

        with self._connection() as connection:
            return stored_server_revision(connection)

    def schema_diff(self) -> list:
        with self._connection() as connection:
            context = MigrationContext.configure(connection, opts={
                "compare_type": True,  # the search indexes of migration 0003 are not models
                "include_name": lambda name, type_, _p: not (type_ == "index"
                                                             and is_search_index(name)),
            })
            return compare_metadata(context, metadata)

    def execute(self, sql: str) -> None:
        with self._connection() as connection:
            connection.exec_driver_sql(sql)

    def dump(self) -> dict[str, list[tuple]]:
        from sqlalchemy import inspect

        out = {}
        with self._connection() as connection:
            inspector = inspect(connection)
            for table in sorted(self.tables() - {"alembic_version"}):
                key = inspector.get_pk_constraint(table)["constrained_columns"]
                order = ", ".join(f'"{c}"' for c in key) or "1"
                out[table] = [tuple(r) for r in connection.exec_driver_sql(
                    f'SELECT * FROM "{table}" ORDER BY {order}')]
        return out

    def other_objects(self) -> set[str]:
        """Functions, triggers, text search configurations and indexes the desk made (an
        extension's own functions aside): what a downgrade must remove besides the tables."""
        with self._connection() as connection:
            return {r[0] for r in connection.exec_driver_sql(
                "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname = current_schema() AND NOT EXISTS (SELECT 1 FROM pg_depend d "
                "WHERE d.objid = p.oid AND d.deptype = 'e') "
                "UNION ALL SELECT tgname FROM pg_trigger WHERE NOT tgisinternal "
                "UNION ALL SELECT cfgname FROM pg_ts_config c JOIN pg_namespace n "
                "ON n.oid = c.cfgnamespace WHERE n.nspname = current_schema() "
                "UNION ALL SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
                "AND tablename <> 'alembic_version'")}

    def integrity(self) -> None:
        # The server enforces its foreign keys at every statement: a broken one would have
        # failed the migration. What is left to check: no constraint left unvalidated.
        with self._connection() as connection:
            assert connection.exec_driver_sql(
                "SELECT conname FROM pg_constraint WHERE NOT convalidated").fetchall() == []


@pytest.fixture(scope="module")
def pg_migration_db():
    """A database of its own for this module's server runs, dropped at the end."""
    from .conftest import _admin, _pg_url

    name = f"smspg_mig_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{secrets.token_hex(4)}"
    _admin(f'CREATE DATABASE "{name}"')
    try:
        yield _pg_url(name)
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def desk(backend, tmp_path, request):
    """An empty desk: a new file, or the module's server database with an empty schema."""
    if backend == "postgresql":
        url = request.getfixturevalue("pg_migration_db")
        server = ServerDesk(url)
        server.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        return server
    path = tmp_path / "desk.db"
    path.touch()
    return FileDesk(path)


# ---------------------------------------------------------------- upgrade and downgrade
def test_a_new_database_is_created_and_migrated_to_head(tmp_path):
    db = tmp_path / "new" / "desk.db"  # the file and its folder do not exist yet
    ensure_schema(db)
    assert _revision(db) == HEAD_REVISION
    assert set(metadata.tables) <= _tables(db)


def test_an_empty_desk_is_migrated_to_head(desk):
    desk.ensure()
    assert desk.revision() == HEAD_REVISION
    assert set(metadata.tables) <= desk.tables()


def test_the_migrated_schema_matches_the_models(desk):
    desk.ensure()
    assert desk.schema_diff() == []


def test_downgrade_to_base_then_upgrade_again_gives_the_same_schema(desk):
    desk.ensure()
    desk.alembic("downgrade", "base")
    assert desk.tables() == {"alembic_version"}
    assert desk.other_objects() == set()  # no trigger, function or search config left behind
    assert desk.revision() is None
    desk.alembic("upgrade", "head")
    assert desk.revision() == HEAD_REVISION
    assert desk.schema_diff() == []


def test_each_revision_steps_down_and_up_again(desk):
    for rev in _revisions_oldest_first():
        desk.alembic("upgrade", rev)
        desk.alembic("downgrade", "-1")
        desk.alembic("upgrade", rev)
        assert desk.revision() == rev
    assert desk.schema_diff() == []


def test_head_database_is_not_migrated_again(desk, monkeypatch):
    desk.ensure()

    def boom(*_a, **_k):
        raise AssertionError("Alembic ran on a database already at head")

    from sms_tui.storage import server

    monkeypatch.setattr(migrate, "upgrade", boom)
    monkeypatch.setattr(server, "upgrade_server", boom)
    desk.ensure()


def test_a_database_from_a_newer_sms_tui_is_refused_untouched(desk):
    desk.ensure()
    desk.execute("UPDATE alembic_version SET version_num = '9999'")
    before = desk.dump()
    with pytest.raises(DeskError, match="newer sms-tui"):
        desk.ensure()
    assert desk.revision() == "9999"
    assert desk.dump() == before


def test_a_database_of_another_program_using_alembic_is_not_called_a_newer_desk(desk):
    # another program's Alembic stamps its own ids: it was "written by a newer sms-tui
    # (schema 9f3c2a1b); upgrade sms-tui to open it"
    desk.ensure()
    desk.execute("UPDATE alembic_version SET version_num = '9f3c2a1b'")
    before = desk.dump()
    with pytest.raises(DeskError, match="holds tables that are not an sms-tui desk"):
        desk.ensure()
    assert desk.dump() == before


def test_a_sqlite_file_of_another_program_is_refused_in_words_and_untouched(tmp_path):
    # it said "cannot migrate …: table incident already exists"
    db = tmp_path / "other.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE incident (id INTEGER PRIMARY KEY, what TEXT)")
    con.commit()
    con.close()
    before = db.read_bytes()
    with pytest.raises(DeskError, match=r"other.db holds tables that are not an sms-tui desk"):
        ensure_schema(db)
    assert db.read_bytes() == before


def test_the_sqlite_file_of_a_newer_sms_tui_keeps_its_bytes(tmp_path):
    db = tmp_path / "desk.db"
    ensure_schema(db)
    con = sqlite3.connect(db)
    con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.commit()
    con.close()
    before = db.read_bytes()
    with pytest.raises(DeskError, match="newer sms-tui"):
        ensure_schema(db)
    assert db.read_bytes() == before


# ---------------------------------------------------------------- data survives upgrades
# Columns later revisions added to tables of older ones (table -> (revision, definition)):
# today's services write them, so they are there while an old database is filled, and gone
# before it is upgraded -- as an old sms-tui left it.
LATER_COLUMNS = {"incident": [("0005", "parent_id INTEGER"), ("0006", "requester_id INTEGER"),
                              ("0007", "security_risk VARCHAR NOT NULL DEFAULT 'none'")],
                 "request_type": [("0005", "service_id INTEGER"), ("0009", "respond_minutes INTEGER")],
                 "service_request": [("0006", "requester_id INTEGER"),
                                     ("0009", "first_response_at DATETIME"),
                                     ("0009", "sla_counted_s FLOAT NOT NULL DEFAULT 0"),
                                     ("0009", "sla_running_since DATETIME"),
                                     ("0009", "sla_response_s FLOAT"),
                                     ("0009", "sla_flags VARCHAR NOT NULL DEFAULT ''"),
                                     ("0009", "sla_respond_target_s FLOAT"),
                                     ("0009", "sla_resolve_target_s FLOAT")],
                 "service": [("0007", "owner VARCHAR NOT NULL DEFAULT ''")],
                 "change": [("0007", "service_change VARCHAR NOT NULL DEFAULT ''"),
                            *(("0007", f"{name} TEXT NOT NULL DEFAULT ''") for name in (
                                "feasibility", "impact_customers", "impact_policies",
                                "verification_results", "test_results", "backout_untested_reason",
                                "backout_tested"))]}


# Tables today's services read when they write a record (the detail they return), by the
# revision that made them: made for the filling, dropped after, as the columns above.
LATER_TABLES = {"mail_attachment": "0008"}


@contextlib.contextmanager
def with_later_columns(db: Path | FileDesk | ServerDesk, revision: str):
    """Around filling a database at ``revision`` with today's services (see LATER_COLUMNS
    and LATER_TABLES)."""
    from sms_tui.storage.schema import metadata

    desk = FileDesk(db) if isinstance(db, Path) else db
    added = [(table, definition) for table, columns in LATER_COLUMNS.items()
             for since, definition in columns if since > revision]
    tables = [metadata.tables[name] for name, since in LATER_TABLES.items() if since > revision]
    for table, definition in added:
        if desk.dialect == "postgresql":  # SQLite's type names in LATER_COLUMNS
            definition = definition.replace(" DATETIME", " TIMESTAMP WITH TIME ZONE")
        desk.execute(f'ALTER TABLE "{table}" ADD COLUMN {definition}')
    engine = (create_engine(f"sqlite:///{desk.path}") if isinstance(desk, FileDesk)
              else desk._engine())
    for made in tables:
        made.create(engine)
    try:
        yield
    finally:
        for made in tables:
            made.drop(engine)
        engine.dispose()
        for table, definition in added:
            desk.execute(f'ALTER TABLE "{table}" DROP COLUMN {definition.split()[0]}')


def _populate_at_first_revision(db: Path, clock) -> None:
    """Fill a database at revision 0001 through the services, as an old sms-tui would have."""
    _run_alembic(db, "upgrade", "0001")
    with with_later_columns(db, "0001"):
        _fill(db, clock)


def _fill(db: Path | str, clock) -> None:
    from sms_tui.services.core.records import RecordService
    from sms_tui.services.core.store import Store

    store = Store(db, actor="old-version", clock=clock, migrate=False)
    try:
        with store.write() as session:
            session.connection().exec_driver_sql(
                "INSERT INTO service (name, description, criticality, created_at) "
                "VALUES ('Email', 'mail for all', 'high', '2026-01-01 00:00:00.000000')"
            )
        records = RecordService(store)
        inc = records.create("incident", title="Mail down", impact="high", urgency="high",
                             service="Email", description="línea 1\nline 2 ✓")
        prb = records.create("problem", title="Relay flaps")
        chg = records.create("change", title="Replace relay")
        ke = records.create("known_error", title="Relay drops TLS")
        req = records.create("request", title="New mailbox", request_type="other")
        clock.advance(minutes=5)
        records.transition(inc.ref, "in_progress", note="on it")
        records.add_note(inc.ref, "users told")
        records.assign(inc.ref, "alice", group="mail")
        records.escalate(inc.ref, to="boss", hierarchical=True, reason="CEO affected")
        records.link(inc.ref, prb.ref)
        records.link(prb.ref, chg.ref)
        records.link(ke.ref, prb.ref)
        records.transition(req.ref, "fulfilled")
        records.transition(req.ref, "closed")
    finally:
        store.close()


def _dump(db: Path) -> dict[str, list[tuple]]:
    con = sqlite3.connect(db)
    try:
        out = {}
        for table in sorted(_tables(db) - {"alembic_version"}):
            out[table] = con.execute(f'SELECT * FROM "{table}" ORDER BY rowid').fetchall()
        return out
    finally:
        con.close()


def _same_rows(before: dict, after: dict, step: str) -> None:
    for table, rows in before.items():
        width = len(rows[0]) if rows else 0  # a later revision's columns come last
        assert [row[:width] for row in after[table]] == rows, f"{table} changed during {step}"


@pytest.mark.parametrize("how", ["at once", "one revision at a time"])
def test_records_and_journal_written_at_the_first_revision_survive_the_upgrade(desk, clock, how):
    desk.alembic("upgrade", "0001")
    with with_later_columns(desk, "0001"):
        _fill(desk.location, clock)
    before = desk.dump()
    assert len(before["journal_entry"]) >= 14

    if how == "at once":
        desk.ensure()  # what the first start of a newer sms-tui does
    else:
        for rev in _revisions_oldest_first()[1:]:
            desk.upgrade_to(rev)
            assert desk.revision() == rev
            _same_rows(before, desk.dump(), f"the upgrade to {rev}")
            desk.integrity()

    assert desk.revision() == HEAD_REVISION
    _same_rows(before, desk.dump(), "the upgrade")
    desk.integrity()

    from sms_tui.services.admin.integrity import verify_database
    from sms_tui.services.core.records import RecordService
    from sms_tui.services.core.store import Store

    store = Store(desk.location, actor="new-version", clock=clock)
    try:
        inc = RecordService(store).get("INC-000001")
        assert inc.service == "Email" and inc.escalation_level == 1
        assert [link.ref for link in inc.links] == ["PRB-000001"]
        actions = [e.action for e in reversed(inc.journal)]
        mine = ["create", "transition", "note", "assign", "escalate_hierarchical", "link"]
        assert [a for a in actions if a in mine] == mine  # feature rules may add entries of their own
        assert verify_database(store).ok
        from sms_tui.services.core.views import QueueFilter

        found = RecordService(store).list("incident", QueueFilter(open_only=False, text="mail"))
        assert [r.ref for r in found] == ["INC-000001"]  # the search index covers old rows
    finally:
        store.close()


# ---------------------------------------------------------------- packaging
def test_the_built_wheel_ships_the_migrations(tmp_path):
    """A wheel install must migrate its own database: env.py and every revision are inside it."""
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (REPO / name).exists():
            (src / name).write_bytes((REPO / name).read_bytes())
    import shutil

    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPO / "sms_tui", src / "sms_tui", ignore=ignore)
    shutil.copytree(REPO / "migrations", src / "migrations", ignore=ignore)
    out = tmp_path / "dist"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
         "-w", str(out), str(src)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    [wheel] = out.glob("sms_tui-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "sms_tui/migrations/env.py" in names
    assert "sms_tui/migrations/script.py.mako" in names
    for path in (REPO / "migrations" / "versions").glob("0*.py"):
        assert f"sms_tui/migrations/versions/{path.name}" in names


def test_0009_gives_open_requests_their_types_resolution_clock_and_keeps_the_rest(tmp_path):
    """Requests recorded before 0009 keep their data: the open ones get their type's resolution
    target (running from creation unless paused), the fulfilled ones no clock at all."""
    db = tmp_path / "desk.db"
    _run_alembic(db, "upgrade", "0007")
    con = sqlite3.connect(db)
    con.execute("INSERT INTO request_type (name, title, description, category, impact, urgency, "
                "sla_hours, needs_approval, approver, active, created_at, updated_at, version) VALUES "
                "('password-reset', 'Password reset', '', 'access', 'medium', 'high', 4, 0, '', 1, "
                "'2026-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000', 1)")
    for n, status in enumerate(("in_progress", "on_hold", "fulfilled"), start=1):
        con.execute(
            "INSERT INTO service_request (ref, title, description, status, category, assignee, "
            "assignment_group, escalated_to, escalation_level, impact, urgency, priority, created_by, "
            "created_at, updated_at, version, request_type, needs_approval, satisfaction_comment) "
            f"VALUES ('REQ-00000{n}', 'r{n}', 'kept', '{status}', '', '', '', '', 0, 'medium', 'high', "
            "2, 'old', '2026-01-02 00:00:00.000000', '2026-01-02 00:00:00.000000', 1, "
            "'password-reset', 0, '')")
    con.commit()
    con.close()
    _run_alembic(db, "upgrade", "head")
    con = sqlite3.connect(db)
    rows = con.execute("SELECT ref, description, sla_resolve_target_s, sla_respond_target_s, "
                       "sla_running_since IS NOT NULL, sla_counted_s, sla_flags FROM service_request "
                       "ORDER BY ref").fetchall()
    con.close()
    assert rows == [("REQ-000001", "kept", 4 * 3600.0, None, 1, 0.0, ""),
                    ("REQ-000002", "kept", 4 * 3600.0, None, 0, 0.0, ""),
                    ("REQ-000003", "kept", None, None, 0, 0.0, "")]
