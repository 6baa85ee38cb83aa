"""Fetch inbound mail from a Maildir or an IMAP mailbox and hand each message to mail-in.

Maildir (stdlib ``mailbox``): every message not yet seen (no ``S`` flag) is
handled, then marked seen and moved to ``cur``. IMAP over TLS (stdlib
``imaplib``, ``[mail.imap]`` in the config, the password from the environment
variable ``password_env`` names, as for SMTP): every UNSEEN message of the
mailbox is read without marking it (``BODY.PEEK[]``), handled, then flagged
``\\Seen``. A message handled twice is recorded once (its Message-ID), so a
fetch interrupted half-way can simply run again. A message that cannot be read
(garbage, over-size) is reported and marked seen, so it does not come back on
every run.
"""

from __future__ import annotations

import contextlib
import imaplib
import mailbox
import os
import re
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ...domain.errors import ConfigError, DeskError
from ..core.store import Store
from .mail_in import MailIn, MailResult, mail_settings


@dataclass
class FetchReport:
    results: list[MailResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def fetch_maildir(store: Store, path: Path | str) -> FetchReport:
    """Handle every unseen message of the Maildir at ``path``."""
    folder = Path(path).expanduser()
    if not (folder / "new").is_dir() or not (folder / "cur").is_dir():
        raise ConfigError(f"{folder}: not a Maildir (it needs new/ and cur/ folders)")
    box = mailbox.Maildir(folder, factory=None, create=False)
    mail_in, report = MailIn(store), FetchReport()
    for key in sorted(box.iterkeys(), key=delivery_order):
        refused = _not_a_message_file(box, folder, key, mail_in.max_bytes)
        if refused:
            report.errors.append(f"{key}: {refused}; left where it is")
            continue
        try:
            message = box.get_message(key)
        except (KeyError, FileNotFoundError):  # another fetch took it meanwhile
            continue
        if "S" in message.get_flags():
            continue
        _handle(mail_in, report, box.get_bytes(key), key)
        message.add_flag("S")
        message.set_subdir("cur")
        box[key] = message
    return report


def _not_a_message_file(box: mailbox.Maildir, folder: Path, key: str, max_bytes: int) -> str:
    """Why the file of ``key`` is not read, or "": a delivery agent writes regular files.
    A FIFO held the fetch for ever, a link to /dev/zero filled the memory, a link to any
    file was read and moved, and a 300 MB file was read whole before the size cap."""
    import stat

    from ...storage.engine import file_kind

    try:
        info = (folder / box._lookup(key)).lstat()  # the entry itself, a link not followed
    except (KeyError, OSError):
        return ""  # gone meanwhile: the read below says so, or skips it
    if not stat.S_ISREG(info.st_mode):
        return f"{file_kind(info.st_mode)}, not a message file"
    if info.st_size > max_bytes:
        return (f"{info.st_size:,} bytes, over the {max_bytes:,}-byte cap "
                "([mail] max_bytes)")
    return ""


_MAILDIR_NAME = re.compile(r"(\d+)\.([^.]*)")


def delivery_order(key: str) -> tuple[int, int, int, str]:
    """The order a Maildir's messages arrived in, from their unique names
    (``<seconds>.M<microseconds>P<pid>Q<count>.<host>``, as Python, Dovecot and most
    delivery agents write them): a reply is handled after the mail it answers, so it
    becomes a note on that record, not a record of its own. Sorting the names as text put
    ``M100000`` before ``M99999``. A name of another shape goes last, by its text."""
    match = _MAILDIR_NAME.match(key)
    if match is None:
        return (1 << 62, 0, 0, key)
    unique = match.group(2)
    usec, count = re.search(r"M(\d+)", unique), re.search(r"Q(\d+)", unique)
    return (int(match.group(1)), int(usec.group(1)) if usec else 0,
            int(count.group(1)) if count else 0, key)


def _handle(mail_in: MailIn, report: FetchReport, raw: bytes, where: str) -> None:
    try:
        report.results.append(mail_in.receive(raw))
    except DeskError as exc:
        report.errors.append(f"{where}: {exc}")


def imap_settings(config) -> dict:
    imap = mail_settings(config).get("imap")
    if not isinstance(imap, dict):
        raise ConfigError("no [mail.imap] in the config: give host, username and password_env "
                          "(or fetch from a Maildir with --maildir)")
    return imap


def _mailbox_arg(name: str) -> str:
    """A mailbox name as an IMAP argument: quoted when it holds spaces or specials
    (imaplib sends arguments as they are)."""
    if name and all(ch.isalnum() or ch in "._-/" for ch in name):
        return name
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _said(exc: Exception) -> str:
    """What the server said (imaplib passes its bytes on as they came)."""
    said = exc.args[0] if exc.args else exc
    return said.decode("utf-8", "replace") if isinstance(said, bytes) else str(said)


def _tls_problem(exc: ssl.SSLError) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"its certificate is not trusted ({exc.verify_message or exc.reason})"
    reason = str(exc.reason or exc).replace("_", " ").lower()
    if "wrong version" in reason or "record layer" in reason:
        return f"{reason} (does the server speak TLS on this port? IMAPS is 993)"
    return reason


def fetch_imap(store: Store, *, connect: Callable[..., imaplib.IMAP4] | None = None) -> FetchReport:
    """Handle every UNSEEN message of ``[mail.imap] mailbox`` (TLS, port 993 by default)."""
    imap = imap_settings(store.config)
    password = os.environ.get(str(imap["password_env"]))
    if not password:
        raise ConfigError(f"[mail.imap] password_env names {imap['password_env']}, which is not "
                          "set in the environment")
    for what, value in (("password", password), ("username", str(imap["username"])),
                        ("mailbox", str(imap.get("mailbox", "INBOX")))):
        if any(ch in value for ch in "\r\n\x00"):  # would end the IMAP command early
            raise ConfigError(f"the IMAP {what} holds a line break or NUL, which IMAP cannot "
                              "send; nothing was fetched")
    connect = connect or (lambda host, port, timeout: imaplib.IMAP4_SSL(
        host, port, ssl_context=ssl.create_default_context(), timeout=timeout))
    mail_in, report = MailIn(store), FetchReport()
    where = f"{imap['host']}:{int(imap.get('port', 993))}"
    try:
        conn = connect(imap["host"], int(imap.get("port", 993)), float(imap.get("timeout", 30)))
    except ssl.SSLError as exc:  # before the password is sent: nothing went out in clear
        raise ConfigError(f"TLS with the IMAP server {where} failed, so nothing was sent: "
                          f"{_tls_problem(exc)}") from None
    except TimeoutError:
        raise ConfigError(f"the IMAP server {where} did not answer within "
                          f"{float(imap.get('timeout', 30)):g} s ([mail.imap] timeout)") from None
    except (OSError, imaplib.IMAP4.error) as exc:
        raise ConfigError(f"cannot reach the IMAP server {where}: "
                          f"{getattr(exc, 'strerror', None) or exc}") from None
    try:
        try:
            conn.login(imap["username"], password)
        except imaplib.IMAP4.error as exc:
            raise ConfigError(f"the IMAP server refused the login: {_said(exc)}") from None
        except UnicodeEncodeError:  # imaplib sends LOGIN's arguments as ASCII only
            raise ConfigError("the IMAP username or password holds characters other than ASCII, "
                              "which IMAP LOGIN cannot send; nothing was fetched") from None
        mailbox = str(imap.get("mailbox", "INBOX"))
        try:
            status, _ = conn.select(_mailbox_arg(mailbox))
        except UnicodeEncodeError:
            raise ConfigError(f"[mail.imap] mailbox {mailbox!r}: only ASCII names can be "
                              "selected; nothing was fetched") from None
        if status != "OK":
            raise ConfigError(f"no mailbox {imap.get('mailbox', 'INBOX')!r} on the IMAP server")
        status, data = conn.uid("SEARCH", None, "UNSEEN")
        uids = (data[0] or b"").split() if status == "OK" and data else []
        for uid in uids:
            status, parts = conn.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((p[1] for p in parts or () if isinstance(p, tuple) and len(p) > 1), None)
            if status != "OK" or raw is None:
                report.errors.append(f"IMAP message {uid.decode()}: could not be fetched")
                continue
            _handle(mail_in, report, raw, f"IMAP message {uid.decode()}")
            conn.uid("STORE", uid, "+FLAGS", "(\\Seen)")
    except (OSError, imaplib.IMAP4.error) as exc:
        report.errors.append(f"IMAP: {exc}")
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            conn.logout()
    return report


def mail_check(ctx) -> str | None:
    """The scheduler's periodic fetch (``scheduler run --once`` too): [mail] maildir, else
    [mail.imap]; nothing when neither is configured."""
    settings = mail_settings(ctx.store.config)
    if settings.get("maildir"):
        report = fetch_maildir(ctx.store, settings["maildir"])
    elif isinstance(settings.get("imap"), dict):
        report = fetch_imap(ctx.store)
    else:
        return None
    done = [r for r in report.results if r.outcome in ("created", "noted")]
    if report.errors:
        return f"mail: {len(done)} handled, {len(report.errors)} refused: {report.errors[0]}"
    return f"mail: {len(done)} message(s) recorded" if done else None


def _register() -> None:
    from ..core.scheduler import register_periodic

    register_periodic("mail_fetch", mail_check, seconds=300)


_register()
