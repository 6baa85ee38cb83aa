"""Attachments of inbound mail (issue 17): recorded always, content kept only when configured
and within the cap, saved back out to new files only, carried by export/import, gone with a
purge. Runs on SQLite and PostgreSQL (BLOB and bytea)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
from pathlib import Path

import pytest

from tests.cli_helpers import Cli, one_error_line

CORPUS = Path(__file__).with_name("mail_corpus")
PDF = CORPUS / "10_attachment_mixed.eml"


def pdf_bytes() -> bytes:
    from sms_tui.domain.mail import read_message

    return read_message(PDF.read_bytes()).attachments[0].data


class MailCli(Cli):
    """``sms-tui --db DESK --config CONFIG ...``"""

    def __init__(self, db_path, config: Path) -> None:
        super().__init__(db_path)
        self.config = config

    def __call__(self, *args, input=None, db=None):
        from sms_tui.cli import main

        return self.runner.invoke(main, ["--db", str(db or self.db_path), "--config",
                                         str(self.config), *args], input=input, prog_name="sms-tui")


def desk(db_path, tmp_path, mail_section: str) -> MailCli:
    config = tmp_path / "config.toml"
    config.write_text('[mail]\nrequest_addresses = ["requests@example.org"]\n' + mail_section)
    return MailCli(db_path, config)


@pytest.fixture
def keeping(db_path, tmp_path):
    return desk(db_path, tmp_path, "keep_attachments = true\n")


def hostile_mail(name: str, data: bytes = b"#!/bin/sh\nrm -rf ~\n") -> bytes:
    body = base64.b64encode(data).decode()
    return (f"From: Eve <eve@example.org>\r\nTo: desk@example.org\r\nSubject: see attached\r\n"
            f"Message-ID: <hostile-{hashlib.sha1(name.encode()).hexdigest()}@example.org>\r\n"
            "MIME-Version: 1.0\r\n"
            'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
            "Content-Type: text/plain\r\n\r\nplease run this\r\n--b\r\n"
            f'Content-Type: application/octet-stream\r\nContent-Disposition: attachment; '
            f'filename="{name}"\r\nContent-Transfer-Encoding: base64\r\n\r\n{body}\r\n'
            "--b--\r\n").encode()


def test_by_default_an_attachment_is_listed_but_its_content_is_not_kept(db_path, tmp_path):
    cli = desk(db_path, tmp_path, "")
    assert cli.ok("mail-in", input=PDF.read_bytes()).startswith("REQ-000001")
    listed = json.loads(cli.ok("attachments", "list", "REQ-1", "--format", "json"))
    assert [(a["number"], a["name"], a["size"], a["kept"]) for a in listed] == [
        (1, "approval form.pdf", 3009, False)]
    assert "keep_attachments is off" in listed[0]["note"]
    line = one_error_line(cli("attachments", "save", "REQ-1", "1", "--to", str(tmp_path)))
    assert "was not kept" in line and "keep_attachments" in line
    assert not (tmp_path / "approval form.pdf").exists()


def test_a_kept_attachment_is_saved_back_byte_for_byte_to_a_private_new_file(keeping, tmp_path):
    keeping.ok("mail-in", input=PDF.read_bytes())
    out = keeping.ok("attachments", "save", "REQ-000001", "1", "--to", str(tmp_path))
    saved = tmp_path / "approval form.pdf"
    assert out.strip() == f"saved approval form.pdf (3009 bytes) to {saved}"
    assert saved.read_bytes() == pdf_bytes() and len(pdf_bytes()) == 3009
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600  # personal data
    by_name = tmp_path / "copy.pdf"
    keeping.ok("attachments", "save", "REQ-1", "approval form.pdf", "--to", str(by_name))
    assert by_name.read_bytes() == pdf_bytes()
    record = json.loads(keeping.ok("show", "REQ-1", "--format", "json"))
    assert record["attachments"][0]["kept"] is True
    assert "approval form.pdf (3009 bytes, application/pdf) -- kept" in record["description"]
    entry = next(e for e in record["journal"] if e["action"] == "attachments")
    assert entry["changes"] == {"attachments": [0, 1], "kept": [None, 1]}
    assert "1. approval form.pdf (3009 bytes, application/pdf): kept" in entry["note"]


def test_an_attachment_over_the_cap_is_recorded_as_not_kept_and_journaled(db_path, tmp_path):
    cli = desk(db_path, tmp_path, "keep_attachments = true\nmax_attachment_bytes = 1000\n")
    cli.ok("mail-in", input=PDF.read_bytes())
    listed = json.loads(cli.ok("attachments", "list", "REQ-1", "--format", "json"))
    assert listed[0]["kept"] is False
    assert listed[0]["note"].startswith("over the 1000-byte cap ([mail] max_attachment_bytes)")
    record = json.loads(cli.ok("show", "REQ-1", "--format", "json"))
    entry = next(e for e in record["journal"] if e["action"] == "attachments")
    assert entry["changes"]["kept"] == [None, 0] and "over the 1000-byte cap" in entry["note"]
    assert "over the 1000-byte cap" in record["description"]
    assert "was not kept: over the 1000-byte cap" in one_error_line(
        cli("attachments", "save", "REQ-1", "1", "--to", str(tmp_path / "x.pdf")))
    assert not (tmp_path / "x.pdf").exists()


def test_attachments_of_a_reply_are_numbered_on_after_the_first_mail(keeping, tmp_path):
    keeping.ok("mail-in", input=PDF.read_bytes())
    reply = PDF.read_bytes().replace(b"Message-ID: <attach-1@example.org>",
                                     b"Message-ID: <attach-2@example.org>").replace(
        b"Subject: Need access", b"Subject: Re: [REQ-000001] Need access")
    assert keeping.ok("mail-in", input=reply).strip() == "REQ-000001: note added from mail"
    listed = json.loads(keeping.ok("attachments", "list", "REQ-1", "--format", "json"))
    assert [a["number"] for a in listed] == [1, 2]
    assert "give its number" in one_error_line(
        keeping("attachments", "save", "REQ-1", "approval form.pdf", "--to", str(tmp_path)))
    keeping.ok("attachments", "save", "REQ-1", "2", "--to", str(tmp_path))
    assert (tmp_path / "approval form.pdf").read_bytes() == pdf_bytes()


def test_saving_never_overwrites_a_file_or_follows_a_symlink(keeping, tmp_path):
    keeping.ok("mail-in", input=PDF.read_bytes())
    existing = tmp_path / "approval form.pdf"
    existing.write_bytes(b"mine")
    line = one_error_line(keeping("attachments", "save", "REQ-1", "1", "--to", str(tmp_path)))
    assert "exists" in line and "new file" in line
    assert existing.read_bytes() == b"mine"
    victim = tmp_path / "victim"
    victim.write_bytes(b"keep me")
    (tmp_path / "link").symlink_to(victim)
    assert "exists" in one_error_line(
        keeping("attachments", "save", "REQ-1", "1", "--to", str(tmp_path / "link")))
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    assert "exists" in one_error_line(
        keeping("attachments", "save", "REQ-1", "1", "--to", str(tmp_path / "dangling")))
    assert victim.read_bytes() == b"keep me" and not (tmp_path / "nowhere").exists()
    assert "does not exist" in one_error_line(
        keeping("attachments", "save", "REQ-1", "1", "--to", str(tmp_path / "no" / "x.pdf")))


@pytest.mark.parametrize("name, saved_as", [
    ("../../../evil.sh", "evil.sh"),
    ("/etc/passwd", "passwd"),
    ("..", "attachment-1"),
    ("", "attachment-1"),
    (".bashrc", "bashrc"),
    ("C:\\\\Windows\\\\x.bat", "x.bat"),
    ("a\x1b[2Jb.txt", "a_[2Jb.txt"),
])
def test_a_hostile_file_name_is_saved_inside_the_folder_under_a_safe_name(keeping, tmp_path,
                                                                          name, saved_as):
    folder = tmp_path / "out"
    folder.mkdir()
    ref = keeping.ok("mail-in", input=hostile_mail(name)).split(":")[0]
    around = set(tmp_path.iterdir())
    keeping.ok("attachments", "save", ref, "1", "--to", str(folder))
    assert [p.name for p in folder.iterdir()] == [saved_as]
    assert (folder / saved_as).read_bytes() == b"#!/bin/sh\nrm -rf ~\n"
    assert not (folder / saved_as).stat().st_mode & 0o111  # never made executable
    assert set(tmp_path.iterdir()) == around  # nothing written beside the folder
    listed = keeping.ok("attachments", "list", ref)
    assert "\x1b" not in listed  # shown with its controls made visible


def test_an_unknown_record_or_attachment_is_one_line(keeping, tmp_path):
    keeping.ok("mail-in", input=PDF.read_bytes())
    assert "no record REQ-000009" in one_error_line(keeping("attachments", "list", "REQ-9"))
    assert "no attachment '7'" in one_error_line(
        keeping("attachments", "save", "REQ-1", "7", "--to", str(tmp_path)))
    keeping.ok("new", "incident", "--title", "no mail here")
    assert keeping.ok("attachments", "list", "INC-1").strip() == "INC-1: no attachments"
    assert "has no attachments" in one_error_line(
        keeping("attachments", "save", "INC-1", "1", "--to", str(tmp_path)))


def test_export_and_import_carry_the_kept_content(keeping, tmp_path, backend):
    keeping.ok("mail-in", input=PDF.read_bytes())
    exported = tmp_path / "desk.json"
    keeping.ok("export", "-o", str(exported))
    rows = [json.loads(line.rstrip(",")) for line in exported.read_text().splitlines()[1:-1]]
    row = next(r for r in rows if r["_table"] == "mail_attachment")
    assert base64.b64decode(row["content"]) == pdf_bytes()
    other = MailCli(tmp_path / "other.db", keeping.config)
    other.ok("import", str(exported))
    other.ok("attachments", "save", "REQ-1", "1", "--to", str(tmp_path / "back.pdf"))
    assert (tmp_path / "back.pdf").read_bytes() == pdf_bytes()
    folder = tmp_path / "csv"
    keeping.ok("export", "--format", "csv", "-o", str(folder))
    third = MailCli(tmp_path / "third.db", keeping.config)
    third.ok("import", str(folder))
    third.ok("attachments", "save", "REQ-1", "1", "--to", str(tmp_path / "csv.pdf"))
    assert (tmp_path / "csv.pdf").read_bytes() == pdf_bytes()


def test_an_import_with_content_that_is_not_base64_is_refused(keeping, tmp_path):
    keeping.ok("mail-in", input=PDF.read_bytes())
    exported = tmp_path / "desk.json"
    keeping.ok("export", "-o", str(exported))
    text = exported.read_text()
    bad = text.replace(base64.b64encode(pdf_bytes()).decode(), "not base64!")
    (tmp_path / "bad.json").write_text(bad)
    other = MailCli(tmp_path / "other.db", keeping.config)
    result = other("import", str(tmp_path / "bad.json"))
    assert result.exit_code != 0
    assert "content: expected base64 text" in result.stdout + result.stderr


def test_purging_the_record_removes_its_attachments(keeping, tmp_path):
    keeping.ok("mail-in", input=PDF.read_bytes())
    out = keeping.ok("purge", "REQ-1", "--reason", "erasure request", "--yes")
    assert "mail_attachment" in out
    assert "no record REQ-000001" in one_error_line(keeping("attachments", "list", "REQ-1"))
    exported = tmp_path / "after.json"
    keeping.ok("export", "-o", str(exported))
    assert '"_table": "mail_attachment"' not in exported.read_text()


def test_purging_the_sender_removes_the_attachments_of_their_mail_and_says_so(keeping, tmp_path):
    keeping.ok("mail-in", input=PDF.read_bytes())
    keeping.ok("purge", "CON-1", "--reason", "erasure request", "--yes")
    assert keeping.ok("attachments", "list", "REQ-1").strip() == "REQ-1: no attachments"
    record = json.loads(keeping.ok("show", "REQ-1", "--format", "json"))
    entry = record["journal"][0]
    assert entry["action"] == "attachments"
    assert entry["changes"] == {"attachments removed": [1, 0]}
    assert "CON-000001 was purged" in entry["note"]
    exported = tmp_path / "after.json"
    keeping.ok("export", "-o", str(exported))
    assert base64.b64encode(pdf_bytes()[:300]).decode()[:200] not in exported.read_text()


def test_the_config_refuses_a_bad_cap(db_path, tmp_path):
    cli = desk(db_path, tmp_path, "keep_attachments = true\nmax_attachment_bytes = -1\n")
    assert "max_attachment_bytes" in one_error_line(cli("attachments", "list", "INC-1"))
    cli = desk(db_path, tmp_path, 'keep_attachments = "yes"\n')
    assert "keep_attachments" in one_error_line(cli("attachments", "list", "INC-1"))


def test_the_saved_file_is_private_whatever_the_umask(keeping, tmp_path):
    keeping.ok("mail-in", input=PDF.read_bytes())
    old = os.umask(0)
    try:
        keeping.ok("attachments", "save", "REQ-1", "1", "--to", str(tmp_path / "f.pdf"))
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "f.pdf").stat().st_mode) == 0o600


def test_a_backup_carries_the_kept_content_back_after_a_purge(keeping, tmp_path, backend):
    keeping.ok("mail-in", input=PDF.read_bytes())
    (tmp_path / "backups").mkdir()
    keeping.ok("backup", str(tmp_path / "backups"))
    (backup,) = (tmp_path / "backups").iterdir()
    keeping.ok("purge", "REQ-1", "--reason", "erasure request", "--yes")
    if backend == "postgresql":  # a server desk's backup is an export: it goes into a new desk
        restored = MailCli(tmp_path / "restored.db", keeping.config)
        restored.ok("import", str(backup))
    else:
        keeping.ok("restore", str(backup))
        restored = keeping
    restored.ok("attachments", "save", "REQ-1", "1", "--to", str(tmp_path / "back.pdf"))
    assert (tmp_path / "back.pdf").read_bytes() == pdf_bytes()


@pytest.mark.sqlite_only
def test_a_desk_moved_to_a_server_keeps_the_kept_content(keeping, tmp_path):
    """migrate --to (team mode) copies the BLOBs into bytea."""
    from tests.conftest import _admin, _pg_url

    keeping.ok("mail-in", input=PDF.read_bytes())
    name = f"smspg_test_{hashlib.sha1(str(tmp_path).encode()).hexdigest()[:10]}"
    _admin(f'CREATE DATABASE "{name}"')
    try:
        keeping.ok("migrate", "--to", _pg_url(name))
        on_server = MailCli(_pg_url(name), keeping.config)
        on_server.ok("attachments", "save", "REQ-1", "1", "--to", str(tmp_path / "moved.pdf"))
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert (tmp_path / "moved.pdf").read_bytes() == pdf_bytes()
