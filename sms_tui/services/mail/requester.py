"""Mail out to the requester (8.3.2, issue 17): recorded, resolved, closed, complaint updates.

Rules on record writes (:mod:`.hooks`): when an incident, request or complaint
with a requester is recorded, resolved (asking the requester to confirm, or to
reply if it is not), or closed -- and at every status change of a complaint --
a message is put in the outbox (the ``communication`` table, as for major
incidents) in the same transaction, and journaled on the record. The subject
carries the reference (``[INC-000042]``) so that a reply threads back through
``mail-in``. Nothing is sent without ``[smtp]``: the message is then
``recorded`` only, and the outbox shows what would have gone. A contact who
opted out (``contacts edit --no-mail``) gets nothing; ``[mail] notify_requester
= false`` turns the messages off for the desk.
"""

from __future__ import annotations

from ...domain.kinds import KINDS, Kind
from ...domain.lifecycle import lifecycle_for
from ...domain.text import one_line
from ...storage.contacts import Contact
from ...storage.incidents import Communication
from ..core import hooks, journal
from .outbox import recorded_here, smtp_settings

QUIET = "quiet_requester_mail"  # Session.info key: demo data and imports mail nobody
KINDS_MAILED = (Kind.INCIDENT, Kind.REQUEST, Kind.COMPLAINT)
PURPOSES = {"recorded": "recorded", "resolved": "resolved", "closed": "closed",
            "complaint": "complaint update"}


def _enabled(ctx: hooks.HookContext) -> bool:
    if ctx.session.info.get(QUIET):
        return False
    return bool(ctx.store.config.section("mail").get("notify_requester", True))


def compose(purpose: str, kind: Kind, ref: str, title: str, status: str, name: str,
            note: str = "", outcome: str = "") -> tuple[str, str]:
    """Subject and body of a message to the requester (the subject is one safe line)."""
    label = KINDS[kind].label.lower()
    words = {"recorded": "Recorded", "resolved": "Resolved", "closed": "Closed",
             "complaint": f"Your complaint is {status.replace('_', ' ')}"}[purpose]
    subject = one_line(f"[{ref}] {words}: {title}", 200)
    lines = [f"Dear {name},", ""]
    if purpose == "recorded":
        lines += [f"we have recorded your {label} as {ref}:", f"    {title}", "",
                  "Reply to this message to add anything; keep the reference in the subject."]
    elif purpose == "resolved":
        lines += [f"your {label} {ref} is resolved:", f"    {title}", ""]
        if note.strip():
            lines += [note.strip(), ""]
        lines += ["Please confirm that it works for you. If it does not, reply to this",
                  "message and we will take it up again."]
    elif purpose == "closed":
        lines += [f"your {label} {ref} is now closed:", f"    {title}"]
    else:
        lines += [f"your complaint {ref} ({title}) is now {status.replace('_', ' ')}."]
        if status == "escalated":
            lines += ["", "It has been raised to management."]
        if outcome.strip() and status == "resolved":
            lines += ["", "Outcome:", outcome.strip()]
        if note.strip():
            lines += ["", note.strip()]
    lines += ["", "-- ", "Service Desk"]
    return subject, "\n".join(lines) + "\n"


def queue_message(ctx: hooks.HookContext, purpose: str, note: str = "") -> Communication | None:
    """Put one message to the record's requester in the outbox (None when nobody is mailed)."""
    row = ctx.row
    contact_id = getattr(row, "requester_id", None)
    if contact_id is None or not _enabled(ctx):
        return None
    contact = ctx.session.get(Contact, contact_id)
    if contact is None or contact.mail_opt_out:
        return None
    subject, body = compose(purpose, ctx.kind, row.ref, row.title, row.status, contact.name, note,
                            getattr(row, "outcome", "") if ctx.kind is Kind.COMPLAINT else "")
    send = smtp_settings(ctx.store.config) is not None
    recipient = f"{one_line(contact.name, 100)} <{contact.email}>".replace(",", " ")
    comm = Communication(record_ref=row.ref, purpose=f"requester:{purpose}", created_at=ctx.now,
                         created_by=ctx.store.actor, recipients=recipient, subject=subject,
                         body=body, status="pending" if send else "recorded",
                         next_attempt_at=ctx.now if send else None)
    ctx.session.add(comm)
    ctx.session.flush()
    journal.append(ctx.session, ref=row.ref, kind=ctx.kind.value, actor=ctx.store.actor,
                   at=ctx.now, action="communication",
                   changes={"communication": (None, f"#{comm.id} to the requester: "
                                                    f"{PURPOSES[purpose]}")},
                   note=f"to {contact.ref}: {subject}")
    if send:
        recorded_here.note(ctx.store.path, comm.id or 0)
    return comm


def _after_create(ctx: hooks.HookContext) -> None:
    queue_message(ctx, "recorded")


def _after_transition(ctx: hooks.HookContext, old: str, new: str) -> None:
    lifecycle = lifecycle_for(ctx.kind)
    if ctx.kind is Kind.COMPLAINT:
        queue_message(ctx, "complaint")
    elif new in lifecycle.resolved_states:
        queue_message(ctx, "resolved")
    elif new == "closed":
        queue_message(ctx, "closed")


for _kind in KINDS_MAILED:
    hooks.register("after_create", _kind, _after_create)
    hooks.register("after_transition", _kind, _after_transition)
