"""The contact register, requesters and service complaints from the command line (issue 17)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.cli_helpers import Cli, dump, one_error_line


@pytest.fixture
def cli(db_path):
    return Cli(db_path)


@pytest.fixture
def people(cli):
    cli.ok("contacts", "add", "--name", "Dana Weber", "--email", "Dana@Example.org", "--org",
           "Finance", "--role", "customer")
    cli.ok("contacts", "add", "--name", "Dana Weber", "--email", "dana@other.org", "--org", "Ops")
    cli.ok("contacts", "add", "--name", "[b]Mark[/b] x[/]", "--email", "mark@example.org",
           "--org", "Finance", "--phone", "+49 30 1234")
    return cli


def test_a_contact_is_registered_listed_and_shown(cli):
    out = cli.ok("contacts", "add", "--name", "Dana Weber", "--email", " Dana@Example.ORG ",
                 "--org", "Finance", "--role", "customer")
    assert out == "registered CON-000001: Dana Weber <dana@example.org>\n"
    rows = json.loads(cli.ok("contacts", "list", "--format", "json"))
    assert [(r["ref"], r["email"], r["organisation"], r["role"]) for r in rows] == [
        ("CON-000001", "dana@example.org", "Finance", "customer")]
    table = cli.ok("contacts", "list")
    assert "CON-000001" in table and "dana@example.org" in table
    shown = json.loads(cli.ok("contacts", "show", "dana@example.org", "--format", "json"))
    assert shown["name"] == "Dana Weber" and shown["journal"][0]["action"] == "create"


def test_the_register_comes_out_as_csv_with_a_header(people):
    rows = list(csv.DictReader(io.StringIO(people.ok("contacts", "list", "--format", "csv"))))
    assert [r["email"] for r in rows] == ["dana@example.org", "mark@example.org", "dana@other.org"]
    assert rows[1]["name"] == "[b]Mark[/b] x[/]"  # user text, kept as typed


@pytest.mark.parametrize("email", ["bad@", "@example.org", "dana example.org", "dana@example",
                                   "dana@@example.org", "dana@exa mple.org", "dana@.org",
                                   "a" * 250 + "@example.org", "dana@example.org\nBcc: x@y.org"])
def test_an_address_that_is_not_one_is_refused_and_nothing_is_written(cli, email):
    cli.ok("contacts", "list")  # the database exists
    before = dump(cli.db_path)
    line = one_error_line(cli("contacts", "add", "--name", "Dana", "--email", email))
    assert "email" in line
    assert dump(cli.db_path) == before


def test_an_address_already_in_the_register_is_refused_whatever_its_case(people):
    before = dump(people.db_path)
    line = one_error_line(people("contacts", "add", "--name", "Someone", "--email",
                                 "DANA@example.org"))
    assert "already CON-000001" in line
    line = one_error_line(people("contacts", "edit", "CON-3", "--email", "dana@other.org"))
    assert "already CON-000002" in line
    assert dump(people.db_path) == before


def test_an_edit_is_journaled_and_opt_out_is_kept(people):
    people.ok("contacts", "edit", "CON-1", "--phone", "+1 555", "--no-mail", "--note", "asked")
    shown = json.loads(people.ok("contacts", "show", "CON-000001", "--format", "json"))
    assert shown["phone"] == "+1 555" and shown["mail_opt_out"] is True
    assert shown["journal"][0]["changes"]["mail_opt_out"] == [False, True]
    assert shown["journal"][0]["note"] == "asked"


def test_an_organisation_gets_a_relationship_manager(people):
    assert people.ok("contacts", "manager", "Finance", "Sam Lead") == \
        "Finance: relationship managed by Sam Lead\n"
    orgs = {o["organisation"]: o for o in json.loads(people.ok("contacts", "orgs", "--format",
                                                              "json"))}
    assert orgs["Finance"]["relationship_manager"] == "Sam Lead"
    assert orgs["Finance"]["contacts"] == 2 and orgs["Finance"]["customers"] == 1
    assert orgs["Ops"]["relationship_manager"] == ""
    shown = json.loads(people.ok("contacts", "show", "CON-1", "--format", "json"))
    assert shown["relationship_manager"] == "Sam Lead"


def test_requester_by_email_or_unique_name_is_shown_with_its_email(people):
    ref = people.ok("new", "incident", "--title", "VPN down", "--requester",
                    "DANA@EXAMPLE.ORG").strip()
    shown = json.loads(people.ok("show", ref, "--format", "json"))
    assert shown["requester"] == {"ref": "CON-000001", "name": "Dana Weber",
                                  "email": "dana@example.org"}
    req = people.ok("new", "request", "--title", "New laptop", "--type", "other", "--requester",
                    "[b]mark[/b] X[/]").strip()
    assert json.loads(people.ok("show", req, "--format", "json"))["requester"]["email"] == \
        "mark@example.org"
    assert "[b]Mark[/b] x[/] <mark@example.org> (CON-000003)" in people.ok("show", req)
    listed = json.loads(people.ok("list", "incidents", "--format", "json"))
    assert listed[0]["requester"] == "Dana Weber"


def test_a_record_without_requester_shows_none(people):
    ref = people.ok("new", "incident", "--title", "Printer").strip()
    assert json.loads(people.ok("show", ref, "--format", "json"))["requester"] is None


@pytest.mark.parametrize("requester, words", [
    ("Dana Weber", "names 2 contacts"),
    ("nobody", "no contact named 'nobody'"),
    ("ghost@example.org", "no contact with email ghost@example.org (add one: sms-tui contacts add "
                          "--name … --email ghost@example.org)"),
    ("not an@address", "not an email address"),
])
def test_an_ambiguous_or_unknown_requester_is_one_line_and_nothing_is_written(people, requester,
                                                                               words):
    before = dump(people.db_path)
    for kind in ("incident", "request", "complaint"):
        typed = ("--type", "other") if kind == "request" else ()  # requests are classified
        line = one_error_line(people("new", kind, "--title", "x", *typed, "--requester", requester))
        assert words in line
    assert dump(people.db_path) == before


def test_the_requester_can_be_changed_and_the_journal_names_contacts_by_reference(people):
    ref = people.ok("new", "incident", "--title", "VPN", "--requester", "dana@example.org").strip()
    people.ok("edit", ref, "--requester", "dana@other.org")
    shown = json.loads(people.ok("show", ref, "--format", "json"))
    assert shown["requester"]["ref"] == "CON-000002"
    assert shown["journal"][0]["changes"]["requester"] == ["CON-000001", "CON-000002"]


def test_a_problem_has_no_requester(people):
    ref = people.ok("new", "problem", "--title", "Root cause").strip()
    line = one_error_line(people("edit", ref, "--requester", "dana@example.org"))
    assert "has no requester" in line


def test_a_contacts_records_and_an_organisations_records(people):
    inc = people.ok("new", "incident", "--title", "VPN", "--requester", "dana@example.org").strip()
    cmp = people.ok("new", "complaint", "--title", "Slow", "--requester", "mark@example.org").strip()
    people.ok("new", "incident", "--title", "Other org", "--requester", "dana@other.org")
    mine = json.loads(people.ok("contacts", "records", "dana@example.org", "--format", "json"))
    assert [r["ref"] for r in mine] == [inc]
    org = json.loads(people.ok("contacts", "records", "--org", "Finance", "--format", "json"))
    assert {r["ref"]: r["requester"] for r in org} == {
        inc: "Dana Weber <dana@example.org>", cmp: "[b]Mark[/b] x[/] <mark@example.org>"}


def test_a_complaint_is_received_escalated_resolved_with_its_outcome_and_closed(people):
    ref = people.ok("new", "complaint", "--title", "Rude answer", "--requester",
                    "mark@example.org", "--category", "staff conduct").strip()
    assert ref == "CMP-000001"
    listed = json.loads(people.ok("list", "complaints", "--format", "json"))
    assert [(r["ref"], r["status"], r["requester"]) for r in listed] == [
        (ref, "received", "[b]Mark[/b] x[/]")]
    people.ok("transition", ref, "investigating")
    out = people.ok("escalate", ref, "--hierarchical", "--to", "Head of Service", "--reason",
                    "the desk could not settle it")
    assert "escalated to Head of Service (hierarchical, level 1)" in out
    shown = json.loads(people.ok("show", ref, "--format", "json"))
    assert shown["status"] == "escalated" and shown["escalated_to"] == "Head of Service"
    line = one_error_line(people("transition", ref, "resolved"))
    assert "outcome" in line and f"sms-tui complaints resolve {ref} --outcome" in line
    assert people.ok("complaints", "resolve", ref, "--outcome", "Apologised; coaching") == \
        f"{ref}: resolved\n"
    people.ok("transition", ref, "closed")
    shown = json.loads(people.ok("show", ref, "--format", "json"))
    assert (shown["status"], shown["outcome"]) == ("closed", "Apologised; coaching")
    assert one_error_line(people("transition", ref, "investigating"))


def test_a_complaint_needs_its_requester(people):
    result = people("new", "complaint", "--title", "x")
    assert result.exit_code == 2 and "--requester" in result.stderr
    before = dump(people.db_path)
    line = one_error_line(people("new", "complaint", "--title", "x", "--requester", "  "))
    assert "a complaint needs its requester" in line
    assert dump(people.db_path) == before


def test_the_services_refuse_a_complaint_without_requester_whoever_asks(store):
    """The rule is the services': the TUI, the CLI and any other caller meet the same line."""
    from sms_tui.domain.errors import ValidationError
    from sms_tui.services.core.records import RecordService
    from sms_tui.services.customers.contacts import ContactService

    records = RecordService(store)
    for requester in (None, "", "   "):
        extra = {} if requester is None else {"requester": requester}
        with pytest.raises(ValidationError, match="a complaint needs its requester"):
            records.create("complaint", title="Nobody called back", **extra)
    assert records.list("complaint") == []
    ContactService(store).add(name="Dana Weber", email="dana@example.org")
    made = records.create("complaint", title="Nobody called back", requester="dana@example.org")
    with pytest.raises(ValidationError, match="a complaint needs its requester"):
        records.update(made.ref, requester="")
    kept = records.get(made.ref)
    assert kept.requester_email == "dana@example.org" and kept.version == made.version
    edited = records.update(made.ref, title="Nobody ever called back")  # other edits go on
    assert edited.title == "Nobody ever called back"


def test_editing_a_complaint_cannot_remove_its_requester(people):
    ref = people.ok("new", "complaint", "--title", "Slow", "--requester", "mark@example.org").strip()
    before = dump(people.db_path)
    line = one_error_line(people("edit", ref, "--requester", ""))
    assert "a complaint needs its requester" in line
    assert dump(people.db_path) == before


def test_purging_a_contact_leaves_a_tombstone_and_its_records_without_requester(people):
    ref = people.ok("new", "incident", "--title", "VPN", "--requester", "mark@example.org").strip()
    people("mail-in", input=b"From: mark@example.org\r\nSubject: Re: [" + ref.encode()
           + b"] VPN\r\nMessage-ID: <m1@example.org>\r\n\r\nthanks\r\n")
    out = people.ok("purge", "CON-3", "--reason", "erasure request 2026-7", "--yes")
    assert out.startswith("purged CON-000003: 1 journal entries, 1 communication rows, "
                          "1 mail_message sender rows removed")
    assert f"requester removed from {ref}" in out
    assert "mark@example.org" not in "\n".join(dump(people.db_path))
    assert json.loads(people.ok("show", ref, "--format", "json"))["requester"] is None
    assert "no contact CON-000003" in one_error_line(people("contacts", "show", "CON-3"))
    people.ok("verify")
    # the next contact gets a new number: a reference is never reused
    out = people.ok("contacts", "add", "--name", "New", "--email", "new@example.org")
    assert out.startswith("registered CON-000004")


def test_contacts_complaints_and_requesters_survive_export_and_import(people, tmp_path):
    ref = people.ok("new", "complaint", "--title", "Slow", "--requester", "dana@example.org").strip()
    people.ok("contacts", "manager", "Finance", "Sam Lead")
    out = tmp_path / "desk.json"
    people.ok("export", "-o", str(out))
    assert json.loads(out.read_text().splitlines()[0] + "]}")["version"] >= 3
    other = Cli(tmp_path / "other.db")
    other.ok("import", str(out))
    assert json.loads(other.ok("show", ref, "--format", "json"))["requester"]["email"] == \
        "dana@example.org"
    assert len(json.loads(other.ok("contacts", "list", "--format", "json"))) == 3
    assert json.loads(other.ok("contacts", "orgs", "--format", "json"))[0]["relationship_manager"] \
        == "Sam Lead"


def test_an_export_of_the_previous_schema_still_imports(cli, tmp_path):
    old = tmp_path / "old.json"
    header = {"format": "sms-tui-export", "version": 2, "schema": "0005",
              "exported_at": "2026-01-01T00:00:00+00:00"}
    row = {"_table": "incident", "id": 1, "ref": "INC-000001", "title": "From before contacts",
           "description": "", "status": "new", "category": "", "assignee": "",
           "assignment_group": "", "escalated_to": "", "escalation_level": 0, "impact": "medium",
           "urgency": "medium", "priority": 3, "created_by": "x",
           "created_at": "2026-01-01T00:00:00+00:00", "updated_at": "2026-01-01T00:00:00+00:00",
           "version": 1}
    old.write_text(json.dumps({**header, "records": [row]}))
    cli.ok("import", str(old))
    assert json.loads(cli.ok("show", "INC-1", "--format", "json"))["requester"] is None


def test_a_complainant_who_opted_out_is_told_nothing_until_they_opt_in_again(people):
    ref = people.ok("new", "complaint", "--title", "Rude", "--requester", "mark@example.org").strip()
    people.ok("contacts", "edit", "mark@example.org", "--no-mail")
    people.ok("escalate", ref, "--hierarchical", "--to", "Head of Service", "--reason", "unsettled")

    def told() -> list[str]:
        rows = json.loads(people.ok("outbox", "list", "--ref", ref, "--format", "json"))
        return sorted(r["purpose"] for r in rows)

    assert told() == ["requester:recorded"]  # the escalation went unmailed
    people.ok("contacts", "edit", "mark@example.org", "--mail")
    people.ok("complaints", "resolve", ref, "--outcome", "Apologised; coaching given")
    assert told() == ["requester:complaint", "requester:recorded"]
    rows = json.loads(people.ok("outbox", "list", "--ref", ref, "--format", "json"))
    assert any(r["subject"] == f"[{ref}] Your complaint is resolved: Rude" for r in rows)


def test_complaints_are_counted_in_the_service_report_and_the_evidence(people):
    from datetime import UTC, datetime, timedelta

    today = datetime.now(UTC).date()  # the command line records at the real time
    start, end = (today - timedelta(days=1)).isoformat(), (today + timedelta(days=1)).isoformat()
    first = people.ok("new", "complaint", "--title", "Rude", "--requester", "mark@example.org")
    people.ok("new", "complaint", "--title", "Slow", "--requester", "dana@other.org")
    people.ok("escalate", first.strip(), "--hierarchical", "--to", "Head", "--reason", "unsettled")
    report = people.ok("report", "--from", start, "--to", end)
    assert "| Complaints received | 2 |" in report
    assert "| Complaints escalated to management | 1 |" in report
    evidence = people.ok("evidence", "--from", start, "--to", end)
    assert "- Service complaints received: 2" in evidence  # under 8.3.2
    assert ("Input h) customer satisfaction and complaints: 0 satisfaction reviews and "
            "2 complaints received in the period") in evidence  # what 9.3 considers
