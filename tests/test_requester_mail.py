"""Mail out to the requester (issue 17): through the outbox, to a real SMTP server on 127.0.0.1,
and the requester's reply threading back through mail-in."""

from __future__ import annotations

import pytest
from aiosmtpd.controller import Controller

from sms_tui.config import Config
from sms_tui.services.core.records import RecordService
from sms_tui.services.core.store import Store
from sms_tui.services.customers.contacts import ContactService
from sms_tui.services.mail.mail_in import MailIn
from sms_tui.services.mail.outbox import Outbox
from tests.test_outbox import Inbox, free_port


@pytest.fixture
def smtp():
    port, inbox = free_port(), Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()


def desk(db_path, clock, raw=None):
    store = Store(db_path, Config(raw=raw or {}), actor="tester", clock=clock)
    contacts = ContactService(store)
    contacts.add(name="Dana Weber", email="dana@example.org")
    contacts.add(name="Quiet Person", email="quiet@example.org", mail_opt_out=True)
    return store, RecordService(store)


def sent(store) -> list:
    return [m for m in Outbox(store).list() if m.purpose.startswith("requester:")]


def test_nothing_is_sent_without_smtp_but_the_outbox_shows_what_would_go(db_path, clock):
    store, records = desk(db_path, clock)
    try:
        ref = records.create("incident", title="VPN down", requester="dana@example.org").ref
        records.transition(ref, "resolved")
        records.transition(ref, "closed")
        messages = sent(store)
        assert [(m.purpose, m.status) for m in messages] == [
            ("requester:closed", "recorded"), ("requester:resolved", "recorded"),
            ("requester:recorded", "recorded")]
        assert all(m.subject.startswith(f"[{ref}] ") for m in messages)
        assert "Please confirm that it works for you" in messages[1].body
        assert messages[0].recipients == "Dana Weber <dana@example.org>"
        assert any(e.action == "communication" for e in records.get(ref).journal)
    finally:
        store.close()


def test_a_contact_who_opted_out_gets_nothing_and_a_record_without_requester_neither(db_path, clock):
    store, records = desk(db_path, clock)
    try:
        ref = records.create("incident", title="x", requester="quiet@example.org").ref
        records.transition(ref, "resolved")
        records.create("request", title="no requester", request_type="other")
        assert sent(store) == []
    finally:
        store.close()


def test_the_desk_can_turn_requester_mail_off(db_path, clock):
    store, records = desk(db_path, clock, {"mail": {"notify_requester": False}})
    try:
        records.create("incident", title="x", requester="dana@example.org")
        assert sent(store) == []
    finally:
        store.close()


def test_every_complaint_state_change_is_told_to_the_complainant(db_path, clock):
    from sms_tui.services.customers.complaints import ComplaintService

    store, records = desk(db_path, clock)
    try:
        ref = records.create("complaint", title="Rude", requester="Dana Weber").ref
        records.escalate(ref, to="Head of Service", hierarchical=True, reason="not settled")
        ComplaintService(store).resolve(ref, "Apologised; coaching given")
        subjects = [m.subject for m in sent(store)][::-1]
        assert subjects == [f"[{ref}] Recorded: Rude",
                            f"[{ref}] Your complaint is escalated: Rude",
                            f"[{ref}] Your complaint is resolved: Rude"]
        assert "Outcome:\nApologised; coaching given" in sent(store)[0].body
    finally:
        store.close()


def test_the_requester_gets_the_mail_and_a_reply_to_it_threads_back(db_path, clock, smtp):
    port, inbox = smtp
    store, records = desk(db_path, clock, {"smtp": {"host": "127.0.0.1", "port": port,
                                                    "from": "Desk <desk@example.org>"}})
    try:
        ref = records.create("incident", title="Printer", requester="dana@example.org").ref
        report = Outbox(store).deliver()
        assert report.sent == 1 and not report.failed
        (rcpts, message), = inbox.received
        assert rcpts == ["dana@example.org"]
        assert message["Subject"] == f"[{ref}] Recorded: Printer"
        assert message["Auto-Submitted"] == "auto-generated"  # no out-of-office answers it
        # the requester answers from a client that drops the reference from the subject
        reply = (f"From: Dana Weber <dana@example.org>\r\nSubject: Re: your printer\r\n"
                 f"Message-ID: <reply-1@example.org>\r\nIn-Reply-To: {message['Message-ID']}\r\n"
                 "\r\nStill blank.\r\n\r\nOn Monday the desk wrote:\r\n> old\r\n").encode()
        result = MailIn(store).receive(reply)
        assert (result.outcome, result.ref) == ("noted", ref)
        assert records.get(ref).journal[0].note == \
            "Mail from CON-000001:\nStill blank."
        assert len(inbox.received) == 1  # a note from mail sends nothing back
    finally:
        store.close()


def test_automatic_mail_never_gets_a_reply(db_path, clock):
    store, _records = desk(db_path, clock)
    try:
        auto = (b"From: dana@example.org\r\nAuto-Submitted: auto-replied\r\nSubject: Away\r\n"
                b"Message-ID: <away@example.org>\r\n\r\nI am away.\r\n")
        assert MailIn(store).receive(auto).outcome == "ignored"
        assert sent(store) == []
    finally:
        store.close()
