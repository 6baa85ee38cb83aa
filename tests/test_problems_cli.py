"""Problem, known error and trend subcommands from a shell."""

from __future__ import annotations

import json

import pytest

from tests.cli_helpers import Cli, one_error_line


@pytest.fixture
def cli(db_path):
    return Cli(db_path)


def _incidents(cli, n, *extra):
    return [cli.ok("new", "incident", "--title", f"Mail down {i}", *extra).strip() for i in range(n)]


def test_problem_and_known_error_help_list_their_subcommands(cli):
    out = cli.ok("problems", "--help")
    for name in ("candidates", "accept", "dismiss", "link", "rca", "known-error", "resolve"):
        assert f"  {name} " in out
    out = cli.ok("known-errors", "--help")
    for name in ("search", "match", "apply"):
        assert f"  {name} " in out


def test_candidates_are_accepted_into_a_problem_linking_the_incidents(cli):
    refs = _incidents(cli, 3, "--category", "email")
    [candidate] = json.loads(cli.ok("problems", "candidates", "--format", "json"))
    assert candidate["refs"].split() == refs
    problem = cli.ok("problems", "accept", candidate["key"]).strip()
    assert problem == "PRB-000001"
    shown = json.loads(cli.ok("show", problem, "--format", "json"))
    assert sorted(link["ref"] for link in shown["links"]) == refs
    assert cli.ok("problems", "candidates") == "(none)\n"


def test_a_dismissed_candidate_is_not_listed_again(cli):
    _incidents(cli, 3, "--category", "printing")
    [candidate] = json.loads(cli.ok("problems", "candidates", "--format", "json"))
    cli.ok("problems", "dismiss", candidate["key"], "--reason", "paper jams")
    assert cli.ok("problems", "candidates") == "(none)\n"
    assert "paper jams" in cli.ok("problems", "dismissed")


def test_an_unknown_candidate_key_is_one_error_line(cli):
    result = cli("problems", "accept", "0000000000")
    assert result.exit_code == 1
    assert "no problem candidate" in one_error_line(result)


def test_rca_then_known_error_then_search_and_apply(cli):
    problem = cli.ok("new", "problem", "--title", "Outlook hangs on start").strip()
    cli.ok("problems", "link", problem, *_incidents(cli, 2))
    cli.ok("problems", "rca", problem, "--symptoms", "Splash screen freezes",
           "--root-cause", "Corrupt add-in", "--method", "5 whys",
           "--workaround", "Start Outlook with /safe")
    ke = cli.ok("problems", "known-error", problem).strip()
    assert ke == "KE-000001"
    hits = json.loads(cli.ok("known-errors", "search", "outlook", "freezes", "--format", "json"))
    assert [h["ref"] for h in hits] == [ke]
    incident = cli.ok("new", "incident", "--title", "Outlook hangs at splash").strip()
    assert ke in cli.ok("known-errors", "match", incident)
    out = cli.ok("known-errors", "apply", ke, incident, "--note", "worked")
    assert out == f"{incident}: workaround from {ke} applied; linked to {problem}\n"
    shown = json.loads(cli.ok("show", incident, "--format", "json"))
    assert shown["journal"][0]["action"] == "workaround"


def test_applying_a_workaround_to_an_incident_of_another_problem_says_where_it_stays(cli):
    # "applied; linked to PRB-2" named the incident's own problem as if the known error's
    # had been linked, and the journal said "known_error: – → KE-2" over KE-1's workaround
    kes = []
    for title in ("Outlook hangs on start", "Outlook crashes on send"):
        problem = cli.ok("new", "problem", "--title", title).strip()
        cli.ok("problems", "rca", problem, "--root-cause", "Add-in", "--workaround", "Safe mode")
        kes.append(cli.ok("problems", "known-error", problem).strip())
    incident = cli.ok("new", "incident", "--title", "Outlook hangs").strip()
    assert cli.ok("known-errors", "apply", kes[0], incident) == \
        f"{incident}: workaround from {kes[0]} applied; linked to PRB-000001\n"
    assert cli.ok("known-errors", "apply", kes[1], incident) == \
        f"{incident}: workaround from {kes[1]} applied; it stays linked to PRB-000001\n"
    shown = json.loads(cli.ok("show", incident, "--format", "json"))
    assert shown["journal"][0]["changes"]["known_error"] == [kes[0], kes[1]]


def test_resolving_with_a_needed_change_raises_an_rfc(cli):
    problem = cli.ok("new", "problem", "--title", "Disk fills").strip()
    out = cli.ok("problems", "resolve", problem, "--fix", "Rotate logs daily", "--needs-change")
    assert out == f"{problem}: investigating; resolved when CHG-000001 is implemented\n"
