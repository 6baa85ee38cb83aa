"""Record subcommands: new, list, show, and every action on a record.

The actions (transition, note, assign, escalate, link, unlink, edit) are the
ones the TUI offers, so the desk can be scripted from cron or monitoring hooks.
Each prints one line saying what happened; errors are one line on stderr.
"""

from __future__ import annotations

import sys

import click

from ..domain.kinds import Kind, parse_ref
from ..domain.text import json_text, one_line
from .common import FORMATS, AppContext, Int, emit_rows, pass_app

LEVEL = click.Choice(["high", "medium", "low"], case_sensitive=False)
LIST_COLUMNS = ["ref", "priority", "status", "title", "assignee", "service", "created_at"]
KIND_PLURALS = ["incidents", "requests", "problems", "known-errors", "changes", "complaints"]
REQUESTER_OPTION = click.option(
    "--requester", default=None, metavar="EMAIL|NAME",
    help="Who asked: a contact's email, name or CON-… reference (see 'contacts list').")
EXPECTED_VERSION = click.option(
    "--expected-version", type=Int(min=1), default=None, metavar="N",
    help="Refuse the change unless the record is still at version N (see 'show').")


def _records(app: AppContext):
    from ..services.core.records import RecordService

    return RecordService(app.store())


def _new_command(kind: Kind, name: str, extra_options=()):
    @click.option("--title", required=True, help="Short summary.")
    @click.option("--impact", type=LEVEL, default=None,
                  help="How much is affected (default: medium, or the request type's).")
    @click.option("--urgency", type=LEVEL, default=None,
                  help="How fast it hurts (priority = impact × urgency; default: medium, "
                       "or the request type's).")
    @click.option("--description", default="", help="Longer text.")
    @click.option("--service", default=None, help="Service name from the catalogue.")
    @click.option("--ci", default=None, help="Configuration item name.")
    @click.option("--category", default="", help="e.g. network, access, hardware.")
    @click.option("--assignee", default="", help="Who works on it (default: nobody yet).")
    @pass_app
    def command(app: AppContext, title, impact, urgency, description, service, ci, category,
                assignee, **extra):
        requester = extra.pop("requester", None)
        if kind is Kind.REQUEST and extra.get("request_type"):
            # from the catalogue: the type's impact, urgency and category unless given
            from ..services.requests.service import RequestService

            request = RequestService(app.store()).create(
                extra["request_type"], title=title, description=description,
                impact=impact.lower() if impact else None,
                urgency=urgency.lower() if urgency else None, service=service, ci=ci,
                assignee=assignee, category=category or None, requester=requester)
            click.echo(request.record.ref)
            return
        if kind is Kind.INCIDENT and requester is None:
            ref = _quick_new_incident(app, title=title, impact=impact, urgency=urgency,
                                      description=description, service=service, ci=ci,
                                      category=category, assignee=assignee,
                                      security_risk=extra.get("security_risk"))
            if ref is not None:
                click.echo(ref)
                return
        record = _records(app).create(
            kind, title=title, impact=(impact or "medium").lower(),
            urgency=(urgency or "medium").lower(),
            description=description, service=service, ci=ci, category=category,
            assignee=assignee, requester=requester,
            **{k: v for k, v in extra.items() if v is not None},
        )
        click.echo(record.ref)

    for option in reversed(extra_options):
        command = option(command)
    return click.command(name, help=f"Record a new {kind.value.replace('_', ' ')}; prints its reference.")(command)


def register(main: click.Group) -> None:
    @main.group("new")
    def new():
        """Record a new incident, request, problem, known error, change or complaint."""

    new.add_command(_new_command(Kind.INCIDENT, "incident", [
        click.option("--security-risk", "security_risk", default=None, metavar="RISK",
                     help="Information security risk: none, low, medium, high or critical "
                          "(default none; high and critical raise the priority, see the config)."),
        REQUESTER_OPTION,
    ]))
    new.add_command(_new_command(Kind.REQUEST, "request", [
        click.option("--type", "request_type", default=None,
                     help="Request type from the catalogue (required), or 'other' when none fits."),
        REQUESTER_OPTION,
    ]))
    new.add_command(_new_command(Kind.PROBLEM, "problem"))
    new.add_command(_new_command(Kind.KNOWN_ERROR, "known-error", [
        click.option("--workaround", default=None, help="How users keep working meanwhile."),
        click.option("--root-cause", default=None, help="Why it happens."),
    ]))
    new.add_command(_new_command(Kind.CHANGE, "change", [
        click.option("--type", "change_type", type=click.Choice(["standard", "normal", "emergency"]),
                     default=None, help="Change category (default normal)."),
        click.option("--reason", default=None, help="Why the change is needed."),
        click.option("--implementation-plan", default=None,
                     help="How it will be done (required before approval of normal changes)."),
        click.option("--backout-plan", default=None, help="How to undo it if it goes wrong."),
        click.option("--service-change", "--change-type", "service_change", default=None,
                     metavar="TYPE",
                     help="add_service, remove_service or transfer_service (always major impact, 8.5.2)."),
    ]))
    new.add_command(_new_command(Kind.COMPLAINT, "complaint", [
        click.option("--requester", required=True, metavar="EMAIL|NAME",
                     help="Who complains: a contact's email, name or CON-… reference."),
    ]))

    @main.command("list")
    @click.argument("kind", type=click.Choice(KIND_PLURALS))
    @click.option("--open", "open_only", is_flag=True, help="Only open records.")
    @click.option("--status", default=None, help="Only records in this status (e.g. on_hold).")
    @click.option("--assignee", default=None, metavar="NAME", help="Only records assigned to NAME.")
    @click.option("--unassigned", is_flag=True, help="Only records nobody is assigned to.")
    @click.option("--priority", default=None, metavar="P1..P5", help="Only records of this priority.")
    @click.option("--search", "text", default="", metavar="TEXT",
                  help="Only records whose reference, title or description contains TEXT.")
    @click.option("--security", "security_only", is_flag=True,
                  help="Incidents: only information security incidents (risk not none).")
    @click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
    @click.option("--limit", type=Int(min=1), default=None, help="At most N records.")
    @pass_app
    def list_(app: AppContext, kind, open_only, status, assignee, unassigned, priority, text,
              security_only, fmt, limit):
        """List records, ordered by priority then age (oldest first within a priority)."""
        from ..domain.kinds import parse_kind
        from ..domain.lifecycle import lifecycle_for
        from ..domain.priority import parse_priority
        from ..services.core.views import QueueFilter

        if status is not None:
            status = _status_in(lifecycle_for(parse_kind(kind)), status)
        flt = QueueFilter(
            open_only=open_only, status=status, assignee=assignee, unassigned=unassigned,
            priority=parse_priority(priority) if priority is not None else None, text=text,
            security_only=security_only,
        )
        if security_only and parse_kind(kind) is not Kind.INCIDENT:
            raise click.UsageError("--security lists incidents only")
        quick = _quick_list(app, kind, flt, limit)
        rows = [row for row, _reading in quick] if quick is not None else _records(app).list(
            kind, flt, limit=limit)
        out = [
            {
                "ref": r.ref, "title": r.title, "status": r.status, "impact": r.impact,
                "urgency": r.urgency, "priority": f"P{r.priority}", "assignee": r.assignee,
                "assignment_group": r.assignment_group, "service": r.service, "major": r.major,
                "escalation_level": r.escalation_level, "escalated_to": r.escalated_to,
                "is_open": r.is_open, "requester": r.requester,
                "created_at": r.created_at.isoformat(), "updated_at": r.updated_at.isoformat(),
            }
            for r in rows
        ]
        columns = LIST_COLUMNS
        if parse_kind(kind) in (Kind.INCIDENT, Kind.REQUEST, Kind.COMPLAINT):
            columns = [*LIST_COLUMNS[:5], "requester", *LIST_COLUMNS[5:]]
        if parse_kind(kind) in (Kind.INCIDENT, Kind.REQUEST):
            from .incidents import add_sla_columns  # sla_state, sla_remaining, major marker

            readings = {r.ref: reading for r, reading in quick} if quick is not None else None
            columns = add_sla_columns(app, out, columns, readings,
                                      major=parse_kind(kind) is Kind.INCIDENT)
        emit_rows(out, fmt, columns)

    @main.command("show")
    @click.argument("ref")
    @click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
    @pass_app
    def show(app: AppContext, ref, fmt):
        """Show a record with its links and journal."""
        record = _records(app).get(ref)
        if fmt == "json":
            click.echo(json_text(record.to_dict(), indent=2, default=str))
            return
        data = record.to_dict()
        for key in ("ref", "title", "status", "priority", "impact", "urgency", "assignee",
                    "assignment_group", "escalated_to", "service", "ci", "category", "created_by",
                    "created_at", "updated_at", "resolved_at", "closed_at", "version"):
            value = data.get(key)
            if value not in (None, ""):
                click.echo(f"{key:>16}: {one_line(str(value))}")
            if key == "assignment_group" and record.requester_ref:
                click.echo(f"{'requester':>16}: {one_line(record.requester)} "
                           f"<{one_line(record.requester_email)}> ({record.requester_ref})")
        for key, value in record.extra.items():
            if record.kind == Kind.REQUEST.value and key in ("due_at", "request_type"):
                continue  # "fulfil by" from its clock, "request type" named (print_request_extras)
            if value not in (None, "", False):
                click.echo(f"{key:>16}: {one_line(str(value))}")
        if record.kind == Kind.INCIDENT.value:
            from .incidents import show_incident_extras  # SLA clocks, major procedure, reminders

            show_incident_extras(app, record.ref)
            from .security import _security, print_security

            print_security(_security(app).get(record.ref))
        elif record.kind == Kind.REQUEST.value:
            from .requests import show_request_extras  # type, SLA, approval, instructions

            show_request_extras(app, record.ref)
        elif record.kind == Kind.CHANGE.value:
            from .changes import show_change_extras  # targets, risk, decisions, conflicts

            show_change_extras(app, record.ref)
        click.echo(f"{'next statuses':>16}: {', '.join(record.allowed_transitions) or 'none (final)'}")
        if record.description:
            click.echo("\n" + "\n".join(one_line(line) for line in record.description.splitlines()))
        if record.attachments:  # what came by mail; 'sms-tui attachments save' gets it back
            click.echo(f"\nAttachments by mail (sms-tui attachments save {record.ref} N --to PATH):")
            for attachment in record.attachments:
                click.echo(f"  {one_line(attachment.line(), 300)}")
        if record.links:
            click.echo("\nLinks:")
            for link in record.links:
                click.echo(f"  {link.relation}: {link.ref} [{link.status}] {one_line(link.title, 60)}")
        click.echo("\nJournal (newest first):")
        for entry in record.journal:
            line = f"  {entry.at:%Y-%m-%d %H:%M} {entry.actor} {entry.action}"
            if entry.changes:
                line += f" ({one_line(entry.summary())})"
            if entry.note:
                line += f": {one_line(entry.note)}"
            click.echo(line)

    _register_actions(main)


def _quick_list(app: AppContext, kind: str, flt, limit: int | None):
    """``list``'s rows and SLA readings read with the standard library, as the TUI's first
    page is (:func:`sms_tui.services.core.quick_queue.list_rows`: the same rows, order and
    readings as the services give), or None: a search, or a database that is missing, not
    at the current schema or unreadable goes through the services, which migrate and
    report errors. Skipping SQLAlchemy makes ``list`` 2-4 times faster (issue 20)."""
    import os
    from datetime import UTC, datetime

    from ..config import config_is_required, load_config
    from ..domain.text import checked_actor
    from ..paths import current_user, default_config_path, default_db_path
    from ..services.core.quick_queue import list_rows, supported

    BUSY_TIMEOUT_ENV = "SMS_TUI_BUSY_TIMEOUT"  # noqa: N806 - storage.engine's (it loads SQLAlchemy)

    if not supported(flt) or os.environ.get(BUSY_TIMEOUT_ENV, "").strip():
        return None  # a lock timeout is the services' to check (and to refuse if it is bad)
    config = load_config(app.config_path or default_config_path(),
                         required=config_is_required(app.config_path))
    if config.section("journal"):
        return None  # a journal key is checked against the desk when the services open it
    checked_actor(app.actor or current_user())  # refused here as the services refuse it
    return list_rows(app.db_path or default_db_path(), config, kind, flt, limit, datetime.now(UTC))


def _quick_new_incident(app: AppContext, **fields) -> str | None:
    """``new incident`` recorded with the standard library
    (:func:`sms_tui.services.core.quick_record.record_incident`: the same row, journal entry and
    rules as the services), or None when only the services can record it -- and report what
    they refuse. Skipping SQLAlchemy makes ``new incident`` 3-5 times faster (issue 20)."""
    from datetime import UTC, datetime

    from ..config import config_is_required, load_config
    from ..domain.errors import DeskError
    from ..domain.text import checked_actor
    from ..paths import current_user, default_config_path, default_db_path
    from ..services.core.quick_record import record_incident

    try:
        config = load_config(app.config_path or default_config_path(),
                             required=config_is_required(app.config_path))
        actor = checked_actor(app.actor or current_user())
    except DeskError:
        return None  # the services refuse it in their words
    ref = record_incident(app.db_path or default_db_path(), config, actor, datetime.now(UTC),
                          **fields)
    if ref is not None:
        app.wrote_quickly = True  # a failed output then says the incident was saved
    return ref


def _status_in(lifecycle, status: str) -> str:
    """Normalise a status the way transitions do, refusing one the kind does not have."""
    from ..domain.errors import ValidationError
    from ..domain.kinds import KINDS

    text = status.strip().lower().replace("-", "_").replace(" ", "_")
    if text not in lifecycle.states:
        raise ValidationError(
            f"unknown {KINDS[lifecycle.kind].label.lower()} status '{status}': "
            f"use one of {', '.join(lifecycle.states)}"
        )
    return text


def _latest_summary(record, action: str) -> str:
    """The change summary of the newest ``action`` entry (rules may have journaled after it)."""
    entry = next((e for e in record.journal if e.action == action), None)
    return entry.summary() if entry else ""


def _parse_sets(pairs: tuple[str, ...]) -> dict[str, object]:
    from ..domain.errors import ValidationError

    fields: dict[str, object] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key:
            raise ValidationError(f"--set needs FIELD=VALUE, got '{pair}'")
        if key == "major":
            if value.strip().lower() not in ("yes", "no", "true", "false", "1", "0"):
                raise ValidationError(f"major must be yes or no, got '{value}'")
            fields[key] = value.strip().lower() in ("yes", "true", "1")
        else:
            fields[key] = value
    return fields


def _moved_from(view) -> str | None:
    """What the record's last link took it from (a problem, a change, a parent), if anything."""
    entry = next((e for e in view.journal if e.action == "link"), None)
    return next((old for old, new in (entry.changes.values() if entry else ()) if old and new), None)


def _register_actions(main: click.Group) -> None:
    @main.command("transition")
    @click.argument("ref")
    @click.argument("status")
    @click.option("--note", default="", help="Why (kept in the journal).")
    @EXPECTED_VERSION
    @pass_app
    def transition(app: AppContext, ref, status, note, expected_version):
        """Move REF to STATUS along its lifecycle.

        Example: sms-tui transition INC-000042 in_progress --note "on it".
        A move the lifecycle does not allow is refused, naming the allowed ones
        ('sms-tui show REF' lists them as next statuses).
        """
        record = _records(app).transition(ref, status, note=note, expected_version=expected_version)
        entry = next((e for e in record.journal if e.action == "transition"), None)
        old, new = entry.changes.get("status", ("?", record.status)) if entry else ("?", record.status)
        click.echo(f"{record.ref}: {old} → {new}")

    @main.command("note")
    @click.argument("ref")
    @click.argument("text")
    @EXPECTED_VERSION
    @pass_app
    def note(app: AppContext, ref, text, expected_version):
        """Add a work-log note (an action taken) to REF's journal; TEXT '-' reads stdin.

        A note needs no version: it changes no field, so it is added to a record someone
        changed meanwhile. --expected-version refuses it unless REF is still at that version.
        """
        if text == "-":
            text = sys.stdin.read()
        record = _records(app).add_note(ref, text, expected_version=expected_version)
        click.echo(f"{record.ref}: note added")

    @main.command("assign")
    @click.argument("ref")
    @click.argument("name")
    @click.option("--group", default=None, help="Assignment group (e.g. Network).")
    @click.option("--note", default="", help="Kept in the journal.")
    @EXPECTED_VERSION
    @pass_app
    def assign(app: AppContext, ref, name, group, note, expected_version):
        """Assign REF to NAME (and optionally a group); an empty NAME ("") unassigns."""
        record = _records(app).assign(ref, name, group=group, note=note,
                                      expected_version=expected_version)
        who = f"assigned to {one_line(record.assignee)}" if record.assignee else "unassigned"
        if record.assignment_group:
            who += f" (group {one_line(record.assignment_group)})"
        click.echo(f"{record.ref}: {who}")

    @main.command("escalate")
    @click.argument("ref")
    @click.option("--to", "to", default="", metavar="NAME",
                  help="Who takes it: a more skilled person, or with --hierarchical a manager.")
    @click.option("--group", default=None, help="Functional escalation to this group.")
    @click.option("--hierarchical", is_flag=True,
                  help="Raise to management (keeps the assignee) instead of handing over.")
    @click.option("--reason", required=True, help="Why; the first thing the next person reads.")
    @EXPECTED_VERSION
    @pass_app
    def escalate(app: AppContext, ref, to, group, hierarchical, reason, expected_version):
        """Escalate REF functionally (hand over to --to/--group) or --hierarchical (to a manager)."""
        record = _records(app).escalate(ref, to=to, group=group, hierarchical=hierarchical,
                                        reason=reason, expected_version=expected_version)
        if hierarchical:
            click.echo(f"{record.ref}: escalated to {one_line(record.escalated_to)} "
                       f"(hierarchical, level {record.escalation_level})")
        else:
            target = record.assignee or record.assignment_group
            if record.assignee and record.assignment_group:
                target = f"{record.assignee} (group {record.assignment_group})"
            click.echo(f"{record.ref}: escalated to {one_line(target)}")

    @main.command("link")
    @click.argument("ref")
    @click.argument("other")
    @click.option("--note", default="", help="Kept in both journals.")
    @click.option("--move", is_flag=True,
                  help="Linked from the problem (or change), move OTHER off the one it is "
                       "linked to; without it that is refused.")
    @EXPECTED_VERSION
    @pass_app
    def link(app: AppContext, ref, other, note, move, expected_version):
        """Link two records: incident→problem, incident/problem→change, known error→problem.

        REF may be either side. Linked from the problem's (or the change's) side, an
        OTHER already linked to another problem (or change) is not moved off it unless
        --move is given.
        """
        records = _records(app)
        record = records.link(ref, other, note=note, expected_version=expected_version,
                              move=move)
        # the record that moved holds the link: REF (link INC PRB) or OTHER (link PRB INC)
        moved = _moved_from(record) or _moved_from(records.get(other))
        refs = {parse_ref(r)[0]: r for r in (record.ref, _canonical(other))}
        fix = ""
        if set(refs) == {Kind.PROBLEM, Kind.CHANGE}:  # a problem's change is its fix
            from ..domain.changes import fix_said

            fix = "; " + fix_said(refs[Kind.CHANGE], refs[Kind.PROBLEM])
        click.echo(f"{record.ref}: linked to {_canonical(other)}"
                   + (f" (moved from {moved})" if moved else "") + fix)

    @main.command("unlink")
    @click.argument("ref")
    @click.argument("other")
    @click.option("--note", default="", help="Kept in both journals.")
    @EXPECTED_VERSION
    @pass_app
    def unlink(app: AppContext, ref, other, note, expected_version):
        """Remove the link between two records."""
        record = _records(app).link(ref, other, note=note, unlink=True,
                                    expected_version=expected_version)
        click.echo(f"{record.ref}: unlinked from {_canonical(other)}")

    @main.command("edit", short_help="Change fields of REF (priority is recomputed).")
    @click.argument("ref")
    @click.option("--title", default=None, help="New title.")
    @click.option("--description", default=None, help="New description.")
    @click.option("--impact", type=LEVEL, default=None, help="New impact (priority follows).")
    @click.option("--urgency", type=LEVEL, default=None, help="New urgency (priority follows).")
    @click.option("--category", default=None, help="New category.")
    @click.option("--service", default=None, help='Service name ("" detaches).')
    @click.option("--ci", default=None, help='Configuration item name ("" detaches).')
    @click.option("--requester", default=None, metavar="EMAIL|NAME",
                  help='Who asked: a contact\'s email, name or CON-… ("" removes it).')
    @click.option("--security-risk", "security_risk", default=None, metavar="RISK",
                  help="Incidents: none, low, medium, high or critical (priority follows).")
    @click.option("--set", "sets", multiple=True, metavar="FIELD=VALUE",
                  help="Another field of this kind, e.g. workaround=..., root_cause=..., "
                       "change_type=emergency, request_type=..., major=yes. Repeatable.")
    @click.option("--note", default="", help="Why (kept in the journal).")
    @EXPECTED_VERSION
    @pass_app
    def edit(app: AppContext, ref, title, description, impact, urgency, category, service, ci,
             requester, security_risk, sets, note, expected_version):
        """Change fields of REF; priority is recomputed from impact and urgency."""
        fields = {k: v for k, v in (("title", title), ("description", description),
                                    ("impact", impact and impact.lower()),
                                    ("urgency", urgency and urgency.lower()),
                                    ("category", category), ("security_risk", security_risk))
                  if v is not None}
        fields.update(_parse_sets(sets))
        # the fields that have options of their own: --set service=Email is --service Email
        named = {"service": service, "ci": ci, "requester": requester}
        for key in named:
            if key in fields:
                if named[key] is not None:
                    raise click.UsageError(f"give {key} once: --{key} or --set {key}=..., not both")
                named[key] = str(fields.pop(key))
        service, ci, requester = named["service"], named["ci"], named["requester"]
        for key in ("note", "expected_version"):
            if key in fields:
                raise click.UsageError(f"'{key}' is not a field: give --{key.replace('_', '-')}")
        if not fields and service is None and ci is None and requester is None and not note:
            raise click.UsageError("nothing to change: give --title, --impact, --set FIELD=VALUE, ...")
        service_records = _records(app)
        before = service_records.get(ref).version
        record = service_records.update(ref, expected_version=expected_version, note=note,
                                        service=service, ci=ci, requester=requester, **fields)
        if record.version == before:
            click.echo(f"{record.ref}: nothing changed")
        else:
            summary = _latest_summary(record, "update") or "note added"
            click.echo(f"{record.ref}: {one_line(summary)} (version {record.version})")


def _canonical(ref: str) -> str:
    from ..domain.kinds import format_ref, parse_ref

    return format_ref(*parse_ref(ref))
