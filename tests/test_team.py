"""Team mode (issue 19): the desk on a real PostgreSQL server, several analysts at once.

Everything here talks to the server named by ``SMS_TUI_TEST_PG_URL`` (by default the
local ``postgres`` user on 127.0.0.1:5432); nothing is mocked. Tests that need a
database of their own create one named ``smspg_test_…`` and drop it.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from sms_tui.domain.errors import DeskError
from sms_tui.services.admin.integrity import verify_database
from sms_tui.services.core.live import ChangeListener
from sms_tui.services.core.records import RecordService
from sms_tui.services.core.scheduler import DeskScheduler
from sms_tui.services.core.store import Store
from sms_tui.services.core.views import QueueFilter
from sms_tui.services.reviews.service import ReviewService
from sms_tui.storage.head import HEAD_REVISION
from sms_tui.storage.migrate import alembic_config
from sms_tui.storage.schema import metadata
from sms_tui.storage.search import is_search_index
from sms_tui.storage.server import ensure_server_schema, make_server_engine, server_url
from sms_tui.storage.url import desk_location, is_server_url, mask_url
from tests.conftest import _admin, _pg_url

REPO = Path(__file__).resolve().parents[1]
# the search indexes of migration 0003 are expression indexes, not models
COMPARE = {"compare_type": True,
           "include_name": lambda name, type_, _p: not (type_ == "index" and is_search_index(name))}
SECRET = "s3cr3t-Pw-7781"  # trust auth ignores it: the desk must still never show it


@pytest.fixture
def new_db():
    """An empty database of this test's own (dropped after)."""
    name = f"smspg_test_{secrets.token_hex(5)}"
    _admin(f'CREATE DATABASE "{name}"')
    yield name
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _with_password(url: str) -> str:
    scheme, rest = url.split("://", 1)
    user, host = rest.split("@", 1)
    return f"{scheme}://{user.split(':')[0]}:{SECRET}@{host}"


def _sms(*args: str) -> list[str]:
    return [sys.executable, "-m", "sms_tui", *args]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMS_TUI_")}
    env.update(SMS_TUI_USER="tester", **extra)
    return env


# ------------------------------------------------------------------ the URL
def test_a_postgresql_url_is_a_server_desk_and_a_path_is_a_file():
    assert is_server_url("postgresql://u@h/db") and is_server_url("postgres://u@h/db")
    assert desk_location("postgresql://u@h/db?sslmode=require") == "postgresql://u@h/db?sslmode=require"
    assert isinstance(desk_location("~/desk.db"), Path)
    assert not is_server_url("postgresql.db")


def test_the_password_is_masked_wherever_a_url_is_shown():
    assert mask_url(f"postgresql://ann:{SECRET}@db.example/desk") == "postgresql://ann:***@db.example/desk"
    assert SECRET not in mask_url(f"postgresql://ann@db.example/desk?password={SECRET}&sslmode=require")
    assert "sslmode=require" in mask_url(f"postgresql://ann@h/desk?password={SECRET}&sslmode=require")


def test_libpq_options_in_the_url_reach_the_driver():
    url = server_url("postgresql://ann@db.example/desk?sslmode=require&application_name=x")
    assert url.drivername == "postgresql+psycopg"
    assert url.query["sslmode"] == "require"


def test_the_password_may_come_from_an_environment_variable_named_in_the_config(monkeypatch):
    monkeypatch.setenv("DESK_DB_PASSWORD", SECRET)
    assert server_url("postgresql://ann@h/desk", "DESK_DB_PASSWORD").password == SECRET
    monkeypatch.delenv("DESK_DB_PASSWORD")
    with pytest.raises(DeskError, match="DESK_DB_PASSWORD is not set"):
        server_url("postgresql://ann@h/desk", "DESK_DB_PASSWORD")


# ------------------------------------------------------------------ clear one-line errors
@pytest.mark.parametrize("where, expected", [
    ("127.0.0.1:1/smspg_nowhere", "cannot reach the PostgreSQL server at 127.0.0.1:1"),
    ("127.0.0.1/smspg_missing_db_x", "database 'smspg_missing_db_x' does not exist"),
])
def test_a_server_problem_is_one_line_without_the_password(where, expected):
    url = f"postgresql://postgres:{SECRET}@{where}"
    done = subprocess.run(_sms("--db", url, "list", "incidents"), env=_env(), text=True,
                          capture_output=True, timeout=60)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sms-tui: error: "), done.stderr
    assert expected in lines[0]
    assert SECRET not in done.stderr + done.stdout


@pytest.mark.parametrize("option, args, expected", [
    ("default_transaction_read_only%3Don", ("new", "incident", "--title", "lost?"),
     "takes no writes (a read-only connection or server); nothing was written"),
    ("default_transaction_read_only%3Don", ("report", "--period", "month", "-o", "/dev/null"),
     "takes no writes (a read-only connection or server); nothing was written"),
    ("statement_timeout%3D1", ("list", "incidents"),
     "stopped a statement at its statement_timeout; nothing was changed"),
])
def test_a_read_only_or_impatient_server_is_one_line_not_an_internal_error(pg_desk, option,
                                                                            args, expected):
    # a read-only connection was "internal error: InternalError: ... [SQL: INSERT ...]", and a
    # statement timeout "cannot reach the PostgreSQL server ... is it running?"
    url = f"{pg_desk}?options=-c%20{option}"
    done = subprocess.run(_sms("--db", url, *args), env=_env(), text=True, capture_output=True,
                          timeout=60)
    assert done.returncode == 1 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], done.stderr


def test_an_unknown_role_is_named_in_one_line():
    url = _pg_url("postgres").replace("postgres@", "smspg_nosuchrole@", 1)
    with pytest.raises(DeskError, match="no role 'smspg_nosuchrole'") as info:
        Store(url, actor="tester")
    assert "\n" not in str(info.value)


# A refused password cannot be produced here: every machine of this project runs the server
# with trust authentication, so no login ever asks for one. What the desk says then is
# tested on the error psycopg raises, of its own class, with libpq's own words.
@pytest.mark.parametrize("said", [
    'connection failed: connection to server at "db.example.org", port 5433 failed: FATAL:  '
    'password authentication failed for user "ann"',
    'connection failed: connection to server at "db.example.org", port 5433 failed: '
    "fe_sendauth: no password supplied",
])
def test_a_refused_password_is_one_line_naming_the_user_and_where_to_give_it(said):
    import psycopg
    from sqlalchemy.exc import OperationalError

    from sms_tui.storage.server import explain_server

    url = f"postgresql://ann:{SECRET}@db.example.org:5433/desk"
    wrapped = OperationalError("SELECT 1", None, psycopg.OperationalError(said))
    for exc in (wrapped, wrapped.orig):
        line = explain_server(exc, url)
        assert line == ("PostgreSQL at db.example.org:5433 refused user 'ann' (wrong or missing "
                        "password; give it in PGPASSWORD, ~/.pgpass or [database] password_env)")


def test_a_role_that_may_not_log_in_is_refused_by_the_server_in_one_line():
    """The one refusal of a user this server really makes under trust authentication."""
    role = f"smspg_nologin_{secrets.token_hex(3)}"
    _admin(f"CREATE ROLE {role} NOLOGIN PASSWORD '{SECRET}'")
    try:
        url = _pg_url("postgres").replace("postgres@", f"{role}:{SECRET}@", 1)
        done = subprocess.run(_sms("--db", url, "list", "incidents"), env=_env(), text=True,
                              capture_output=True, timeout=60)
        assert done.returncode == 1
        from sqlalchemy.engine import make_url

        at = make_url(url)
        assert done.stderr.strip() == (
            f"sms-tui: error: PostgreSQL at {at.host}:{at.port or 5432} refused user '{role}': "
            f"the role may not log in (ALTER ROLE {role} LOGIN)")
        assert SECRET not in done.stdout + done.stderr
    finally:
        _admin(f"DROP ROLE IF EXISTS {role}")


def test_without_the_extra_the_error_says_what_to_install(tmp_path):
    blocker = tmp_path / "psycopg.py"
    blocker.write_text("raise ImportError('not installed')\n")
    done = subprocess.run(_sms("--db", "postgresql://postgres@127.0.0.1/x", "list", "incidents"),
                          env=_env(PYTHONPATH=str(tmp_path)), text=True, capture_output=True,
                          timeout=60)
    assert done.returncode == 1
    assert done.stderr.strip() == ("sms-tui: error: PostgreSQL support is not installed; "
                                   "install it with pip install 'sms-tui[postgres]'")


def test_the_password_is_never_written_to_the_desk(new_db):
    url = _with_password(_pg_url(new_db))
    for args in (["new", "incident", "--title", "VPN down"], ["list", "incidents"],
                 ["verify"]):
        done = subprocess.run(_sms("--db", url, *args), env=_env(), text=True,
                              capture_output=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert SECRET not in done.stdout + done.stderr
    engine = create_engine(_pg_url(new_db).replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as con:
            tables = con.execute(text("SELECT tablename FROM pg_tables "
                                      "WHERE schemaname = 'public'")).scalars().all()
            for table in tables:
                found = con.execute(text(f'SELECT count(*) FROM "{table}" t '
                                         "WHERE t::text LIKE :s"), {"s": f"%{SECRET}%"}).scalar()
                assert found == 0, table
    finally:
        engine.dispose()


# ------------------------------------------------------------------ migrations on the server
def test_an_empty_server_database_is_migrated_to_head_and_matches_the_models(new_db):
    url = _pg_url(new_db)
    ensure_server_schema(url)
    ensure_server_schema(url)  # at head: nothing to do
    engine = make_server_engine(url)
    try:
        with engine.connect() as con:
            assert con.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD_REVISION
            context = MigrationContext.configure(con, opts=COMPARE)
            assert compare_metadata(context, metadata) == []
    finally:
        engine.dispose()


def test_down_to_nothing_and_up_again_on_the_server(new_db):
    url = _pg_url(new_db)
    ensure_server_schema(url)
    engine = make_server_engine(url)
    try:
        for target, action in (("base", "downgrade"), ("head", "upgrade")):
            with engine.connect() as con, con.begin():
                cfg = alembic_config("postgresql+psycopg://")
                cfg.attributes["connection"] = con
                getattr(command, action)(cfg, target)
        with engine.connect() as con:
            context = MigrationContext.configure(con, opts=COMPARE)
            assert compare_metadata(context, metadata) == []
    finally:
        engine.dispose()
    store = Store(url, actor="tester")
    try:
        ref = RecordService(store).create("incident", title="after the round trip").ref
        assert RecordService(store).list("incident")[0].ref == ref
    finally:
        store.close()


def test_a_desk_whose_tables_went_away_under_it_says_so_in_one_line(new_db):
    """The database dropped and made again under a running desk: the next save showed the
    driver's error with its SQL, taller than the screen, as an unexpected error."""
    import psycopg

    url = _pg_url(new_db)
    store = Store(url, actor="ann")
    try:
        RecordService(store).create("incident", title="before")
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute("DROP SCHEMA public CASCADE")
            admin.execute("CREATE SCHEMA public")
        for attempt in (lambda: RecordService(store).create("incident", title="after"),
                        lambda: RecordService(store).list("incident")):
            with pytest.raises(DeskError) as refused:
                attempt()
            said = str(refused.value)
            assert "the desk's tables are gone from database" in said and "\n" not in said
            assert "SQL" not in said and "INSERT" not in said
    finally:
        store.close()


def test_a_database_holding_other_tables_is_refused(new_db):
    url = _pg_url(new_db)
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as con:
        con.execute(text("CREATE TABLE payroll (id int)"))
    engine.dispose()
    with pytest.raises(DeskError, match="not an sms-tui desk"):
        Store(url, actor="tester")


def test_the_journal_is_append_only_on_the_server(pg_desk):
    from tests.conftest import empty_server_desk

    empty_server_desk(pg_desk)
    store = Store(pg_desk, actor="tester")
    try:
        RecordService(store).create("incident", title="kept")
        for sql in ("UPDATE journal_entry SET note = 'forged'", "DELETE FROM journal_entry",
                    "DELETE FROM journal_head"):
            with pytest.raises(DBAPIError, match="refused"), store.engine.begin() as con:
                con.execute(text(sql))
        assert verify_database(store).ok
    finally:
        store.close()


# ------------------------------------------------------------------ several analysts
WRITER = """
import sys
from sms_tui.services.core.records import RecordService
from sms_tui.services.core.store import Store
from sms_tui.services.core.views import QueueFilter
store = Store(sys.argv[1], actor=sys.argv[2])
records = RecordService(store)
for n in range(int(sys.argv[3])):
    ref = records.create("incident", title=f"{sys.argv[2]} write {n}").ref
    print(ref, flush=True)  # acknowledged: committed
store.close()
"""


def test_n_writer_processes_on_the_server_lose_no_acknowledged_write(pg_desk):
    from tests.conftest import empty_server_desk

    empty_server_desk(pg_desk)
    Store(pg_desk, actor="seed").close()
    writers, each = 6, 15
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, pg_desk, f"analyst{n}", str(each)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=_env())
             for n in range(writers)]
    acknowledged = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        acknowledged += out.split()
    assert len(acknowledged) == writers * each == len(set(acknowledged))
    store = Store(pg_desk, actor="auditor")
    try:
        stored = {r.ref for r in RecordService(store).list("incident", limit=None)}
        assert stored == set(acknowledged)
        report = verify_database(store)
        assert report.ok, report.problems
        assert report.journals == writers * each
    finally:
        store.close()


def test_one_scheduler_leads_and_another_takes_over_when_it_stops(pg_desk, clock):
    from tests.conftest import empty_server_desk

    empty_server_desk(pg_desk)
    first, second = (Store(pg_desk, actor=name, clock=clock) for name in ("tui-1", "tui-2"))
    try:
        ReviewService(first).ensure_schedules()
        leader, follower = DeskScheduler(first), DeskScheduler(second)
        assert leader.leads
        assert not follower.leads
        assert all(v is None for v in follower.run_once().values())
        leader.shutdown()
        assert follower.leads
        follower.shutdown()
    finally:
        first.close()
        second.close()


def test_schedulers_in_several_processes_raise_each_review_once(pg_desk):
    from sqlmodel import select

    from sms_tui.storage.reviews import ReviewTask
    from tests.conftest import empty_server_desk

    empty_server_desk(pg_desk)
    seed = Store(pg_desk, actor="seed", clock=lambda: datetime(2025, 1, 6, tzinfo=UTC))
    ReviewService(seed).ensure_schedules()  # due ever since: every process wants to catch up
    seed.close()
    procs = [subprocess.Popen(_sms("--db", pg_desk, "scheduler", "run", "--once"), env=_env(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(4)]
    for proc in procs:
        _out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    store = Store(pg_desk, actor="auditor")
    try:
        with store.read() as session:
            keys = session.exec(select(ReviewTask.schedule_id, ReviewTask.period_start)).all()
        assert keys, "no review was raised"
        assert len(keys) == len(set(keys))
    finally:
        store.close()


def test_a_write_by_another_process_is_heard_through_listen_notify(pg_desk):
    from tests.conftest import empty_server_desk

    empty_server_desk(pg_desk)
    store = Store(pg_desk, actor="watcher")
    heard = threading.Event()
    listener = ChangeListener(store, heard.set)
    listener.start()
    try:
        assert listener.listening.wait(30)
        assert not heard.is_set()  # nobody wrote yet: no notification
        done = subprocess.run(_sms("--db", pg_desk, "--as", "bob", "new", "incident",
                                   "--title", "Printer on fire"), env=_env(), text=True,
                              capture_output=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert heard.wait(30)  # a deadline for a stuck test, not a speed check
    finally:
        listener.close()
        store.close()


def test_the_listener_back_after_a_dropped_connection_has_the_screens_read_again(pg_desk):
    """Writes committed while the listener's connection was down are never announced: the
    other analysts' screens stayed at the old version until someone wrote again."""
    import time

    import psycopg

    from tests.conftest import empty_server_desk

    empty_server_desk(pg_desk)
    store = Store(pg_desk, actor="watcher")
    heard = threading.Event()
    listener = ChangeListener(store, heard.set)
    listener.start()
    try:
        assert listener.listening.wait(30)
        with psycopg.connect(pg_desk, autocommit=True) as admin:
            dropped = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                "datname = current_database() AND query LIKE 'LISTEN%' "
                "AND pid <> pg_backend_pid()").fetchall()
        assert dropped, "the listener's connection was not found"
        deadline = time.monotonic() + 30
        while listener.listening.is_set() and time.monotonic() < deadline:
            time.sleep(0.05)  # the listener notices its connection is gone
        assert not heard.is_set()
        assert listener.listening.wait(30)  # back
        assert heard.wait(30)  # and told the screens to read again, though nobody wrote since
    finally:
        listener.close()
        store.close()


def test_each_analyst_acts_as_themselves(pg_desk):
    from tests.conftest import empty_server_desk

    empty_server_desk(pg_desk)
    for who in ("ann", "bob"):
        done = subprocess.run(_sms("--db", pg_desk, "--as", who, "new", "incident", "--title",
                                   f"{who}'s", "--assignee", who), env=_env(), text=True,
                              capture_output=True, timeout=120)
        assert done.returncode == 0, done.stderr
    store = Store(pg_desk, actor="ann")
    try:
        rows = RecordService(store).list("incident", limit=None)
        by = {r.title: r for r in rows}
        journal = {t: RecordService(store).get(r.ref).journal[0].actor for t, r in by.items()}
        assert journal == {"ann's": "ann", "bob's": "bob"}
    finally:
        store.close()


# ------------------------------------------------------------------ moving a desk, backups
def _sqlite_desk(tmp_path, clock) -> Path:
    from sms_tui.services.demo.service import fill_demo

    path = tmp_path / "old.db"
    store = Store(path, actor="ann", clock=clock)
    try:
        fill_demo(store, count=60)
        RecordService(store).create("incident", title="Café printer jams", description="x")
    finally:
        store.close()
    return path


def _counts(store: Store) -> dict[str, int]:
    with store.read() as session:
        return {t.name: session.execute(text(f'SELECT count(*) FROM "{t.name}"')).scalar()
                for t in metadata.sorted_tables}


def test_a_sqlite_desk_moves_to_an_empty_server_database_whole_and_verified(tmp_path, clock, new_db):
    from tests.cli_helpers import Cli

    path = _sqlite_desk(tmp_path, clock)
    url = _pg_url(new_db)
    out = Cli(path).ok("migrate", "--to", url)
    assert "verified" in out
    old, new = Store(path, actor="ann"), Store(url, actor="ann")
    try:
        assert _counts(new) == _counts(old)
        assert verify_database(new).ok
        refs = {r.ref for r in RecordService(old).list("incident", limit=None)}
        assert {r.ref for r in RecordService(new).list("incident", limit=None)} == refs
        assert [r.title for r in RecordService(new).list(
            "incident", QueueFilter(open_only=False, text="cafe"), limit=None)] == ["Café printer jams"]
        fresh = RecordService(new).create("incident", title="after the move").ref
        assert fresh not in refs  # ids continue after the copied ones
    finally:
        old.close()
        new.close()


def test_moving_into_a_database_that_is_not_empty_is_refused_in_one_line(tmp_path, clock, new_db):
    from tests.cli_helpers import Cli, one_error_line

    path = _sqlite_desk(tmp_path, clock)
    url = _pg_url(new_db)
    Cli(path).ok("migrate", "--to", url)
    store = Store(url, actor="ann")
    try:
        before = _counts(store)
        line = one_error_line(Cli(path)("migrate", "--to", url))
        assert "is not empty" in line and "nothing was copied" in line
        assert _counts(store) == before
    finally:
        store.close()


def test_a_server_backup_is_a_whole_snapshot_that_a_new_desk_imports(tmp_path, clock, new_db):
    from tests.cli_helpers import Cli

    url = _pg_url(new_db)
    Cli(url).ok("demo", "--count", "120")  # every kind of record and link; the full demo took 76 s
    written = Path(Cli(url).ok("backup", str(tmp_path)).strip())
    assert written.suffix == ".json" and (written.stat().st_mode & 0o777) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no partial
    copy = tmp_path / "restored.db"
    Cli(copy).ok("import", str(written))
    server, restored = Store(url, actor="ann"), Store(copy, actor="ann")
    try:
        assert verify_database(restored).ok
        assert _counts(restored)["journal_entry"] == _counts(server)["journal_entry"]
    finally:
        server.close()
        restored.close()


def test_what_writes_sqlite_files_only_is_refused_on_a_server_in_one_line(pg_desk, tmp_path):
    from tests.cli_helpers import Cli, one_error_line
    from tests.conftest import empty_server_desk

    empty_server_desk(pg_desk)
    cli = Cli(pg_desk)
    cli.ok("new", "incident", "--title", "only this")
    assert "build it in a file" in one_error_line(cli("demo", "--count", "5000"))
    assert len(cli.ok("list", "incidents").strip().splitlines()) == 2  # header + the one


# ------------------------------------------------------------------ restore and import on a server
def _server_backup(tmp_path, url: str) -> Path:
    from tests.cli_helpers import Cli

    cli = Cli(url)
    cli.ok("demo", "--count", "120")
    inc = cli.ok("new", "incident", "--title", "Café printer jams", "--impact", "high").strip()
    cli.ok("note", inc, "toner ✓ [bold]not markup[/]")
    return Path(cli.ok("backup", str(tmp_path)).strip())


def _rows(store: Store) -> dict[str, list]:
    """Every row of every desk table, in id order (the journal of a forced restore aside)."""
    out = {}
    with store.read() as session:
        for t in metadata.sorted_tables:
            if t.name == "sms_meta":
                continue
            order = ", ".join(f'"{c.name}"' for c in t.primary_key.columns)
            rows = session.execute(text(f'SELECT * FROM "{t.name}" ORDER BY {order}')).all()
            out[t.name] = [tuple(r) for r in rows if "SYS:integrity" not in tuple(r)]
    return out


def test_a_server_backup_restores_into_an_empty_server_desk_whole_and_verified(tmp_path, new_db):
    from tests.cli_helpers import Cli

    source = _pg_url(new_db)
    written = _server_backup(tmp_path, source)
    target = f"smspg_test_{secrets.token_hex(5)}"
    _admin(f'CREATE DATABASE "{target}"')
    try:
        url = _pg_url(target)
        out = Cli(url).ok("restore", str(written))
        assert out.startswith("restored ") and "(verified)" in out
        old, new = Store(source, actor="ann"), Store(url, actor="ann")
        try:
            assert _rows(new) == _rows(old)  # every row, every column, journal heads included
            assert verify_database(new).ok
            found = RecordService(new).list("incident", QueueFilter(open_only=False, text="cafe"))
            assert [r.title for r in found] == ["Café printer jams"]  # the search index works
            taken = {r.ref for r in RecordService(new).list("incident", limit=None)}
            assert RecordService(new).create("incident", title="after").ref not in taken
        finally:
            old.close()
            new.close()
        with psycopg_connect(url) as con:  # the foreign keys are as the migrations made them
            assert con.execute("SELECT count(*) FROM pg_constraint WHERE condeferrable")\
                .fetchone() == (0,)
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')


def psycopg_connect(url: str):
    import psycopg

    return psycopg.connect(url)


def test_restore_into_a_server_desk_that_holds_records_is_refused_in_one_line(tmp_path, new_db,
                                                                               pg_desk):
    from tests.cli_helpers import Cli, one_error_line
    from tests.conftest import empty_server_desk

    written = _server_backup(tmp_path, _pg_url(new_db))
    empty_server_desk(pg_desk)
    cli = Cli(pg_desk)
    cli.ok("new", "incident", "--title", "today's work")
    store = Store(pg_desk, actor="ann")
    try:
        before = _rows(store)
        line = one_error_line(cli("restore", str(written)))
        assert "not empty" in line and "nothing was restored" in line
        line = one_error_line(cli("restore", "--force", str(written)))
        assert "not empty" in line, "--force overrides verification, never the desk's records"
        assert _rows(store) == before
    finally:
        store.close()


def _forged(written: Path, tmp_path) -> Path:
    lines = written.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if '"_table": "incident"' in line and '"Café printer jams"' in line:
            lines[i] = line.replace('"Café printer jams"', '"forged"')
            break
    else:
        raise AssertionError("the incident is not in the backup")
    path = tmp_path / "forged.json"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_desk_holding_only_the_seeded_schedules_is_refused_naming_the_scheduler(tmp_path,
                                                                                   clock, new_db):
    """A cron job's `scheduler run` (or a desk opened on it for a moment) seeds the review
    schedules; a restore or a move was then refused with only "journal_entry has rows"."""
    from tests.cli_helpers import Cli, one_error_line

    path = _sqlite_desk(tmp_path, clock)
    backup = Path(Cli(path).ok("backup", str(tmp_path)).strip())
    url = _pg_url(new_db)
    Cli(url).ok("scheduler", "run", "--once")
    said = "only the review schedules a scheduler seeded -- 'sms-tui scheduler run'"
    restore = one_error_line(Cli(url)("restore", str(backup)))
    assert "is not empty" in restore and said in restore and "nothing was" in restore
    move = one_error_line(Cli(path)("migrate", "--to", url))
    assert said in move and "nothing was copied" in move


def test_a_forged_backup_is_refused_whole_and_force_restores_it_journaled(tmp_path, new_db,
                                                                          pg_desk):
    from tests.cli_helpers import Cli
    from tests.conftest import empty_server_desk

    forged = _forged(_server_backup(tmp_path, _pg_url(new_db)), tmp_path)
    empty_server_desk(pg_desk)
    cli = Cli(pg_desk)
    refused = cli("restore", str(forged))
    assert refused.exit_code == 1
    assert "record does not match its journal" in refused.stderr
    assert "title is 'forged'" in refused.stderr
    store = Store(pg_desk, actor="ann")
    try:
        assert all(rows == [] for rows in _rows(store).values())  # nothing restored
        forced = cli("restore", "--force", str(forged))
        assert forced.exit_code == 0, forced.stderr
        assert "restored despite 1 verification problem(s)" in forced.stdout
        with store.read() as session:
            action, note = session.execute(text(
                "SELECT action, note FROM journal_entry WHERE record_ref = 'SYS:integrity'")).one()
        assert action == "restore_forced" and "record does not match its journal" in note
        assert "forged" in [r.title for r in RecordService(store).list("incident", limit=None)]
    finally:
        store.close()


def test_a_backup_cut_short_or_not_a_backup_restores_nothing(tmp_path, new_db, pg_desk):
    from tests.cli_helpers import Cli, one_error_line
    from tests.conftest import empty_server_desk

    written = _server_backup(tmp_path, _pg_url(new_db))
    lines = written.read_text(encoding="utf-8").splitlines()
    short = tmp_path / "short.json"
    short.write_text("\n".join(lines[: len(lines) // 2]) + "\n", encoding="utf-8")
    rows = tmp_path / "rows.json"  # another tool's rows: importable, but not a backup
    rows.write_text('[{"_table": "incident", "title": "from elsewhere"}]', encoding="utf-8")
    empty_server_desk(pg_desk)
    cli = Cli(pg_desk)
    assert "cut short or edited" in cli("restore", str(short)).stderr
    assert "not an sms-tui backup" in one_error_line(cli("restore", str(rows)))
    store = Store(pg_desk, actor="ann")
    try:
        assert all(rows == [] for rows in _rows(store).values())
    finally:
        store.close()


def test_a_sqlite_backup_restores_into_an_empty_server_desk(tmp_path, clock, pg_desk):
    from tests.cli_helpers import Cli
    from tests.conftest import empty_server_desk

    path = _sqlite_desk(tmp_path, clock)
    backup = Path(Cli(path).ok("backup", str(tmp_path / "b.db")).strip())
    empty_server_desk(pg_desk)
    assert Cli(pg_desk).ok("restore", str(backup)).startswith("restored ")
    old, new = Store(path, actor="ann"), Store(pg_desk, actor="ann")
    try:
        assert _counts(new) == _counts(old)
        assert verify_database(new).ok
    finally:
        old.close()
        new.close()


def test_import_into_a_server_desk_adds_to_its_records_or_names_each_conflict(tmp_path, clock,
                                                                             pg_desk):
    from tests.cli_helpers import Cli
    from tests.conftest import empty_server_desk

    path = _sqlite_desk(tmp_path, clock)
    exported = tmp_path / "x.json"
    Cli(path).ok("export", "-o", str(exported))
    empty_server_desk(pg_desk)
    cli = Cli(pg_desk)
    assert cli.ok("import", str(exported)).startswith("imported ")
    store = Store(pg_desk, actor="ann")
    try:
        assert verify_database(store).ok
        before = _rows(store)
        again = cli("import", str(exported))  # the same records once more: every one refused
        assert again.exit_code == 1
        first = again.stderr.splitlines()[0]
        assert first.startswith("x.json: line 2: ") and "id 1 already exists" in first
        assert "nothing was written" in again.stderr.splitlines()[-1]
        assert _rows(store) == before
        rows = tmp_path / "rows.json"
        rows.write_text('[{"_table": "incident", "title": "from elsewhere", "status": "new", '
                        '"priority": 5, "impact": "low", "urgency": "low", "created_at": '
                        '"2025-02-01 08:00:00", "updated_at": "2025-02-01 08:00:00"}]',
                        encoding="utf-8")
        assert cli.ok("import", str(rows)).startswith("imported 1 rows")
        made = RecordService(store).list("incident", QueueFilter(open_only=False,
                                                                 text="elsewhere"))
        assert len(made) == 1 and made[0].ref not in {r[1] for r in before["incident"]}
        assert verify_database(store).ok
    finally:
        store.close()


def test_an_import_refused_by_the_server_says_so_without_the_drivers_noise(tmp_path, clock,
                                                                         pg_desk):
    """The installed program, the same records imported twice: psycopg's own warnings
    ("error ignored terminating <psycopg.Pipeline …>: pipeline aborted", 14 of them) came on
    stderr before the lines naming each conflict."""
    from tests.cli_helpers import Cli
    from tests.conftest import empty_server_desk

    path = _sqlite_desk(tmp_path, clock)
    exported = tmp_path / "x.json"
    Cli(path).ok("export", "-o", str(exported))
    empty_server_desk(pg_desk)
    first = subprocess.run(_sms("--db", pg_desk, "import", str(exported)), env=_env(), text=True,
                           capture_output=True, timeout=300)
    assert first.returncode == 0, first.stderr
    again = subprocess.run(_sms("--db", pg_desk, "import", str(exported)), env=_env(), text=True,
                           capture_output=True, timeout=300)
    assert again.returncode == 1
    lines = again.stderr.splitlines()
    assert [line for line in lines if not line.startswith(("x.json: line ", "sms-tui: ", "... and "))] == []
    assert lines[0].startswith("x.json: line 2: ")


def test_opening_the_desk_and_reading_never_wait_for_a_write_in_progress(pg_desk, monkeypatch):
    from tests.conftest import empty_server_desk

    empty_server_desk(pg_desk)
    holder = Store(pg_desk, actor="ann")
    RecordService(holder).create("incident", title="there before")
    monkeypatch.setenv("SMS_TUI_BUSY_TIMEOUT", "1")
    try:
        with holder.write() as session:
            session.execute(text("SELECT 1"))  # ann's transaction holds the desk's write lock
            reader = Store(pg_desk, actor="bob")  # connects, checks the schema
            try:
                rows = RecordService(reader).list("incident", limit=None)
            finally:
                reader.close()
        assert [r.title for r in rows] == ["there before"]
    finally:
        holder.close()


def test_a_writer_held_up_too_long_is_told_the_desk_is_busy_and_writes_nothing(pg_desk, monkeypatch):
    from tests.conftest import empty_server_desk

    empty_server_desk(pg_desk)
    holder = Store(pg_desk, actor="ann")
    monkeypatch.setenv("SMS_TUI_BUSY_TIMEOUT", "1")
    waiter = Store(pg_desk, actor="bob")
    try:
        with holder.write() as session:
            session.execute(text("SELECT 1"))  # ann's transaction now holds the desk's write lock
            with pytest.raises(DeskError, match="is busy") as info:
                RecordService(waiter).create("incident", title="bob's")
            assert "\n" not in str(info.value)
        assert RecordService(waiter).list("incident", limit=None) == []
    finally:
        holder.close()
        waiter.close()


def test_a_command_that_made_a_new_desk_on_the_server_says_so(new_db):
    """`list incidents` on an empty server database migrated it into a desk, silently (a
    trial ran it against the server's own 'postgres' database): said once, as for a file."""
    url = _pg_url(new_db)
    first = subprocess.run(_sms("--db", url, "list", "incidents"), env=_env(), text=True,
                           capture_output=True, timeout=120)
    assert first.returncode == 0 and first.stdout.strip() == "(none)"
    assert first.stderr.splitlines() == [f"sms-tui: created a new desk at {url}"]
    again = subprocess.run(_sms("--db", url, "list", "incidents"), env=_env(), text=True,
                           capture_output=True, timeout=120)
    assert again.returncode == 0 and again.stderr == ""


# ------------------------------------------------------------------ the scheduler's lead
LEADER = """
import signal, sys, time
from sms_tui.services.core.scheduler import DeskScheduler, register_periodic
from sms_tui.services.core.store import Store

def slow(ctx):
    print("in check", flush=True)
    time.sleep(float(sys.argv[3]))
    print("check done", flush=True)

if float(sys.argv[3]):
    register_periodic("slow_probe", slow, seconds=3600)
store = Store(sys.argv[1], actor="dan")
scheduler = DeskScheduler(store, lease_s=float(sys.argv[2]))
print("leads" if scheduler.leads else "follows", flush=True)
scheduler.start(first_after=0 if float(sys.argv[3]) else 3600)  # the slow check: at once
for line in sys.stdin:  # each line asks: does it still lead?
    print("leads" if scheduler.leads else "follows", flush=True)
scheduler.shutdown()
"""


def _leader_process(url: str, lease_s: float, check_s: float = 0.0) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", LEADER, url, str(lease_s), str(check_s)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=_env())
    assert proc.stdout.readline().strip() == "leads", proc.stderr.read()
    return proc


def _wait_until(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def test_a_stopped_leader_loses_the_lead_after_its_lease_and_runs_nothing_once_resumed(
        pg_desk, clock):
    # dan's TUI, stopped with ctrl+z, kept the lead: nobody raised the review that was due,
    # and 'scheduler run --once' said "nothing to do", until dan resumed
    from tests.conftest import empty_server_desk

    empty_server_desk(pg_desk)
    store = Store(pg_desk, actor="cara", clock=clock)
    proc = _leader_process(pg_desk, lease_s=1.0)
    try:
        ReviewService(store).ensure_schedules()
        cara = DeskScheduler(store)
        assert not cara.leads  # dan leads while his process runs
        os.kill(proc.pid, signal.SIGSTOP)
        assert _wait_until(lambda: cara.leads, 30)  # a deadline for a stuck test, not a speed check
        clock.set(datetime(2026, 4, 1, 0, 1, tzinfo=UTC))
        assert cara.run_once()["raise_due_reviews"].startswith("14 review(s) raised")
        assert cara.leads  # run_once let go of the lead: take it again, as a TUI keeps it
        os.kill(proc.pid, signal.SIGCONT)
        proc.stdin.write("still?\n")
        proc.stdin.flush()
        assert proc.stdout.readline().strip() == "follows"
        cara.shutdown()
    finally:
        os.kill(proc.pid, signal.SIGCONT)
        proc.kill()
        proc.wait(timeout=30)
        store.close()


def test_a_leader_stopped_in_the_middle_of_a_check_keeps_the_lead_until_it_is_done(pg_desk):
    # the lease must not hand the checks to another while a stopped leader's check is half
    # done: on resuming it would finish it while the new leader runs the same check
    from tests.conftest import empty_server_desk

    empty_server_desk(pg_desk)
    store = Store(pg_desk, actor="cara")
    proc = _leader_process(pg_desk, lease_s=0.5, check_s=3.0)
    try:
        assert proc.stdout.readline().strip() == "in check"
        os.kill(proc.pid, signal.SIGSTOP)
        cara = DeskScheduler(store)
        time.sleep(3)  # six times the lease: an idle leader would have lost it long ago
        assert not cara.leads
        os.kill(proc.pid, signal.SIGCONT)
        assert proc.stdout.readline().strip() == "check done"
        proc.stdin.write("still?\n")
        proc.stdin.flush()
        assert proc.stdout.readline().strip() == "leads"
        cara.shutdown()
    finally:
        os.kill(proc.pid, signal.SIGCONT)
        proc.kill()
        proc.wait(timeout=30)
        store.close()


def test_scheduler_once_while_another_leads_says_so_instead_of_nothing_to_do(pg_desk):
    from tests.conftest import empty_server_desk

    empty_server_desk(pg_desk)
    store = Store(pg_desk, actor="dan")
    leader = DeskScheduler(store)
    try:
        assert leader.leads
        done = subprocess.run(_sms("--db", pg_desk, "scheduler", "run", "--once"), env=_env(),
                              text=True, capture_output=True, timeout=120)
        assert done.returncode == 0, done.stderr
        lines = done.stdout.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("another scheduler leads: dan on "), lines
        assert lines[0].endswith("checks not run here") and "nothing to do" not in done.stdout
    finally:
        leader.shutdown()
        store.close()


@pytest.fixture
def role(pg_desk):
    """A role of this test's own on the desk, granted CONNECT, USAGE and SELECT only (more
    with ``grant(sql)``); its URL is ``role.url``. Dropped after."""
    from tests.conftest import empty_server_desk

    empty_server_desk(pg_desk)
    name = f"smspg_ro_{secrets.token_hex(4)}"
    database = pg_desk.rsplit("/", 1)[1]
    _admin(f'CREATE ROLE "{name}" LOGIN')
    _admin(f'GRANT CONNECT ON DATABASE "{database}" TO "{name}"')

    class Role:
        url = pg_desk.replace("postgres@", f"{name}@", 1)

        @staticmethod
        def grant(sql: str) -> None:
            with psycopg_connect(pg_desk) as con:
                con.execute(sql.replace("{role}", f'"{name}"'))

    Role.grant("GRANT USAGE ON SCHEMA public TO {role}")
    Role.grant("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
    yield Role
    Role.grant(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{name}'")
    Role.grant("DROP OWNED BY {role}")
    _admin(f'REVOKE ALL ON DATABASE "{database}" FROM "{name}"')
    _admin(f'DROP ROLE "{name}"')


def _due_review(url: str) -> None:
    seed = Store(url, actor="seed", clock=lambda: datetime(2025, 1, 6, tzinfo=UTC))
    ReviewService(seed).ensure_schedules()  # due ever since
    seed.close()


def test_a_role_that_may_only_read_never_leads_and_the_others_do_the_checks(role, pg_desk):
    # a read-only analyst's TUI held the lead: "permission denied for table review_task
    # [SQL: INSERT ...]" at every check, and cron's run said "nothing to do" with a review due
    _due_review(pg_desk)
    reader, writer = Store(role.url, actor="ro"), Store(pg_desk, actor="cron")
    errors = []
    try:
        theirs = DeskScheduler(reader, on_error=lambda name, exc: errors.append(exc))
        assert not theirs.leads
        assert all(v is None for v in theirs.run_once().values()) and errors == []
        assert "is read-only for role" in theirs.not_run
        raised = DeskScheduler(writer).run_once()["raise_due_reviews"]
        assert raised and "review(s) raised" in raised
        theirs.shutdown()
    finally:
        reader.close()
        writer.close()
    done = subprocess.run(_sms("--db", role.url, "scheduler", "run", "--once"), env=_env(),
                          text=True, capture_output=True, timeout=120)
    assert done.returncode == 1 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "is read-only for role" in lines[0], done.stderr
    assert "checks not run here" in lines[0] and "SQL" not in lines[0]


def test_a_leader_whose_check_is_refused_for_lack_of_privilege_gives_up_the_lead(role, pg_desk):
    # may add to the journal (so it looks like a writer) but not raise reviews
    role.grant("GRANT INSERT ON journal_entry TO {role}")
    _due_review(pg_desk)
    reader, writer = Store(role.url, actor="ro"), Store(pg_desk, actor="cron")
    errors = []
    try:
        theirs = DeskScheduler(reader, on_error=lambda name, exc: errors.append(exc))
        assert theirs.leads
        theirs.run_once()
        assert errors and "is read-only for role" in str(errors[0])
        assert not theirs.leads  # and it never takes it again
        assert "review(s) raised" in DeskScheduler(writer).run_once()["raise_due_reviews"]
        theirs.shutdown()
    finally:
        reader.close()
        writer.close()


@pytest.mark.parametrize("args", [
    ("note", "INC-000001", "x"),
    ("new", "incident", "--title", "lost?"),
    ("transition", "INC-000001", "in_progress"),
])
def test_a_role_that_may_only_read_is_told_the_desk_is_read_only_in_one_line(role, pg_desk, args):
    # it was "internal error: ProgrammingError: (raised as a result of Query-invoked
    # autoflush...) (psycopg.errors.InsufficientPrivilege) permission denied ... [SQL: ...]"
    subprocess.run(_sms("--db", pg_desk, "new", "incident", "--title", "kept"), env=_env(),
                   check=True, capture_output=True, timeout=120)
    done = subprocess.run(_sms("--db", role.url, *args), env=_env(), text=True,
                          capture_output=True, timeout=120)
    assert done.returncode == 1 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"sms-tui: error: the desk on 127.0.0.1:5432 is read-only for role "
                               f"'{role.url.split('//')[1].split('@')[0]}' (permission denied for "
                               "table "), lines[0]
    assert lines[0].endswith("; nothing was written") and "SQL" not in lines[0]
    store = Store(pg_desk, actor="auditor")
    try:
        assert len(RecordService(store).list("incident", limit=None)) == 1
        assert len(RecordService(store).get("INC-000001").journal) == 1
    finally:
        store.close()


def test_a_report_by_a_role_that_may_only_read_is_refused_and_not_written(role, tmp_path):
    out = tmp_path / "r.html"
    done = subprocess.run(_sms("--db", role.url, "report", "--period", "month", "-o", str(out)),
                          env=_env(), text=True, capture_output=True, timeout=120)
    assert done.returncode == 1 and not out.exists()
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "is read-only for role" in lines[0], done.stderr
    assert "permission denied for table report_run" in lines[0] and "SQL" not in lines[0]


def test_verify_as_a_role_that_may_only_read_sees_the_journal_triggers(role, pg_desk):
    # it said "the journal is not protected against edits (missing triggers: ...)": the
    # triggers exist, but information_schema shows only those of tables the role may change
    subprocess.run(_sms("--db", pg_desk, "new", "incident", "--title", "kept"), env=_env(),
                   check=True, capture_output=True, timeout=120)
    store = Store(role.url, actor="auditor")
    try:
        report = verify_database(store)
        assert report.ok, report.problems
        assert report.journals == 1
    finally:
        store.close()
    done = subprocess.run(_sms("--db", role.url, "verify"), env=_env(), text=True,
                          capture_output=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok: 1 records" in done.stdout


def test_the_desk_says_at_start_that_it_is_read_only_for_this_role(role, pg_desk):
    # the TUI said nothing until the first save, then showed the whole SQL in a toast
    import asyncio

    from sms_tui.config import Config
    from sms_tui.ui.app import DeskApp

    async def said_at_start(url: str) -> list[str]:
        app = DeskApp(db_path=url, actor="ro", poll_interval=None,
                      config=Config(raw={"reviews": {"scheduler_in_tui": True}}))
        async with app.run_test(size=(100, 30)) as pilot:
            deadline = time.monotonic() + 30
            while app.review_scheduler.scheduler is None and time.monotonic() < deadline:
                await pilot.pause(0.1)  # the scheduler starts after the notices of the start
            await pilot.pause(0.2)
            assert app.startup_error is None
            return [str(n.message) for n in app._notifications]

    shown = asyncio.run(said_at_start(role.url))
    read_only = [m for m in shown if "is read-only for role" in m]
    assert len(read_only) == 1 and "\n" not in read_only[0] and len(read_only[0]) < 120, shown
    assert read_only[0].endswith("records can be read, not changed")
    assert not any("read-only" in m for m in asyncio.run(said_at_start(pg_desk)))
