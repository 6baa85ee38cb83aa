"""``sms-tui new incident`` without SQLAlchemy writes what the services write (issue 20).

:mod:`sms_tui.services.core.quick_record` records the common incident with the standard
library. An auditor must not be able to tell its records from the services': the
same row, the same journal entry chained by the same hash, and the same refusals.
Whatever it cannot write exactly (a requester, a security risk, a major incident, a
keyed journal) goes to the services, with nothing written by it.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sms_tui.config import load_config
from sms_tui.domain.errors import DeskError
from sms_tui.domain.kinds import Kind
from sms_tui.services.admin.integrity import verify_file
from sms_tui.services.core import hooks
from sms_tui.services.core.journal import digest_row
from sms_tui.services.core.quick_record import RULES_ON_CREATE, record_incident
from sms_tui.services.core.records import RecordService
from sms_tui.services.core.store import Store
from sms_tui.storage.engine import BUSY_TIMEOUT_S
from sms_tui.storage.models import ConfigurationItem, Service
from sms_tui.storage.quick import WRITE_WAIT_S
from tests.conftest import FakeClock

CONFIG = """
[major_incident]
priorities = ["P1"]
categories = ["security breach"]
service_criticality = ["high"]
"""
SERVICES = {"Email": "high", "Website": "low", "Printing": "medium"}
CIS = ("mail-01", "web-01")


def _desk(folder, name: str):
    path = folder / f"{name}.toml"
    path.write_text(CONFIG, encoding="utf-8")
    config = load_config(path)
    clock = FakeClock()
    store = Store(folder / f"{name}.db", config, actor="ann", clock=clock)
    with store.write() as session:
        for service, criticality in SERVICES.items():
            session.add(Service(name=service, criticality=criticality, created_at=clock()))
        for ci in CIS:
            session.add(ConfigurationItem(name=ci, created_at=clock(), updated_at=clock()))
    return store, clock


@pytest.fixture(scope="module")
def desks(tmp_path_factory):
    """Two desks alike: one written by the services, one by the standard-library path."""
    folder = tmp_path_factory.mktemp("quick-record")
    services, clock_s = _desk(folder, "services")
    quick, clock_q = _desk(folder, "quick")
    yield services, clock_s, quick, clock_q
    services.close()
    quick.close()


def _last(path, table: str, order: str = "id") -> dict:
    con = sqlite3.connect(path)
    con.row_factory = sqlite3.Row
    try:
        row = con.execute(f"SELECT * FROM {table} ORDER BY {order} DESC LIMIT 1").fetchone()
        return dict(row)
    finally:
        con.close()


def _count(path, table: str) -> int:
    con = sqlite3.connect(path)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


def _as_the_command_asks(given: dict) -> dict:
    """What ``new incident`` hands the services for these options (see cli/records.py)."""
    out = {k: v for k, v in given.items() if v is not None}
    out["impact"] = (given["impact"] or "medium").lower()
    out["urgency"] = (given["urgency"] or "medium").lower()
    return out


SIDE_TABLES = ("journal_entry", "communication", "major_step", "security_step")

names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8)
fields = st.fixed_dictionaries({
    "title": st.one_of(st.text(max_size=12), st.sampled_from(["Printer jam", "  VPN down ", "x" * 201])),
    "impact": st.one_of(st.none(), st.sampled_from(["high", "Medium", "low", "LOW"])),
    "urgency": st.one_of(st.none(), st.sampled_from(["high", "medium", "Low"])),
    "description": st.one_of(st.just(""), st.text(max_size=20)),
    "service": st.one_of(st.none(), st.sampled_from([*SERVICES, "Nope", ""])),
    "ci": st.one_of(st.none(), st.sampled_from([*CIS, "no-such-ci"])),
    "category": st.one_of(st.just(""), names, st.sampled_from(["security breach", "c" * 101])),
    "assignee": st.one_of(st.just(""), names, st.just(" Dana ")),
    "security_risk": st.one_of(st.none(), st.sampled_from(["none", "None", "low", "high", "bogus"])),
})


# the common incident: this path must write it (not leave it to the services)
PLAIN = {"title": " Printer jam on 3rd floor ", "impact": "low", "urgency": None,
         "description": "Tray 2\nsince 9:00", "service": "Website", "ci": "web-01",
         "category": "hardware", "assignee": " Dana ", "security_risk": "none"}


@example(given_fields={**PLAIN, "title": "0\x00"}, seconds=0, micro=0)  # NUL: both refuse (#19)
@example(given_fields=PLAIN, seconds=61, micro=0)
@example(given_fields=PLAIN, seconds=0, micro=123)
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(given_fields=fields, seconds=st.integers(0, 10**7), micro=st.sampled_from([0, 1, 999999]))
def test_an_incident_recorded_without_sqlalchemy_is_the_one_the_services_record(
        desks, given_fields, seconds, micro):
    services, clock_s, quick, clock_q = desks
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC) + timedelta(seconds=seconds, microseconds=micro)
    clock_s.set(now)
    clock_q.set(now)
    before = {t: _count(quick.path, t) for t in SIDE_TABLES}
    try:
        through_services = RecordService(services).create(Kind.INCIDENT,
                                                           **_as_the_command_asks(given_fields))
    except DeskError:
        through_services = None
    ref = record_incident(quick.path, quick.config, "ann", now, **given_fields)
    if through_services is None:
        assert ref is None  # never writes what the services refuse
        assert {t: _count(quick.path, t) for t in SIDE_TABLES} == before
        return
    assert ref is not None or given_fields != PLAIN
    if ref is None:
        # left to the services: they must then have done more than stamp the row
        RecordService(quick).create(Kind.INCIDENT, **_as_the_command_asks(given_fields))
        row = _last(quick.path, "incident")
        assert row["major"] or row["security_risk"] != "none"
        return
    assert ref == _last(quick.path, "incident")["ref"]
    assert ref.startswith("INC-")
    ours, theirs = _last(quick.path, "incident"), _last(services.path, "incident")
    for row in (ours, theirs):
        del row["id"], row["ref"]
    assert ours == theirs
    ours, theirs = _last(quick.path, "journal_entry"), _last(services.path, "journal_entry")
    assert ours["record_ref"] == ref and ours["prev_hash"] == ""
    assert ours["hash"] == digest_row(ours["prev_hash"], ref, ours["record_kind"], ours["at"],
                                      ours["actor"], ours["action"], ours["changes"], ours["note"])
    for row in (ours, theirs):
        del row["id"], row["record_ref"], row["hash"]
    assert ours == theirs
    after = {t: _count(quick.path, t) for t in SIDE_TABLES}
    assert after == {**before, "journal_entry": before["journal_entry"] + 1}


def test_the_desk_written_without_sqlalchemy_verifies(desks):
    quick = desks[2]
    for title in ("One", "Two", "Three"):
        assert record_incident(quick.path, quick.config, "ann", quick.now(), title=title)
    report = verify_file(quick.path)
    assert report.ok, report


def test_the_rules_on_a_new_incident_are_the_ones_this_path_knows():
    """A rule added to new incidents must be taught to quick_record (done, or left to the
    services) before the path may go on skipping the services."""
    hooks.load(Kind.INCIDENT)
    registered = {f"{fn.__module__}:{fn.__name__}" for fn in hooks._HOOKS["after_create"][Kind.INCIDENT]}
    assert registered == set(RULES_ON_CREATE)


def test_the_write_waits_for_a_lock_as_long_as_the_services():
    assert WRITE_WAIT_S == BUSY_TIMEOUT_S


def test_a_major_incident_is_left_to_the_services(desks):
    quick = desks[2]
    before = _count(quick.path, "incident")
    assert record_incident(quick.path, quick.config, "ann", quick.now(), title="All mail down",
                           service="Email", impact="high") is None
    assert record_incident(quick.path, quick.config, "ann", quick.now(), title="P1",
                           impact="high", urgency="high") is None
    assert _count(quick.path, "incident") == before


def test_a_security_incident_is_left_to_the_services(desks):
    quick = desks[2]
    assert record_incident(quick.path, quick.config, "ann", quick.now(), title="Phish",
                           security_risk="low") is None


def test_a_keyed_journal_is_left_to_the_services(desks, tmp_path):
    quick = desks[2]
    path = tmp_path / "keyed.toml"
    path.write_text(CONFIG + '\n[journal]\nkey_env = "SMS_TUI_TEST_KEY"\n', encoding="utf-8")
    assert record_incident(quick.path, load_config(path), "ann", quick.now(), title="x") is None


def test_a_missing_or_older_database_is_left_to_the_services(desks, tmp_path):
    quick = desks[2]
    missing = tmp_path / "none.db"
    assert record_incident(missing, quick.config, "ann", quick.now(), title="x") is None
    assert not missing.exists()
    older = tmp_path / "older.db"
    source = sqlite3.connect(quick.path)  # never read the file itself: closing it would drop
    con = sqlite3.connect(older)  # this process's SQLite locks on it (sqlite.org/howtocorrupt)
    source.backup(con)
    source.close()
    con.execute("UPDATE alembic_version SET version_num = '0001'")
    con.commit()
    con.close()
    before = _count(older, "incident")
    assert record_incident(older, quick.config, "ann", quick.now(), title="x") is None
    assert _count(older, "incident") == before


def test_text_sqlite_cannot_hold_is_left_to_the_services(desks):
    quick = desks[2]
    before = _count(quick.path, "incident")
    assert record_incident(quick.path, quick.config, "ann", quick.now(), title="bad \udcff") is None
    assert _count(quick.path, "incident") == before


def _new_command(db, config, *args: str) -> tuple[subprocess.CompletedProcess, bool]:
    """``sms-tui new incident ARGS`` in a fresh interpreter: the result, and whether it
    loaded SQLAlchemy."""
    code = (
        "import sys\n"
        "from sms_tui.cli import main\n"
        "try:\n"
        f"    main(['--db', {str(db)!r}, '--config', {str(config)!r}, '--as', 'ann', 'new', "
        f"'incident', *{list(args)!r}], standalone_mode=False)\n"
        "finally:\n"
        "    print('LOADED' if 'sqlalchemy' in sys.modules else 'NOT LOADED', file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    return result, "NOT LOADED" not in result.stderr


def test_the_new_command_records_a_plain_incident_without_sqlalchemy(desks):
    quick = desks[2]
    result, loaded = _new_command(quick.path, quick.config.path, "--title", "Toner low",
                                  "--impact", "low", "--category", "printing")
    assert result.returncode == 0, result.stderr
    assert not loaded
    ref = result.stdout.strip()
    record = RecordService(quick).get(ref)
    assert (record.title, record.priority, record.category) == ("Toner low", 4, "printing")
    assert [e.action for e in record.journal] == ["create"]


def test_the_new_command_leaves_a_major_incident_to_the_services(desks):
    quick = desks[2]
    result, loaded = _new_command(quick.path, quick.config.path, "--title", "Mail down",
                                  "--service", "Email", "--impact", "high")
    assert result.returncode == 0, result.stderr
    assert loaded
    ref = result.stdout.strip()
    assert _last(quick.path, "incident")["ref"] == ref and _last(quick.path, "incident")["major"]
    assert f"{ref} is a MAJOR incident" in result.stderr


def test_the_new_command_refuses_in_the_services_words(desks):
    quick = desks[2]
    result, _ = _new_command(quick.path, quick.config.path, "--title", "x", "--service", "Nope")
    assert result.returncode != 0
    assert "no service named 'Nope'; known services: Email, Printing, Website" in result.stderr
