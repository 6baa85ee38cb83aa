"""An incident read before SQLAlchemy is imported is the record the services give.

Enter pressed in the desk's first second shows the whole incident read by
:mod:`sms_tui.services.core.quick_detail`; a moment later the services read it again
and the screen shows theirs. The analyst must not see a field, link or journal line
change when they take over.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest

from sms_tui.services.core.quick_detail import record_view
from sms_tui.services.core.store import Store
from sms_tui.services.demo.bulk import fill_bulk
from tests.conftest import FakeClock


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    """A bulk demo desk, plus incidents with every kind of link, a requester and markup."""
    clock = FakeClock()
    store = Store(tmp_path_factory.mktemp("quick-detail") / "desk.db", actor="tester", clock=clock)
    fill_bulk(store, count=1500, seed=5, rich=40)
    from sms_tui.services.core.records import RecordService
    from sms_tui.services.customers.contacts import ContactService

    ContactService(store).add(name="Dana [i]Weber[/i]", email="dana@example.org")
    records = RecordService(store)
    parent = records.create("incident", title="[bold]Site down[/] [@click=app.quit]x[/]",
                            description="line one\nline two \x1b[31m", impact="high",
                            urgency="high", requester="dana@example.org")
    for n in range(3):
        child = records.create("incident", title=f"Caller {n} cannot log in")
        records.link(child.ref, parent.ref, note="same outage")
    problem = records.create("problem", title="Logins fail after patch")
    change = records.create("change", title="Roll back the patch")
    records.link(parent.ref, problem.ref)
    records.link(parent.ref, change.ref)
    records.add_note(parent.ref, "called back — ünïcode ✓ and [red]markup[/red]")
    records.escalate(parent.ref, to="manager-on-call", hierarchical=True,
                     reason="no workaround [b]yet[/b]")
    records.transition(parent.ref, "in_progress")
    yield store, records, parent.ref
    store.close()


def test_every_incident_reads_as_the_services_read_it(desk):
    store, records, _ = desk
    with sqlite3.connect(store.path) as con:
        refs = [r for (r,) in con.execute("SELECT ref FROM incident ORDER BY id")]
    assert len(refs) > 1000
    seen_links = seen_requester = seen_changes = 0
    for ref in refs:
        quick = record_view(store.path, ref)
        expected = records.get(ref)
        assert quick == expected, ref
        seen_links += bool(expected.links)
        seen_requester += bool(expected.requester_ref)
        seen_changes += any(e.changes for e in expected.journal)
    # the comparison covered what could differ, not only bare records
    assert seen_links >= 4 and seen_requester >= 1 and seen_changes >= 100


def test_the_linked_incident_with_markup_reads_whole(desk):
    store, records, ref = desk
    view = record_view(store.path, ref)
    assert view is not None
    assert [link.relation for link in view.links] == ["child", "child", "child", "problem", "change"]
    assert view.title.startswith("[bold]Site down[/]")
    assert view.requester_email == "dana@example.org"
    assert view.escalated_to == "manager-on-call" and view.status == "in_progress"
    assert view == records.get(ref)
    child = view.links[0].ref
    assert [link.relation for link in record_view(store.path, child).links] == ["parent"]


def test_what_it_cannot_read_exactly_is_left_to_the_services(desk, tmp_path):
    store, records, ref = desk
    problem = records.list("problem", limit=1)[0].ref
    assert record_view(store.path, problem) is None  # not an incident
    assert record_view(store.path, "INC-999999") is None  # the services say "no record"
    assert record_view(store.path, "not a reference") is None
    copy = tmp_path / "with-attachment.db"
    with sqlite3.connect(store.path) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
        dst.execute("INSERT INTO mail_attachment (record_ref, position, name, content_type, size, "
                    "kept, note, received_at) VALUES (?, 1, 'a.pdf', 'application/pdf', 3, 0, "
                    "'', '2026-12-01 10:00:00.000000')", (ref,))
    assert record_view(copy, ref) is None  # its attachments are the mail services' to show
    older = tmp_path / "old.db"
    with sqlite3.connect(store.path) as src, sqlite3.connect(older) as dst:
        src.backup(dst)
        dst.execute("UPDATE alembic_version SET version_num = '0002'")
    assert record_view(older, ref) is None  # it needs migrating: the services do that
    missing = tmp_path / "missing.db"
    assert record_view(missing, ref) is None and not missing.exists()


def test_reading_an_incident_imports_neither_sqlalchemy_nor_sqlmodel(desk):
    store, _, ref = desk
    code = (
        "import json, sys\n"
        "from sms_tui.services.core.quick_detail import record_view\n"
        f"view = record_view({str(store.path)!r}, {ref!r})\n"
        "print(json.dumps([len(view.journal), sorted(m for m in sys.modules"
        " if m.split('.')[0] in ('sqlalchemy', 'sqlmodel', 'alembic', 'textual'))]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    entries, heavy = json.loads(out.stdout)
    assert entries >= 5 and heavy == []
