"""Change subcommands (8.5.1): RFCs, assessment, approval, schedule, calendar, outcome.

    sms-tui changes new --title "Patch mail" --service mail --ci srv-mail-01 \\
        --reason "..." --backout-plan "Restore the snapshot"
    sms-tui changes assess CHG-4 --likelihood unlikely --impact moderate
    sms-tui changes approve CHG-4 --rationale "CAB 12 March" --approver cab
    sms-tui changes schedule CHG-4 --start "2026-03-14 20:00" --end "2026-03-14 22:00"
    sms-tui changes calendar --days 14
    sms-tui changes conflicts
    sms-tui changes start CHG-4
    sms-tui changes outcome CHG-4 failed --investigation "Vendor bug; case 123"
    sms-tui changes policy

Times are UTC, written ``YYYY-MM-DD HH:MM``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click

from ..domain.text import one_line
from .common import FORMATS, AppContext, Int, When, emit_rows, pass_app

DATE_FORMATS = ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]
WHEN = When(DATE_FORMATS)
RFC_FIELDS = (
    ("reason", "reason", "Why the change is needed."),
    ("business-benefit", "business_benefit", "What the business gains."),
    ("cost", "cost", "Cost or financial impact."),
    ("impact-capacity", "impact_capacity", "Impact on capacity."),
    ("impact-availability", "impact_availability", "Impact on availability."),
    ("impact-continuity", "impact_continuity", "Impact on service continuity."),
    ("impact-security", "impact_security", "Impact on information security."),
    ("implementation-plan", "implementation_plan", "How it will be done (required before approval "
                                                   "of normal changes)."),
    ("backout-plan", "backout_plan", "How to undo it (required before approval of normal and "
                                     "emergency changes)."),
    ("test-plan", "test_plan", "How it will be verified."),
    ("feasibility", "feasibility", "Whether it can be done (people, skills, time, technology)."),
    ("impact-customers", "impact_customers", "Impact on the customers and users of the services."),
    ("impact-policies", "impact_policies", "Impact on policies and plans."),
    ("verification", "verification_results", "Verification results before deployment "
                                               "(required before it starts)."),
    ("test-results", "test_results", "Test results before deployment."),
    ("backout-tested", "backout_tested", "Was the back-out plan tested: yes or no "
                                         "(required before it starts, standard changes too)."),
    ("backout-untested-reason", "backout_untested_reason", "Why the back-out plan was not tested."),
)


def _changes(app: AppContext):
    from ..services.changes.service import ChangeService

    return ChangeService(app.store())


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.replace(tzinfo=UTC)


def _when(value) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value is not None else "-"


def _rfc_options(command):
    for flag, _, help_text in reversed(RFC_FIELDS):
        command = click.option(f"--{flag}", flag.replace("-", "_"), default=None, help=help_text)(command)
    return command


def _rfc_values(kwargs: dict) -> dict:
    return {attr: kwargs.pop(flag.replace("-", "_")) for flag, attr, _ in RFC_FIELDS
            if kwargs.get(flag.replace("-", "_")) is not None}


def print_change_extras(detail) -> None:
    """The change part of ``show``: category, targets, risk, major impact, decisions, conflicts."""
    click.echo(f"{'category':>16}: {detail.change_type}")
    click.echo(f"{'services':>16}: {one_line(', '.join(detail.services)) or '-'}")
    click.echo(f"{'CIs':>16}: {one_line(', '.join(detail.cis)) or '-'}")
    if detail.affected_services or detail.affected_cis:  # through the relationship graph
        click.echo(f"{'also affects':>16}: " + one_line(", ".join(
            [*(f"service {s}" for s in detail.affected_services), *detail.affected_cis]), 120))
    if detail.risk_score is not None:
        click.echo(f"{'risk':>16}: {detail.risk_level} (likelihood {detail.risk_likelihood} × "
                   f"impact {detail.risk_impact} = {detail.risk_score})")
    else:
        click.echo(f"{'risk':>16}: not assessed")
    if detail.major_impact:
        click.echo(f"{'major impact':>16}: YES - service design and transition (8.5.2): "
                   f"{one_line('; '.join(detail.major_impact_reasons))}")
    if not detail.under_control:
        click.echo(f"{'change control':>16}: not under change control (policy)")
    for decision in detail.approvals:
        path = " (expedited)" if decision.expedited else ""
        click.echo(f"{'decision':>16}: {decision.decision}{path} by {one_line(decision.approver)} "
                   f"on {_when(decision.decided_at)}: {one_line(decision.rationale, 80)}")
    for conflict in detail.conflicts:
        click.echo(f"{'! conflict':>16}: {one_line(conflict.describe())}")
    for update in detail.planned_updates:
        state = f"applied {_when(update.applied_at)} by {one_line(update.applied_by)}" \
            if update.applied else "planned"
        click.echo(f"{'CI update ' + str(update.position):>16}: {one_line(update.describe(), 80)} "
                   f"({state})")


def _updates(app: AppContext):
    from ..services.changes.ci_updates import ChangeCIUpdates

    return ChangeCIUpdates(app.store())


def _parse_positions(text: str) -> list[int]:
    try:
        numbers = [int(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError:
        raise click.BadParameter(f"'{text}' is not a list of numbers like 1,3") from None
    if not numbers or any(n < 1 or n > 10_000 for n in numbers):
        raise click.BadParameter(f"'{text}' is not a list of numbers like 1,3")
    return numbers


def _echo_applied(result) -> None:
    for update in result.applied:
        click.echo(f"  applied {update.position}. {one_line(update.describe(), 80)} "
                   f"(journal of CI {one_line(update.ci)} names {result.ref})")
    for update in result.already:
        click.echo(f"  already so {update.position}. {one_line(update.describe(), 80)}")
    if result.pending:
        click.echo(f"  {len(result.pending)} still planned: sms-tui changes apply {result.ref} …")


def interactive() -> bool:
    """Whether someone at a terminal can be asked (stdin and stdout are terminals)."""
    import sys

    return sys.stdin.isatty() and sys.stdout.isatty()


def offer_updates(app: AppContext, detail, choice: str | None) -> None:
    """Offer the CI updates a change planned, now that it is implementing: ``choice`` all,
    none or 1,3; without it, asked at a terminal (all / pick / skip), listed otherwise."""
    pending = detail.pending_updates
    if not pending:
        return
    click.echo(f"{detail.ref} plans {len(pending)} CI update(s):")
    for update in pending:
        click.echo(f"  {update.position}. {one_line(update.describe(), 80)}")
    if choice is None and not interactive():
        click.echo(f"  apply them with: sms-tui changes apply {detail.ref} [N …]")
        return
    if choice is None:
        choice = click.prompt("Apply them? [a]ll, [p]ick, [s]kip", default="a",
                              type=click.Choice(["a", "p", "s"]), show_choices=False)
        if choice == "p":
            picked = [u.position for u in pending
                      if click.confirm(f"  apply {u.position}. {one_line(u.describe(), 70)}?")]
            choice = ",".join(map(str, picked)) or "none"
    if choice in ("s", "none", "skip"):
        click.echo(f"  skipped; apply them later with: sms-tui changes apply {detail.ref} [N …]")
        return
    positions = None if choice in ("a", "all") else _parse_positions(choice)
    _echo_applied(_updates(app).apply(detail.ref, positions))


def show_change_extras(app: AppContext, ref: str) -> None:
    """What ``show`` adds for a change: category, targets, risk, decisions, conflicts."""
    print_change_extras(_changes(app).detail(ref))


def _calendar_rows(entries) -> list[dict]:
    return [{"ref": e.ref, "start": _when(e.start), "end": _when(e.end), "status": e.status,
             "type": e.change_type, "risk": e.risk_level or "-",
             "major": "yes" if e.major_impact else "", "title": e.title,
             "touches": ", ".join([*e.services, *e.cis]),
             "conflicts": " ".join(e.conflicts_with) or ""} for e in entries]


def register(main: click.Group) -> None:
    @main.group("changes")
    def changes():
        """Changes: RFCs, risk assessment, approval, schedule and calendar, outcome, review."""

    @changes.command("new")
    @click.option("--title", required=True)
    @click.option("--type", "change_type", type=click.Choice(["standard", "normal", "emergency"]),
                  default="normal", show_default=True, help="Change category.")
    @click.option("--service-change", "--change-type", "service_change", default=None,
                  metavar="TYPE",
                  help="A proposal to add_service, remove_service or transfer_service: always "
                       "major impact, through service design and transition (8.5.2).")
    @click.option("--service", "services", multiple=True, help="Affected service; repeatable.")
    @click.option("--ci", "cis", multiple=True, help="Affected configuration item; repeatable.")
    @click.option("--description", default="")
    @_rfc_options
    @pass_app
    def new(app: AppContext, title, change_type, service_change, services, cis, description, **kwargs):
        """Raise an RFC; prints its reference. Standard changes are pre-approved."""
        extra = {"service_change": service_change} if service_change is not None else {}
        detail = _changes(app).create(title=title, change_type=change_type, services=list(services),
                                      cis=list(cis), description=description, **extra,
                                      **_rfc_values(kwargs))
        click.echo(detail.ref)
        if detail.major_impact:
            click.echo(f"{detail.ref}: major impact - "
                       f"{one_line('; '.join(detail.major_impact_reasons))}", err=True)

    @changes.command("show")
    @click.argument("ref")
    @pass_app
    def show(app: AppContext, ref):
        """Show an RFC's assessment: targets, risk, major impact, decisions, conflicts."""
        detail = _changes(app).detail(ref)
        record = detail.record
        click.echo(f"{record.ref} [{record.status}] P{record.priority} {one_line(record.title, 60)}")
        print_change_extras(detail)
        for key in ("reason", "business_benefit", "cost", "impact_capacity", "impact_availability",
                    "impact_continuity", "impact_security", "implementation_plan", "backout_plan",
                    "test_plan", "planned_start", "planned_end", "outcome", "investigation_note"):
            value = record.extra.get(key)
            if isinstance(value, datetime):
                value = f"{_when(value)} UTC"
            if value not in (None, ""):
                click.echo(f"{key:>20}: {one_line(str(value))}")

    @changes.command("assess")
    @click.argument("ref")
    @click.option("--likelihood", default=None,
                  help="1-5 or rare, unlikely, possible, likely, almost certain.")
    @click.option("--impact", default=None, help="1-5 or negligible, minor, moderate, major, severe.")
    @click.option("--note", default="")
    @_rfc_options
    @pass_app
    def assess(app: AppContext, ref, likelihood, impact, note, **kwargs):
        """Record the risk assessment and RFC fields; a new change starts assessment."""
        detail = _changes(app).assess(ref, likelihood=likelihood, impact=impact, note=note,
                                      **_rfc_values(kwargs))
        risk = f"risk {detail.risk_level} ({detail.risk_score})" if detail.risk_score else "risk not assessed"
        major = "; MAJOR IMPACT" if detail.major_impact else ""
        click.echo(f"{detail.ref}: {detail.record.status}, {risk}{major}")

    @changes.command("targets")
    @click.argument("ref")
    @click.option("--service", "services", multiple=True, help="Service; repeatable.")
    @click.option("--ci", "cis", multiple=True, help="Configuration item; repeatable.")
    @click.option("--remove", is_flag=True, help="Remove them instead of adding.")
    @pass_app
    def targets(app: AppContext, ref, services, cis, remove):
        """Add (or --remove) services and CIs the change affects."""
        detail = _changes(app).set_targets(ref, services=list(services), cis=list(cis), remove=remove)
        click.echo(f"{detail.ref}: services {one_line(', '.join(detail.services)) or '-'}; "
                   f"CIs {one_line(', '.join(detail.cis)) or '-'}")

    @changes.command("approve")
    @click.argument("ref")
    @click.option("--rationale", required=True, help="Why (required).")
    @click.option("--approver", default=None, help="Who decided, e.g. the CAB (default: you).")
    @click.option("--expedited", is_flag=True, default=None,
                  help="Expedited approval (emergency changes always are).")
    @pass_app
    def approve(app: AppContext, ref, rationale, approver, expedited):
        """Approve REF, recording approver, date and rationale.

        Normal changes are approved while assessing, with a risk assessment, an
        implementation plan and a back-out plan; emergency changes need a back-out
        plan and take the expedited path; standard changes are pre-approved when
        raised.
        """
        detail = _changes(app).approve(ref, rationale, approver=approver, expedited=expedited or None)
        decision = detail.approvals[-1]
        path = " (expedited; reviewed after implementation)" if decision.expedited else ""
        click.echo(f"{detail.ref}: approved{path} by {one_line(decision.approver)} on "
                   f"{_when(decision.decided_at)} UTC")

    @changes.command("reject")
    @click.argument("ref")
    @click.option("--rationale", required=True, help="Why (required).")
    @click.option("--approver", default=None, help="Who decided (default: you).")
    @pass_app
    def reject(app: AppContext, ref, rationale, approver):
        """Reject REF with the rationale; the change ends rejected."""
        detail = _changes(app).reject(ref, rationale, approver=approver)
        click.echo(f"{detail.ref}: rejected by {one_line(detail.approvals[-1].approver)}")

    @changes.command("schedule")
    @click.argument("ref")
    @click.option("--start", type=WHEN, required=True, help="Planned start, UTC.")
    @click.option("--end", type=WHEN, required=True, help="Planned end, UTC.")
    @click.option("--note", default="")
    @pass_app
    def schedule(app: AppContext, ref, start, end, note):
        """Plan REF's window; warns about changes touching the same service or CI meanwhile."""
        result = _changes(app).schedule(ref, _utc(start), _utc(end), note=note)
        click.echo(f"{result.change.ref}: {result.change.record.status} "
                   f"{_when(_utc(start))} – {_when(_utc(end))} UTC")
        for conflict in result.conflicts:
            click.echo(f"warning: {one_line(conflict.describe())}", err=True)

    @changes.command("calendar")
    @click.option("--from", "start", type=WHEN, default=None, help="Default: today 00:00 UTC.")
    @click.option("--to", "end", type=WHEN, default=None, help="Default: --days after --from.")
    @click.option("--days", type=Int(1, 366), default=14, show_default=True)
    @click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
    @pass_app
    def calendar(app: AppContext, start, end, days, fmt):
        """The change calendar: planned windows in order, with their conflicts."""
        service = _changes(app)
        begin = _utc(start) or service.store.now().replace(hour=0, minute=0, second=0, microsecond=0)
        finish = _utc(end) or begin + timedelta(days=days)
        rows = _calendar_rows(service.calendar(begin, finish))
        emit_rows(rows, fmt, ["ref", "start", "end", "status", "type", "risk", "touches",
                              "conflicts", "title"])

    @changes.command("conflicts")
    @click.option("--from", "start", type=WHEN, default=None)
    @click.option("--to", "end", type=WHEN, default=None)
    @click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
    @pass_app
    def conflicts(app: AppContext, start, end, fmt):
        """Planned or running changes touching the same service or CI at the same time."""
        found = _changes(app).conflicts(_utc(start), _utc(end))
        rows = [{"first": c.first, "second": c.second, "from": _when(c.overlap_start),
                 "to": _when(c.overlap_end), "services": ", ".join(c.services),
                 "cis": ", ".join(c.cis)} for c in found]
        emit_rows(rows, fmt, ["first", "second", "from", "to", "services", "cis"])

    @changes.command("remedial")
    @click.argument("ref")
    @click.option("--add", "action", default=None, metavar="TEXT", help="Record a remedial action.")
    @click.option("--owner", default="", help="Who carries it out.")
    @click.option("--agreed-with", default="", help="The interested parties it was agreed with.")
    @click.option("--done", "done", default=None, metavar="N", help="Mark remedial action N done.")
    @click.option("--note", default="", help="What was done (with --done).")
    @pass_app
    def remedial(app: AppContext, ref, action, owner, agreed_with, done, note):
        """Remedial actions of an unsuccessful change: list, --add, --done N (tracked to closure)."""
        from ..services.changes.remedial import RemedialService

        service = RemedialService(app.store())
        if action is not None and done is not None:
            raise click.UsageError("give --add or --done, not both")
        if action is not None:
            view = service.add(ref, action, owner=owner, agreed_with=agreed_with)
            click.echo(f"{view.change_ref}: remedial action {view.position} recorded")
            return
        if done is not None:
            view = service.complete(ref, done, note=note)
            click.echo(f"{view.change_ref}: remedial action {view.position} done")
            return
        actions = service.list(ref)
        if not actions:
            click.echo("no remedial actions")
        for a in actions:
            mark = "[x]" if a.done else "[ ]"
            who = f" (owner {one_line(a.owner)})" if a.owner else ""
            agreed = f"; agreed with {one_line(a.agreed_with)}" if a.agreed_with else ""
            done = f" -- done: {one_line(a.note, 80)}" if a.done and a.note else ""
            click.echo(f"  {mark} {a.position}. {one_line(a.action)}{who}{agreed}{done}")

    @changes.command("start")
    @click.argument("ref")
    @click.option("--note", default="")
    @click.option("--apply", "apply_", default=None, metavar="all|none|N,M",
                  help="Apply the CI updates it planned: all, none, or those numbered "
                       "(default: asked at a terminal, listed otherwise).")
    @pass_app
    def start_(app: AppContext, ref, note, apply_):
        """Start implementing an approved or scheduled change; offers the CI updates it planned."""
        choice = None if apply_ is None else apply_.strip().lower()
        if choice is not None and choice not in ("all", "none"):
            _parse_positions(choice)  # a bad list is refused before anything is written
        detail = _changes(app).start(ref, note=note)
        click.echo(f"{detail.ref}: implementing")
        for warning in detail.warnings:
            click.echo(f"sms-tui: warning: {one_line(warning)}", err=True)
        offer_updates(app, detail, choice)

    @changes.command("plan-ci")
    @click.argument("ref")
    @click.argument("ci")
    @click.option("--type", "ci_type", default=None, help="The CI type it will have.")
    @click.option("--status", type=click.Choice(["planned", "active", "retired"]), default=None)
    @click.option("--description", default=None)
    @click.option("--service", default=None, help='The service it will belong to ("" detaches).')
    @pass_app
    def plan_ci(app: AppContext, ref, ci, ci_type, status, description, service):
        """Plan a CI update REF makes (applied under it when it is implemented)."""
        planned = _updates(app).plan(ref, ci, ci_type=ci_type, status=status,
                                     description=description, service=service)
        for update in planned:
            click.echo(f"  {update.position}. {one_line(update.describe(), 80)}"
                       + (" (applied)" if update.applied else ""))

    @changes.command("apply")
    @click.argument("ref")
    @click.argument("positions", nargs=-1, type=click.IntRange(1, 10_000))
    @pass_app
    def apply_(app: AppContext, ref, positions):
        """Apply the CI updates REF planned (all pending, or those numbered) under REF."""
        _echo_applied(_updates(app).apply(ref, list(positions) or None))


    @changes.command("outcome")
    @click.argument("ref")
    @click.argument("outcome", type=click.Choice(["successful", "failed", "backed-out", "backed_out"]))
    @click.option("--investigation", default="",
                  help="Investigation note (required when failed or backed out).")
    @click.option("--note", default="")
    @pass_app
    def outcome(app: AppContext, ref, outcome, investigation, note):
        """Record how the implementation went; raises the effectiveness review."""
        detail = _changes(app).record_outcome(ref, outcome, investigation_note=investigation,
                                              note=note)
        raised = next((e for e in detail.record.journal if e.action == "review"), None)
        reviews = ", ".join(f"{k.replace('_', ' ')} {new}" for k, (_, new) in raised.changes.items()) \
            if raised else ""
        click.echo(f"{detail.ref}: {outcome.replace('-', '_')}; now {detail.record.status}"
                   + (f"; raised {reviews}" if reviews else ""))

    @changes.command("policy")
    @pass_app
    def policy(app: AppContext):
        """The change management policy in force (from the [changes] config section)."""

        current = _changes(app).policy
        click.echo("Categories:")
        for category in current.categories.values():
            click.echo(f"  {category.name:<10} {one_line(category.description)} "
                       f"(review within {category.review_within_days} days)")
        click.echo("Under change control:")
        click.echo(f"  services: {one_line(', '.join(current.controlled_services))}")
        click.echo(f"  CI types: {one_line(', '.join(current.controlled_ci_types))}")
        click.echo("Major impact (service design and transition) when any of:")
        if current.major_risk_level is not None:
            click.echo(f"  risk level {current.major_risk_level.value} or above")
        if current.major_min_services:
            click.echo(f"  {current.major_min_services} or more services affected")
        if current.major_service_criticality:
            click.echo(f"  a service of criticality "
                       f"{one_line(', '.join(current.major_service_criticality))}")
        if current.major_categories:
            click.echo(f"  category {one_line(', '.join(current.major_categories))}")
        click.echo("Approval: standard pre-approved; normal approved while assessing with a risk "
                   "assessment, an implementation plan and a back-out plan; emergency on an "
                   "expedited approval with a back-out plan, reviewed after implementation.")
        click.echo(f"Risk: {_risk_help()}")


def _risk_help() -> str:
    """How a change's risk is scored, in one line (the domain's names for each level)."""
    from ..domain.changes import IMPACT_NAMES, LIKELIHOOD_NAMES

    return ("likelihood: " + ", ".join(f"{n}={name}" for n, name in LIKELIHOOD_NAMES.items())
            + "; impact: " + ", ".join(f"{n}={name}" for n, name in IMPACT_NAMES.items())
            + "; risk level = likelihood × impact: 1–4 low, 5–9 medium, 10–16 high, "
              "20–25 very high")
