"""The scriptable CLI: every desk action as a subcommand, output a script can read."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.cli_helpers import Cli, one_error_line


@pytest.fixture
def cli(db_path):
    return Cli(db_path)


def new(cli: Cli, kind: str, title: str, impact: str = "medium", urgency: str = "medium",
        *extra: str) -> str:
    if kind == "request" and "--type" not in extra:  # requests are classified (8.6.2)
        extra = (*extra, "--type", "other")
    return cli.ok("new", kind, "--title", title, "--impact", impact, "--urgency", urgency,
                  *extra).strip()


# ------------------------------------------------------------------ new / list / show
def test_new_prints_only_the_reference_so_scripts_can_capture_it(cli):
    assert cli.ok("new", "incident", "--title", "VPN drops", "--impact", "low",
                  "--urgency", "low") == "INC-000001\n"
    assert cli.ok("new", "request", "--title", "New laptop", "--type", "other") == "REQ-000001\n"
    assert cli.ok("new", "problem", "--title", "VPN drops every 10 min") == "PRB-000001\n"
    assert cli.ok("new", "change", "--title", "Upgrade VPN firmware", "--type", "normal",
                  "--backout-plan", "Re-flash the old image") == "CHG-000001\n"


def test_urgency_left_out_is_medium_as_the_help_says(cli):
    """The help said urgency defaulted "as impact" (high impact: P1, a major incident); it
    is medium, and the help now says so."""
    shown = " ".join(cli.ok("new", "incident", "--help").split())
    urgency_help = shown.split("--urgency", 1)[1].split("--description", 1)[0]
    assert "default: medium" in urgency_help and "as impact" not in urgency_help
    ref = cli.ok("new", "incident", "--title", "Payroll slow", "--impact", "high").strip()
    record = json.loads(cli.ok("show", ref, "--format", "json"))
    assert (record["urgency"], record["priority"]) == ("medium", "P2")


def test_new_incident_takes_service_category_and_description(cli):
    cli.ok("service", "add", "Email", "--criticality", "high")
    ref = new(cli, "incident", "Outlook asks for password", "medium", "low",
              "--service", "Email", "--category", "software", "--description", "Since 9:00")

    record = json.loads(cli.ok("show", ref, "--format", "json"))

    assert (record["service"], record["category"], record["description"]) == (
        "Email", "software", "Since 9:00")
    assert record["priority"] == "P4"


def test_list_json_is_ordered_by_priority_then_age(cli):
    low = new(cli, "incident", "Printer jam", "low", "low")
    first_p1 = new(cli, "incident", "Mail down", "high", "high")
    moderate = new(cli, "incident", "Slow share", "medium", "medium")
    second_p1 = new(cli, "incident", "VPN down", "high", "high")

    rows = json.loads(cli.ok("list", "incidents", "--format", "json"))

    assert [r["ref"] for r in rows] == [first_p1, second_p1, moderate, low]
    assert [r["priority"] for r in rows] == ["P1", "P1", "P3", "P5"]
    assert {"ref", "title", "status", "impact", "urgency", "priority", "created_at"} <= set(rows[0])
    assert rows[0]["title"] == "Mail down"
    assert (rows[0]["impact"], rows[0]["urgency"], rows[0]["status"]) == ("high", "high", "new")


def test_list_csv_has_a_header_and_one_row_per_record(cli):
    new(cli, "request", "Install Visio", "low", "low")
    new(cli, "request", "Reset MFA", "medium", "high")

    rows = list(csv.DictReader(io.StringIO(cli.ok("list", "requests", "--format", "csv"))))

    assert [(r["ref"], r["priority"], r["title"]) for r in rows] == [
        ("REQ-000002", "P2", "Reset MFA"), ("REQ-000001", "P5", "Install Visio")]


def test_list_table_shows_user_text_as_typed_with_controls_made_visible(cli):
    new(cli, "incident", "Printer says [bold]PAPER JAM[/]")
    new(cli, "incident", "Evil \x1b]0;pwned\x07 title")

    out = cli.ok("list", "incidents")

    assert {"REF", "PRIORITY", "STATUS", "TITLE"} <= set(out.splitlines()[0].split())
    assert "Printer says [bold]PAPER JAM[/]" in out
    assert "\x1b" not in out and "\x07" not in out
    assert "Evil ␛]0;pwned␇ title" in out


def test_list_of_nothing_says_so(cli):
    assert cli.ok("list", "changes") == "(none)\n"


def test_list_filters_by_status_assignee_priority_and_text(cli):
    a = new(cli, "incident", "VPN drops", "high", "high")
    b = new(cli, "incident", "Printer jam", "low", "low")
    c = new(cli, "incident", "VPN slow", "medium", "medium")
    cli.ok("assign", a, "alice")
    cli.ok("transition", c, "on_hold")

    def refs(*args: str) -> list[str]:
        return [r["ref"] for r in json.loads(cli.ok("list", "incidents", "--format", "json", *args))]

    assert refs("--status", "on-hold") == [c]
    assert refs("--assignee", "alice") == [a]
    assert refs("--unassigned") == [c, b]
    assert refs("--priority", "p5") == [b]
    assert refs("--search", "vpn") == [a, c]
    assert refs("--limit", "1") == [a]


def test_list_open_leaves_out_closed_and_cancelled_records(cli):
    done = new(cli, "incident", "Done already")
    live = new(cli, "incident", "Still broken")
    cli.ok("transition", done, "cancelled", "--note", "duplicate")

    everything = json.loads(cli.ok("list", "incidents", "--format", "json"))
    open_only = json.loads(cli.ok("list", "incidents", "--open", "--format", "json"))

    assert {r["ref"] for r in everything} == {done, live}
    assert [r["ref"] for r in open_only] == [live]


def test_show_json_has_the_record_and_its_journal(cli):
    ref = new(cli, "incident", "Mail down", "high", "medium")
    cli.ok("transition", ref, "in_progress", "--note", "looking at it")

    record = json.loads(cli.ok("show", ref, "--format", "json"))

    assert (record["ref"], record["status"], record["priority"]) == (ref, "in_progress", "P2")
    actions = [e["action"] for e in record["journal"]]
    assert actions[0] == "transition" and actions[-1] == "create"
    latest = record["journal"][0]
    assert latest["changes"]["status"] == ["new", "in_progress"]
    assert latest["note"] == "looking at it"
    assert latest["actor"] == "tester"
    assert record["allowed_transitions"] == ["on_hold", "resolved", "cancelled"]


def test_show_text_lists_fields_next_statuses_and_journal(cli):
    ref = new(cli, "incident", "Mail down")

    out = cli.ok("show", ref)

    assert "title: Mail down" in out
    assert "next statuses: in_progress, on_hold, resolved, cancelled" in out
    assert "Journal (newest first):" in out and "tester create" in out


# ------------------------------------------------------------------ actions
def test_transition_prints_old_and_new_status_and_journals_the_note(cli):
    ref = new(cli, "incident", "Mail down")

    assert cli.ok("transition", ref, "in-progress", "--note", "on it") == f"{ref}: new → in_progress\n"
    assert cli.ok("transition", ref, "resolved") == f"{ref}: in_progress → resolved\n"

    record = json.loads(cli.ok("show", ref, "--format", "json"))
    assert record["resolved_at"] is not None
    assert [e["note"] for e in record["journal"] if e["action"] == "transition"] == ["", "on it"]


def test_note_adds_a_work_log_entry_also_from_stdin(cli):
    ref = new(cli, "incident", "Mail down")

    assert cli.ok("note", ref, "Called the user") == f"{ref}: note added\n"
    assert cli.ok("note", ref, "-", input="Line one\nLine two\n") == f"{ref}: note added\n"

    notes = [e["note"] for e in json.loads(cli.ok("show", ref, "--format", "json"))["journal"]
             if e["action"] == "note"]
    assert notes == ["Line one\nLine two\n", "Called the user"]


def test_assign_with_group_and_unassign_with_an_empty_name(cli):
    ref = new(cli, "request", "New laptop")

    assert cli.ok("assign", ref, "alice", "--group", "Service Desk") == \
        f"{ref}: assigned to alice (group Service Desk)\n"
    assert cli.ok("assign", ref, "") == f"{ref}: unassigned (group Service Desk)\n"

    record = json.loads(cli.ok("show", ref, "--format", "json"))
    assert record["assignee"] == ""
    assert record["journal"][0]["changes"] == {"assignee": ["alice", ""]}


def test_escalate_functionally_hands_over_and_hierarchically_raises_to_management(cli):
    ref = new(cli, "incident", "VPN drops")
    cli.ok("assign", ref, "alice")

    assert cli.ok("escalate", ref, "--to", "carol", "--group", "Network",
                  "--reason", "needs firewall logs") == f"{ref}: escalated to carol (group Network)\n"
    assert cli.ok("escalate", ref, "--to", "Head of IT", "--hierarchical",
                  "--reason", "CEO affected") == \
        f"{ref}: escalated to Head of IT (hierarchical, level 1)\n"

    record = json.loads(cli.ok("show", ref, "--format", "json"))
    assert (record["assignee"], record["assignment_group"]) == ("carol", "Network")
    assert (record["escalated_to"], record["escalation_level"]) == ("Head of IT", 1)
    assert [e["action"] for e in record["journal"][:2]] == [
        "escalate_hierarchical", "escalate_functional"]
    assert record["journal"][0]["note"] == "CEO affected"


def test_link_and_unlink_an_incident_and_its_problem_show_on_both_sides(cli):
    inc = new(cli, "incident", "VPN drops")
    prb = new(cli, "problem", "Recurring VPN drops")

    # references are accepted in any case; the answer names them properly
    assert cli.ok("link", inc.lower(), prb, "--note", "same symptom") == f"{inc}: linked to {prb}\n"

    problem = json.loads(cli.ok("show", prb, "--format", "json"))
    assert [(link["relation"], link["ref"]) for link in problem["links"]] == [("incident", inc)]

    assert cli.ok("unlink", inc, prb) == f"{inc}: unlinked from {prb}\n"
    assert json.loads(cli.ok("show", inc, "--format", "json"))["links"] == []


def test_edit_recomputes_priority_and_journals_old_and_new(cli):
    cli.ok("service", "add", "VPN")
    ref = new(cli, "incident", "VPN slow", "low", "low")

    out = cli.ok("edit", ref, "--impact", "high", "--urgency", "high", "--service", "VPN",
                 "--note", "whole office affected")

    assert out.startswith(f"{ref}: ")
    assert "priority: P5 → P1" in out
    record = json.loads(cli.ok("show", ref, "--format", "json"))
    assert (record["priority"], record["service"]) == ("P1", "VPN")
    edit = next(e for e in record["journal"] if e["action"] == "update")
    assert edit["changes"]["priority"] == ["P5", "P1"]
    assert edit["note"] == "whole office affected"


def test_edit_with_the_current_version_succeeds_and_kind_fields_can_be_set(cli):
    ref = new(cli, "problem", "VPN drops")

    out = cli.ok("edit", ref, "--expected-version", "1", "--set", "root_cause=Idle timeout 600 s",
                 "--set", "workaround=Reconnect")

    assert "(version 2)" in out
    record = json.loads(cli.ok("show", ref, "--format", "json"))
    assert (record["root_cause"], record["workaround"]) == ("Idle timeout 600 s", "Reconnect")


def test_edit_that_changes_nothing_says_so(cli):
    ref = new(cli, "incident", "Mail down")

    assert cli.ok("edit", ref, "--title", "Mail down") == f"{ref}: nothing changed\n"


# ------------------------------------------------------------------ catalogue
def test_service_add_and_list(cli):
    assert cli.ok("service", "add", "Payroll", "--criticality", "high",
                  "--description", "Monthly pay") == "service Payroll added (high criticality)\n"
    cli.ok("service", "add", "Printing", "--criticality", "low")

    rows = json.loads(cli.ok("service", "list", "--format", "json"))

    assert [(r["name"], r["criticality"]) for r in rows] == [("Payroll", "high"), ("Printing", "low")]
    assert "Payroll" in cli.ok("service", "list")


class _Uncontrolled:
    """``sms-tui --config C`` where C puts nothing under change control (the catalogue
    itself is tested here; tests/test_change_control.py holds it under control)."""

    def __init__(self, cli, tmp_path) -> None:
        self.cli, self.config = cli, tmp_path / "config.toml"
        self.config.write_text("[changes.control]\nservices = []\nci_types = []\n")

    def ok(self, *args: str) -> str:
        return self.cli.ok("--config", str(self.config), *args)


def test_ci_add_relate_and_show_both_directions(cli, tmp_path):
    cli = _Uncontrolled(cli, tmp_path)
    cli.ok("service", "add", "Payroll")
    assert cli.ok("ci", "add", "app-payroll", "--type", "application", "--service", "Payroll") == \
        "CI app-payroll added (application, active in Payroll)\n"
    cli.ok("ci", "add", "srv-app-01", "--status", "planned")

    assert cli.ok("ci", "relate", "app-payroll", "srv-app-01", "--relation", "runs_on") == \
        "related: app-payroll runs_on srv-app-01\n"

    rows = json.loads(cli.ok("ci", "list", "--format", "json"))
    assert [(r["name"], r["type"], r["status"], r["service"]) for r in rows] == [
        ("app-payroll", "application", "active", "Payroll"), ("srv-app-01", "server", "planned", "")]
    assert "app-payroll runs_on srv-app-01" in cli.ok("ci", "show", "srv-app-01")
    assert "relate" in cli.ok("ci", "show", "app-payroll")


def test_ci_edit_retires_a_ci_and_unrelate_removes_the_relationship(cli, tmp_path):
    cli = _Uncontrolled(cli, tmp_path)
    cli.ok("ci", "add", "a")
    cli.ok("ci", "add", "b")
    cli.ok("ci", "relate", "a", "b")

    assert cli.ok("ci", "edit", "b", "--status", "retired") == "CI b updated\n"
    assert cli.ok("ci", "unrelate", "a", "b") == "removed 1 relationship\n"
    assert json.loads(cli.ok("ci", "list", "--status", "retired", "--format", "json"))[0]["name"] == "b"


# ------------------------------------------------------------------ help
@pytest.mark.parametrize("command", [
    [], ["new", "incident"], ["list"], ["show"], ["transition"], ["note"], ["assign"],
    ["escalate"], ["link"], ["unlink"], ["edit"], ["service", "add"], ["ci", "relate"], ["demo"],
])
def test_every_command_has_help(cli, command):
    out = cli.ok(*command, "--help")

    assert out.startswith("Usage: sms-tui")
    assert "--help" in out


def test_a_service_given_with_set_is_the_records_service(cli):
    cli.ok("service", "add", "Wi-Fi")
    ref = cli.ok("new", "incident", "--title", "No signal").strip()
    cli.ok("edit", ref, "--set", "service=wi-fi")
    assert "service: Wi-Fi" in cli.ok("show", ref)


def test_a_link_that_moves_a_record_says_where_from_in_either_order(cli):
    # `link PRB INC` moved the incident off its problem and said only "linked"
    incident = cli.ok("new", "incident", "--title", "Mail bounces").strip()
    first = cli.ok("new", "problem", "--title", "Relay disk full").strip()
    second = cli.ok("new", "problem", "--title", "Relay certificate").strip()
    assert cli.ok("link", incident, first) == f"{incident}: linked to {first}\n"
    assert cli.ok("link", second, incident, "--move") == (
        f"{second}: linked to {incident} (moved from {first})\n")
    assert cli.ok("link", incident, first) == f"{incident}: linked to {first} (moved from {second})\n"


def _shown(cli: Cli, ref: str) -> dict:
    return json.loads(cli.ok("show", ref, "--format", "json"))


def test_link_from_a_problem_does_not_move_an_incident_off_its_problem_unless_told(cli):
    """`link PRB INC` took the incident off the problem it was linked to, and said so only
    afterwards: from the problem's side the incident's link is not in sight. It is refused,
    naming that problem, and nothing is written; --move moves it."""
    incident = new(cli, "incident", "Mail bounces")
    first = new(cli, "problem", "Relay disk full")
    second = new(cli, "problem", "Relay certificate")
    cli.ok("link", incident, first)
    before = [_shown(cli, ref) for ref in (incident, first, second)]

    result = cli("link", second, incident)
    assert result.exit_code == 1
    line = one_error_line(result)
    assert f"{incident} is linked to {first}: linking it to {second} would move it off {first}" in line
    assert "--move" in line
    assert [_shown(cli, ref) for ref in (incident, first, second)] == before

    assert cli.ok("link", second, incident, "--move") == (
        f"{second}: linked to {incident} (moved from {first})\n")


def test_problems_link_checks_the_problems_expected_version(cli):
    problem = new(cli, "problem", "Relay disk full")
    incident = new(cli, "incident", "Mail bounces")
    cli.ok("note", problem, "someone else was here")  # version 2 now
    before = [_shown(cli, ref) for ref in (problem, incident)]

    result = cli("problems", "link", problem, incident, "--expected-version", "1")
    assert result.exit_code == 1
    assert "now version 2, you had 1" in one_error_line(result)
    assert [_shown(cli, ref) for ref in (problem, incident)] == before

    assert cli.ok("problems", "link", problem, incident, "--expected-version", "2") == (
        f"{problem}: 1 incidents linked\n")


def test_problems_link_move_is_journaled_on_the_problem_the_incident_left(cli):
    incident = new(cli, "incident", "Mail bounces")
    first = new(cli, "problem", "Relay disk full")
    second = new(cli, "problem", "Relay certificate")
    cli.ok("problems", "link", first, incident)
    left_at = _shown(cli, first)["version"]

    cli.ok("problems", "link", second, incident, "--move", "--note", "same relay")
    left = _shown(cli, first)
    assert left["version"] == left_at + 1
    entry = left["journal"][0]
    assert (entry["action"], entry["changes"]) == (
        "unlink", {"linked_incident": [incident, None]})
    assert entry["note"] == f"moved to {second}; same relay"
    assert entry["actor"] and entry["at"]
    assert [link["ref"] for link in left["links"]] == []


def test_a_change_linked_to_a_problem_is_said_to_be_its_fix_in_either_order(cli):
    """A change linked to a problem is its fix: the problem is resolved with it once it is
    implemented. The TUI said so; `link` said only "linked" (or "moved from" the fix before)."""
    problem = cli.ok("new", "problem", "--title", "Relay disk full").strip()
    first = cli.ok("new", "change", "--title", "Grow the disk", "--type", "normal",
                   "--backout-plan", "Shrink it back").strip()
    second = cli.ok("new", "change", "--title", "New relay", "--type", "normal",
                    "--backout-plan", "Keep the old one").strip()
    fix = "is resolved with it once it is implemented successfully"
    assert cli.ok("link", problem, first) == (
        f"{problem}: linked to {first}; {first} is {problem}'s fix: {problem} {fix}\n")
    assert cli.ok("link", second, problem, "--move") == (
        f"{second}: linked to {problem} (moved from {first}); {second} is {problem}'s fix: "
        f"{problem} {fix}\n")


def test_a_note_needs_no_version_and_checks_one_given(cli):
    ref = new(cli, "incident", "Mail bounces")
    cli.ok("assign", ref, "anna")  # someone else, meanwhile: version 2
    assert cli.ok("note", ref, "Called the user back") == f"{ref}: note added\n"
    before = _shown(cli, ref)
    result = cli("note", ref, "Only on version 1", "--expected-version", "1")
    assert "now version 3, you had 1" in one_error_line(result)
    assert _shown(cli, ref) == before
    assert "a note needs no version" in " ".join(cli.ok("note", "--help").split()).lower()
