"""The outbox: communications to top management, recorded first, then sent by email.

Never lost: :func:`record_in` writes the communication in the SAME transaction
as the event it reports (declaring, a status update, resolution), and journals
it on the incident. Sending is a separate step that never holds a write
transaction open while talking to the mail server:

1. claim due messages in a short write transaction (status ``sending`` with a
   lease, so a second process does not send the same message meanwhile);
2. send each with :mod:`smtplib`, outside any transaction;
3. record the outcome in a short write transaction: ``sent``, or back to
   ``pending`` with the attempt count, the error and the next attempt time
   (1, 2, 4 ... minutes, at most an hour apart). A lease that expires (the
   process died while sending) makes the message due again.

Delivery is at least once: a crash between the server accepting a message and
step 3 sends it again on the next try.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from ...config import Config
from ...domain import comms
from ...domain.errors import NotFound
from ...domain.kinds import Kind
from ...domain.major import MajorPolicy, policy_from_config
from ...domain.text import one_line
from ...storage.incidents import Communication
from ...storage.models import Incident, Service
from ..core import journal
from ..core.store import Store

LEASE = timedelta(minutes=5)  # longer than any SMTP timeout we allow



class RecentWrites:
    """What this process wrote, per database file, bounded (process-local on purpose).

    The CLI uses it after its command committed: to send the messages the
    command recorded and to print reminders about the incidents it touched.
    Keyed by database so that one process with several stores (tests) never
    mixes them up; bounded so that a long-running TUI does not grow it.
    """

    def __init__(self, limit: int = 256) -> None:
        self._items: dict[tuple[str, Any], Any] = {}
        self._lock = threading.Lock()
        self.limit = limit

    def note(self, db: Path, key: Any, value: Any = "", *, keep: bool = False) -> None:
        """Remember ``key`` (with ``value``; ``keep`` leaves an existing value alone)."""
        with self._lock:
            item = (str(db), key)
            if keep and item in self._items:
                return
            self._items.pop(item, None)
            self._items[item] = value
            while len(self._items) > self.limit:
                self._items.pop(next(iter(self._items)))

    def take(self, db: Path) -> dict[Any, Any]:
        """Everything remembered for ``db`` (oldest first), forgetting it."""
        with self._lock:
            mine = {k: v for (d, k), v in self._items.items() if d == str(db)}
            for key in mine:
                self._items.pop((str(db), key), None)
            return mine


# Communications recorded by this process and not yet handed to deliver(); the CLI
# sends them when its command has committed (the scheduler retries any left over).
recorded_here = RecentWrites()


def major_policy(config: Config) -> MajorPolicy:
    return policy_from_config(config.raw.get("major_incident"), str(config.path or "config"))


def smtp_settings(config: Config) -> comms.SmtpSettings | None:
    return comms.smtp_from_config(config.raw.get("smtp"), str(config.path or "config"))


@dataclass(frozen=True)
class CommunicationView:
    id: int
    record_ref: str
    purpose: str
    created_at: datetime
    created_by: str
    recipients: str
    subject: str
    body: str
    status: str  # recorded | pending | sending | sent
    attempts: int
    last_error: str
    next_attempt_at: datetime | None
    sent_at: datetime | None

    @property
    def state(self) -> str:
        """One readable phrase: 'sent', 'recorded (email not set up)', 'FAILED (2 tries), retrying'."""
        if self.status == "sent":
            return "sent" + (" (some recipients refused)" if self.last_error else "")
        if self.status == "recorded":
            # to nobody: no contacts configured (a major incident's "inform top management"
            # read "recorded (email not set up)", as if only the mail were missing)
            return "recorded (email not set up)" if self.recipients.strip() else \
                "recorded, to nobody (no recipient configured)"
        if self.attempts:
            return f"FAILED ({self.attempts} {'try' if self.attempts == 1 else 'tries'}), retrying"
        return "sending" if self.status == "sending" else "waiting to send"


def _view(c: Communication) -> CommunicationView:
    return CommunicationView(c.id or 0, c.record_ref, c.purpose, c.created_at, c.created_by,
                             c.recipients, c.subject, c.body, c.status, c.attempts, c.last_error,
                             c.next_attempt_at, c.sent_at)


def record_in(session: Session, *, store: Store, row: Incident, purpose: str, message: str,
              now: datetime) -> Communication:
    """Record a communication about ``row`` in the caller's transaction, and journal it."""
    config, actor = store.config, store.actor
    policy = major_policy(config)
    service = session.get(Service, row.service_id).name if row.service_id else ""
    brief = comms.IncidentBrief(row.ref, row.title, row.status, row.priority, service,
                                row.major_manager, row.major_reason)
    open_ = purpose not in ("resolved", "undeclared")
    subject, body = comms.compose(purpose, brief, message, now,
                                  now + policy.update_interval if open_ else None)
    recipients = comms.recipients_text(policy.contacts)
    send = smtp_settings(config) is not None and bool(policy.contacts)
    comm = Communication(record_ref=row.ref, purpose=purpose, created_at=now, created_by=actor,
                         recipients=recipients, subject=subject, body=body,
                         status="pending" if send else "recorded",
                         next_attempt_at=now if send else None)
    session.add(comm)
    session.flush()
    journal.append(session, ref=row.ref, kind=Kind.INCIDENT.value, actor=actor, at=now,
                   action="communication",
                   changes={"communication": (None, f"#{comm.id} {comms.PURPOSES[purpose]}")},
                   note=f"to {recipients or 'nobody: no top-management contacts configured'}: {subject}")
    if send:
        recorded_here.note(store.path, comm.id or 0)
    return comm


def record_message_in(session: Session, *, store: Store, ref: str, kind: Kind, purpose: str,
                      contacts: tuple[str, ...], subject: str, body: str,
                      now: datetime) -> Communication:
    """Record a message about any record to ``contacts`` in the caller's transaction, journaled
    on the record (the outbox sends it like a major incident's when mail is set up)."""
    recipients = comms.recipients_text(contacts)
    send = smtp_settings(store.config) is not None and bool(contacts)
    comm = Communication(record_ref=ref, purpose=purpose, created_at=now, created_by=store.actor,
                         recipients=recipients, subject=one_line(subject, 200), body=body,
                         status="pending" if send else "recorded",
                         next_attempt_at=now if send else None)
    session.add(comm)
    session.flush()
    journal.append(session, ref=ref, kind=kind.value, actor=store.actor, at=now,
                   action="communication",
                   changes={"communication": (None, f"#{comm.id} {comms.PURPOSES[purpose]}")},
                   note=f"to {recipients or 'nobody: no contacts configured'}: {comm.subject}")
    if send:
        recorded_here.note(store.path, comm.id or 0)
    return comm


# ------------------------------------------------------------------ sending
Sender = Callable[[comms.SmtpSettings, CommunicationView], str]


def smtp_send(settings: comms.SmtpSettings, message: CommunicationView) -> str:
    """Send one message; returns '' or a note about refused recipients; raises on failure."""
    # imported here: ssl and email cost every command ~15 ms to load (issue 9), and
    # most never send mail
    import smtplib
    import ssl
    from email.message import EmailMessage
    from email.utils import format_datetime, make_msgid, parseaddr

    if settings.plaintext_auth and not settings.allow_plaintext_auth:
        raise PlaintextAuthRefused(comms.PLAINTEXT_REFUSED)  # before connecting at all
    recipients = comms.split_recipients(message.recipients)
    email = EmailMessage()
    email["From"] = settings.sender
    email["To"] = message.recipients
    email["Subject"] = one_line(message.subject)
    email["Date"] = format_datetime(message.created_at)
    email["Message-ID"] = make_msgid(idstring=f"sms-tui.{message.record_ref}.{message.id}")
    if message.purpose.startswith("requester:"):
        # RFC 3834: made by the desk, not typed by a person -- other desks and
        # out-of-office replies do not answer it, and mail-in ignores it if it comes back
        email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.body)
    password = settings.password or (os.environ.get(settings.password_env, "")
                                     if settings.password_env else "")
    context = ssl.create_default_context()
    if settings.security == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port,
                                                timeout=settings.timeout, context=context)
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    with client:
        if settings.security == "starttls":
            client.starttls(context=context)
        if settings.username:
            client.login(settings.username, password)
        refused = client.send_message(email, from_addr=parseaddr(settings.sender)[1],
                                      to_addrs=recipients)
    return f"refused by the server: {', '.join(sorted(refused))}" if refused else ""


class PlaintextAuthRefused(ValueError):
    """[smtp] would send the password unencrypted and the config does not allow it."""


@dataclass(frozen=True)
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    errors: tuple[str, ...] = ()  # "#3 INC-000001: [Errno 111] Connection refused"
    warnings: tuple[str, ...] = ()  # said on every send: e.g. the password went unencrypted


class Outbox:
    """List communications; send the ones due (and retry failures)."""

    def __init__(self, store: Store, sender: Sender | None = None) -> None:
        self.store = store
        self.sender = sender or smtp_send

    def list(self, *, ref: str | None = None, unsent_only: bool = False,
             limit: int | None = 200) -> list[CommunicationView]:
        """Newest first; ``unsent_only`` keeps those still to be sent."""
        stmt = select(Communication).order_by(col(Communication.id).desc())
        if ref:
            stmt = stmt.where(Communication.record_ref == ref.strip().upper())
        if unsent_only:
            stmt = stmt.where(col(Communication.status).in_(["pending", "sending"]))
        if limit is not None:
            stmt = stmt.limit(limit)
        with self.store.read() as session:
            return [_view(c) for c in session.exec(stmt)]

    def get(self, comm_id: int) -> CommunicationView:
        with self.store.read() as session:
            comm = session.get(Communication, comm_id)
            if comm is None:
                raise NotFound(f"no communication #{comm_id}")
            return _view(comm)

    def unsent_count(self) -> int:
        with self.store.read() as session:
            stmt = select(Communication.id).where(col(Communication.status).in_(["pending", "sending"]))
            return len(session.exec(stmt).all())

    def _claim(self, now: datetime, ids: Iterable[int] | None, force: bool) -> list[CommunicationView]:
        due = or_(col(Communication.next_attempt_at).is_(None), col(Communication.next_attempt_at) <= now)
        pending = Communication.status == "pending"
        if not force:
            pending = pending & due
        stale_lease = (Communication.status == "sending") & due
        stmt = select(Communication).where(or_(pending, stale_lease)).order_by(col(Communication.id))
        if ids is not None:
            stmt = stmt.where(col(Communication.id).in_(list(ids)))
        with self.store.write() as session:
            claimed = []
            for comm in session.exec(stmt):
                comm.status = "sending"
                comm.next_attempt_at = now + LEASE
                claimed.append(_view(comm))
            return claimed

    def deliver(self, ids: Iterable[int] | None = None, *, force: bool = False,
                now: datetime | None = None) -> DeliveryReport:
        """Send the messages that are due (``force``: every unsent one, ignoring back-off)."""
        settings = smtp_settings(self.store.config)
        if settings is None:
            return DeliveryReport()
        import smtplib  # only when mail is configured (see smtp_send)

        now = now or self.store.now()
        sent = failed = 0
        errors: list[str] = []
        for message in self._claim(now, ids, force):
            try:
                note = self.sender(settings, message)
                error = None
            except (OSError, smtplib.SMTPException, ValueError) as exc:
                error = one_line(f"{type(exc).__name__}: {exc}", 300)
            if error is None:
                sent += 1
                self._record_outcome(message.id, None, note, now)
            else:
                failed += 1
                errors.append(f"#{message.id} {message.record_ref}: {error}")
                self._record_outcome(message.id, error, "", now)
        warnings: tuple[str, ...] = ()
        if sent and settings.plaintext_auth and settings.allow_plaintext_auth:
            warnings = (comms.PLAINTEXT_WARNING,)  # every caller shows it (CLI, TUI, scheduler)
        return DeliveryReport(sent, failed, tuple(errors), warnings)

    def _record_outcome(self, comm_id: int, error: str | None, note: str, started: datetime) -> None:
        now = max(self.store.now(), started)
        with self.store.write() as session:
            comm = session.get(Communication, comm_id)
            if comm is None or comm.status != "sending":
                return
            comm.attempts += 1
            comm.last_attempt_at = now
            if error is None:
                comm.status, comm.sent_at, comm.next_attempt_at, comm.last_error = "sent", now, None, note
                journal.append(session, ref=comm.record_ref, kind=_kind_of(comm.record_ref), actor="sms-tui",
                               at=now, action="communication_sent",
                               changes={"communication": (f"#{comm.id} pending", f"#{comm.id} sent")},
                               note=f"emailed to {comm.recipients}" + (f"; {note}" if note else ""))
                return
            comm.status, comm.last_error = "pending", error
            comm.next_attempt_at = now + comms.retry_delay(comm.attempts)
            if comm.attempts == 1:  # journal the first failure; later retries show in the outbox
                journal.append(session, ref=comm.record_ref, kind=_kind_of(comm.record_ref), actor="sms-tui",
                               at=now, action="communication_failed",
                               changes={"communication": (None, f"#{comm.id} not sent")},
                               note=f"email failed, will retry: {error}")


def _kind_of(ref: str) -> str:
    """The kind of the record a message is about (incidents, and changes' deployment dates)."""
    from ...domain.errors import DeskError
    from ...domain.kinds import parse_ref

    try:
        return parse_ref(ref)[0].value
    except (DeskError, ValueError):
        return Kind.INCIDENT.value


def deliver_job(store: Store) -> DeliveryReport:
    """The periodic retry (scheduler job): send whatever is due."""
    return Outbox(store).deliver()
