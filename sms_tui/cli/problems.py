"""Problem and known error subcommands (8.6.3).

    sms-tui problems candidates                   # trend detection: proposed problems
    sms-tui problems accept 94d006c69c            # raise the problem, link its incidents
    sms-tui problems dismiss 94d006c69c --reason "planned maintenance"
    sms-tui problems link PRB-3 INC-7 INC-9
    sms-tui problems rca PRB-3 --root-cause "..." --method "5 whys" --workaround "..."
    sms-tui problems known-error PRB-3           # raise the known error in one step
    sms-tui problems resolve PRB-3 --fix "..." --needs-change
    sms-tui known-errors search outlook hangs
    sms-tui known-errors match INC-12             # does this incident match a known error?
    sms-tui known-errors apply KE-2 INC-12
"""

from __future__ import annotations

import click

from ..domain.kinds import format_ref, parse_ref
from ..domain.text import one_line
from .common import FORMATS, AppContext, Int, emit_rows, pass_app
from .records import EXPECTED_VERSION

HIT_COLUMNS = ["ref", "score", "title", "workaround", "problem", "applied"]


def _problems(app: AppContext):
    from ..services.problems.service import ProblemService

    return ProblemService(app.store())


def _hit_rows(hits) -> list[dict]:
    return [{"ref": h.ref, "score": f"{h.score:g}", "title": h.title, "status": h.status,
             "symptoms": h.symptoms, "workaround": h.workaround, "root_cause": h.root_cause,
             "problem": h.problem_ref, "service": h.service, "ci": h.ci, "applied": h.applied_count}
            for h in hits]


def register(main: click.Group) -> None:
    @main.group("problems")
    def problems():
        """Problems: trend candidates, incident links, root cause analysis, known errors, fixes."""

    @problems.command("candidates")
    @click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
    @pass_app
    def candidates(app: AppContext, fmt):
        """Problem candidates from incident trends ([problems.trends] in the config)."""
        found = _problems(app).candidates()
        if fmt == "table" and found:
            click.echo(f"rule: {found[0].rule}")
        rows = [{"key": c.key, "incidents": c.count, "on": f"{c.dimension} {c.value}",
                 "first": f"{c.first_at:%Y-%m-%d %H:%M}", "last": f"{c.last_at:%Y-%m-%d %H:%M}",
                 "refs": " ".join(c.incident_refs), "dimension": c.dimension, "value": c.value}
                for c in found]
        emit_rows(rows, fmt, ["key", "incidents", "on", "first", "last", "refs"])

    @problems.command("accept")
    @click.argument("key")
    @click.option("--title", default=None, help="Title of the problem (default: from the trend).")
    @click.option("--assignee", default="")
    @pass_app
    def accept(app: AppContext, key, title, assignee):
        """Accept candidate KEY: raise a problem and link its incidents; prints the problem."""
        problem = _problems(app).accept_candidate(key, title=title, assignee=assignee)
        count = sum(1 for link in problem.links if link.relation == "incident")
        click.echo(problem.ref)
        click.echo(f"{problem.ref}: {count} incidents linked", err=True)

    @problems.command("dismiss")
    @click.argument("key")
    @click.option("--reason", default="", help="Why it is not a problem (kept).")
    @pass_app
    def dismiss(app: AppContext, key, reason):
        """Dismiss candidate KEY: its incidents are not proposed together again."""
        dismissal = _problems(app).dismiss_candidate(key, reason=reason)
        click.echo(f"{dismissal.key}: dismissed ({len(dismissal.incident_refs)} incidents on "
                   f"{dismissal.dimension} {one_line(dismissal.value)})")

    @problems.command("dismissed")
    @click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
    @pass_app
    def dismissed(app: AppContext, fmt):
        """Candidates dismissed so far, newest first."""
        rows = [{"key": d.key, "on": f"{d.dimension} {d.value}", "incidents": len(d.incident_refs),
                 "by": d.dismissed_by, "at": f"{d.dismissed_at:%Y-%m-%d %H:%M}", "reason": d.reason,
                 "refs": " ".join(d.incident_refs)} for d in _problems(app).dismissals()]
        emit_rows(rows, fmt, ["key", "on", "incidents", "by", "at", "reason"])

    @problems.command("link")
    @click.argument("problem")
    @click.argument("incidents", nargs=-1, required=True)
    @click.option("--move", is_flag=True, help="Also move incidents linked to another problem.")
    @click.option("--note", default="")
    @EXPECTED_VERSION
    @pass_app
    def link(app: AppContext, problem, incidents, move, note, expected_version):
        """Link INCIDENTS to PROBLEM (journaled on both sides, and on the problem an
        incident moved off)."""
        view = _problems(app).link_incidents(problem, list(incidents), note=note, move=move,
                                             expected_version=expected_version)
        count = sum(1 for item in view.links if item.relation == "incident")
        click.echo(f"{view.ref}: {count} incidents linked")

    @problems.command("rca")
    @click.argument("problem")
    @click.option("--symptoms", default=None)
    @click.option("--root-cause", default=None)
    @click.option("--method", default=None, help="e.g. '5 whys', 'Ishikawa (fishbone)', 'fault tree'.")
    @click.option("--workaround", default=None)
    @click.option("--fix", "permanent_fix", default=None, help="The permanent fix.")
    @click.option("--note", default="")
    @pass_app
    def rca(app: AppContext, problem, symptoms, root_cause, method, workaround, permanent_fix, note):
        """Record root cause analysis on PROBLEM (only the options given change)."""
        view = _problems(app).record_rca(problem, symptoms=symptoms, root_cause=root_cause,
                                         method=method, workaround=workaround,
                                         permanent_fix=permanent_fix, note=note)
        click.echo(f"{view.ref}: root cause analysis recorded (version {view.version})")

    @problems.command("known-error")
    @click.argument("problem")
    @click.option("--title", default=None, help="Default: the problem's title.")
    @click.option("--note", default="")
    @pass_app
    def known_error(app: AppContext, problem, title, note):
        """Raise a known error from PROBLEM's root cause and workaround; prints its reference."""
        click.echo(_problems(app).raise_known_error(problem, title=title, note=note).ref)

    @problems.command("resolve")
    @click.argument("problem")
    @click.option("--fix", "permanent_fix", default=None, help="The permanent fix.")
    @click.option("--needs-change", is_flag=True, help="The fix needs a change: raise an RFC.")
    @click.option("--change", "change_ref", default=None, help="Link this existing RFC instead.")
    @click.option("--change-type", type=click.Choice(["standard", "normal", "emergency"]),
                  default="normal", show_default=True, help="Category of the RFC raised.")
    @click.option("--note", default="")
    @pass_app
    def resolve(app: AppContext, problem, permanent_fix, needs_change, change_ref, change_type, note):
        """Resolve PROBLEM; a fix that needs a change raises (or links) an RFC."""
        view = _problems(app).resolve(problem, permanent_fix=permanent_fix, needs_change=needs_change,
                                      change_ref=change_ref, change_type=change_type, note=note)
        change = next((item.ref for item in view.links if item.relation == "change"), "")
        if view.status != "resolved":  # waits for the change (8.6.3)
            click.echo(f"{view.ref}: {view.status}; resolved when {change} is implemented")
            return
        click.echo(f"{view.ref}: resolved" + (f"; fix goes through {change}" if change else ""))

    @main.group("known-errors")
    def known_errors():
        """The known error database: search it, match an incident, apply a workaround."""

    @known_errors.command("search")
    @click.argument("words", nargs=-1, required=True)
    @click.option("--all", "include_closed", is_flag=True, help="Include resolved/retired ones.")
    @click.option("--limit", type=Int(1, 200), default=20, show_default=True)
    @click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
    @pass_app
    def search(app: AppContext, words, include_closed, limit, fmt):
        """Known errors matching WORDS (title, symptoms, workaround, root cause), best first."""
        hits = _problems(app).search_known_errors(" ".join(words), include_closed=include_closed,
                                                  limit=limit)
        emit_rows(_hit_rows(hits), fmt, HIT_COLUMNS)

    @known_errors.command("match")
    @click.argument("incident")
    @click.option("--limit", type=Int(1, 50), default=5, show_default=True)
    @click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
    @pass_app
    def match(app: AppContext, incident, limit, fmt):
        """Known errors that may match INCIDENT (its words, service and CI)."""
        emit_rows(_hit_rows(_problems(app).suggest_for_incident(incident, limit=limit)), fmt,
                  HIT_COLUMNS)

    @known_errors.command("apply")
    @click.argument("known_error")
    @click.argument("incident")
    @click.option("--note", default="", help="What happened (kept on both records).")
    @click.option("--no-link", is_flag=True, help="Do not link the incident to the known error's problem.")
    @pass_app
    def apply(app: AppContext, known_error, incident, note, no_link):
        """Apply KNOWN_ERROR's workaround to INCIDENT; journaled on both."""
        view = _problems(app).apply_workaround(known_error, incident, note=note,
                                               link_problem=not no_link)
        problem = next((item.ref for item in view.links if item.relation == "problem"), "")
        entry = next((e for e in view.journal if e.action == "workaround"), None)
        if entry is not None and "problem" in entry.changes:
            linked = f"; linked to {problem}"
        elif problem:  # it said "linked to" the problem the incident already had
            linked = f"; it stays linked to {problem}"
        else:
            linked = ""
        ke_ref = format_ref(*parse_ref(known_error))
        click.echo(f"{view.ref}: workaround from {ke_ref} applied{linked}")
