"""Mail in (issue 17): real message shapes from tests/mail_corpus/ through `sms-tui mail-in`."""

from __future__ import annotations

import json
import mailbox
import os
from pathlib import Path

import pytest

from sms_tui.domain.mail import html_to_text, new_text, read_message
from tests.cli_helpers import Cli, dump, one_error_line

CORPUS = Path(__file__).with_name("mail_corpus")


def raw(name: str) -> bytes:
    return next(CORPUS.glob(f"{name}*.eml")).read_bytes()


@pytest.fixture
def cli(db_path, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[mail]\nrequest_addresses = ["requests@example.org"]\nmax_bytes = 65536\n')
    base = Cli(db_path)

    class MailCli(Cli):
        def __call__(self, *args, input=None, db=None):
            return base.runner.invoke(__import__("sms_tui.cli", fromlist=["main"]).main,
                                      ["--db", str(db_path), "--config", str(config), *args],
                                      input=input, prog_name="sms-tui")

    return MailCli(db_path)


def mail_in(cli, name: str) -> str:
    return cli.ok("mail-in", input=raw(name)).strip()


def show(cli, ref: str) -> dict:
    return json.loads(cli.ok("show", ref, "--format", "json"))


def test_a_new_mail_becomes_an_incident_with_the_sender_as_a_new_user_contact(cli):
    assert mail_in(cli, "01") == "INC-000001: incident recorded from mail"
    record = show(cli, "INC-000001")
    assert record["title"] == "Printer on 3rd floor prints blank pages"
    assert "Grüße from the 3rd floor" in record["description"]  # quoted-printable UTF-8
    assert record["requester"]["email"] == "dana.weber@example.org"
    contact = json.loads(cli.ok("contacts", "show", "dana.weber@example.org", "--format", "json"))
    assert (contact["name"], contact["role"]) == ("Dana Weber", "user")
    assert contact["journal"][0]["note"] == "from mail"


def test_the_same_message_id_twice_is_handled_once(cli):
    mail_in(cli, "01")
    before = dump(cli.db_path)
    assert mail_in(cli, "01") == \
        "INC-000001: already handled (Message-ID <CAF=xyz123@mail.example.org>)"
    assert dump(cli.db_path) == before


def test_an_html_only_mail_is_read_as_text(cli):
    ref = mail_in(cli, "02").split(":")[0]
    description = show(cli, ref)["description"]
    assert 'I cannot open the payroll app: it says "licence expired".' in description
    assert "<" not in description and "alert(1)" not in description and "color:red" not in description
    assert "- since Friday" in description or "since Friday" in description


@pytest.mark.parametrize("name, title, words", [
    ("03", "Drucker im Büro fällt aus", "fällt ständig aus. Grüße"),
    ("04", "Invoice tool shows wrong totals", "The “total” column shows 1.000 € instead of 10.000 € –"),
])
def test_mail_in_other_charsets_is_decoded(cli, name, title, words):
    ref = mail_in(cli, name).split(":")[0]
    record = show(cli, ref)
    assert record["title"] == title
    assert words in record["description"]


def test_a_reply_naming_the_reference_becomes_a_note_without_the_quoted_history(cli):
    mail_in(cli, "01")
    assert mail_in(cli, "05") == "INC-000001: note added from mail"  # Outlook, RE: [INC-000001]
    note = show(cli, "INC-000001")["journal"][0]["note"]
    assert note.startswith("Mail from CON-000001:\n")  # by reference: no address kept
    assert "It works again after the new toner" in note
    assert "Original Message" not in note and "We replaced the toner" not in note


def test_a_reply_threaded_by_in_reply_to_becomes_a_note_without_quotes_or_signature(cli):
    mail_in(cli, "01")
    assert mail_in(cli, "06") == "INC-000001: note added from mail"  # Gmail, no ref in subject
    note = show(cli, "INC-000001")["journal"][0]["note"]
    assert "blank again since 3 pm" in note and "wrote:" not in note and "> " not in note
    mail_in(cli, "02")
    assert mail_in(cli, "07") == "INC-000002: note added from mail"  # Thunderbird
    note = show(cli, "INC-000002")["journal"][0]["note"]
    assert "The new licence key works" in note
    assert "Please try the key" not in note and "Sales" not in note  # quote and signature


@pytest.mark.parametrize("name, why", [
    ("08", "Auto-Submitted: auto-replied"),
    ("09", "Auto-Submitted: auto-replied"),
    ("11", "Precedence: bulk"),
])
def test_auto_replies_bounces_and_bulk_never_create_records(cli, name, why):
    mail_in(cli, "01")
    assert mail_in(cli, name) == f"ignored: {why}"
    assert json.loads(cli.ok("list", "incidents", "--format", "json"))[0]["ref"] == "INC-000001"
    assert len(json.loads(cli.ok("list", "incidents", "--format", "json"))) == 1
    # the auto-reply named it in its subject: no note
    assert "note" not in [e["action"] for e in show(cli, "INC-000001")["journal"]]
    assert len(json.loads(cli.ok("contacts", "list", "--format", "json"))) == 1


@pytest.mark.parametrize("headers", [
    "Precedence: junk\r\n", "X-Autoreply: yes\r\n", "List-Id: <team.example.org>\r\n",
    "Return-Path: <>\r\n",
])
def test_other_machine_mail_is_ignored_too(cli, headers):
    message = (f"From: someone@example.org\r\n{headers}Subject: hello\r\n"
               "Message-ID: <m1@example.org>\r\n\r\nbody\r\n").encode()
    assert cli.ok("mail-in", input=message).startswith("ignored: ")


def test_a_bounce_from_mailer_daemon_without_headers_is_ignored(cli):
    message = b"From: MAILER-DAEMON@example.org\r\nSubject: failure\r\n\r\nUser unknown\r\n"
    assert cli.ok("mail-in", input=message).startswith("ignored: sent by mailer-daemon")


def test_mail_to_the_request_address_becomes_a_request_with_its_attachment_listed(cli):
    assert mail_in(cli, "10") == "REQ-000001: service request recorded from mail"
    record = show(cli, "REQ-000001")
    assert "approval form.pdf (3009 bytes, application/pdf)" in record["description"]
    assert record["requester"]["name"] == "Wei Chen"


def test_hostile_mail_text_is_stored_as_sent_and_shown_literally(cli):
    ref = mail_in(cli, "12").split(":")[0]
    record = show(cli, ref)
    assert record["title"].startswith("[@click=app.quit]Quit[/]")
    assert "\x1b" not in record["title"]  # controls are not kept in a title
    assert record["requester"]["name"] == "[b]Eve[/b] [@click=app.quit]x[/]"
    assert "\x1b[2J" in record["description"]  # stored unchanged; the display makes it visible
    shown = cli.ok("show", ref)
    assert "\x1b" not in shown


def test_a_reference_the_desk_does_not_have_starts_a_new_record(cli):
    assert mail_in(cli, "13") == "INC-000001: incident recorded from mail"


def test_a_reply_to_a_closed_record_starts_a_new_one_pointing_back(cli):
    mail_in(cli, "01")
    cli.ok("transition", "INC-1", "resolved")
    cli.ok("transition", "INC-1", "closed")
    assert mail_in(cli, "05") == "INC-000002: incident recorded from mail"
    assert show(cli, "INC-2")["description"].startswith("Follow-up of INC-000001 (closed) by mail.")


@pytest.mark.parametrize("data, words", [
    (b"", "no message on the input"),
    (b"just some text\nwithout headers\n", "not an email message"),
    (b"\x00\x01\x02binary", "not an email message"),
    (b"Subject: no sender\r\n\r\nbody\r\n", "no From: header"),
    (b"From: not an address\r\nSubject: x\r\n\r\nbody\r\n", "address"),
    (b"From: x@y.org\r\nSubject: big\r\n\r\n" + b"a" * 70000, "over 65536 bytes"),
])
def test_garbage_or_oversize_input_is_one_line_and_nothing_is_written(cli, data, words):
    cli.ok("contacts", "list")
    before = dump(cli.db_path)
    line = one_error_line(cli("mail-in", input=data))
    assert words in line
    assert dump(cli.db_path) == before


def test_a_maildir_is_fetched_once(cli, tmp_path):
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    for name in ("01", "06", "08"):
        box.add(raw(name))
    out = cli.ok("mail", "fetch", "--maildir", str(tmp_path / "Maildir"))
    assert out.splitlines() == ["INC-000001: incident recorded from mail",
                                "INC-000001: note added from mail",
                                "ignored: Auto-Submitted: auto-replied"]
    assert all("S" in m.get_flags() and m.get_subdir() == "cur" for m in box)
    assert cli.ok("mail", "fetch", "--maildir", str(tmp_path / "Maildir")) == ""


def test_a_reply_delivered_after_its_mail_is_fetched_after_it(cli, tmp_path):
    """Messages are handled in the order they arrived, read from their Maildir names: sorted
    as text, 'M100000' (later) came before 'M99999', the reply became an incident of its own
    and the mail it answers a second one (seen once in CI)."""
    folder = tmp_path / "Maildir"
    mailbox.Maildir(folder, create=True)
    (folder / "new" / "1765000000.M99999P7Q1.desk").write_bytes(raw("01"))
    (folder / "new" / "1765000000.M100000P7Q2.desk").write_bytes(raw("06"))
    out = cli.ok("mail", "fetch", "--maildir", str(folder))
    assert out.splitlines() == ["INC-000001: incident recorded from mail",
                                "INC-000001: note added from mail"]


def test_maildir_names_sort_by_delivery_time_then_counter():
    from sms_tui.services.mail.fetch import delivery_order

    names = ["1765000001.M5P1Q9.h", "1765000000.M100000P1Q2.h", "1765000000.M99999P1Q1.h",
             "1765000000.M100000P1Q10.h", "odd-name", "1765000000.12345_1.h"]
    assert sorted(names, key=delivery_order) == [
        "1765000000.12345_1.h", "1765000000.M99999P1Q1.h", "1765000000.M100000P1Q2.h",
        "1765000000.M100000P1Q10.h", "1765000001.M5P1Q9.h", "odd-name"]


def test_a_folder_that_is_not_a_maildir_is_refused(cli, tmp_path):
    assert "not a Maildir" in one_error_line(cli("mail", "fetch", "--maildir", str(tmp_path)))


class FakeImap:
    """The part of imaplib.IMAP4_SSL that fetch uses, over a list of messages."""

    def __init__(self, messages: list[bytes]) -> None:
        self.messages = {str(i + 1).encode(): m for i, m in enumerate(messages)}
        self.seen: set[bytes] = set()
        self.logged_in = None

    def login(self, user, password):
        self.logged_in = (user, password)

    def select(self, mailbox):
        return "OK", [str(len(self.messages)).encode()]

    def uid(self, command, *args):
        if command == "SEARCH":
            return "OK", [b" ".join(u for u in self.messages if u not in self.seen)]
        if command == "FETCH":
            return "OK", [(args[0] + b" (BODY[] {1}", self.messages[args[0]]), b")"]
        if command == "STORE":
            self.seen.add(args[0])
            return "OK", []
        raise AssertionError(command)

    def logout(self):
        pass


def test_imap_unseen_messages_are_fetched_and_marked_seen(db_path, tmp_path, monkeypatch):
    from sms_tui.config import load_config
    from sms_tui.services.core.store import Store
    from sms_tui.services.mail.fetch import fetch_imap

    config = tmp_path / "imap.toml"
    config.write_text('[mail.imap]\nhost = "imap.example.org"\nusername = "desk"\n'
                      'password_env = "DESK_IMAP_PASSWORD"\n')
    monkeypatch.setenv("DESK_IMAP_PASSWORD", "s3cret")
    server = FakeImap([raw("01"), raw("09"), b"garbage"])
    store = Store(db_path, load_config(config, required=True), actor="t")
    try:
        report = fetch_imap(store, connect=lambda host, port, timeout: server)
        assert server.logged_in == ("desk", "s3cret")
        assert [r.line() for r in report.results] == ["INC-000001: incident recorded from mail",
                                                      "ignored: Auto-Submitted: auto-replied"]
        assert report.errors == ["IMAP message 3: the input is not an email message "
                                 "(no header lines at its start)"]
        assert server.seen == {b"1", b"2", b"3"}
        assert fetch_imap(store, connect=lambda *a: server).results == []
    finally:
        store.close()


def test_quoted_history_and_signatures_are_cut_from_replies():
    assert new_text("Thanks!\n\n-- \nDana\n+49 30") == "Thanks!"
    assert new_text("Yes.\n\nFrom: Desk <d@x.org>\nSent: Monday\nTo: me\n\nold") == "Yes."
    assert new_text("ok\n________________________________\nFrom: Desk") == "ok"
    assert new_text("> only a quote") == "> only a quote"  # nothing new: the whole body


def test_html_to_text_keeps_the_words_and_drops_scripts():
    assert html_to_text("<p>a &amp; b</p><script>x()</script><p>c</p>") == "a & b\n\nc"


def test_the_parser_gives_the_threading_ids_and_attachments():
    inbound = read_message(raw("10"))
    assert inbound.message_id == "attach-1@example.org"
    assert [(a.name, a.size) for a in inbound.attachments] == [("approval form.pdf", 3009)]
    assert read_message(raw("06")).in_reply_to == ("CAF=xyz123@mail.example.org",)


def test_the_scheduler_fetches_the_configured_maildir(db_path, tmp_path, clock):
    from sms_tui.config import load_config
    from sms_tui.services.core.scheduler import DeskScheduler
    from sms_tui.services.core.store import Store

    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    box.add(raw("01"))
    config = tmp_path / "fetch.toml"
    config.write_text(f'[mail]\nmaildir = "{tmp_path / "Maildir"}"\n')
    store = Store(db_path, load_config(config, required=True), actor="cron", clock=clock)
    try:
        results = DeskScheduler(store).run_once()
        assert results["mail_fetch"] == "mail: 1 message(s) recorded"
        assert DeskScheduler(store).run_once()["mail_fetch"] is None  # already seen
    finally:
        store.close()


def test_a_maildir_entry_that_is_not_a_message_file_is_left_and_said(db_path, tmp_path):
    """A FIFO in new/ held the fetch for ever, a link was followed (to /dev/zero: the memory
    filled; to any file: read, and moved into cur/), and a huge file was read whole before
    the size cap. Each is now left where it is, said in one line; the mail beside them is
    handled."""
    import subprocess

    from tests.reliability.helpers import cli_command

    config = tmp_path / "config.toml"
    config.write_text("[mail]\nmax_bytes = 65536\n")
    folder = tmp_path / "Maildir"
    box = mailbox.Maildir(folder, create=True)
    box.add(raw("01"))
    new = folder / "new"
    os.mkfifo(new / "1765000001.M1P1Q1.fifo")
    secret = tmp_path / "secret.txt"
    secret.write_text("From: x@example.org\n\nnot mail\n")
    (new / "1765000001.M1P1Q2.link").symlink_to(secret)
    (new / "1765000001.M1P1Q3.huge").write_bytes(raw("01") + b"x" * 70_000)
    result = subprocess.run([*cli_command(), "--db", str(db_path), "--config", str(config),
                             "mail", "fetch", "--maildir", str(folder)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stdout.splitlines() == ["INC-000001: incident recorded from mail"]
    errors = result.stderr.splitlines()
    assert len(errors) == 3 and all(line.endswith("; left where it is") for line in errors)
    assert "a FIFO (named pipe), not a message file" in errors[0]
    assert "a symbolic link, not a message file" in errors[1]
    assert "over the 65,536-byte cap ([mail] max_bytes)" in errors[2]
    assert sorted(p.name for p in new.iterdir()) == [
        "1765000001.M1P1Q1.fifo", "1765000001.M1P1Q2.link", "1765000001.M1P1Q3.huge"]
