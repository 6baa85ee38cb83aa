"""The contact register (``contacts``) and service complaints (``complaints``): 8.3.2."""

from __future__ import annotations

import click

from ..domain.text import json_text, one_line
from .common import FORMATS, AppContext, Int, emit_rows, pass_app

CONTACT_COLUMNS = ["ref", "name", "email", "organisation", "role", "phone", "relationship_manager"]
ORG_COLUMNS = ["organisation", "relationship_manager", "contacts", "customers"]
RECORD_COLUMNS = ["ref", "status", "priority", "title", "requester", "created_at"]
ROLE = click.Choice(["customer", "user", "interested-party"], case_sensitive=False)


def _contacts(app: AppContext):
    from ..services.customers.contacts import ContactService

    return ContactService(app.store())


def _given(**values):
    return {k: v for k, v in values.items() if v is not None}


def _records_rows(found) -> list[dict]:
    return [{"ref": r.ref, "kind": r.kind, "status": r.status, "priority": f"P{r.priority}",
             "title": r.title, "requester": found.requesters.get(r.ref, ""),
             "is_open": r.is_open, "created_at": r.created_at.isoformat()}
            for r in found.records]


def register(main: click.Group) -> None:
    @main.group("contacts")
    def contacts():
        """The contact register (8.3.2): customers, users and other interested parties.

        Each contact has one email address (unique in the register); incidents,
        requests and complaints name theirs with --requester. Each customer
        organisation can have a designated relationship manager ('contacts manager').
        """

    @contacts.command("add")
    @click.option("--name", required=True, help="Full name, e.g. \"Dana Weber\".")
    @click.option("--email", required=True, help="Email address (unique in the register).")
    @click.option("--org", "organisation", default="", help="Organisation, e.g. Finance.")
    @click.option("--role", type=ROLE, default="user", show_default=True)
    @click.option("--phone", default="", help="Phone number (optional).")
    @click.option("--no-mail", "mail_opt_out", is_flag=True,
                  help="Send them no mail about their records (opt-out).")
    @pass_app
    def add(app: AppContext, name, email, organisation, role, phone, mail_opt_out):
        """Register a contact; prints its reference."""
        view = _contacts(app).add(name=name, email=email, organisation=organisation, role=role,
                                  phone=phone, mail_opt_out=mail_opt_out)
        click.echo(f"registered {view.ref}: {one_line(view.name)} <{view.email}>")

    @contacts.command("edit")
    @click.argument("ref")
    @click.option("--name", default=None)
    @click.option("--email", default=None)
    @click.option("--org", "organisation", default=None)
    @click.option("--role", type=ROLE, default=None)
    @click.option("--phone", default=None)
    @click.option("--mail/--no-mail", "mail", default=None,
                  help="Send (or stop sending) them mail about their records.")
    @click.option("--note", default="", help="Why (kept in the journal).")
    @click.option("--expected-version", type=Int(min=1), default=None, metavar="N",
                  help="Refuse unless the contact is still at version N.")
    @pass_app
    def edit(app: AppContext, ref, name, email, organisation, role, phone, mail, note,
             expected_version):
        """Change a contact: REF is its CON-… reference, its email or its (unique) name."""
        fields = _given(name=name, email=email, organisation=organisation, role=role, phone=phone)
        if mail is not None:
            fields["mail_opt_out"] = not mail
        if not fields:
            raise click.UsageError("nothing to change: give --name, --email, --org, --role, ...")
        view = _contacts(app).edit(ref, expected_version=expected_version, note=note, **fields)
        click.echo(f"updated {view.ref} (version {view.version})")

    @contacts.command("list")
    @click.option("--org", "organisation", default=None, help="Only this organisation.")
    @click.option("--role", type=ROLE, default=None, help="Only this role.")
    @click.option("--search", "text", default="", metavar="TEXT",
                  help="Only contacts whose name, email or organisation contains TEXT.")
    @click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
    @click.option("--limit", type=Int(min=1), default=None, help="At most N contacts.")
    @pass_app
    def list_(app: AppContext, organisation, role, text, fmt, limit):
        """The register, by organisation then name."""
        views = _contacts(app).list(organisation=organisation, role=role, text=text, limit=limit)
        emit_rows([v.to_dict() for v in views], fmt, CONTACT_COLUMNS)

    @contacts.command("show")
    @click.argument("who")
    @click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                  show_default=True)
    @pass_app
    def show(app: AppContext, who, fmt):
        """A contact (CON-…, an email or a name) with its records and journal."""
        service = _contacts(app)
        view = service.show(service.find(who).ref)
        found = service.records_of(view.ref)
        if fmt == "json":
            data = view.to_dict()
            data["records"] = _records_rows(found)
            data["journal"] = [{"at": e.at.isoformat(), "actor": e.actor, "action": e.action,
                                "changes": e.changes, "note": e.note} for e in view.journal]
            click.echo(json_text(data, indent=2, default=str))
            return
        for key, value in view.to_dict().items():
            if value not in (None, "", False) or key == "mail_opt_out":
                click.echo(f"{key.replace('_', ' '):>20}: {one_line(str(value))}")
        click.echo("\nRecords (newest first):")
        for r in found.records:
            click.echo(f"  {r.ref} [{r.status}] P{r.priority} {one_line(r.title, 60)}")
        if not found.records:
            click.echo("  (none)")
        click.echo("\nJournal (newest first):")
        for e in view.journal:
            line = f"  {e.at:%Y-%m-%d %H:%M} {one_line(e.actor)} {e.action}"
            if e.changes:
                line += f" ({one_line(e.summary())})"
            if e.note:
                line += f": {one_line(e.note)}"
            click.echo(line)

    @contacts.command("records")
    @click.argument("who", required=False)
    @click.option("--org", "organisation", default=None,
                  help="Every record of this organisation's contacts instead.")
    @click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
    @pass_app
    def records(app: AppContext, who, organisation, fmt):
        """Incidents, requests and complaints of a contact (or of an --org), newest first."""
        service = _contacts(app)
        if organisation is not None:
            found = service.records_of_organisation(organisation)
        elif who:
            found = service.records_of(service.find(who).ref)
        else:
            raise click.UsageError("say whose records: a contact (CON-…, email, name) or --org NAME")
        emit_rows(_records_rows(found), fmt, RECORD_COLUMNS)

    @contacts.command("orgs")
    @click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
    @pass_app
    def orgs(app: AppContext, fmt):
        """Organisations, with their designated relationship manager and contacts."""
        emit_rows([o.to_dict() for o in _contacts(app).organisations()], fmt, ORG_COLUMNS)

    @contacts.command("manager")
    @click.argument("organisation")
    @click.argument("name")
    @click.option("--note", default="", help="Kept in the journal.")
    @pass_app
    def manager(app: AppContext, organisation, name, note):
        """Designate NAME to manage the relationship with ORGANISATION ("" removes it)."""
        org = _contacts(app).set_manager(organisation, name, note=note)
        who = one_line(org.relationship_manager) or "nobody"
        click.echo(f"{one_line(org.name)}: relationship managed by {who}")

    @main.group("complaints")
    def complaints():
        """Service complaints (8.3.2): 'new complaint', 'list complaints', 'escalate', and here
        resolving one with its outcome."""

    @complaints.command("resolve")
    @click.argument("ref")
    @click.option("--outcome", required=True, help="What was found and done.")
    @click.option("--note", default="", help="Kept in the journal.")
    @click.option("--expected-version", type=Int(min=1), default=None, metavar="N")
    @pass_app
    def resolve(app: AppContext, ref, outcome, note, expected_version):
        """Resolve complaint REF with its outcome."""
        from ..services.customers.complaints import ComplaintService

        record = ComplaintService(app.store()).resolve(ref, outcome, note=note,
                                                       expected_version=expected_version)
        click.echo(f"{record.ref}: resolved")

    register_survey(main)


def register_survey(main: click.Group) -> None:
    from .reports import period_options

    @main.group("survey")
    def survey():
        """Customer satisfaction on a representative sample (8.3.2): sample, answer, results."""

    @survey.command("sample")
    @period_options
    @click.option("--size", type=Int(min=1, max=10000), default=None,
                  help="How many to ask (default: [survey] sample_size, else 30).")
    @click.option("--seed", type=Int(min=0), default=None,
                  help="Draw reproducibly (default: from the period).")
    @pass_app
    def sample(app: AppContext, start, end, kind, output, size, seed):
        """Draw the sample of a period (e.g. --period quarter: the last complete one) from its
        resolved incidents and fulfilled requests, stratified by organisation, and put one
        survey per requester in the outbox."""
        from ..services.customers.survey import SurveyService
        from .reports import _period

        period = _period(start, end, kind)
        invited = SurveyService(app.store()).sample(period, size=size, seed=seed)
        for view in invited:
            click.echo(f"{view.record_ref}  {one_line(view.organisation, 30):30}  "
                       f"{one_line(view.contact, 60)}")
        click.echo(f"{len(invited)} survey(s) in the outbox for {period.label()}")

    @survey.command("answer")
    @click.argument("ref")
    @click.argument("score", type=Int(min=1, max=5))
    @click.option("--comment", default="", help="What they said.")
    @pass_app
    def answer(app: AppContext, ref, score, comment):
        """Record SCORE (1..5) given by the requester of REF (an answer by phone, say)."""
        from ..services.customers.survey import SurveyService

        view = SurveyService(app.store()).answer(ref, score, comment=comment, via="cli")
        click.echo(f"{view.record_ref}: satisfaction {view.score}/5 recorded")

    @survey.command("results")
    @period_options
    @click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
    @pass_app
    def results(app: AppContext, start, end, kind, output, fmt):
        """Sample, response rate and mean score per customer organisation for a sampled period."""
        from ..services.customers.survey import SurveyService
        from .reports import _period

        found = SurveyService(app.store()).results(_period(start, end, kind))
        rows = [o.to_dict() for o in found.per_org]
        if fmt == "table":
            for row in rows:
                row.update({k: "–" for k in ("response_rate", "mean_score") if row[k] is None})
        if fmt == "table" and rows:
            rows.append({"organisation": "ALL", "invited": found.invited,
                         "answered": found.answered,
                         "response_rate": round(100 * found.answered / found.invited, 1),
                         "mean_score": "–" if found.mean is None else found.mean})
        emit_rows(rows, fmt, ["organisation", "invited", "answered", "response_rate", "mean_score"])
