"""Information security incidents (8.7.3.3): the queue, the handling steps, the figures.

The risk itself is set like impact and urgency: ``new incident --security-risk``,
``edit REF --security-risk`` (or ``--set security_risk=``).
"""

from __future__ import annotations

import click

from ..domain.text import json_text, one_line
from .common import FORMATS, AppContext, Int, emit_rows, pass_app
from .records import EXPECTED_VERSION


def _security(app: AppContext):
    from ..services.incidents.security import SecurityService

    return SecurityService(app.store())


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


def print_security(view) -> None:
    """The security part of an incident: risk, the rule, the handling steps."""
    if not view.steps and view.security_risk == "none":
        return
    click.echo(f"{'security risk':>16}: {view.security_risk} (priority rule: {view.rule})")
    click.echo(f"{'security mgr':>16}: {one_line(', '.join(view.contacts)) or 'no contacts configured'}")
    if view.steps:
        click.echo("\nSecurity incident handling:")
        for step in view.steps:
            mark = "[x]" if step.done else "[ ]"
            done = f"  ({_when(step.done_at)} {one_line(step.done_by)})" if step.done else ""
            click.echo(f"  {mark} {step.position}. {one_line(step.title)}{done}")


def register(main: click.Group) -> None:
    @main.group("security")
    def security():
        """Information security incidents: queue, handling steps, figures (8.7.3.3)."""

    @security.command("list")
    @click.option("--all", "all_", is_flag=True, help="Closed ones too (default: open only).")
    @click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
    @click.option("--limit", type=Int(min=1), default=None, help="At most N incidents.")
    @pass_app
    def list_(app: AppContext, all_, fmt, limit):
        """The security queue: incidents whose security risk is not none, by priority."""
        from ..services.core.records import RecordService
        from ..services.core.views import QueueFilter

        records = RecordService(app.store())
        rows = records.list("incident", QueueFilter(open_only=not all_, security_only=True), limit=limit)
        risks = {}
        if rows:
            from ..services.incidents.security import SecurityService

            service = SecurityService(app.store())
            risks = {r.ref: service.get(r.ref) for r in rows}
        out = [{"ref": r.ref, "priority": f"P{r.priority}", "security_risk": risks[r.ref].security_risk,
                "status": r.status, "steps_open": risks[r.ref].open_steps, "title": r.title,
                "assignee": r.assignee, "service": r.service,
                "created_at": r.created_at.isoformat()} for r in rows]
        emit_rows(out, fmt, ["ref", "priority", "security_risk", "status", "steps_open", "title",
                             "assignee"])

    @security.command("show")
    @click.argument("ref")
    @click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
    @pass_app
    def show(app: AppContext, ref, fmt):
        """REF's security risk, the priority rule and its handling steps."""
        view = _security(app).get(ref)
        if fmt == "json":
            from dataclasses import asdict

            click.echo(json_text(asdict(view), indent=2, default=str))
            return
        if view.security_risk == "none" and not view.steps:
            click.echo(f"{view.ref} is not an information security incident (security risk none)")
            return
        click.echo(f"{'ref':>16}: {view.ref} P{view.priority} {view.status}")
        print_security(view)

    @security.command("step")
    @click.argument("ref")
    @click.argument("step")
    @click.option("--note", default="", help="What was done (kept in the journal).")
    @click.option("--undo", is_flag=True, help="Mark the step not done again.")
    @EXPECTED_VERSION
    @pass_app
    def step(app: AppContext, ref, step, note, undo, expected_version):
        """Tick handling STEP of REF (its number, or the start of its title)."""
        from ..domain.major import find_step

        view = _security(app).tick_step(ref, step, note=note, undo=undo,
                                        expected_version=expected_version)
        ticked = find_step(view.steps, step)  # type: ignore[arg-type]  # same fields as Step
        done = sum(s.done for s in view.steps)
        click.echo(f"{view.ref}: step {ticked.position} ({one_line(ticked.title)}) "
                   f"{'reopened' if undo else 'done'}; {done} of {len(view.steps)} done")

    @security.command("figures")
    @click.option("--days", type=Int(min=1, max=36600), default=None,
                  help="Only those opened in the last N days (default: all).")
    @click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
    @pass_app
    def figures(app: AppContext, days, fmt):
        """Security incidents by volume, type (category), impact and risk."""
        from datetime import timedelta

        store = app.store()
        since = store.now() - timedelta(days=days) if days else None
        fig = _security(app).figures(since)
        if fmt == "json":
            from dataclasses import asdict

            click.echo(json_text(asdict(fig), indent=2, default=str))
            return
        click.echo(f"security incidents: {fig.total} ({fig.open} open; {fig.closed} closed, "
                   f"{fig.closed_with_steps_done} with every handling step done)")
        for label, table in (("by risk", fig.by_risk), ("by category", fig.by_category),
                             ("by impact", fig.by_impact),
                             ("by priority", {f"P{p}": n for p, n in fig.by_priority.items()})):
            if table:
                click.echo(f"{label:>12}: " + ", ".join(f"{one_line(str(k))} {v}" for k, v in table.items()))
