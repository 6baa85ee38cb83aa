"""Issue 16: an optional key makes the journal chain an HMAC, so rewriting it needs the key."""

from __future__ import annotations

import sqlite3

import pytest

from sms_tui.config import load_config
from sms_tui.domain.errors import ConfigError
from sms_tui.services.admin.integrity import verify_database
from sms_tui.services.core.journal import digest_row
from sms_tui.services.core.records import RecordService
from sms_tui.services.core.store import Store

KEY = "correct horse battery staple"


@pytest.fixture
def keyed(tmp_path, monkeypatch, clock):
    monkeypatch.setenv("SMS_TUI_JOURNAL_KEY", KEY)
    path = tmp_path / "config.toml"
    path.write_text('[journal]\nkey_env = "SMS_TUI_JOURNAL_KEY"\n', encoding="utf-8")
    config = load_config(path)

    def open_(db=tmp_path / "desk.db", cfg=config):
        return Store(db, cfg, actor="tester", clock=clock)
    return open_


def _rows(db, sql, *params):
    con = sqlite3.connect(db)
    try:
        rows = con.execute(sql, params).fetchall()
        con.commit()
        return rows
    finally:
        con.close()


def test_new_entries_are_keyed_and_verify_with_the_key(keyed):
    store = keyed()
    try:
        ref = RecordService(store).create("incident", title="Mail down").ref
        RecordService(store).add_note(ref, "restarted")
        hashes = [h for (h,) in _rows(store.path, "SELECT hash FROM journal_entry")]
        assert hashes and all(h.startswith("hmac:") for h in hashes)
        assert verify_database(store).ok
    finally:
        store.close()


def test_a_chain_rewritten_without_the_key_fails(keyed):
    store = keyed()
    try:
        ref = RecordService(store).create("incident", title="Mail down").ref
        RecordService(store).add_note(ref, "restarted")
    finally:
        store.close()
    con = sqlite3.connect(store.path)
    try:
        con.execute("DROP TRIGGER journal_entry_no_update")
        con.execute("DROP TRIGGER journal_head_forward_only")
        prev = ""
        for id_, at, actor, action, changes, note in con.execute(
                "SELECT id, at, actor, action, changes, note FROM journal_entry "
                "WHERE record_ref = ? ORDER BY id", (ref,)).fetchall():
            note = "nothing happened" if action == "note" else note
            new = digest_row(prev, ref, "incident", at, actor, action, changes, note)  # no key
            con.execute("UPDATE journal_entry SET note = ?, prev_hash = ?, hash = ? WHERE id = ?",
                        (note, prev, new, id_))
            prev = new
        con.execute("UPDATE journal_head SET hash = ? WHERE record_ref = ?", (prev, ref))
        con.commit()
    finally:
        con.close()
    store = keyed()
    try:
        found = [p.line() for p in verify_database(store).problems]
    finally:
        store.close()
    assert any(ref in line and "written or rewritten without the key" in line for line in found)


def test_without_the_key_keyed_entries_cannot_be_checked(keyed, tmp_path, clock):
    store = keyed()
    try:
        RecordService(store).create("incident", title="Mail down")
    finally:
        store.close()
    plain = Store(store.path, actor="tester", clock=clock)
    try:
        report = verify_database(plain)
    finally:
        plain.close()
    assert any("are keyed (HMAC): set the key" in p.message for p in report.problems)


def test_another_key_is_refused_in_one_line(keyed, monkeypatch):
    keyed().close()
    monkeypatch.setenv("SMS_TUI_JOURNAL_KEY", "a different key entirely")
    with pytest.raises(ConfigError, match="not the one this desk's journal is keyed with"):
        keyed()


def test_a_missing_or_short_key_is_a_config_error(keyed, monkeypatch):
    monkeypatch.setenv("SMS_TUI_JOURNAL_KEY", "short")
    with pytest.raises(ConfigError, match="16 characters or more"):
        keyed()


def test_a_keyed_backup_restores_with_the_key(keyed, tmp_path, monkeypatch):
    from sms_tui.services.transfer.backup import backup_database

    from .helpers import run_cli

    store = keyed()
    try:
        RecordService(store).create("incident", title="Mail down")
    finally:
        store.close()
    copy = backup_database(store.path, tmp_path / "copy.db")
    config = tmp_path / "config.toml"
    result = run_cli("--config", str(config), "--db", str(tmp_path / "new.db"), "restore",
                     str(copy))
    assert result.returncode == 0, result.stderr
