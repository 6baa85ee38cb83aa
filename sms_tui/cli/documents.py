"""The register of documented information (``documents``) and reports issued
(``reports-issued``): what the evidence report points an auditor to."""

from __future__ import annotations

import click

from ..domain.text import json_text, one_line
from .common import FORMATS, AppContext, emit_rows, pass_app

DOC_COLUMNS = ["ref", "kind", "title", "doc_version", "owner", "approved_on", "next_review",
               "review_overdue", "location"]
# the period as the report's heading says it (its last day inclusive); JSON keeps its instants
RUN_COLUMNS = ["ref", "report", "period", "format", "by", "at", "decision"]


def _doc_options(command):
    for option in reversed((
        click.option("--kind", default=None,
                     help="What it is: change_management_policy, major_incident_procedure, sla, "
                          "supplier_contract, budget, continuity_plan, risk_register, "
                          "information_security_policy, audit_programme, "
                          "management_review_minutes, ... (see 'documents kinds')."),
        click.option("--doc-version", "doc_version", default=None,
                     help="The document's own version, e.g. 2.1."),
        click.option("--owner", default=None, help="Who owns it."),
        click.option("--approved-on", "approved_on", default=None,
                     help="When it was approved (YYYY-MM-DD)."),
        click.option("--next-review", "next_review", default=None,
                     help="When it is next reviewed (YYYY-MM-DD); overdue ones are flagged."),
        click.option("--location", default=None, help="Where it lives: a path, URL or shelf."),
    )):
        command = option(command)
    return command


def _given(**values):
    return {k: v for k, v in values.items() if v is not None}


def _show(view) -> None:
    for key, value in view.to_dict().items():
        click.echo(f"{key.replace('_', ' '):15} {one_line(str('' if value is None else value))}")


def register(main: click.Group) -> None:
    @main.group("documents")
    def documents():
        """Register of documented information (7.5): policies, plans, contracts, minutes.

        The desk does not hold them; it records which exist, their version, owner,
        approval, next review and where they live. The evidence report counts them
        and flags overdue reviews.
        """

    @documents.command("kinds")
    def kinds():
        """The kinds of document and the clauses that ask for each."""
        from ..domain.evidence import DOCUMENT_KINDS

        for kind in DOCUMENT_KINDS.values():
            clauses = ", ".join(kind.clauses) or "-"
            click.echo(f"{kind.key:28} {clauses:8} {kind.label}")

    @documents.command("add")
    @click.argument("title")
    @_doc_options
    @pass_app
    def add(app: AppContext, title, kind, doc_version, owner, approved_on, next_review, location):
        """Register a document titled TITLE."""
        from ..services.reviews.documents import DocumentService

        view = DocumentService(app.store()).add(title=title, kind=kind or "other", **_given(
            doc_version=doc_version, owner=owner, approved_on=approved_on,
            next_review=next_review, location=location))
        click.echo(f"registered {view.ref}: {one_line(view.title)} ({view.kind_label})")

    @documents.command("edit")
    @click.argument("ref")
    @click.option("--title", default=None)
    @_doc_options
    @click.option("--status", type=click.Choice(["current", "withdrawn"]), default=None)
    @click.option("--note", default="", help="Why (kept in the journal).")
    @click.option("--expected-version", type=int, default=None,
                  help="Refuse if the document changed since this version.")
    @pass_app
    def edit(app: AppContext, ref, title, kind, doc_version, owner, approved_on, next_review,
             location, status, note, expected_version):
        """Change a document: a new version, approval or review date, a new place."""
        from ..services.reviews.documents import DocumentService

        view = DocumentService(app.store()).edit(
            ref, expected_version=expected_version, note=note, **_given(
                title=title, kind=kind, doc_version=doc_version, owner=owner,
                approved_on=approved_on, next_review=next_review, location=location,
                status=status))
        click.echo(f"updated {view.ref} (version {view.version})")

    @documents.command("list")
    @click.option("--kind", default=None, help="Only this kind.")
    @click.option("--overdue", is_flag=True, help="Only documents whose review is overdue.")
    @click.option("--all", "include_withdrawn", is_flag=True, help="Include withdrawn ones.")
    @click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
    @pass_app
    def list_(app: AppContext, kind, overdue, include_withdrawn, fmt):
        """The register, by kind; overdue reviews are marked."""
        from ..services.reviews.documents import DocumentService

        views = DocumentService(app.store()).list(kind=kind, overdue_only=overdue,
                                                  include_withdrawn=include_withdrawn)
        rows = []
        for v in views:
            row = v.to_dict()
            if fmt == "table":
                row["review_overdue"] = "OVERDUE" if v.overdue else ""
            rows.append(row)
        emit_rows(rows, fmt, DOC_COLUMNS)

    @documents.command("show")
    @click.argument("ref")
    @click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                  show_default=True)
    @pass_app
    def show(app: AppContext, ref, fmt):
        """A document with its journal."""
        from ..services.reviews.documents import DocumentService

        view = DocumentService(app.store()).show(ref)
        if fmt == "json":
            data = view.to_dict()
            data["journal"] = [{"at": e.at.isoformat(), "actor": e.actor, "action": e.action,
                                "changes": e.changes, "note": e.note} for e in view.journal]
            click.echo(json_text(data, indent=2, default=str))
            return
        _show(view)
        click.echo("journal:")
        for e in view.journal:
            changes = "; ".join(f"{k}: {a} -> {b}" for k, (a, b) in e.changes.items())
            click.echo(f"  {e.at:%Y-%m-%d %H:%M} {one_line(e.actor)} {e.action} "
                       f"{one_line(changes)} {one_line(e.note)}".rstrip())

    @main.group("reports-issued")
    def reports_issued():
        """Reports issued (9.4): every 'report' and 'evidence' run, and decisions taken."""

    @reports_issued.command("list")
    @click.option("--limit", type=click.IntRange(min=1, max=10000), default=50, show_default=True)
    @click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
    @pass_app
    def runs(app: AppContext, limit, fmt):
        """The reports issued, newest first."""
        from ..services.reporting.runs import ReportRunService

        rows = [run.to_dict() for run in ReportRunService(app.store()).list(limit)]
        if fmt != "json":
            rows = [{**row, "period": row["period"]["label"]} for row in rows]
        emit_rows(rows, fmt, RUN_COLUMNS)

    @reports_issued.command("decide")
    @click.argument("ref")
    @click.argument("decision")
    @pass_app
    def decide(app: AppContext, ref, decision):
        """Record DECISION taken from report REF (RPT-…): who and when are kept."""
        from ..services.reporting.runs import ReportRunService

        run = ReportRunService(app.store()).decide(ref, decision)
        click.echo(f"recorded the decision on {run.ref}")
