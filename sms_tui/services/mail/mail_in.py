"""Mail in (8.3.2, issue 17): one inbound message becomes a record, or a note on one.

:meth:`MailIn.receive` takes the raw bytes of one RFC 5322 message (from an
MTA pipe, procmail, a Maildir or IMAP) and, in ONE transaction:

* a Message-ID already handled -> nothing new (the same ref is reported);
* a message sent by a machine (auto-reply, bounce, bulk, list) -> ignored:
  no record, no reply (no mail loops); it is remembered by its Message-ID;
* a subject naming a known record (``Re: [INC-000042] …``) or In-Reply-To /
  References naming a message already handled -> a note on that record with
  what the reply adds (quoted history and signature cut);
* anything else -> a new incident (a service request when it was sent to one
  of ``[mail] request_addresses``) with the sender as requester (an unknown
  sender becomes a ``user`` contact), the subject as title, the body as
  description, attachments listed by name and size (their content kept when
  ``[mail] keep_attachments`` says so, up to a cap: see :mod:`.attachments`).

Mail text is user text like any other: stored as received, shown literally.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from ...domain import mail
from ...domain.contacts import MAX_NAME, normalise_email
from ...domain.errors import ValidationError
from ...domain.kinds import Kind, format_ref
from ...domain.lifecycle import lifecycle_for
from ...storage.contacts import Contact
from ...storage.mail import MailMessage
from ...storage.models import RECORD_TABLES
from ..core.records import RecordService
from ..core.store import Store
from ..customers.contacts import ContactService
from .attachments import KeepPolicy, record_in

_PREFIX_KIND = {"INC": Kind.INCIDENT, "REQ": Kind.REQUEST, "CMP": Kind.COMPLAINT}
# the Message-ID notify.smtp_send gives the desk's own mail: <…sms-tui.INC-000042.7@host>
_OUR_ID = re.compile(r"sms-tui\.(INC|REQ|CMP)-(\d{1,12})\.\d+@", re.ASCII)
MAX_NOTE = 20_000


@dataclass(frozen=True)
class MailResult:
    outcome: str  # created | noted | duplicate | ignored
    ref: str  # the record created or noted ('' when ignored)
    reason: str = ""  # why ignored, or what was done
    contact_ref: str = ""  # the sender's contact
    new_contact: bool = False

    def line(self) -> str:
        """What ``mail-in`` prints: the reference it created or updated, and how."""
        if self.outcome == "ignored":
            return f"ignored: {self.reason}"
        if self.outcome == "duplicate":
            return f"{self.ref or '-'}: already handled ({self.reason})"
        return f"{self.ref}: {self.reason}"


def mail_settings(config) -> dict:
    return config.section("mail")


def _attachments_text(inbound: mail.Inbound, policy: KeepPolicy | None = None) -> str:
    """One line per attachment: name, size, type, and (with ``policy``) whether its content
    was kept."""
    lines = []
    for a in inbound.attachments:
        line = f"{a.name} ({a.size} bytes, {a.content_type})"
        if policy is not None and policy.keep:
            why_not = policy.decide(a)
            line += f" -- not kept: {why_not}" if why_not else " -- kept"
        lines.append(line)
    return "\n".join(lines)


def _display_name(inbound: mail.Inbound, email: str) -> str:
    name = "".join(ch for ch in inbound.sender_name if ch.isprintable()).strip()
    name = name.strip("'\" ")[:MAX_NAME].strip()
    if not name or not any(ch.isalnum() for ch in name):
        name = email.split("@", 1)[0][:MAX_NAME]
    return name


class MailIn:
    """Turns inbound mail into records and notes (see the module docstring)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.records = RecordService(store)
        settings = mail_settings(store.config)
        self.max_bytes = int(settings.get("max_bytes", mail.DEFAULT_MAX_BYTES))
        self.request_addresses = {str(a).strip().lower()
                                  for a in settings.get("request_addresses", [])}
        self.keep = KeepPolicy.of(settings)

    def receive(self, raw: bytes) -> MailResult:
        """Handle one message (raw bytes); ValidationError for garbage or over-size."""
        inbound = mail.read_message(raw, max_bytes=self.max_bytes)
        try:
            with self.store.write() as session:
                return self._receive_in(session, inbound)
        except IntegrityError:  # another process handled the same Message-ID meanwhile
            with self.store.read() as session:
                found = self._seen(session, inbound.message_id)
            if found is None:
                raise
            return MailResult("duplicate", found.record_ref, f"Message-ID <{inbound.message_id}>")

    # ------------------------------------------------------------------ steps
    @staticmethod
    def _seen(session: Session, message_id: str) -> MailMessage | None:
        if not message_id:
            return None
        return session.exec(select(MailMessage).where(MailMessage.message_id == message_id)).first()

    def _remember(self, session: Session, inbound: mail.Inbound, ref: str, outcome: str,
                  now: datetime, kind: Kind | None = None) -> None:
        """Remember the message (its Message-ID is then handled once); with ``kind``, record
        its attachments on ``ref`` (content kept as ``[mail]`` says) and journal them."""
        message = MailMessage(message_id=inbound.message_id or None, record_ref=ref,
                              outcome=outcome, sender=inbound.sender[:254],
                              subject=inbound.subject[:500], received_at=now,
                              attachments=_attachments_text(inbound))
        session.add(message)
        session.flush()
        if kind is not None:
            record_in(session, self.store, ref, kind.value, message.id, inbound.attachments,
                      self.keep, now)

    def _receive_in(self, session: Session, inbound: mail.Inbound) -> MailResult:
        now = self.store.now()
        seen = self._seen(session, inbound.message_id)
        if seen is not None:
            return MailResult("duplicate", seen.record_ref, f"Message-ID <{inbound.message_id}>")
        if inbound.automatic:
            self._remember(session, inbound, "", "ignored", now)
            return MailResult("ignored", "", inbound.automatic)
        try:
            email = normalise_email(inbound.sender)
        except ValidationError:
            raise ValidationError(f"the sender's address {inbound.sender[:80]!r} is not usable; "
                                  "nothing was recorded") from None
        contact, new_contact = self._contact(session, inbound, email, now)
        target = self._thread(session, inbound)
        if target is not None and (answered := self._survey_answer(session, target[1], inbound,
                                                                   contact, now)):
            return MailResult("survey", target[1].ref, answered, contact.ref, new_contact)
        if target is not None:
            kind, row = target
            if not lifecycle_for(kind).is_final(row.status):
                self._note(session, kind, row, inbound, contact, now)
                self._remember(session, inbound, row.ref, "noted", now, kind)
                return MailResult("noted", row.ref, "note added from mail", contact.ref, new_contact)
        kind = Kind.REQUEST if self.request_addresses & set(inbound.to) else Kind.INCIDENT
        title = mail.title_from(inbound.subject) or "(no subject)"
        if not any(ch.isalnum() for ch in title):
            title = "(no subject)"
        description = inbound.body.strip()
        if target is not None:  # a reply to a closed record: a new one, pointing back
            description = f"Follow-up of {target[1].ref} (closed) by mail.\n\n{mail.new_text(description)}"
        if inbound.attachments:
            description += "\n\nAttachments:\n" + _attachments_text(inbound, self.keep)
        # a request by mail is classified 'other' until the desk gives it its type (8.6.2)
        classified = {"request_type": "other"} if kind is Kind.REQUEST else {}
        row = self.records.create_in(session, kind, title=title, now=now,
                                     description=description.strip(), requester=contact.ref,
                                     **classified)
        self._remember(session, inbound, row.ref, "created", now, kind)
        what = "service request" if kind is Kind.REQUEST else "incident"
        return MailResult("created", row.ref, f"{what} recorded from mail", contact.ref,
                          new_contact)

    def _contact(self, session: Session, inbound: mail.Inbound, email: str,
                 now: datetime) -> tuple[Contact, bool]:
        found = session.exec(select(Contact).where(Contact.email == email)).first()
        if found is not None:
            return found, False
        contacts = ContactService(self.store)
        row = contacts.add_in(session, now=now, note="from mail", name=_display_name(inbound, email),
                              email=email, role="user")
        return row, True

    def _thread(self, session: Session, inbound: mail.Inbound):
        """The record a reply belongs to: by a reference in the subject, else by the ids."""
        for prefix, number in inbound.refs_in_subject:
            kind = _PREFIX_KIND.get(prefix)
            if kind is not None and (row := session.get(RECORD_TABLES[kind.value], number)):
                return kind, row
        for message_id in inbound.in_reply_to:
            ours = _OUR_ID.search(message_id)  # a reply to a message the desk sent
            if ours is not None:
                kind = _PREFIX_KIND[ours.group(1).upper()]
                row = session.get(RECORD_TABLES[kind.value], int(ours.group(2)))
                if row is not None:
                    return kind, row
            seen = self._seen(session, message_id)
            if seen is None or not seen.record_ref:
                continue
            prefix, _, number = seen.record_ref.partition("-")
            kind = _PREFIX_KIND.get(prefix)
            if kind is not None and number.isdigit():
                row = session.get(RECORD_TABLES[kind.value], int(number))
                if row is not None:
                    return kind, row
        return None

    def _survey_answer(self, session: Session, row, inbound: mail.Inbound, contact: Contact,
                       now: datetime) -> str:
        """A reply to a satisfaction survey: its score recorded ('' when it is not one)."""
        from ..customers.survey import SurveyService, score_in

        surveys = SurveyService(self.store)
        if surveys.open_invitation(session, row.ref, contact.id or 0) is None:
            return ""
        text = mail.new_text(inbound.body)
        score = score_in(text)
        if score is None:
            return ""
        surveys.answer_in(session, row.ref, score, comment=text[:500], via="mail", now=now,
                          contact_id=contact.id)
        self._remember(session, inbound, row.ref, "survey", now)
        return f"satisfaction score {score} recorded"

    def _note(self, session: Session, kind: Kind, row, inbound: mail.Inbound, contact: Contact,
              now: datetime) -> None:
        text = mail.new_text(inbound.body)[:MAX_NOTE]
        # the sender by reference: a purge of the contact leaves no address in this journal
        note = f"Mail from {contact.ref}:\n{text or '(no text)'}"
        if inbound.attachments:
            note += "\n\nAttachments:\n" + _attachments_text(inbound, self.keep)
        self.records.add_note_in(session, kind, row, note, now=now)


def ref_of(kind: Kind, number: int) -> str:
    return format_ref(kind, number)
