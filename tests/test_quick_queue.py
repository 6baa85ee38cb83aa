"""The first queue page read before SQLAlchemy is imported shows what the services show.

The TUI paints the first rows of its queue from :mod:`sms_tui.services.core.quick_queue`
while the services are still loading; the analyst must not see those rows
change (order, status, SLA label) when the services take over a moment later.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from dataclasses import fields, replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sms_tui.config import Config
from sms_tui.domain.kinds import Kind
from sms_tui.domain.lifecycle import lifecycle_for
from sms_tui.services.core.quick_queue import TABLES, first_page, list_rows
from sms_tui.services.core.store import Store
from sms_tui.services.core.views import SORTS, QueueFilter
from sms_tui.services.demo.bulk import fill_bulk
from sms_tui.services.incidents.sla import SlaService
from sms_tui.storage.models import RECORD_TABLES
from sms_tui.ui.widgets.incident_columns import IncidentQueue
from sms_tui.ui.widgets.queue_table import RecordQueue
from tests.conftest import FakeClock

LIMIT = 100


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    """A bulk demo desk: every kind, every state, majors, breached and paused SLA clocks."""
    clock = FakeClock()
    store = Store(tmp_path_factory.mktemp("quick") / "desk.db", actor="tester", clock=clock)
    fill_bulk(store, count=2500, seed=11, rich=40)
    from sms_tui.services.core.records import RecordService

    yield store, RecordService(store), SlaService(store)
    store.close()


def _source(desk, kind: Kind, flt: QueueFilter):
    """The queue's rows through the services, as the queue screen reads them: incidents and
    requests with their SLA clocks."""
    _store, records, sla = desk
    if kind in (Kind.INCIDENT, Kind.REQUEST):
        return IncidentQueue(records, kind.value, flt, sla)
    return RecordQueue(records, kind.value, flt)


def _through_services(desk, kind: Kind, flt: QueueFilter):
    source = _source(desk, kind, flt)
    total = source.count()
    return total, source.rows(0, LIMIT) if total else []


def _quick(desk, kind: Kind, flt: QueueFilter):
    store = desk[0]
    page = first_page(store.path, store.config, kind, flt, LIMIT, store.now())
    assert page is not None
    return page.total, page.rows


def test_every_record_kind_has_its_table():
    assert {kind.value: table for kind, table in TABLES.items()} == \
        {kind: model.__tablename__ for kind, model in RECORD_TABLES.items()}


@pytest.mark.parametrize("kind", list(Kind))
def test_the_default_queue_of_every_kind_is_the_services_page(desk, kind):
    expected = _through_services(desk, kind, QueueFilter())
    assert expected[0] > 0 and expected[1], "the demo desk has open records of every kind"
    assert _quick(desk, kind, QueueFilter()) == expected


def test_incident_rows_carry_the_same_sla_labels_as_the_services(desk):
    total, rows = _quick(desk, Kind.INCIDENT, QueueFilter(open_only=False, sort="updated"))
    labels = {row.sla_short for row in rows}
    assert len(labels) > 3  # a real mix of clocks: the comparison below is not vacuous
    assert (total, rows) == _through_services(desk, Kind.INCIDENT,
                                              QueueFilter(open_only=False, sort="updated"))


# One strategy per field of QueueFilter, read from the dataclass: a field added
# to the filter without a strategy here fails the test below, so no filter can
# reach the first page unchecked against the services.
FIELD_STRATEGIES = {
    "open_only": st.booleans(),
    "text": st.sampled_from(["", "   ", "mail", "vpn*"]),
    "status": st.none() | st.sampled_from(sorted({s for k in Kind for s in lifecycle_for(k).states})),
    "assignee": st.none() | st.sampled_from(["tester", "alice", "nobody-at-all"]),
    "unassigned": st.booleans(),
    "priority": st.none() | st.integers(1, 5),
    "major_only": st.booleans(),
    "security_only": st.booleans(),
    "sort": st.sampled_from(sorted(SORTS)),
}
filters = st.builds(QueueFilter, **{f.name: FIELD_STRATEGIES[f.name] for f in fields(QueueFilter)
                                    if f.name in FIELD_STRATEGIES})


def test_every_field_of_the_queue_filter_is_generated():
    assert {f.name for f in fields(QueueFilter)} == set(FIELD_STRATEGIES)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(list(Kind)), flt=filters)
def test_any_filter_gives_the_services_first_page_or_is_left_to_them(desk, kind, flt):
    store = desk[0]
    page = first_page(store.path, store.config, kind, flt, LIMIT, store.now())
    if flt.text.strip():
        assert page is None  # a search needs the services' full-text rules
    else:
        assert page is not None
        assert (page.total, page.rows) == _through_services(desk, kind, flt)


def test_a_search_is_left_to_the_services(desk):
    store = desk[0]
    assert first_page(store.path, store.config, Kind.INCIDENT, QueueFilter(text="mail"), LIMIT,
                      store.now()) is None


def test_a_missing_database_is_not_created(tmp_path):
    db = tmp_path / "new.db"
    assert first_page(db, Config(), Kind.INCIDENT, QueueFilter(), LIMIT, FakeClock()()) is None
    assert not db.exists()


def test_a_database_that_needs_migrating_is_left_to_the_services(desk, tmp_path):
    old = tmp_path / "old.db"
    with sqlite3.connect(desk[0].path) as src, sqlite3.connect(old) as dst:
        src.backup(dst)
        dst.execute("UPDATE alembic_version SET version_num = '0002'")
    before = old.read_bytes()
    assert first_page(old, Config(), Kind.INCIDENT, QueueFilter(), LIMIT, FakeClock()()) is None
    assert old.read_bytes() == before


def test_a_file_that_is_not_sqlite_is_left_to_the_services(tmp_path):
    junk = tmp_path / "notes.db"
    junk.write_text("these are my notes, not a database\n")
    assert first_page(junk, Config(), Kind.INCIDENT, QueueFilter(), LIMIT, FakeClock()()) is None
    assert junk.read_text() == "these are my notes, not a database\n"


def test_reading_the_first_page_imports_neither_sqlalchemy_nor_sqlmodel(desk):
    store = desk[0]
    code = (
        "import json, sys\n"
        "from datetime import UTC, datetime\n"
        "from sms_tui.config import Config\n"
        "from sms_tui.services.core.quick_queue import first_page\n"
        "from sms_tui.services.core.views import QueueFilter\n"
        f"page = first_page({str(store.path)!r}, Config(), 'incident', QueueFilter(), 50,"
        " datetime.now(UTC))\n"
        "print(json.dumps([len(page.rows), sorted(m for m in sys.modules"
        " if m.split('.')[0] in ('sqlalchemy', 'sqlmodel', 'alembic', 'textual'))]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    rows, heavy = json.loads(out.stdout)
    assert rows > 0 and heavy == []


def test_sorts_are_total_orders_on_indexed_columns():
    # every order ends with the id, so the quick page and the keyset pages agree on ties
    assert all(columns[-1] == "id" for columns, _ in SORTS.values())
    assert replace(QueueFilter(), sort="newest").sort in SORTS


# --------------------------------------------------------- sms-tui list (issue 20)
def _listed_by_services(desk, kind: Kind, flt: QueueFilter, limit: int | None):
    store, records, sla = desk
    rows = records.list(kind, flt, limit=limit)
    readings = sla.sla_for_rows([r.ref for r in rows], now=store.now())
    return [(row, readings.get(row.ref)) for row in rows]


def _listed_quickly(desk, kind: Kind, flt: QueueFilter, limit: int | None):
    store = desk[0]
    return list_rows(store.path, store.config, kind, flt, limit, store.now())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(list(Kind)), flt=filters, limit=st.none() | st.integers(1, 30))
def test_list_without_a_search_prints_what_the_services_list(desk, kind, flt, limit):
    """Every row (not only a first page), in order, with the SLA reading `list` prints."""
    if flt.text.strip():  # a search is the services' (full-text rules)
        assert _listed_quickly(desk, kind, flt, limit) is None
        return
    assert _listed_quickly(desk, kind, flt, limit) == _listed_by_services(desk, kind, flt, limit)


def test_list_of_all_incidents_reads_every_row_with_its_reading(desk):
    listed = _listed_quickly(desk, Kind.INCIDENT, QueueFilter(open_only=False), None)
    assert len(listed) > LIMIT and all(reading is not None for _row, reading in listed)
    assert listed == _listed_by_services(desk, Kind.INCIDENT, QueueFilter(open_only=False), None)


def test_list_with_a_search_is_left_to_the_services(desk):
    assert _listed_quickly(desk, Kind.INCIDENT, QueueFilter(text="mail"), None) is None


def _list_command(db, quick: bool) -> tuple[list[dict], bool]:
    """``sms-tui list incidents --open --format json`` in a fresh interpreter (``quick`` False:
    the stdlib path disabled, as for a search): its rows, and whether SQLAlchemy was loaded."""
    code = (
        "import sys\n"
        "import sms_tui.services.core.quick_queue as quick\n"
        + ("" if quick else "quick.list_rows = lambda *args, **kwargs: None\n")
        + "from sms_tui.cli import main\n"
        f"main(['--db', {str(db)!r}, 'list', 'incidents', '--open', '--format', 'json'],"
        " standalone_mode=False)\n"
        "print('LOADED' if 'sqlalchemy' in sys.modules else 'NOT LOADED')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    printed, _, loaded = out.stdout.rpartition("]")
    rows = json.loads(printed + "]")
    for row in rows:
        row.pop("sla_remaining_s")  # seconds: the two runs are not at the same instant
    return rows, loaded.strip() == "LOADED"


def test_the_list_command_reads_without_sqlalchemy_and_prints_the_services_rows(desk):
    quick, loaded = _list_command(desk[0].path, quick=True)
    assert not loaded
    through_services, loaded = _list_command(desk[0].path, quick=False)
    assert loaded and len(quick) > 3
    assert quick == through_services


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(list(Kind)), flt=filters)
def test_the_last_page_read_first_is_the_services_last_page(desk, kind, flt):
    """End pressed the moment the first rows appear shows the queue's real last rows."""
    store = desk[0]
    page = first_page(store.path, store.config, kind, flt, LIMIT, store.now())
    if flt.text.strip():  # a search is left to the services
        assert page is None
        return
    total, _rows = _through_services(desk, kind, flt)
    if total <= LIMIT:
        assert page.last == []
        return
    assert page.last_start == (total - 1) // LIMIT * LIMIT
    assert page.last == _source(desk, kind, flt).rows(page.last_start, total - page.last_start)


def test_the_whole_incident_history_has_a_last_page(desk):
    store = desk[0]
    page = first_page(store.path, store.config, Kind.INCIDENT, QueueFilter(open_only=False), LIMIT,
                      store.now())
    assert page.total > LIMIT and page.last and page.last[-1].ref != page.rows[-1].ref


@pytest.mark.parametrize("env", [{"SMS_TUI_USER": "\u200b"}, {"SMS_TUI_BUSY_TIMEOUT": "soon"}])
def test_list_refuses_what_the_services_refuse(desk, env):
    """Read without the services, `list` still refuses a name to act as with nothing visible,
    and leaves a lock timeout setting to the services (which refuse a bad one)."""
    import os

    result = subprocess.run([sys.executable, "-m", "sms_tui", "--db", str(desk[0].path), "list",
                             "incidents"], capture_output=True, text=True,
                            env={**os.environ, **env})
    assert result.returncode != 0 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert ("visible" in result.stderr) or ("SMS_TUI_BUSY_TIMEOUT" in result.stderr)


def test_change_rows_carry_their_window_as_the_services_give_it(desk):
    """The change queue's Window column: the first page read from the file has each
    change's planned start, as the services' page has it."""
    flt = QueueFilter(open_only=False, sort="updated")
    total, rows = _quick(desk, Kind.CHANGE, flt)
    planned = [row.planned_start for row in rows if row.planned_start is not None]
    assert planned and all(when.tzinfo is not None for when in planned)
    assert (total, rows) == _through_services(desk, Kind.CHANGE, flt)
