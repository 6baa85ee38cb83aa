"""Shared fixtures: a fresh database per test, a controllable clock, the services.

Tests never sleep: time moves only when a test calls ``clock.advance(...)``.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

# Bytecode caches are written as Python writes them by default, whatever PYTHONDONTWRITEBYTECODE
# says (some shells and CI images set it): without them every xdist worker rewrote the asserts
# of every test module again (~6 s of CPU each, before its first test) and every `sms-tui` a
# test starts compiled the package again. Caches go to __pycache__ (ignored by git).
sys.dont_write_bytecode = False

# Nothing a test does may touch the real user's data or config.
os.environ.pop("SMS_TUI_DB", None)
os.environ.pop("SMS_TUI_CONFIG", None)
os.environ.pop("SMS_TUI_STATE_DIR", None)
os.environ.pop("SMS_TUI_TIMER_SCALE", None)
os.environ.pop("SMS_TUI_LOG", None)
os.environ.setdefault("SMS_TUI_USER", "tester")


class FakeClock:
    """A clock that stands still until told to move."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **kwargs: float) -> datetime:
        self.current += timedelta(**kwargs)
        return self.current

    def set(self, when: datetime) -> None:
        self.current = when


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory, monkeypatch):
    """Point platformdirs' data/config dirs at a temporary home for every test."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))  # crash logs, drafts
    monkeypatch.setenv("HOME", str(home))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


# ------------------------------------------------------------------ the two backends
# The storage, services, CLI and concurrency tests run on the SQLite file AND on a real
# PostgreSQL server (team mode, issue 19): these modules get every test that uses the
# `backend` fixture (through `db_path`, `store`, `records`...) twice, ids [sqlite] and
# [postgresql]. A test about the SQLite file itself (permissions, FIFOs, WAL, the stdlib
# first page, the file's bytes) carries @pytest.mark.sqlite_only: one run, by design.
BOTH_BACKENDS = {
    "test_lifecycle", "test_journal", "test_fts_search", "test_concurrency", "test_cli",
    "test_reviews", "test_reviews_cli", "test_reviews_events", "test_scheduler",
    "test_migrations", "test_server_desk", "test_team", "test_requests", "test_problems",
    "test_changes", "test_known_errors", "test_major_incidents", "test_reports",
    "test_evidence", "test_evidence_as_at", "test_transfer", "test_demo", "test_sla_incidents", "test_mail_attachments",
    "test_mail_imap", "test_request_sla", "test_ci_graph", "test_change_ci_updates", "test_nul_text",
}
PG_ADMIN_URL = os.environ.get("SMS_TUI_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def pytest_xdist_auto_num_workers(config) -> int:
    """``-n auto``: three workers per core (at most 12). Most of a TUI or terminal test is
    spent waiting -- Textual's idle detection sleeps in 20 ms steps, the end-to-end tests wait
    for the real program's screen -- so one worker per core left the cores idle 40-70 % of
    the time (tests/ui: 26 % busy with 2 workers, 10 min for the suite; 7 min with 6)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(2, min(3 * cores, 12))


_SLOW_FIRST = ("tests/e2e/", "tests/ui/", "tests/reliability/", "tests/test_team.py",
               "tests/test_demo.py", "tests/test_migrations.py", "tests/test_evidence_status.py")


def pytest_collection_modifyitems(config, items) -> None:
    """The slow folders and modules first (the real program in a terminal, the TUI, hostile
    machines, the server desk), the quick unit tests last: xdist hands tests out in this order, so the last minute is
    spent on short tests filling every worker, not on one worker finishing a 20 s test."""
    def rank(item) -> int:
        return next((i for i, folder in enumerate(_SLOW_FIRST) if item.nodeid.startswith(folder)),
                    len(_SLOW_FIRST))

    items.sort(key=rank)  # stable: each module's tests stay together, in their order


def pytest_collection_finish(session) -> None:
    """What every test shares (the modules, the collected tests) is moved out of the garbage
    collector's sight, as the app does once its services are open: the full collections the
    tests set off no longer walk it again and again."""
    import gc

    gc.collect()
    gc.freeze()


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session) -> None:
    """With ``-n``: compile the package and rewrite the test modules' asserts once, here, before
    the workers start. On a fresh clone no cache exists yet, and every worker compiled the
    same ~170 modules and rewrote the same ~150 test modules at once (6 times the work, all
    of it before its first test). Anything this cannot do, the workers do as before."""
    config = session.config
    if hasattr(config, "workerinput") or not config.getoption("numprocesses", default=None):
        return
    _write_caches_once(config, Path(__file__).resolve().parent)


def _write_caches_once(config, tests: Path) -> None:
    import compileall
    import contextlib

    with contextlib.suppress(Exception):
        compileall.compile_dir(str(tests.parent / "sms_tui"), quiet=1, workers=0)
    try:
        from _pytest.assertion import rewrite

        state = config.stash[rewrite.assertstate_key]
        for source in sorted(tests.rglob("*.py")):
            if not (source.name.startswith("test_") or source.name == "conftest.py"):
                continue
            cache = rewrite.get_cache_dir(source)
            pyc = cache / (source.stem + rewrite.PYC_TAIL)
            if rewrite._read_pyc(source, pyc, state.trace) is not None:
                continue  # cached already
            source_stat, code = rewrite._rewrite_test(source, config)
            if rewrite.try_makedirs(cache):
                rewrite._write_pyc(state, code, source_stat, pyc)
    except Exception:  # pytest's internals moved: the workers rewrite as they always did
        pass


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only: about the SQLite file itself (one backend)")
    config.addinivalue_line("markers", "fresh_desk: db_path names no file yet (the first run "
                                       "creates and migrates it)")


def pytest_generate_tests(metafunc):
    if "backend" not in metafunc.fixturenames:
        return
    module = metafunc.module.__name__.rsplit(".", 1)[-1]
    if module in BOTH_BACKENDS and not metafunc.definition.get_closest_marker("sqlite_only"):
        metafunc.parametrize("backend", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def backend(request) -> str:
    return getattr(request, "param", "sqlite")


def _pg_url(database: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(PG_ADMIN_URL).set(database=database).render_as_string(hide_password=False)


def _admin(sql: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(PG_ADMIN_URL)
    with psycopg.connect(host=u.host, port=u.port or 5432, user=u.username, password=u.password,
                         dbname=u.database, autocommit=True) as con:
        con.execute(sql)


@pytest.fixture(scope="session")
def pg_desk():
    """A fresh PostgreSQL database for this test session (this xdist worker), migrated once,
    dropped at the end. Yields its URL."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"smspg_test_{worker}_{secrets.token_hex(4)}"
    _admin(f'CREATE DATABASE "{name}"')
    url = _pg_url(name)
    try:
        from sms_tui.storage.server import ensure_server_schema

        ensure_server_schema(url)
        yield url
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def empty_server_desk(url: str) -> None:
    """Every desk table emptied, ids restarting at 1: a new desk, without migrating again."""
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    with psycopg.connect(host=u.host, port=u.port or 5432, user=u.username, password=u.password,
                         dbname=u.database, autocommit=True) as con:
        # a scheduler a test left running keeps the leader's advisory lock in its session
        con.execute("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
                    "AND database = (SELECT oid FROM pg_database WHERE datname = "
                    "current_database()) AND pid <> pg_backend_pid()")
        tables = [r[0] for r in con.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "AND tablename <> 'alembic_version'")]
        # only the tables holding rows: TRUNCATE makes new files for each table it names
        # (~110 ms for all of them, ~15 ms for the few a test writes)
        filled = [r[0] for r in con.execute(" UNION ALL ".join(
            f"SELECT '{t}' FROM (SELECT 1 FROM \"{t}\" LIMIT 1) AS x" for t in tables))]
        if filled:
            con.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in filled) + " CASCADE")
        # every id restarts at 1, also where a rolled-back insert took one from an empty table
        sequences = [r[0] for r in con.execute(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema() "
            "AND last_value IS NOT NULL")]
        if sequences:
            con.execute("; ".join(f'ALTER SEQUENCE "{q}" RESTART' for q in sequences))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A new desk, created and migrated by the product once per test session (xdist worker).

    Migrating a new file through every revision costs ~150 ms; copying the result costs ~1 ms.
    A fresh desk holds only its schema (no record, no journal entry, no key), so a copy is the
    same desk the first run makes. Tests of that first run take ``fresh_desk``.
    """
    from sms_tui.services.core.store import Store

    path = tmp_path_factory.mktemp("template") / "desk.db"
    Store(path, actor="tester").close()
    assert not Path(f"{path}-wal").exists()  # all of it is in the one file
    return path


def new_desk_file(path: Path, template: Path) -> Path:
    """``path`` made a new, migrated, private desk (a copy of the session's template)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, path)
    path.chmod(0o600)
    return path


@pytest.fixture
def db_path(tmp_path: Path, backend, request) -> Path | str:
    """The desk: a new migrated file (sqlite) or the session's server database URL, emptied.

    With ``@pytest.mark.fresh_desk`` the file does not exist yet."""
    if backend == "postgresql":
        url = request.getfixturevalue("pg_desk")
        empty_server_desk(url)
        return url
    path = tmp_path / "desk.db"
    if request.node.get_closest_marker("fresh_desk") is None:
        new_desk_file(path, request.getfixturevalue("sqlite_template"))
    return path


@pytest.fixture
def store(db_path, clock):
    from sms_tui.services.core.store import Store

    s = Store(db_path, actor="tester", clock=clock)
    yield s
    s.close()


@pytest.fixture
def records(store):
    from sms_tui.services.core.records import RecordService

    return RecordService(store)
