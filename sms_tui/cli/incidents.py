"""Incident subcommands: major incidents, SLA clocks, breaches and the outbox.

    sms-tui major declare INC-42 --reason "all mail down"
    sms-tui major manager INC-42 "Dana"
    sms-tui major step INC-42 2            # tick step 2 (or: "open bridge")
    sms-tui major update INC-42 --message "failover started"
    sms-tui sla check                      # what the scheduler runs every minute
    sms-tui breaches --format json
    sms-tui outbox list / outbox retry

After every command (anyone's), incidents written by it are checked: a new
major declaration and the reminders (no manager yet, status update overdue,
messages not sent) are printed on stderr, and the messages recorded by the
command are emailed when SMTP is configured.
"""

from __future__ import annotations

from typing import Any

import click

from ..domain.errors import DeskError
from ..domain.sla import format_duration
from ..domain.text import json_text, one_line
from .common import FORMATS, AppContext, Int, emit_rows, pass_app
from .records import EXPECTED_VERSION


def _major(app: AppContext):
    from ..services.incidents.rules import MajorIncidentService

    return MajorIncidentService(app.store())


def _sla(app: AppContext):
    from ..services.incidents.sla import SlaService

    return SlaService(app.store())


def _outbox(app: AppContext):
    from ..services.mail.outbox import Outbox

    return Outbox(app.store())


def _when(value) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value is not None else "-"


def print_major(view, *, steps: bool = True) -> None:
    """The major incident part of a record: reason, manager, checklist, reminders."""
    if not view.major:
        return
    click.echo(f"{'major incident':>16}: YES - {one_line(view.reason)}")
    click.echo(f"{'declared':>16}: {_when(view.declared_at)} by {one_line(view.declared_by)}")
    click.echo(f"{'manager':>16}: {one_line(view.manager) if view.manager else 'NONE - appoint one'}")
    if view.next_update_due is not None:
        click.echo(f"{'next update by':>16}: {_when(view.next_update_due)}")
    if view.review:
        click.echo(f"{'review':>16}: {view.review}")
    if steps and view.steps:
        click.echo("\nMajor incident procedure:")
        for step in view.steps:
            mark = "[x]" if step.done else "[ ]"
            done = f"  ({_when(step.done_at)} {one_line(step.done_by)})" if step.done else ""
            click.echo(f"  {mark} {step.position}. {one_line(step.title)}{done}")
    for nag in view.nags:
        click.echo(f"{'!':>16} {one_line(nag)}")


def show_incident_extras(app: AppContext, ref: str) -> None:
    """What ``show`` adds for an incident: SLA clocks and major incident handling."""
    sla = _sla(app).get(ref)
    click.echo(f"{'SLA':>16}: {sla.label} ({sla.state}; {sla.calendar})")
    for name, clock in (("respond", sla.respond), ("resolve", sla.resolve)):
        due = f", due {_when(clock.due)}" if clock.due else ""
        click.echo(f"{'  ' + name:>16}: {format_duration(clock.elapsed)} of "
                   f"{format_duration(clock.target)} ({clock.state}{due})")
    major = _major(app).get(ref)
    if major.major:
        click.echo("")
        print_major(major)


def add_sla_columns(app: AppContext, rows: list[dict[str, Any]], columns: list[str],
                    facts: dict[str, Any] | None = None, *, major: bool = True) -> list[str]:
    """Add sla_state/sla_remaining (and the major marker) to incident or request list rows
    (``facts``: the rows' SLA readings when already read, else read through the services)."""
    if facts is None:
        facts = _sla(app).sla_for_rows([r["ref"] for r in rows])
    for row in rows:
        info = facts.get(row["ref"])
        row["sla_state"] = info.state if info else ""
        row["sla_remaining"] = info.label if info else ""
        row["sla_remaining_s"] = info.remaining_s if info else None
        row["major"] = info.marker if info and info.major else ""
    if not major:  # requests: their SLA, no major marker
        return [*columns[:4], "sla_remaining", *columns[4:]]
    return [*columns[:2], "major", *columns[2:4], "sla_remaining", *columns[4:]]


MAX_REMINDED = 5


def _after_command(result: Any, **_: Any) -> None:
    """Print major declarations and reminders for incidents this command wrote; send its messages."""
    app = click.get_current_context().find_object(AppContext)
    if app is None or app._store is None:  # the command never opened the database
        return  # (checked first: ``list`` reads without the services and must not load them)
    from ..services.incidents import rules as incidents
    from ..services.mail import outbox as notify

    db = app.store().path
    touched = incidents.touched_here.take(db)
    ids = list(notify.recorded_here.take(db))
    if ids:
        report = _outbox(app).deliver(ids)
        for error in report.errors:
            click.echo(f"sms-tui: warning: email not sent, will retry (see sms-tui outbox): {error}",
                       err=True)
        if report.sent:
            click.echo(f"sms-tui: {report.sent} message(s) emailed (see sms-tui outbox)", err=True)
        for warning in report.warnings:
            click.echo(f"sms-tui: warning: {warning}", err=True)
    service = _major(app)
    found: dict[str, tuple[str, list[str]]] = {}  # ref -> (declared reason, reminders)
    for ref, reason in touched.items():
        try:
            if not service.is_major(ref):  # no declaration, no reminders: nothing to say
                continue
            view = service.get(ref)
        except DeskError:  # e.g. purged by the command itself
            continue
        if (reason and view.major) or view.nags:
            found[ref] = (reason if view.major else "", list(view.nags))
    for line in reminder_lines(found):
        click.echo(f"sms-tui: {one_line(line)}", err=True)


def reminder_lines(found: dict[str, tuple[str, list[str]]]) -> list[str]:
    """What to tell about the major incidents a command wrote: everything for one, and for
    several (the demo, an import) a summary -- the declarations in one line, each reminder
    that is the same for all once, and how many need attention -- never a line per incident."""
    if len(found) <= 1:
        return [line for ref, (reason, nags) in found.items()
                for line in ([f"{ref} is a MAJOR incident: {reason}"] if reason else [])
                + [f"warning: {nag}" for nag in nags]]

    def listed(refs: list[str]) -> str:
        more = f" and {len(refs) - MAX_REMINDED} more" if len(refs) > MAX_REMINDED else ""
        return ", ".join(refs[:MAX_REMINDED]) + more

    lines = []
    declared = [ref for ref, (reason, _) in found.items() if reason]
    if declared:
        lines.append(f"{len(declared)} MAJOR incidents declared: {listed(declared)}")
    seen: dict[str, int] = {}
    for _, nags in found.values():
        for nag in set(nags):
            seen[nag] = seen.get(nag, 0) + 1
    shared = [nag for nag, n in seen.items() if n > 1]  # e.g. no contacts configured: once
    own = [ref for ref, (_, nags) in found.items() if any(nag not in shared for nag in nags)]
    lines += [f"warning: {nag}" for nag in shared]
    if own:
        lines.append(f"warning: {len(own)} major incident(s) need attention ({listed(own)}): "
                     "see 'sms-tui major show REF' or the desk")
    return lines


def _chain_result_callback(main: click.Group) -> None:
    previous = main._result_callback

    def callback(result: Any, **kwargs: Any) -> Any:
        if previous is not None:
            result = previous(result, **kwargs)
        _after_command(result, **kwargs)
        return result

    main._result_callback = callback


def register(main: click.Group) -> None:
    _chain_result_callback(main)

    @main.group("major")
    def major():
        """Major incidents: declare, appoint the manager, tick the procedure, send updates."""

    @major.command("declare")
    @click.argument("ref")
    @click.option("--reason", required=True, help="Why it is major (told to top management).")
    @EXPECTED_VERSION
    @pass_app
    def declare(app: AppContext, ref, reason, expected_version):
        """Declare REF a major incident: starts the procedure and informs top management."""
        view = _major(app).declare(ref, reason, expected_version=expected_version)
        click.echo(f"{view.ref}: declared major ({len(view.steps)} procedure steps)")

    @major.command("undeclare")
    @click.argument("ref")
    @click.option("--reason", required=True, help="Why it is not (or no longer) major.")
    @click.option("--approved-by", default="", metavar="NAME",
                  help="After resolution without a done review: the major incident manager who "
                       "approves the reason (journaled).")
    @EXPECTED_VERSION
    @pass_app
    def undeclare(app: AppContext, ref, reason, approved_by, expected_version):
        """REF is not a major incident after all; top management is told.

        Once REF is resolved, its review must be done first, or its major incident
        manager approves (--approved-by). It stays a major incident in the reports.
        """
        view = _major(app).undeclare(ref, reason, approved_by=approved_by,
                                     expected_version=expected_version)
        click.echo(f"{view.ref}: no longer major")

    @major.command("manager")
    @click.argument("ref")
    @click.argument("name")
    @click.option("--note", default="", help="Kept in the journal.")
    @EXPECTED_VERSION
    @pass_app
    def manager(app: AppContext, ref, name, note, expected_version):
        """Appoint NAME the major incident manager (the one person responsible for REF)."""
        view = _major(app).set_manager(ref, name, note=note, expected_version=expected_version)
        click.echo(f"{view.ref}: major incident manager {one_line(view.manager)}")

    @major.command("step")
    @click.argument("ref")
    @click.argument("step")
    @click.option("--note", default="", help="What was done (kept in the journal).")
    @click.option("--undo", is_flag=True, help="Mark the step not done again.")
    @EXPECTED_VERSION
    @pass_app
    def step(app: AppContext, ref, step, note, undo, expected_version):
        """Tick procedure STEP of REF (its number, or the start of its title)."""
        view = _major(app).tick_step(ref, step, note=note, undo=undo, expected_version=expected_version)
        from ..domain.major import find_step

        ticked = find_step(view.steps, step)  # type: ignore[arg-type]  # StepView has the same fields
        done = sum(s.done for s in view.steps)
        click.echo(f"{view.ref}: step {ticked.position} ({one_line(ticked.title)}) "
                   f"{'reopened' if undo else 'done'}; {done} of {len(view.steps)} done")

    @major.command("update")
    @click.argument("ref")
    @click.option("--message", "-m", required=True, help="The status update; '-' reads stdin.")
    @EXPECTED_VERSION
    @pass_app
    def update(app: AppContext, ref, message, expected_version):
        """Send a status update about REF to top management (recorded in the outbox)."""
        if message == "-":
            message = click.get_text_stream("stdin").read()
        view = _major(app).send_update(ref, message, expected_version=expected_version)
        click.echo(f"{view.ref}: status update recorded (communication #{view.communications[0].id})")

    @major.command("show")
    @click.argument("ref")
    @click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
    @pass_app
    def show(app: AppContext, ref, fmt):
        """REF's major incident handling: reason, manager, procedure, messages, reminders."""
        view = _major(app).get(ref)
        if fmt == "json":
            from dataclasses import asdict

            click.echo(json_text(asdict(view), indent=2, default=str))
            return
        if not view.major:
            click.echo(f"{view.ref} is not a major incident")
            return
        click.echo(f"{'ref':>16}: {view.ref}")
        print_major(view)
        if view.communications:
            click.echo("\nCommunications (newest first):")
            for comm in view.communications:
                click.echo(f"  #{comm.id} {_when(comm.created_at)} {comm.purpose}: {comm.state}")

    @main.group("sla")
    def sla():
        """Service level clocks of incidents and requests."""

    @sla.command("check")
    @click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
    @pass_app
    def check(app: AppContext, fmt):
        """Mark incidents and requests nearing breach or breached (journaled once each) and
        escalate per config."""
        events = _sla(app).check()
        rows = [{"ref": e.ref, "crossed": e.flag, "escalated_to": e.escalated_to} for e in events]
        if fmt == "table" and not rows:
            click.echo("no new SLA thresholds crossed")
            return
        emit_rows(rows, fmt, ["ref", "crossed", "escalated_to"])

    @sla.command("show")
    @click.argument("ref")
    @pass_app
    def sla_show(app: AppContext, ref):
        """REF's SLA clocks: targets, time counted, what is left, deadlines."""
        view = _sla(app).get(ref)
        click.echo(f"{view.ref} P{view.priority} {one_line(view.service) or '(no service)'}: {view.label}")
        for name, clock in (("respond", view.respond), ("resolve", view.resolve)):
            due = f", due {_when(clock.due)}" if clock.due else ""
            click.echo(f"  {name}: {format_duration(clock.elapsed)} of {format_duration(clock.target)} "
                       f"({clock.state}{due})")
        click.echo(f"  first response: {_when(view.first_response_at)}; calendar: {view.calendar}")

    @main.command("breaches")
    @click.option("--near", is_flag=True, help="Also records nearing breach.")
    @click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
    @pass_app
    def breaches(app: AppContext, near, fmt):
        """Open incidents and requests whose SLA is breached (most overdue first)."""
        rows = []
        for facts, info in _sla(app).breaches(include_near=near):
            rows.append({**facts, "priority": f"P{facts['priority']}", "sla_state": info.state,
                         "sla_remaining": info.label, "sla_remaining_s": info.remaining_s,
                         "major": info.marker})
        emit_rows(rows, fmt, ["ref", "priority", "major", "sla_remaining", "status", "title",
                              "assignee", "escalated_to"])

    @main.group("outbox")
    def outbox():
        """Mail the desk sends: to top management about major incidents, and to requesters
        (recorded, resolved, surveys)."""

    @outbox.command("list")
    @click.option("--unsent", is_flag=True, help="Only messages still to be sent.")
    @click.option("--ref", default=None, help="Only messages about this incident.")
    @click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
    @click.option("--limit", type=Int(min=1), default=200, show_default=True)
    @pass_app
    def outbox_list(app: AppContext, unsent, ref, fmt, limit):
        """Every communication, newest first, with whether it was sent."""
        rows = [
            {"id": c.id, "ref": c.record_ref, "purpose": c.purpose, "created_at": _when(c.created_at),
             "state": c.state, "status": c.status, "attempts": c.attempts, "last_error": c.last_error,
             "recipients": c.recipients, "subject": c.subject,
             "sent_at": c.sent_at.isoformat() if c.sent_at else None}
            for c in _outbox(app).list(ref=ref, unsent_only=unsent, limit=limit)
        ]
        emit_rows(rows, fmt, ["id", "ref", "purpose", "created_at", "state", "last_error", "subject"])

    @outbox.command("retry")
    @pass_app
    def outbox_retry(app: AppContext):
        """Send every message not sent yet, now (ignores the back-off between tries)."""
        from ..services.mail.outbox import smtp_settings

        if smtp_settings(app.store().config) is None:
            click.echo("email is not configured ([smtp] host); messages are recorded only")
            return
        report = _outbox(app).deliver(force=True)
        click.echo(f"sent {report.sent}, failed {report.failed}")
        for warning in report.warnings:
            click.echo(f"sms-tui: warning: {warning}", err=True)
        for error in report.errors:
            click.echo(f"sms-tui: error: {one_line(error)}", err=True)
        if report.failed:  # for cron: the messages stay in the outbox and are retried
            raise SystemExit(1)
