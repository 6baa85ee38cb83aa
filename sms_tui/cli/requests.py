"""Service request subcommands (8.6.2): the catalogue, fulfilment steps, approvals, satisfaction.

    sms-tui requests types                          # the request catalogue
    sms-tui requests type password-reset            # one type with its instructions
    sms-tui requests type-set vpn-token --title "VPN token" --sla-hours 8 \\
        --step "Check the role" --step "Issue the token" --approval
    sms-tui requests new password-reset --title "Reset for Dana"
    sms-tui requests steps REQ-7                    # instructions, ticked or not
    sms-tui requests tick REQ-7 2
    sms-tui requests approve REQ-7 --rationale "Manager agreed by mail" --approver carol
    sms-tui requests close REQ-7 --score 5 --comment "Quick"
"""

from __future__ import annotations

from datetime import UTC

import click

from ..domain.sla import format_hours
from ..domain.text import one_line
from .common import FORMATS, AppContext, Int, When, emit_rows, pass_app

LEVEL = click.Choice(["high", "medium", "low"], case_sensitive=False)
DATE_FORMATS = ["%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"]


def _requests(app: AppContext):
    from ..services.requests.service import RequestService

    return RequestService(app.store())


def _when(value) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value is not None else "-"


def print_steps(detail) -> None:
    """Fulfilment instructions as a checklist: ``[x] 1. text  (when who)``."""
    if not detail.steps:
        click.echo("  (no fulfilment steps)")
        return
    for step in detail.steps:
        mark = "[x]" if step.done else "[ ]"
        done = f"  ({_when(step.done_at)} {one_line(step.done_by)})" if step.done else ""
        click.echo(f"  {mark} {step.position}. {one_line(step.text)}{done}")


def print_request_extras(detail) -> None:
    """The request part of ``show``: type, SLA, approval state, instructions, decisions."""
    rtype = detail.request_type
    if rtype is not None:
        click.echo(f"{'request type':>16}: {one_line(rtype.title)} ({rtype.name})")
    elif detail.record.extra.get("request_type"):  # a type no longer in the catalogue
        click.echo(f"{'request type':>16}: {one_line(str(detail.record.extra['request_type']))}")
    if detail.due_at is not None:
        late = "  OVERDUE" if detail.overdue else ""
        click.echo(f"{'fulfil by':>16}: {_when(detail.due_at)} UTC{late}")
    elif detail.due_paused:
        paused = detail.record.status.replace("_", " ")
        click.echo(f"{'fulfil by':>16}: the clock is paused while it is {paused}")
    elif detail.overdue:
        click.echo(f"{'fulfil by':>16}: OVERDUE")
    if detail.sla_state:
        click.echo(f"{'SLA':>16}: {detail.sla_label} ({detail.sla_targets})")
    if detail.needs_approval:
        state = "approved" if detail.approved else (
            "rejected" if detail.record.status == "rejected" else "NOT YET - awaiting a decision")
        click.echo(f"{'approval':>16}: {state}")
    for decision in detail.approvals:
        click.echo(f"{'decision':>16}: {decision.decision} by {one_line(decision.approver)} "
                   f"on {_when(decision.decided_at)}: {one_line(decision.rationale, 80)}")
    click.echo(f"\nFulfilment instructions ({detail.steps_done}/{len(detail.steps)} done):")
    print_steps(detail)


def show_request_extras(app: AppContext, ref: str) -> None:
    """What ``show`` adds for a request: its type, SLA, approval and instructions."""
    print_request_extras(_requests(app).detail(ref))


def register(main: click.Group) -> None:
    @main.group("requests")
    def requests():
        """Service requests: the request catalogue, fulfilment steps, approvals, satisfaction."""

    @requests.command("types")
    @click.option("--all", "include_retired", is_flag=True, help="Include retired types.")
    @click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
    @pass_app
    def types(app: AppContext, include_retired, fmt):
        """List the request catalogue: priority, SLA, approval, number of steps."""
        rows = [{"name": t.name, "title": t.title, "priority": f"P{t.priority}",
                 "sla_hours": t.sla_hours, "approval": "yes" if t.needs_approval else "no",
                 "steps": len(t.steps), "active": t.active, "category": t.category,
                 "approver": t.approver, "instructions": list(t.steps)}
                for t in _requests(app).types(include_retired=include_retired)]
        emit_rows(rows, fmt, ["name", "title", "priority", "sla_hours", "approval", "steps"])

    @requests.command("type")
    @click.argument("name")
    @pass_app
    def type_(app: AppContext, name):
        """Show one request type with its fulfilment instructions."""
        t = _requests(app).get_type(name)
        for key, value in (("name", t.name), ("title", t.title), ("category", t.category),
                           ("service", t.service or "–"),
                           ("priority", f"P{t.priority} ({t.impact} impact, {t.urgency} urgency)"),
                           ("SLA", f"resolve {format_hours(t.sla_hours)}, respond "
                                   + (format_hours(t.respond_minutes / 60) if t.respond_minutes
                                      else "[sla.requests] default")),
                           ("approval", f"needed ({t.approver or 'approver not named'})"
                            if t.needs_approval else "not needed"),
                           ("status", "active" if t.active else "retired"), ("version", t.version)):
            click.echo(f"{key:>12}: {one_line(str(value))}")
        if t.description:
            click.echo(f"\n{one_line(t.description)}")
        click.echo("\nFulfilment instructions:")
        for number, text in enumerate(t.steps, start=1):
            click.echo(f"  {number}. {one_line(text)}")

    @requests.command("type-set")
    @click.argument("name")
    @click.option("--title", default=None)
    @click.option("--description", default=None)
    @click.option("--category", default=None)
    @click.option("--service", default=None,
                  help="The service its requests are for (a request raised from it takes it); '' for none.")
    @click.option("--impact", type=LEVEL, default=None, help="Default impact of its requests.")
    @click.option("--urgency", type=LEVEL, default=None, help="Default urgency of its requests.")
    @click.option("--sla-hours", type=Int(1, 8760), default=None, help="Hours to fulfil a request (1 to 8760).")
    @click.option("--respond-minutes", type=Int(0, 525_600), default=None,
                  help="Minutes to the first response (0: [sla.requests] respond of the config).")
    @click.option("--approval/--no-approval", "needs_approval", default=None,
                  help="Whether its requests need an approval before fulfilment.")
    @click.option("--approver", default=None, help="Who usually decides (person or role).")
    @click.option("--step", "steps", multiple=True,
                  help="A fulfilment instruction, in order; repeat for each. Replaces all steps.")
    @click.option("--retire/--activate", "retire", default=None,
                  help="Retire the type (kept for old requests) or offer it again.")
    @pass_app
    def type_set(app: AppContext, name, title, description, category, service, impact, urgency,
                 sla_hours, respond_minutes, needs_approval, approver, steps, retire):
        """Add a request type, or change one (only the options given change); journaled."""
        t = _requests(app).save_type(
            name, title=title, description=description, category=category, service=service,
            impact=impact and impact.lower(), urgency=urgency and urgency.lower(),
            sla_hours=sla_hours, needs_approval=needs_approval, approver=approver,
            steps=list(steps) if steps else None, active=None if retire is None else not retire,
            respond_minutes=respond_minutes)
        click.echo(f"{t.name}: P{t.priority}, SLA {format_hours(t.sla_hours)}, {len(t.steps)} steps, "
                   f"approval {'needed' if t.needs_approval else 'not needed'} (version {t.version})")

    @requests.command("new")
    @click.argument("request_type")
    @click.option("--title", default=None, help="Summary (default: the type's title).")
    @click.option("--description", default="")
    @click.option("--impact", type=LEVEL, default=None, help="Default: the type's.")
    @click.option("--urgency", type=LEVEL, default=None, help="Default: the type's.")
    @click.option("--service", default=None)
    @click.option("--ci", default=None)
    @click.option("--assignee", default="")
    @pass_app
    def new(app: AppContext, request_type, title, description, impact, urgency, service, ci, assignee):
        """Raise a request of REQUEST_TYPE with its instructions, SLA and approval rule."""
        detail = _requests(app).create(
            request_type, title=title, description=description,
            impact=impact and impact.lower(), urgency=urgency and urgency.lower(),
            service=service, ci=ci, assignee=assignee)
        click.echo(detail.record.ref)
        if detail.record.status == "awaiting_approval":
            click.echo(f"{detail.record.ref}: awaiting approval before fulfilment", err=True)

    @requests.command("steps")
    @click.argument("ref")
    @click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                  show_default=True)
    @pass_app
    def steps(app: AppContext, ref, fmt):
        """Show a request's fulfilment instructions, ticked or not."""
        detail = _requests(app).detail(ref)
        if fmt == "json":
            rows = [{"position": s.position, "text": s.text, "done": s.done, "done_by": s.done_by,
                     "done_at": s.done_at.isoformat() if s.done_at else None} for s in detail.steps]
            emit_rows(rows, "json", [])
            return
        click.echo(f"{detail.record.ref} [{detail.record.status}] {one_line(detail.record.title, 60)}")
        print_request_extras(detail)

    @requests.command("tick")
    @click.argument("ref")
    @click.argument("step", type=Int(min=1))
    @click.option("--undo", is_flag=True, help="Mark the step not done again.")
    @click.option("--note", default="", help="What was done (kept in the journal).")
    @pass_app
    def tick(app: AppContext, ref, step, undo, note):
        """Tick fulfilment step STEP of REF as done (or --undo it)."""
        detail = _requests(app).tick(ref, step, done=not undo, note=note)
        click.echo(f"{detail.record.ref}: step {step} {'not done' if undo else 'done'} "
                   f"({detail.steps_done}/{len(detail.steps)} done)")

    for verb, help_text in (("approve", "Approve REF before fulfilment: who, when (now) and why."),
                            ("reject", "Reject REF: who, when (now) and why; the request ends.")):
        _decision_command(requests, verb, help_text)

    @requests.command("satisfaction")
    @click.argument("ref")
    @click.argument("score", type=Int(1, 5))
    @click.option("--comment", default="")
    @pass_app
    def satisfaction(app: AppContext, ref, score, comment):
        """Record the customer's satisfaction SCORE (1-5) on a fulfilled or closed request."""
        detail = _requests(app).record_satisfaction(ref, score, comment)
        click.echo(f"{detail.record.ref}: satisfaction {score}/5 recorded")

    @requests.command("close")
    @click.argument("ref")
    @click.option("--score", type=Int(1, 5), default=None, help="Satisfaction 1-5.")
    @click.option("--comment", default="", help="The customer's comment.")
    @click.option("--note", default="")
    @pass_app
    def close(app: AppContext, ref, score, comment, note):
        """Close a fulfilled request, with the customer's satisfaction if given."""
        detail = _requests(app).close(ref, score=score, comment=comment, note=note)
        extra = f" (satisfaction {score}/5)" if score else ""
        click.echo(f"{detail.record.ref}: closed{extra}")

    @requests.command("satisfaction-summary")
    @click.option("--from", "start", type=When(DATE_FORMATS), required=True,
                  help="Start of the period (UTC).")
    @click.option("--to", "end", type=When(DATE_FORMATS), required=True,
                  help="End of the period, exclusive (UTC).")
    @click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                  show_default=True)
    @pass_app
    def satisfaction_summary(app: AppContext, start, end, fmt):
        """Satisfaction of the requests closed in a period (input to the 8.3.2 review)."""
        summary = _requests(app).satisfaction_summary(start.replace(tzinfo=UTC), end.replace(tzinfo=UTC))
        if fmt == "json":
            emit_rows([{"closed": summary.closed, "responses": summary.responses,
                        "mean": summary.mean, "distribution": summary.distribution,
                        "comments": summary.comments}], "json", [])
            return
        mean = f"{summary.mean:.2f}" if summary.mean is not None else "-"
        click.echo(f"closed: {summary.closed}  responses: {summary.responses}  mean: {mean}")
        click.echo("  " + "  ".join(f"{n}: {summary.distribution[n]}" for n in range(1, 6)))
        for ref, score, text in summary.comments:
            click.echo(f"  {ref} ({score}): {one_line(text, 70)}")


def _decision_command(group: click.Group, verb: str, help_text: str) -> None:
    @group.command(verb, help=help_text)
    @click.argument("ref")
    @click.option("--rationale", required=True, help="Why (required, kept with the decision).")
    @click.option("--approver", default=None, help="Who decided (default: you).")
    @pass_app
    def decide(app: AppContext, ref, rationale, approver):
        service = _requests(app)
        detail = getattr(service, verb)(ref, rationale, approver=approver)
        decision = detail.approvals[-1]
        click.echo(f"{detail.record.ref}: {decision.decision} by {one_line(decision.approver)} "
                   f"on {_when(decision.decided_at)} UTC; now {detail.record.status}")

