"""Catalogue subcommands: ``service ...`` and ``ci ...`` (configuration items, 8.2.6)."""

from __future__ import annotations

import click

from ..domain.text import one_line
from .common import FORMATS, AppContext, emit_rows, pass_app

CRITICALITY = click.Choice(["high", "medium", "low"], case_sensitive=False)
CI_STATUS = click.Choice(["planned", "active", "retired"], case_sensitive=False)


def _catalogue(app: AppContext):
    from ..services.configuration.catalogue import CatalogueService

    return CatalogueService(app.store())


def _echo_history(entries) -> None:
    click.echo("\nJournal (newest first):")
    for entry in entries:
        line = f"  {entry.at:%Y-%m-%d %H:%M} {entry.actor} {entry.action}"
        if entry.changes:
            line += f" ({one_line(entry.summary())})"
        if entry.note:
            line += f": {one_line(entry.note)}"
        click.echo(line)


def _graph(app: AppContext):
    from ..services.configuration.ci_graph import CIGraph

    return CIGraph(app.store())


def _echo_impact(view) -> None:
    """What its failure affects (8.2.6: the relationship graph, services included)."""
    click.echo("\nImpact if it fails:")
    click.echo(f"  services: {', '.join(one_line(s) for s in view.services) or '(none)'}")
    click.echo(f"  CIs: {', '.join(one_line(c) for c in view.cis) or '(none)'}")


def _echo_linked(links) -> None:
    """Incidents, problems and changes recorded against it (8.2.6)."""
    click.echo("\nRecords (incidents, problems, changes):")
    for link in links:
        click.echo(f"  {link.relation}: {link.ref} [{link.status}] {one_line(link.title, 60)}")
    if not links:
        click.echo("  (none)")


def register(main: click.Group) -> None:
    @main.group("service")
    def service():
        """The service catalogue: services and their criticality."""

    @service.command("add")
    @click.argument("name")
    @click.option("--criticality", type=CRITICALITY, default="medium", show_default=True,
                  help="How much the business depends on it.")
    @click.option("--description", default="")
    @click.option("--owner", default="", help="Service owner's mail address, told of planned changes.")
    @pass_app
    def service_add(app: AppContext, name, criticality, description, owner):
        """Add a service NAME (unique) to the catalogue."""
        view = _catalogue(app).add_service(name, criticality=criticality, description=description,
                                           owner=owner)
        click.echo(f"service {one_line(view.name)} added ({view.criticality} criticality)")

    @service.command("list")
    @click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
    @pass_app
    def service_list(app: AppContext, fmt):
        """List services, most critical first."""
        rows = [
            {"name": s.name, "criticality": s.criticality, "cis": s.ci_count,
             "description": s.description, "created_at": s.created_at.isoformat()}
            for s in _catalogue(app).list_services()
        ]
        emit_rows(rows, fmt, ["name", "criticality", "cis", "description"])

    @service.command("show")
    @click.argument("name")
    @pass_app
    def service_show(app: AppContext, name):
        """Show a service, its configuration items and its journal."""
        catalogue = _catalogue(app)
        view = catalogue.get_service(name)
        click.echo(f"{'name':>12}: {one_line(view.name)}")
        click.echo(f"{'criticality':>12}: {view.criticality}")
        if view.owner:
            click.echo(f"{'owner':>12}: {one_line(view.owner)}")
        if view.description:
            click.echo(f"{'description':>12}: {one_line(view.description)}")
        cis = catalogue.list_cis(service=view.name)
        click.echo(f"{'CIs':>12}: {', '.join(one_line(c.name) for c in cis) or '(none)'}")
        graph = _graph(app)
        click.echo("\nRelationships:")
        for rel in graph.service_relations(view.name):
            click.echo(f"  {one_line(rel.describe())}")
        if not graph.service_relations(view.name):
            click.echo("  (none)")
        _echo_impact(graph.impact(view.name, service=True))
        _echo_linked(catalogue.linked_records(view.name))
        _echo_history(catalogue.history(view.name))

    @service.command("edit")
    @click.argument("name")
    @click.option("--rename", "new_name", default=None, metavar="NEW_NAME")
    @click.option("--criticality", type=CRITICALITY, default=None)
    @click.option("--description", default=None)
    @click.option("--owner", default=None, help='Service owner\'s mail address ("" for none).')
    @click.option("--note", default="", help="Why (kept in the journal).")
    @click.option("--change", "change", default=None, metavar="CHG-…",
                  help="The approved, scheduled or implementing change that lists it "
                       "(required under [changes.control]).")
    @pass_app
    def service_edit(app: AppContext, name, new_name, criticality, description, owner, note, change):
        """Rename a service or change its criticality, description or owner."""
        view = _catalogue(app).update_service(name, new_name=new_name, criticality=criticality,
                                              description=description, note=note, change=change,
                                              owner=owner)
        click.echo(f"service {one_line(view.name)} updated")

    @service.command("relate")
    @click.argument("name")
    @click.argument("ci_name", metavar="CI")
    @click.option("--relation", type=click.Choice(["depends_on", "used_by"]), default="depends_on",
                  show_default=True, help="depends_on: the service needs the CI; used_by: the CI "
                                          "uses the service.")
    @click.option("--change", "change", default=None, metavar="CHG-…",
                  help="The approved, scheduled or implementing change that lists the service "
                       "(required under [changes.control]).")
    @pass_app
    def service_relate(app: AppContext, name, ci_name, relation, change):
        """Link service NAME to CI in the relationship graph."""
        rel = _graph(app).relate(name, ci_name, relation, change=change)
        click.echo(f"related: {one_line(rel.describe())}")

    @service.command("unrelate")
    @click.argument("name")
    @click.argument("ci_name", metavar="CI")
    @click.option("--relation", type=click.Choice(["depends_on", "used_by"]), default="depends_on",
                  show_default=True)
    @click.option("--change", "change", default=None, metavar="CHG-…",
                  help="The change that lists the service (required under [changes.control]).")
    @pass_app
    def service_unrelate(app: AppContext, name, ci_name, relation, change):
        """Remove the link from service NAME to CI."""
        rel = _graph(app).unrelate(name, ci_name, relation, change=change)
        click.echo(f"removed: {one_line(rel.describe())}")

    @service.command("impact")
    @click.argument("name")
    @pass_app
    def service_impact(app: AppContext, name):
        """What a failure of service NAME affects (CIs that use it, and onwards)."""
        _echo_impact(_graph(app).impact(name, service=True))

    @main.group("ci")
    def ci():
        """Configuration items (8.2.6): servers, applications, links and how they relate."""

    @ci.command("add")
    @click.argument("name")
    @click.option("--type", "ci_type", default="server", show_default=True,
                  help="One of the types in [configuration] ci_types (default: server, application, "
                       "database, network, storage, workstation, printer, phone, cloud_service, "
                       "service, other).")
    @click.option("--service", default=None, help="The service it belongs to.")
    @click.option("--status", type=CI_STATUS, default="active", show_default=True)
    @click.option("--description", default="")
    @pass_app
    def ci_add(app: AppContext, name, ci_type, service, status, description):
        """Add a configuration item; NAME is its unique identifier (e.g. srv-mail-01)."""
        view = _catalogue(app).add_ci(name, ci_type=ci_type, service=service, status=status,
                                      description=description)
        where = f" in {one_line(view.service)}" if view.service else ""
        click.echo(f"CI {one_line(view.name)} added ({view.ci_type}, {view.status}{where})")

    @ci.command("list")
    @click.option("--service", default=None, help="Only this service's CIs.")
    @click.option("--status", type=CI_STATUS, default=None, help="Only CIs in this status.")
    @click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
    @pass_app
    def ci_list(app: AppContext, service, status, fmt):
        """List configuration items by name."""
        rows = [
            {"name": c.name, "type": c.ci_type, "status": c.status, "service": c.service,
             "description": c.description, "updated_at": c.updated_at.isoformat()}
            for c in _catalogue(app).list_cis(service=service, status=status)
        ]
        emit_rows(rows, fmt, ["name", "type", "status", "service", "description"])

    @ci.command("show")
    @click.argument("name")
    @pass_app
    def ci_show(app: AppContext, name):
        """Show a CI, its relationships (both directions) and its journal."""
        catalogue = _catalogue(app)
        view = catalogue.get_ci(name)
        for key in ("name", "ci_type", "status", "service", "description"):
            value = getattr(view, key)
            if value:
                click.echo(f"{key:>12}: {one_line(value)}")
        click.echo("\nRelationships:")
        for rel in view.relationships:
            click.echo(f"  {one_line(rel.describe())}")
        if not view.relationships:
            click.echo("  (none)")
        _echo_impact(_graph(app).impact(view.name))
        _echo_linked(catalogue.linked_records(view.name, ci=True))
        _echo_history(catalogue.history(view.name, ci=True))

    @ci.command("edit")
    @click.argument("name")
    @click.option("--type", "ci_type", default=None)
    @click.option("--service", default=None, help='Service it belongs to ("" detaches).')
    @click.option("--status", type=CI_STATUS, default=None)
    @click.option("--description", default=None)
    @click.option("--note", default="", help="Why (kept in the journal).")
    @click.option("--change", "change", default=None, metavar="CHG-…",
                  help="The approved, scheduled or implementing change that lists it "
                       "(required under [changes.control]).")
    @pass_app
    def ci_edit(app: AppContext, name, ci_type, service, status, description, note, change):
        """Change a CI's type, service, status (e.g. retired) or description."""
        view = _catalogue(app).update_ci(name, ci_type=ci_type, service=service, status=status,
                                         description=description, note=note, change=change)
        click.echo(f"CI {one_line(view.name)} updated")

    @ci.command("impact")
    @click.argument("name")
    @pass_app
    def ci_impact(app: AppContext, name):
        """What a failure of CI NAME affects: the CIs and services that need it, transitively."""
        _echo_impact(_graph(app).impact(name))

    @ci.command("relate")
    @click.argument("source")
    @click.argument("target")
    @click.option("--relation", default="depends_on", show_default=True,
                  help="One word, e.g. depends_on, runs_on, connects_to, part_of.")
    @click.option("--change", "change", default=None, metavar="CHG-…",
                  help="The approved, scheduled or implementing change that lists it "
                       "(required under [changes.control]).")
    @pass_app
    def ci_relate(app: AppContext, source, target, relation, change):
        """Record that SOURCE relates to TARGET (e.g. app-payroll runs_on srv-app-01)."""
        rel = _catalogue(app).relate(source, target, relation, change=change)
        click.echo(f"related: {one_line(rel.describe())}")

    @ci.command("unrelate")
    @click.argument("source")
    @click.argument("target")
    @click.option("--relation", default=None, help="Only this relation (default: all).")
    @click.option("--change", "change", default=None, metavar="CHG-…",
                  help="The approved, scheduled or implementing change that lists it "
                       "(required under [changes.control]).")
    @pass_app
    def ci_unrelate(app: AppContext, source, target, relation, change):
        """Remove the relationship(s) from SOURCE to TARGET."""
        removed = _catalogue(app).unrelate(source, target, relation, change=change)
        click.echo(f"removed {removed} relationship{'s' if removed != 1 else ''}")
