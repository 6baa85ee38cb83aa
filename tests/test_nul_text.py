"""A NUL character in user text: refused in one line naming the field, on both backends,
by one domain rule every write meets (PostgreSQL's text cannot hold it; its driver
would fail with a DataError). Mail-in drops NULs from a mail instead of refusing it."""

from __future__ import annotations

import json

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import text

from sms_tui.domain.errors import ValidationError
from sms_tui.domain.text import NUL, storable_text, without_nul
from tests.cli_helpers import Cli

REFUSED = "contains a NUL character (\\x00), which a desk cannot store"


# ------------------------------------------------------------------ the rule
@given(st.text(), st.sampled_from(["title", "note", "description"]))
@example("\x00", "title")
@example("line 1\nline 2\x00", "note")
def test_text_is_stored_as_given_unless_it_holds_a_nul(value, field):
    if NUL in value:
        with pytest.raises(ValidationError) as refused:
            storable_text(value, field)
        message = str(refused.value)
        assert message.startswith(f"{field} ") and REFUSED in message
        assert "\n" not in message and NUL not in message  # one line, printable
    else:
        assert storable_text(value, field) is value


@given(st.text())
def test_without_nul_keeps_everything_else_in_order_and_is_always_storable(value):
    kept = without_nul(value)
    assert NUL not in kept
    assert kept == "".join(c for c in value if c != NUL)
    assert storable_text(kept, "body") == kept


# ------------------------------------------------------------------ through the services
def _written(store) -> tuple[int, int, int]:
    with store.read() as session:
        return tuple(session.execute(text(f'SELECT COUNT(*) FROM "{table}"')).scalar()
                     for table in ("incident", "journal_entry", "contact"))


WRITES = {
    "new incident title": ("title", lambda records, store, ref: records.create(
        "incident", title="Printer\x00 jam")),
    "new incident description": ("description", lambda records, store, ref: records.create(
        "incident", title="Printer jam", description="tray 2\x00")),
    "a note": ("note", lambda records, store, ref: records.add_note(ref, "called \x00back")),
    "an edited title": ("title", lambda records, store, ref: records.update(
        ref, title="Mail\x00 down")),
    "a request": ("title", lambda records, store, ref: records.create(
        "request", title="New\x00 laptop", request_type="other")),
    "a problem's description": ("description", lambda records, store, ref: records.create(
        "problem", title="Relay flaps", description="since\x00 Monday")),
}


@pytest.mark.parametrize("what", WRITES)
def test_user_text_with_a_nul_is_refused_in_one_line_and_nothing_is_written(
        store, records, backend, what):
    field, write = WRITES[what]
    ref = records.create("incident", title="Mail down").ref
    before = _written(store)
    with pytest.raises(ValidationError) as refused:
        write(records, store, ref)
    assert str(refused.value).startswith(f"{field} {REFUSED}")
    assert _written(store) == before
    assert records.get(ref).title == "Mail down"
    assert records.create("incident", title="the desk still works").ref  # no broken session


def test_an_import_holding_a_nul_names_its_line_and_writes_nothing(db_path, backend, tmp_path):
    cli = Cli(db_path)
    cli.ok("new", "incident", "--title", "kept")
    rows = tmp_path / "rows.json"
    rows.write_text(json.dumps([{"_table": "incident", "title": "jam\x00", "status": "new",
                                 "priority": 5, "impact": "low", "urgency": "low",
                                 "created_at": "2025-02-01 08:00:00",
                                 "updated_at": "2025-02-01 08:00:00"}]), encoding="utf-8")
    refused = cli("import", str(rows))
    assert refused.exit_code == 1
    assert f"record 1: incident: title {REFUSED}" in refused.stderr
    assert [r["title"] for r in json.loads(cli.ok("list", "incidents", "--format", "json"))] \
        == ["kept"]


MAIL = (b"From: Ann <ann@example.org>\r\nTo: desk@example.org\r\n"
        b"Subject: =?utf-8?q?Printer=00_jam?=\r\nMessage-ID: <nul-1@example.org>\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        b"Tray 2=00 is stuck.\r\nRaw \x00 byte too.\r\n")


def test_mail_in_drops_nuls_from_a_mail_instead_of_refusing_it(db_path, backend):
    cli = Cli(db_path)
    out = cli.ok("mail-in", input=MAIL)
    ref = out.split(":")[0].strip()
    shown = json.loads(cli.ok("show", ref, "--format", "json"))
    assert shown["title"] == "Printer jam"
    assert "Tray 2 is stuck." in shown["description"]
    assert "Raw  byte too." in shown["description"]
