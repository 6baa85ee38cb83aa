"""Record subcommands: new, list, show (and the actions on a record)."""

from __future__ import annotations

import json

import click

from ..domain.kinds import Kind
from ..domain.text import one_line
from .common import FORMATS, AppContext, emit_rows, pass_app

LEVEL = click.Choice(["high", "medium", "low"], case_sensitive=False)
LIST_COLUMNS = ["ref", "priority", "status", "title", "assignee", "service", "created_at"]


def _records(app: AppContext):
    from ..services.records import RecordService

    return RecordService(app.store())


def _new_command(kind: Kind, name: str, extra_options=()):
    @click.option("--title", required=True, help="Short summary (required).")
    @click.option("--impact", type=LEVEL, default="medium", show_default=True)
    @click.option("--urgency", type=LEVEL, default="medium", show_default=True)
    @click.option("--description", default="", help="Longer text.")
    @click.option("--service", default=None, help="Service name from the catalogue.")
    @click.option("--ci", default=None, help="Configuration item name.")
    @click.option("--category", default="")
    @click.option("--assignee", default="")
    @pass_app
    def command(app: AppContext, title, impact, urgency, description, service, ci, category,
                assignee, **extra):
        record = _records(app).create(
            kind, title=title, impact=impact.lower(), urgency=urgency.lower(),
            description=description, service=service, ci=ci, category=category,
            assignee=assignee, **{k: v for k, v in extra.items() if v is not None},
        )
        click.echo(record.ref)

    for option in reversed(extra_options):
        command = option(command)
    return click.command(name, help=f"Record a new {kind.value.replace('_', ' ')}; prints its reference.")(command)


def register(main: click.Group) -> None:
    @main.group("new")
    def new():
        """Record a new incident, request, problem, known error or change."""

    new.add_command(_new_command(Kind.INCIDENT, "incident"))
    new.add_command(_new_command(Kind.REQUEST, "request", [
        click.option("--type", "request_type", default=None, help="Request type from the catalogue."),
    ]))
    new.add_command(_new_command(Kind.PROBLEM, "problem"))
    new.add_command(_new_command(Kind.KNOWN_ERROR, "known-error", [
        click.option("--workaround", default=None), click.option("--root-cause", default=None),
    ]))
    new.add_command(_new_command(Kind.CHANGE, "change", [
        click.option("--type", "change_type", type=click.Choice(["standard", "normal", "emergency"]),
                     default=None, help="Change category (default normal)."),
        click.option("--reason", default=None), click.option("--backout-plan", default=None),
    ]))

    @main.command("list")
    @click.argument("kind", type=click.Choice(
        ["incidents", "requests", "problems", "known-errors", "changes"]))
    @click.option("--open", "open_only", is_flag=True, help="Only open records.")
    @click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
    @click.option("--limit", type=click.IntRange(min=1), default=None, help="At most N records.")
    @pass_app
    def list_(app: AppContext, kind, open_only, fmt, limit):
        """List records, ordered by priority then age."""
        from ..services.views import QueueFilter

        rows = _records(app).list(kind, QueueFilter(open_only=open_only), limit=limit)
        out = [
            {
                "ref": r.ref, "title": r.title, "status": r.status, "impact": r.impact,
                "urgency": r.urgency, "priority": f"P{r.priority}", "assignee": r.assignee,
                "service": r.service, "major": r.major, "created_at": r.created_at.isoformat(),
            }
            for r in rows
        ]
        emit_rows(out, fmt, LIST_COLUMNS)

    @main.command("show")
    @click.argument("ref")
    @click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
    @pass_app
    def show(app: AppContext, ref, fmt):
        """Show a record with its links and journal."""
        record = _records(app).get(ref)
        if fmt == "json":
            click.echo(json.dumps(record.to_dict(), ensure_ascii=False, indent=2, default=str))
            return
        data = record.to_dict()
        for key in ("ref", "title", "status", "priority", "impact", "urgency", "assignee",
                    "assignment_group", "escalated_to", "service", "ci", "category", "created_by",
                    "created_at", "updated_at", "resolved_at", "closed_at", "version"):
            value = data.get(key)
            if value not in (None, ""):
                click.echo(f"{key:>16}: {one_line(str(value))}")
        for key, value in record.extra.items():
            if value not in (None, "", False):
                click.echo(f"{key:>16}: {one_line(str(value))}")
        if record.description:
            click.echo("\n" + "\n".join(one_line(line) for line in record.description.splitlines()))
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
