"""Communications to top management: recorded always, emailed when SMTP is set, never lost.

Email goes to a real SMTP server (aiosmtpd) on 127.0.0.1 on a free port; the
"server down" case is that port with nothing listening.
"""

from __future__ import annotations

import socket
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller

from .incident_helpers import Desk


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.received: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.received.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 Message accepted"


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def smtp_server(port):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox
    controller.stop()


def config(port: int) -> str:
    return f"""
        [major_incident]
        contacts = ["CIO <cio@example.org>", "coo@example.org"]
        [smtp]
        host = "127.0.0.1"
        port = {port}
        from = "Service Desk <desk@example.org>"
        timeout = 5
        """


@pytest.fixture
def desk(tmp_path, clock, port):
    d = Desk(tmp_path, clock, config(port))
    yield d
    d.close()


def test_without_smtp_communications_are_recorded_and_journaled(tmp_path, clock):
    desk = Desk(tmp_path, clock, '[major_incident]\ncontacts = ["cio@example.org"]\n')
    inc = desk.records.create("incident", title="Mail down", impact="high", urgency="high")
    [comm] = desk.outbox.list()
    assert (comm.record_ref, comm.purpose, comm.status) == (inc.ref, "declared", "recorded")
    assert comm.recipients == "cio@example.org"
    assert "Mail down" in comm.subject
    entry = next(e for e in desk.records.get(inc.ref).journal if e.action == "communication")
    assert "cio@example.org" in entry.note
    assert desk.outbox.deliver().sent == 0  # nothing to send, nothing lost
    desk.close()


def test_declare_update_and_resolution_each_produce_a_communication(desk, clock):
    inc = desk.records.create("incident", title="Mail down", impact="high", urgency="high")
    clock.advance(minutes=30)
    desk.major.send_update(inc.ref, "Failover started; next update in 30 minutes")
    desk.records.transition(inc.ref, "resolved")
    assert [c.purpose for c in desk.outbox.list(ref=inc.ref)] == ["resolved", "update", "declared"]
    assert all(c.status == "pending" for c in desk.outbox.list())


def test_messages_are_emailed_to_the_configured_contacts(desk, smtp_server):
    inc = desk.records.create("incident", title="Mail down", impact="high", urgency="high")
    report = desk.outbox.deliver()
    assert (report.sent, report.failed) == (1, 0)
    [(rcpt, message)] = smtp_server.received
    assert rcpt == ["cio@example.org", "coo@example.org"]
    assert message["Subject"] == f"[Major incident] {inc.ref} declared: Mail down"
    assert "priority is P1" in message.get_payload()
    [comm] = desk.outbox.list()
    assert (comm.status, comm.attempts) == ("sent", 1)
    assert "communication_sent" in desk.actions(inc.ref)


def test_server_down_is_recorded_shown_and_retried_later_until_sent(desk, clock, port):
    inc = desk.records.create("incident", title="Mail down", impact="high", urgency="high")
    report = desk.outbox.deliver()  # nothing listens on the port yet
    assert (report.sent, report.failed) == (0, 1)
    [comm] = desk.outbox.list()
    assert (comm.status, comm.attempts) == ("pending", 1)
    assert "refused" in comm.last_error.lower()
    assert comm.state == "FAILED (1 try), retrying"
    assert any("not sent yet" in n for n in desk.major.nags(inc.ref))
    assert desk.actions(inc.ref).count("communication_failed") == 1

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert desk.outbox.deliver().sent == 0  # backing off: not due yet
        clock.advance(minutes=1)
        assert desk.outbox.deliver().sent == 1
    finally:
        controller.stop()
    [comm] = desk.outbox.list()
    assert (comm.status, comm.attempts) == ("sent", 2)
    assert len(inbox.received) == 1
    assert not any("not sent" in n for n in desk.major.nags(inc.ref))


def test_retry_sends_at_once_ignoring_the_back_off(desk, port):
    desk.records.create("incident", title="Mail down", impact="high", urgency="high")
    desk.outbox.deliver()  # fails: server down
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert desk.outbox.deliver(force=True).sent == 1
    finally:
        controller.stop()
    assert len(inbox.received) == 1


def test_a_message_being_sent_elsewhere_is_not_sent_twice(desk, clock, smtp_server):
    desk.records.create("incident", title="Mail down", impact="high", urgency="high")
    claimed = desk.outbox._claim(clock(), None, force=False)  # another process took it
    assert len(claimed) == 1
    assert desk.outbox.deliver(force=True).sent == 0
    clock.advance(minutes=6)  # that process died: its lease runs out
    assert desk.outbox.deliver().sent == 1
    assert len(smtp_server.received) == 1


def test_user_text_cannot_inject_mail_headers(desk, smtp_server):
    desk.records.create("incident", title="Down\r\nBcc: evil@example.com", impact="high", urgency="high")
    desk.outbox.deliver()
    [(rcpt, message)] = smtp_server.received
    assert rcpt == ["cio@example.org", "coo@example.org"]
    assert message["Bcc"] is None




def test_the_scheduler_retries_the_outbox_and_checks_slas(desk, clock, smtp_server):
    from sms_tui.services.core.scheduler import DeskScheduler

    inc = desk.records.create("incident", title="Mail down", impact="high", urgency="high")
    clock.advance(hours=5)  # P1: 4 h to resolve
    results = DeskScheduler(desk.store, clock=clock).run_once()
    assert results["outbox_retry"] == "1 message(s) sent"
    assert results["sla_check"] == f"SLA breached: {inc.ref}"
    assert len(smtp_server.received) == 1


# ---------------------------------------------------------------- the password in clear (issue 15)
def _plain_auth_config(port: int, allow: bool | None) -> str:
    extra = "" if allow is None else f"allow_plaintext_auth = {'true' if allow else 'false'}\n"
    return config(port) + f'username = "desk"\npassword = "s3cret"\n{extra}'


@pytest.mark.parametrize("allow", [None, False])
def test_auth_in_clear_is_refused_before_connecting_unless_allowed(tmp_path, clock, port, allow):
    desk = Desk(tmp_path, clock, _plain_auth_config(port, allow))
    try:
        desk.records.create("incident", title="Mail down", impact="high", urgency="high")
        report = desk.outbox.deliver()  # nothing listens: had it connected, it would say "refused"
        assert (report.sent, report.failed) == (0, 1)
        assert "refusing to send the SMTP password unencrypted" in report.errors[0]
        assert "allow_plaintext_auth" in report.errors[0]
        [comm] = desk.outbox.list()
        assert comm.status == "pending" and "unencrypted" in comm.last_error
    finally:
        desk.close()


class _AnyLogin:
    def __init__(self) -> None:
        self.logins: list[bytes] = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        self.logins.append(auth_data.login)
        return AuthResult(success=True)


def test_auth_in_clear_when_allowed_warns_on_every_send(tmp_path, clock, port):
    inbox, login = Inbox(), _AnyLogin()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=login,
                            auth_require_tls=False)
    controller.start()
    desk = Desk(tmp_path, clock, _plain_auth_config(port, True))
    try:
        for n in range(2):
            desk.records.create("incident", title=f"Mail down {n}", impact="high", urgency="high")
            report = desk.outbox.deliver()
            assert report.sent == 1, report.errors
            assert report.warnings and "password was sent unencrypted" in report.warnings[0]
        assert login.logins == [b"desk", b"desk"] and len(inbox.received) == 2
    finally:
        desk.close()
        controller.stop()


def test_a_secure_connection_gives_no_warning(desk, smtp_server):
    desk.records.create("incident", title="Mail down", impact="high", urgency="high")
    report = desk.outbox.deliver()
    assert report.sent == 1 and report.warnings == ()


@pytest.mark.parametrize(("statuses", "said"), [
    ([], "none"),
    (["recorded"] * 4, "none sent, 4 recorded only"),
    (["sent", "sent", "pending"], "2 sent, 1 to send"),
    (["pending", "sending"], "none sent, 2 to send"),
    (["sent", "recorded", "pending"], "1 sent, 1 to send, 1 recorded only"),
])
def test_how_far_messages_got_is_said_as_it_is(statuses, said):
    # "0 not sent yet" over messages only recorded (no mail set up) read as if all had gone
    from sms_tui.domain.comms import sending_tally

    assert sending_tally(statuses) == said
