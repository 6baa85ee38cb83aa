"""Planned-interval reviews on the command line.

    sms-tui reviews due|list|show|start|tick|complete|skip|reopen|assign|note|refresh-evidence
    sms-tui schedules list|show|set
    sms-tui improvements list|new|show|move
    sms-tui nonconformities list|new|show|action|action-done|move
    sms-tui scheduler run [--once]
"""

from __future__ import annotations

from datetime import UTC, datetime

import click

from ..domain.errors import DeskError
from ..domain.text import json_text, one_line, visible_controls
from .common import FORMATS, AppContext, Int, When, emit_rows, fail, pass_app

REVIEW_COLUMNS = ["ref", "state", "due", "clause", "title", "owner", "checklist", "late"]
SCHEDULE_COLUMNS = ["activity", "clause", "interval", "next_due", "covers", "owner", "paused"]
FINDING_COLUMNS = ["ref", "status", "title", "owner", "review", "created_at"]
NC_COLUMNS = ["ref", "status", "severity", "clause", "title", "owner", "review", "created_at"]
DATE_FORMATS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


def _service(app: AppContext):
    from ..services.reviews.service import ReviewService

    return ReviewService(app.store())


def _utc(value: datetime | None) -> datetime | None:
    """Dates typed on the command line are UTC, like everything stored."""
    return None if value is None else value.replace(tzinfo=UTC)


def _when(value: datetime | None) -> str:
    return "" if value is None else f"{value:%Y-%m-%d %H:%M}"


def _review_row(r) -> dict:
    return {
        "ref": r.ref, "state": r.state, "status": r.status, "due": _when(r.due),
        "clause": r.clause, "title": r.title, "owner": r.owner, "activity": r.activity,
        "period": r.period, "source_ref": r.source_ref,
        "checklist": f"{r.checklist_done}/{r.checklist_total}",
        "late": "raised late" if r.raised_late else "", "raised_late": r.raised_late,
    }


def _echo_journal(entries) -> None:
    click.echo("\nJournal (newest first):")
    for entry in entries:
        line = f"  {entry.at:%Y-%m-%d %H:%M} {one_line(entry.actor)} {entry.action}"
        if entry.changes:
            line += f" ({one_line(entry.summary())})"
        if entry.note:
            line += f": {one_line(entry.note)}"
        click.echo(line)


def _echo_block(title: str, text: str) -> None:
    if text:
        click.echo(f"\n{title}:")
        for line in text.splitlines():
            click.echo(f"  {visible_controls(line)}")


def _summary(view) -> None:
    extra = f", checklist {view.checklist_done}/{view.checklist_total}" if view.checklist_total else ""
    click.echo(f"{view.ref} {view.status}{extra}")


def _echo_review(view) -> None:
    fields = [("ref", view.ref), ("title", view.title), ("status", view.status),
              ("state", view.state), ("clause", view.clause), ("activity", view.activity),
              ("period", view.period), ("due", _when(view.due)), ("owner", view.owner or "nobody"),
              ("raised", _when(view.raised_at) + (" (raised late)" if view.raised_late else "")),
              ("source", view.source_ref), ("completed", _when(view.completed_at)),
              ("completed by", view.completed_by), ("version", view.version)]
    for key, value in fields:
        if value not in (None, ""):
            click.echo(f"{key:>13}: {one_line(str(value))}")
    _echo_block("What to do", view.instructions)
    if view.checklist:
        click.echo("\nChecklist:")
        for item in view.checklist:
            mark = "[x]" if item.done else "[ ]"
            who = f"  ({one_line(item.by)} {_when(item.at)})" if item.done else ""
            click.echo(f"  {item.number}. {mark} {one_line(item.text)}{who}")
    _echo_block("Outcome", view.outcome)
    _echo_block("Skipped because", view.skip_reason)
    _echo_block("Evidence", view.evidence_text)
    if view.findings:
        click.echo("\nFindings:")
        for f in view.findings:
            click.echo(f"  {f.ref} [{f.status}] {one_line(f.title, 60)}")
    _echo_journal(view.journal)


def _echo_finding(view) -> None:
    fields = [("ref", view.ref), ("title", view.title), ("status", view.status),
              ("severity", view.severity), ("clause", view.clause), ("owner", view.owner),
              ("review", view.review_ref), ("due", _when(view.due)),
              ("created", _when(view.created_at)), ("closed", _when(view.closed_at)),
              ("version", view.version)]
    for key, value in fields:
        if value not in (None, ""):
            click.echo(f"{key:>13}: {one_line(str(value))}")
    if view.allowed_transitions:
        click.echo(f"{'next':>13}: {', '.join(view.allowed_transitions)}")
    _echo_block("Description", view.description)
    _echo_block("Evaluation criteria", getattr(view, "criteria", ""))
    _echo_block("Target", getattr(view, "target", ""))
    _echo_block("Decision", view.decision_note)
    _echo_block("Measurement", getattr(view, "measurement", ""))
    _echo_block("Correction", view.correction)
    _echo_block("Root cause", view.root_cause)
    if view.kind == "nonconformity":
        click.echo("\nCorrective actions:")
        if not view.actions:
            click.echo("  (none yet)")
        for a in view.actions:
            mark = "[x]" if a.done else "[ ]"
            extra = f" (owner {one_line(a.owner)})" if a.owner else ""
            extra += f" due {_when(a.due)}" if a.due else ""
            click.echo(f"  {a.number}. {mark} {one_line(a.text)}{extra}")
    _echo_block("Effectiveness verified", view.effectiveness_note)
    _echo_journal(view.journal)


def _finding_rows(rows) -> list[dict]:
    return [{"ref": r.ref, "status": r.status, "title": r.title, "owner": r.owner,
             "review": r.review_ref, "severity": r.severity, "clause": r.clause,
             "created_at": _when(r.created_at)} for r in rows]


def _show_format():
    return click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                        show_default=True)


def register(main: click.Group) -> None:
    _register_reviews(main)
    _register_schedules(main)
    _register_findings(main)
    _register_scheduler(main)


# ===================================================================== reviews
def _register_reviews(main: click.Group) -> None:
    @main.group("reviews")
    def reviews():
        """Review tasks (REV-…) raised at planned intervals or by events."""

    @reviews.command("due")
    @click.option("--within", "within", type=Int(min=0), default=None, metavar="DAYS",
                  help="Also list reviews due within DAYS (default: the due-soon window).")
    @click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
    @pass_app
    def due(app: AppContext, within, fmt):
        """Open reviews that are overdue or due soon, most urgent first."""
        rows = _service(app).due_reviews(within)
        emit_rows([_review_row(r) for r in rows], fmt, REVIEW_COLUMNS)

    @reviews.command("list")
    @click.option("--status", type=click.Choice(["open", "in_progress", "done", "skipped"]))
    @click.option("--open", "open_only", is_flag=True, help="Only open and in-progress reviews.")
    @click.option("--overdue", is_flag=True, help="Only open reviews past their due date.")
    @click.option("--activity", default=None, help="Only this activity (see 'schedules list').")
    @click.option("--limit", type=Int(min=1), default=200, show_default=True)
    @click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
    @pass_app
    def list_(app: AppContext, status, open_only, overdue, activity, limit, fmt):
        """Review tasks: open ones by due date, then finished ones, newest first."""
        rows = _service(app).list_reviews(status=status, open_only=open_only, overdue=overdue,
                                          activity=activity, limit=limit)
        emit_rows([_review_row(r) for r in rows], fmt, REVIEW_COLUMNS)

    @reviews.command("show")
    @click.argument("ref")
    @_show_format()
    @pass_app
    def show(app: AppContext, ref, fmt):
        """A review with its instructions, checklist, evidence, findings and journal."""
        view = _service(app).get(ref)
        if fmt == "json":
            click.echo(json_text(view.to_dict(), indent=2, default=str))
        else:
            _echo_review(view)

    @reviews.command("start")
    @click.argument("ref")
    @pass_app
    def start(app: AppContext, ref):
        """Start working on a review (open → in progress)."""
        _summary(_service(app).start(ref))

    @reviews.command("tick")
    @click.argument("ref")
    @click.argument("items", nargs=-1, type=Int(min=1))
    @click.option("--all", "all_items", is_flag=True, help="Tick every item.")
    @click.option("--undo", is_flag=True, help="Untick instead.")
    @pass_app
    def tick(app: AppContext, ref, items, all_items, undo):
        """Tick checklist items by number (see 'reviews show')."""
        if not items and not all_items:
            fail("say which checklist items to tick (numbers from 'reviews show') or --all", 2)
        service = _service(app)
        # every item in one write: all ticked, or none if one cannot be
        view = service.tick(ref, None if all_items else list(items), all_items=all_items,
                            done=not undo)
        _summary(view)

    @reviews.command("complete")
    @click.argument("ref")
    @click.option("--outcome", required=True, help="What was found and decided (required).")
    @pass_app
    def complete(app: AppContext, ref, outcome):
        """Mark a review done with its outcome (every checklist item ticked)."""
        _summary(_service(app).complete(ref, outcome))

    @reviews.command("skip")
    @click.argument("ref")
    @click.option("--reason", required=True, help="Why it is skipped (required, kept).")
    @pass_app
    def skip(app: AppContext, ref, reason):
        """Skip a review, with the reason."""
        _summary(_service(app).skip(ref, reason))

    @reviews.command("reopen")
    @click.argument("ref")
    @click.option("--note", default="")
    @pass_app
    def reopen(app: AppContext, ref, note):
        """Reopen a skipped review."""
        _summary(_service(app).reopen(ref, note))

    @reviews.command("assign")
    @click.argument("ref")
    @click.argument("owner")
    @pass_app
    def assign(app: AppContext, ref, owner):
        """Give a review to OWNER ('' for nobody)."""
        _summary(_service(app).assign(ref, owner))

    @reviews.command("note")
    @click.argument("ref")
    @click.argument("text")
    @pass_app
    def note(app: AppContext, ref, text):
        """Add a work-log note to a review."""
        _summary(_service(app).add_note(ref, text))

    @reviews.command("refresh-evidence")
    @click.argument("ref")
    @pass_app
    def refresh(app: AppContext, ref):
        """Recompute an open review's evidence from the store now."""
        _summary(_service(app).refresh_evidence(ref))


# ===================================================================== schedules
def _schedule_row(s) -> dict:
    return {"activity": s.activity, "clause": s.clause, "title": s.title, "interval": s.interval,
            "next_due": _when(s.next_due), "covers": s.next_period, "owner": s.owner,
            "days_to_complete": s.days_to_complete, "paused": "paused" if s.paused else "",
            "version": s.version}


def _register_schedules(main: click.Group) -> None:
    @main.group("schedules")
    def schedules():
        """The recurring review activities and when each is next due."""

    @schedules.command("list")
    @click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
    @pass_app
    def list_(app: AppContext, fmt):
        """Every schedule in clause order (seeded with the seventeen activities on first use)."""
        emit_rows([_schedule_row(s) for s in _service(app).list_schedules()], fmt, SCHEDULE_COLUMNS)

    @schedules.command("show")
    @click.argument("activity")
    @_show_format()
    @pass_app
    def show(app: AppContext, activity, fmt):
        """One schedule with its instructions, checklist and change history."""
        service = _service(app)
        view = service.get_schedule(activity)
        if fmt == "json":
            click.echo(json_text(view.to_dict(), indent=2, default=str))
            return
        for key, value in _schedule_row(view).items():
            if value not in (None, ""):
                click.echo(f"{key:>17}: {one_line(str(value))}")
        click.echo(f"{'title':>17}: {one_line(view.title)}")
        _echo_block("What to do", view.instructions)
        if view.checklist:
            click.echo("\nChecklist:")
            for n, item in enumerate(view.checklist, start=1):
                click.echo(f"  {n}. {one_line(item)}")
        _echo_journal(service.schedule_journal(view.activity))

    @schedules.command("set")
    @click.argument("activity")
    @click.option("--interval", default=None,
                  help="monthly, quarterly, yearly, weekly, 'every N days/weeks/months/years'...")
    @click.option("--owner", default=None, help="Who owns the reviews ('' for nobody).")
    @click.option("--next-due", "next_due", type=When(DATE_FORMATS), default=None,
                  help="Next due date (UTC), e.g. 2026-07-01; later ones follow from it.")
    @click.option("--days-to-complete", type=Int(0, 365), default=None,
                  help="Days allowed to complete a review once it falls due.")
    @click.option("--pause/--resume", "paused", default=None,
                  help="Pause (raise nothing) or resume (from the next date after now).")
    @click.option("--note", default="", help="Why, for the journal.")
    @click.option("--catch-up", is_flag=True,
                  help="Allow a next due date more than 60 periods back: every period since is "
                       "raised as a late review.")
    @pass_app
    def set_(app: AppContext, activity, interval, owner, next_due, days_to_complete, paused, note,
             catch_up):
        """Change a schedule's interval, owner, next due date, or pause/resume it (journaled)."""
        if all(v is None for v in (interval, owner, next_due, days_to_complete, paused)) and not note:
            fail("nothing to change: give --interval, --owner, --next-due, --days-to-complete, "
                 "--pause or --resume", 2)
        view = _service(app).update_schedule(activity, interval=interval, owner=owner,
                                             next_due=_utc(next_due), paused=paused,
                                             days_to_complete=days_to_complete, note=note,
                                             catch_up=catch_up)
        state = " (paused)" if view.paused else ""
        click.echo(f"{view.activity}: {view.interval}, next due {_when(view.next_due)} "
                   f"covering {view.next_period}{state}")


# ===================================================================== findings
def _register_findings(main: click.Group) -> None:
    @main.group("improvements")
    def improvements():
        """Improvement opportunities (OFI-…, 10.2), usually found by reviews."""

    @improvements.command("list")
    @click.option("--open", "open_only", is_flag=True, help="Only those not closed or rejected.")
    @click.option("--status", default=None, help="Only this status.")
    @click.option("--review", "review_ref", default=None, help="Only those found by this review.")
    @click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
    @pass_app
    def ofi_list(app: AppContext, open_only, status, review_ref, fmt):
        """Improvement opportunities, oldest first."""
        rows = _service(app).list_findings("improvement", open_only=open_only, status=status,
                                           review_ref=review_ref)
        emit_rows(_finding_rows(rows), fmt, FINDING_COLUMNS)

    @improvements.command("new")
    @click.option("--title", required=True)
    @click.option("--description", default="")
    @click.option("--review", "review_ref", default=None, help="The review that found it (REV-…).")
    @click.option("--owner", default="")
    @click.option("--due", type=When(DATE_FORMATS), default=None)
    @click.option("--criteria", default="", help="How it will be evaluated (needed to approve).")
    @click.option("--target", default="", help="What it aims at (needed to approve).")
    @pass_app
    def ofi_new(app: AppContext, title, description, review_ref, owner, due, criteria, target):
        """Record an improvement opportunity; prints its reference."""
        view = _service(app).new_improvement(title, description=description, review_ref=review_ref,
                                             owner=owner, due=_utc(due), criteria=criteria,
                                             target=target)
        click.echo(view.ref)

    @improvements.command("evaluate")
    @click.argument("ref")
    @click.option("--criteria", default=None, help="How it is evaluated (needed to approve).")
    @click.option("--target", default=None, help="What it aims at (needed to approve).")
    @click.option("--measurement", default=None,
                  help="What was measured against the target (needed to close).")
    @pass_app
    def ofi_evaluate(app: AppContext, ref, criteria, target, measurement):
        """Record the evaluation criteria, target and measurement of REF (10.2)."""
        view = _service(app).evaluate_improvement(ref, criteria=criteria, target=target,
                                                  measurement=measurement)
        click.echo(f"{view.ref} evaluated")

    @improvements.command("show")
    @click.argument("ref")
    @_show_format()
    @pass_app
    def ofi_show(app: AppContext, ref, fmt):
        """One improvement opportunity with its journal."""
        view = _service(app).get_finding(ref)
        if fmt == "json":
            click.echo(json_text(view.to_dict(), indent=2, default=str))
        else:
            _echo_finding(view)

    @improvements.command("move")
    @click.argument("ref")
    @click.argument("status", type=click.Choice(
        ["approved", "rejected", "in_progress", "implemented", "closed"]))
    @click.option("--note", default="", help="The decision (required to approve) or the reason "
                  "(required to reject).")
    @pass_app
    def ofi_move(app: AppContext, ref, status, note):
        """Approve (needs criteria, target and the decision), reject, start, mark implemented,
        or close (needs the measurement)."""
        view = _service(app).move_improvement(ref, status, note=note)
        click.echo(f"{view.ref} {view.status}")

    @main.group("nonconformities")
    def nonconformities():
        """Nonconformities (NC-…, 10.1) and their corrective actions."""

    @nonconformities.command("list")
    @click.option("--open", "open_only", is_flag=True, help="Only those not closed or cancelled.")
    @click.option("--status", default=None, help="Only this status.")
    @click.option("--review", "review_ref", default=None, help="Only those found by this review.")
    @click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
    @pass_app
    def nc_list(app: AppContext, open_only, status, review_ref, fmt):
        """Nonconformities, oldest first."""
        rows = _service(app).list_findings("nonconformity", open_only=open_only, status=status,
                                           review_ref=review_ref)
        emit_rows(_finding_rows(rows), fmt, NC_COLUMNS)

    @nonconformities.command("new")
    @click.option("--title", required=True)
    @click.option("--description", default="", help="What was found.")
    @click.option("--clause", default="", help="The requirement not met, e.g. 8.6.1.")
    @click.option("--severity", type=click.Choice(["major", "minor"]), default="minor",
                  show_default=True)
    @click.option("--review", "review_ref", default=None, help="The review that found it (REV-…).")
    @click.option("--owner", default="")
    @click.option("--correction", default="", help="Immediate action taken to correct it.")
    @pass_app
    def nc_new(app: AppContext, title, description, clause, severity, review_ref, owner, correction):
        """Record a nonconformity; prints its reference."""
        view = _service(app).new_nonconformity(title, description=description, clause=clause,
                                               severity=severity, review_ref=review_ref,
                                               owner=owner, correction=correction)
        click.echo(view.ref)

    @nonconformities.command("show")
    @click.argument("ref")
    @_show_format()
    @pass_app
    def nc_show(app: AppContext, ref, fmt):
        """One nonconformity with its corrective actions and journal."""
        view = _service(app).get_finding(ref)
        if fmt == "json":
            click.echo(json_text(view.to_dict(), indent=2, default=str))
        else:
            _echo_finding(view)

    @nonconformities.command("action")
    @click.argument("ref")
    @click.argument("text")
    @click.option("--owner", default="")
    @click.option("--due", type=When(DATE_FORMATS), default=None)
    @pass_app
    def nc_action(app: AppContext, ref, text, owner, due):
        """Add a corrective action."""
        view = _service(app).add_corrective_action(ref, text, owner=owner, due=_utc(due))
        click.echo(f"{view.ref}: corrective action {len(view.actions)} added")

    @nonconformities.command("action-done")
    @click.argument("ref")
    @click.argument("number", type=Int(min=1))
    @click.option("--note", default="")
    @pass_app
    def nc_action_done(app: AppContext, ref, number, note):
        """Mark corrective action NUMBER done."""
        view = _service(app).complete_corrective_action(ref, number, note=note)
        done = sum(1 for a in view.actions if a.done)
        click.echo(f"{view.ref}: {done}/{len(view.actions)} corrective actions done")

    @nonconformities.command("move")
    @click.argument("ref")
    @click.argument("status", type=click.Choice(
        ["open", "action_planned", "actions_done", "closed", "cancelled"]))
    @click.option("--note", default="", help="Why (required to cancel).")
    @click.option("--root-cause", default=None, help="Root cause (required to plan actions).")
    @click.option("--effectiveness", "effectiveness_note", default=None,
                  help="How the actions were verified effective (required to close).")
    @pass_app
    def nc_move(app: AppContext, ref, status, note, root_cause, effectiveness_note):
        """Plan actions, mark them done, close (verified) or cancel."""
        view = _service(app).move_nonconformity(ref, status, note=note, root_cause=root_cause,
                                                effectiveness_note=effectiveness_note)
        click.echo(f"{view.ref} {view.status}")


# ===================================================================== scheduler
def _register_scheduler(main: click.Group) -> None:
    @main.group("scheduler")
    def scheduler():
        """The scheduler that raises due reviews and runs periodic checks (e.g. SLA breaches).

        \b
        The TUI runs it while open. Without the TUI, run it headless:
          systemd:  ExecStart=sms-tui --db /srv/desk.db scheduler run
          cron:     */5 * * * *  sms-tui --db /srv/desk.db scheduler run --once
        Running both at once is safe: each review period is raised exactly once.
        """

    @scheduler.command("run")
    @click.option("--once", is_flag=True, help="Raise what is due, run every check once, and exit (cron).")
    @pass_app
    def run(app: AppContext, once):
        """Run the scheduler headless (systemd), or once (cron). Stops cleanly on SIGTERM/Ctrl-C."""
        from ..services.core.scheduler import DeskScheduler
        from ..timing import timer_scale

        timer_scale()  # a bad SMS_TUI_TIMER_SCALE is refused here as the desk refuses it
        store = app.store()
        errors: dict[str, BaseException] = {}

        def on_error(name: str, exc: BaseException) -> None:
            click.echo(f"sms-tui: error: {one_line(f'{name} failed: {exc}')}", err=True)

        if once:
            scheduler = DeskScheduler(store, on_error=lambda name, exc: errors.setdefault(name, exc))
            results = scheduler.run_once()
            if scheduler.not_run is not None and not any(results.values()) and not errors:
                # not "nothing to do": the checks were not run here at all
                if scheduler.refused:
                    fail(scheduler.not_run)  # this role cannot run them: cron should hear of it
                click.echo(one_line(scheduler.not_run))
                return
            for name, message in results.items():
                if name not in errors:
                    click.echo(f"{name}: {one_line(message or 'nothing to do')}")
            if errors:  # one line for cron's mail, however many checks the cause stopped
                (name, first), more = next(iter(errors.items())), len(errors) - 1
                also = f" (and {more} more check{'s' if more > 1 else ''})" if more else ""
                what = str(first) if isinstance(first, DeskError) else f"{type(first).__name__}: {first}"
                fail(f"{name} failed{also}: {what}")
            return
        _run_forever(store, on_error)


def _run_forever(store, on_error) -> None:
    import signal
    import threading

    from ..services.core.scheduler import DeskScheduler

    stop = threading.Event()

    def on_signal(signum, _frame) -> None:
        stop.set()

    def on_result(name: str, message: str) -> None:
        click.echo(f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S} {name}: {one_line(message)}")

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    scheduler = DeskScheduler(store, on_result=on_result, on_error=on_error)
    try:
        scheduler.start()
        click.echo(f"sms-tui scheduler running on {store.path} (stop with Ctrl-C or SIGTERM)")
        while not stop.wait(0.5):
            pass
    finally:
        scheduler.shutdown(wait=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo("sms-tui scheduler stopped")
