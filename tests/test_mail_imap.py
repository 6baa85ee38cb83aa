"""`sms-tui mail fetch --imap` against a real IMAP endpoint over TLS (issue 17).

The server (tests/imap_server.py) listens on a socket, does a real TLS handshake under a
certificate made at test time by ``trustme``, and speaks IMAP4rev1 to the stdlib imaplib
client the desk uses -- the code path a desk's cron job runs, with nothing replaced. The
desk trusts the test CA the way OpenSSL lets any program be told to: ``SSL_CERT_FILE``.
"""

from __future__ import annotations

import json
import ssl
from pathlib import Path

import pytest
import trustme

from tests.cli_helpers import Cli, dump, one_error_line
from tests.imap_server import ImapServer, Mailbox, free_port, silent_port

CORPUS = Path(__file__).with_name("mail_corpus")
PASSWORD = "s3cret \"quoted\" pass"


def raw(name: str) -> bytes:
    return next(CORPUS.glob(f"{name}*.eml")).read_bytes()


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def server_context(ca: trustme.CA, host: str = "localhost") -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(host).configure_cert(context)
    return context


@pytest.fixture
def trusted(ca, tmp_path, monkeypatch) -> None:
    """The desk trusts the test CA (and only through OpenSSL's own setting)."""
    pem = tmp_path / "test-ca.pem"
    ca.cert_pem.write_to_path(str(pem))
    monkeypatch.setenv("SSL_CERT_FILE", str(pem))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox(user="desk@example.org", password=PASSWORD)


def desk(db_path, tmp_path, monkeypatch, port: int, *, host: str = "localhost",
         extra: str = "") -> Cli:
    config = tmp_path / "config.toml"
    config.write_text(f'[mail.imap]\nhost = "{host}"\nport = {port}\nusername = "desk@example.org"\n'
                      f'password_env = "DESK_IMAP_PASSWORD"\n{extra}')
    monkeypatch.setenv("DESK_IMAP_PASSWORD", PASSWORD)
    monkeypatch.setenv("SMS_TUI_CONFIG", str(config))
    return Cli(db_path)


def test_unseen_messages_are_fetched_over_tls_recorded_and_flagged_seen(
        db_path, tmp_path, monkeypatch, ca, trusted, mailbox):
    for name in ("01", "06", "08"):
        mailbox.add(raw(name))
    with ImapServer(mailbox, server_context(ca)) as server:
        cli = desk(db_path, tmp_path, monkeypatch, server.port)
        out = cli.ok("mail", "fetch", "--imap")
        assert out.splitlines() == ["INC-000001: incident recorded from mail",
                                    "INC-000001: note added from mail",
                                    "ignored: Auto-Submitted: auto-replied"]
        assert mailbox.seen == {1, 2, 3}
        sent = [c for c in mailbox.commands if c != "CAPABILITY"]
        assert sent[:3] == ["LOGIN", "SELECT", "UID SEARCH"]
        assert sent.count("UID FETCH") == 3 and sent[-1] == "LOGOUT"
        assert cli.ok("mail", "fetch", "--imap") == ""  # nothing unseen: nothing again
        mailbox.add(raw("02"))
        assert cli.ok("mail", "fetch").strip() == "INC-000002: incident recorded from mail"
    records = json.loads(cli.ok("list", "incidents", "--format", "json"))
    assert sorted(r["ref"] for r in records) == ["INC-000001", "INC-000002"]


def test_a_message_that_is_not_mail_is_reported_flagged_and_the_rest_recorded(
        db_path, tmp_path, monkeypatch, ca, trusted, mailbox):
    mailbox.add(b"garbage without headers")
    mailbox.add(raw("01"))
    with ImapServer(mailbox, server_context(ca)) as server:
        cli = desk(db_path, tmp_path, monkeypatch, server.port)
        result = cli("mail", "fetch", "--imap")
    assert result.exit_code == 1
    assert result.stdout == "INC-000001: incident recorded from mail\n"
    assert result.stderr.strip() == ("sms-tui: error: IMAP message 1: the input is not an email "
                                     "message (no header lines at its start)")
    assert mailbox.seen == {1, 2}  # it does not come back on every run


def test_scheduler_run_once_fetches_the_imap_mailbox(db_path, tmp_path, monkeypatch, ca, trusted,
                                                     mailbox):
    mailbox.add(raw("01"))
    with ImapServer(mailbox, server_context(ca)) as server:
        cli = desk(db_path, tmp_path, monkeypatch, server.port)
        out = cli.ok("scheduler", "run", "--once")
        assert "mail_fetch: mail: 1 message(s) recorded" in out.splitlines()
        assert mailbox.seen == {1}
        assert "mail_fetch: nothing to do" in cli.ok("scheduler", "run", "--once").splitlines()
    assert json.loads(cli.ok("show", "INC-1", "--format", "json"))["requester"]["email"] == \
        "dana.weber@example.org"


# ------------------------------------------------------------------ failures: one line, exit 1
@pytest.mark.sqlite_only
def test_a_wrong_password_is_one_line_and_nothing_is_written(db_path, tmp_path, monkeypatch, ca,
                                                            trusted, mailbox):
    mailbox.add(raw("01"))
    mailbox.password = "another"
    with ImapServer(mailbox, server_context(ca)) as server:
        cli = desk(db_path, tmp_path, monkeypatch, server.port)
        cli.ok("contacts", "list")
        before = dump(db_path)
        line = one_error_line(cli("mail", "fetch", "--imap"))
    assert line.startswith("sms-tui: error: the IMAP server refused the login:")
    assert line.endswith("login: [AUTHENTICATIONFAILED] Invalid credentials")
    assert PASSWORD not in line
    assert dump(db_path) == before and mailbox.seen == set()


@pytest.mark.sqlite_only
@pytest.mark.parametrize("case", ["untrusted", "other-host", "plain-text"])
def test_a_tls_failure_is_one_line_and_the_password_is_never_sent(db_path, tmp_path, monkeypatch,
                                                                  ca, mailbox, case):
    mailbox.add(raw("01"))
    if case == "untrusted":  # the desk does not trust this CA (no SSL_CERT_FILE)
        context = server_context(ca)
        monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "none.pem"))
    elif case == "other-host":  # trusted CA, certificate for another name
        context = server_context(ca, host="imap.example.org")
        pem = tmp_path / "ca.pem"
        ca.cert_pem.write_to_path(str(pem))
        monkeypatch.setenv("SSL_CERT_FILE", str(pem))
    else:  # a server that does not speak TLS on that port
        context = None
    with ImapServer(mailbox, context) as server:
        cli = desk(db_path, tmp_path, monkeypatch, server.port)
        cli.ok("contacts", "list")
        before = dump(db_path)
        line = one_error_line(cli("mail", "fetch", "--imap"))
    assert line.startswith(f"sms-tui: error: TLS with the IMAP server localhost:{server.port} "
                           "failed, so nothing was sent: ")
    expected = {"untrusted": "certificate is not trusted",
                "other-host": "certificate is not trusted (Hostname mismatch",
                "plain-text": "does the server speak TLS on this port?"}[case]
    assert expected in line
    assert "LOGIN" not in mailbox.commands and PASSWORD not in line
    assert dump(db_path) == before


@pytest.mark.sqlite_only
def test_a_server_that_is_down_is_one_line(db_path, tmp_path, monkeypatch, trusted):
    port = free_port()
    cli = desk(db_path, tmp_path, monkeypatch, port)
    line = one_error_line(cli("mail", "fetch", "--imap"))
    assert line.startswith(f"sms-tui: error: cannot reach the IMAP server localhost:{port}: ")
    assert "refused" in line.lower()


@pytest.mark.sqlite_only
def test_a_server_that_never_answers_is_one_line_after_the_timeout(db_path, tmp_path,
                                                                  monkeypatch, trusted):
    sock, port = silent_port()
    try:
        cli = desk(db_path, tmp_path, monkeypatch, port, extra="timeout = 0.5\n")
        line = one_error_line(cli("mail", "fetch", "--imap"))
    finally:
        sock.close()
    assert line == (f"sms-tui: error: the IMAP server localhost:{port} did not answer within "
                    "0.5 s ([mail.imap] timeout)")


@pytest.mark.sqlite_only
def test_a_missing_password_variable_is_one_line(db_path, tmp_path, monkeypatch):
    cli = desk(db_path, tmp_path, monkeypatch, free_port())
    monkeypatch.delenv("DESK_IMAP_PASSWORD")
    line = one_error_line(cli("mail", "fetch", "--imap"))
    assert "DESK_IMAP_PASSWORD" in line and "not set" in line


def test_a_mailbox_name_with_a_space_is_selected(db_path, tmp_path, monkeypatch, ca, trusted):
    box = Mailbox(user="desk@example.org", password=PASSWORD, name="Service Desk")
    box.add(raw("01"))
    with ImapServer(box, server_context(ca)) as server:
        cli = desk(db_path, tmp_path, monkeypatch, server.port, extra='mailbox = "Service Desk"\n')
        assert cli.ok("mail", "fetch", "--imap").strip() == \
            "INC-000001: incident recorded from mail"


@pytest.mark.sqlite_only
@pytest.mark.parametrize("extra, env, words", [
    ('mailbox = "Archive"\n', {}, "no mailbox 'Archive' on the IMAP server"),
    ('mailbox = "Eingänge"\n', {}, "only ASCII names can be selected"),
    ("", {"DESK_IMAP_PASSWORD": "pässwört"}, "characters other than ASCII"),
    ("", {"DESK_IMAP_PASSWORD": "x\r\nA9 LOGOUT"}, "password holds a line break"),
    ('mailbox = "INBOX\\r\\nA9 DELETE INBOX"\n', {}, "mailbox holds a line break"),
])
def test_what_the_server_cannot_be_sent_or_does_not_have_is_one_line(
        db_path, tmp_path, monkeypatch, ca, trusted, mailbox, extra, env, words):
    mailbox.add(raw("01"))
    with ImapServer(mailbox, server_context(ca)) as server:
        cli = desk(db_path, tmp_path, monkeypatch, server.port, extra=extra)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        cli.ok("contacts", "list")
        before = dump(db_path)
        line = one_error_line(cli("mail", "fetch", "--imap"))
    assert words in line
    assert dump(db_path) == before and mailbox.seen == set()
