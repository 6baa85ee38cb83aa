"""Revision 0008 (issue 17): mail attachments, on a desk at 0007 holding data and mail."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sms_tui.storage import migrate

from .test_migrations import _dump, _fill, _revision, _run_alembic, _tables, with_later_columns

PDF = Path(__file__).with_name("mail_corpus") / "10_attachment_mixed.eml"


def test_a_desk_at_0007_upgrades_keeping_every_row_and_then_keeps_attachments(tmp_path, clock):
    db = tmp_path / "desk.db"
    db.touch()
    _run_alembic(db, "upgrade", "0007")
    with with_later_columns(db, "0007"):
        _fill(db, clock)
    con = sqlite3.connect(db)
    con.execute("INSERT INTO mail_message (message_id, record_ref, outcome, sender, subject, "
                "received_at, attachments) VALUES ('old@x.org', 'INC-000001', 'created', "
                "'a@x.org', 'old mail', '2026-03-02 09:00:00.000000', 'a.pdf (10 bytes, "
                "application/pdf)')")
    con.commit()
    con.close()
    before = _dump(db)

    migrate.upgrade(db, "0008")  # the product's upgrade path, to this revision (0009 follows)

    assert _revision(db) == "0008"
    assert _dump(db) == {**before, "mail_attachment": []}  # nothing changed, a new table
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        con.close()

    from sms_tui.config import Config
    from sms_tui.services.core.store import Store
    from sms_tui.services.mail.attachments import AttachmentService
    from sms_tui.services.mail.mail_in import MailIn

    config = Config(raw={"mail": {"keep_attachments": True}})
    store = Store(db, config=config, actor="new-version", clock=clock)
    try:
        ref = MailIn(store).receive(PDF.read_bytes()).ref
        view, data = AttachmentService(store).content(ref, "1")
        assert (view.name, len(data), data[:5]) == ("approval form.pdf", 3009, b"%PDF-")
        assert AttachmentService(store).list("INC-000001") == []  # old mail: described only
    finally:
        store.close()


def test_0008_downgrades_to_0007_dropping_only_its_table(tmp_path):
    db = tmp_path / "desk.db"
    db.touch()
    _run_alembic(db, "upgrade", "0008")
    assert "mail_attachment" in _tables(db)
    _run_alembic(db, "downgrade", "0007")
    assert "mail_attachment" not in _tables(db) and "mail_message" in _tables(db)
    _run_alembic(db, "upgrade", "0008")
    assert _revision(db) == "0008"
