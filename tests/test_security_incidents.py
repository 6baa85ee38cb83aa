"""Information security incidents (8.7.3.3): risk, the priority rule, handling steps, queue, figures."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sms_tui.domain.errors import ConfigError, ValidationError
from sms_tui.domain.priority import DEFAULT_MATRIX, LEVELS
from sms_tui.domain.security import RISKS, SecurityPolicy, parse_risk, policy_from_config
from sms_tui.services.core.views import QueueFilter
from sms_tui.services.incidents.security import SecurityService

from .cli_helpers import Cli, dump
from .incident_helpers import Desk


@pytest.fixture
def desk(tmp_path, clock):
    d = Desk(tmp_path, clock)
    yield d
    d.close()


# ------------------------------------------------------------------ the rule, pure
floors = st.dictionaries(st.sampled_from(RISKS[1:]), st.integers(1, 5))


@given(st.sampled_from(LEVELS), st.sampled_from(LEVELS), st.sampled_from(RISKS), floors)
def test_the_security_floor_only_ever_raises_priority_to_at_most_its_floor(impact, urgency, risk, table):
    policy = SecurityPolicy(table)
    matrix = DEFAULT_MATRIX.priority_for(impact, urgency)
    got = policy.priority(matrix, risk)
    assert got <= matrix  # never lowers priority (P1 is the highest)
    if risk in table:
        assert got <= table[risk]
        assert got == min(matrix, table[risk])
    else:
        assert got == matrix
    assert (policy.reason(matrix, risk) != "") == (got != matrix)


@given(st.sampled_from(LEVELS), st.sampled_from(LEVELS))
def test_by_default_high_is_at_least_p2_critical_is_p1_and_the_rest_follow_the_matrix(impact, urgency):
    policy = SecurityPolicy()
    matrix = DEFAULT_MATRIX.priority_for(impact, urgency)
    assert policy.priority(matrix, "critical") == 1
    assert policy.priority(matrix, "high") == min(matrix, 2)
    for risk in ("none", "low", "medium"):
        assert policy.priority(matrix, risk) == matrix


@pytest.mark.parametrize("bad", ["severe", "", "hi", "none ", "crit", "\x1b[31m", "P1", None])
def test_anything_but_the_five_risks_is_refused_in_one_line(bad):
    if bad == "none ":
        assert parse_risk(bad) == "none"  # spaces around are trimmed
        return
    with pytest.raises(ValidationError) as err:
        parse_risk(bad)
    assert "\n" not in str(err.value) and "\x1b" not in str(err.value)
    assert "none, low, medium, high, critical" in str(err.value)


@pytest.mark.parametrize(("section", "key"), [
    ({"min_priority": {"severe": "P1"}}, "min_priority.severe"),
    ({"min_priority": {"none": "P1"}}, "min_priority.none"),
    ({"min_priority": {"high": "P9"}}, "min_priority.high"),
    ({"min_priority": "P1"}, "min_priority"),
    ({"contacts": ["not an address"]}, "contacts"),
    ({"procedure": []}, "procedure"),
    ({"steps": []}, "steps"),
])
def test_a_bad_security_incident_config_names_the_key(section, key):
    with pytest.raises(ConfigError, match=f"security_incident.{key}"):
        policy_from_config(section, "cfg.toml")


# ------------------------------------------------------------------ records
def test_a_phishing_incident_set_low_low_with_high_risk_is_p2_not_p5(desk):
    view = desk.records.create("incident", title="Phishing mail clicked", impact="low", urgency="low",
                               security_risk="high")
    assert view.priority == 2
    create = next(e for e in view.journal if e.action == "create")
    assert create.changes["security_risk"][1] == "high"
    assert "at least P2" in create.changes["priority_rule"][1]


def test_default_risk_is_none_and_priority_is_the_matrix(desk):
    view = desk.records.create("incident", title="Printer jam", impact="low", urgency="low")
    assert view.extra["security_risk"] == "none" and view.priority == 5
    assert SecurityService(desk.store).get(view.ref).steps == []


def test_setting_the_risk_later_raises_priority_and_is_journaled(desk):
    ref = desk.records.create("incident", title="Odd login", impact="low", urgency="low").ref
    view = desk.records.update(ref, security_risk="critical")
    assert view.priority == 1
    entry = next(e for e in view.journal if e.action == "update")
    assert entry.changes["security_risk"] == ("none", "critical")
    assert entry.changes["priority"] == ("P5", "P1")
    assert view.extra["major"] is True  # a P1 meets the default major criteria


def test_lowering_the_risk_gives_the_matrix_priority_back(desk):
    ref = desk.records.create("incident", title="Odd login", impact="low", urgency="medium",
                              security_risk="high").ref
    assert desk.records.update(ref, security_risk="low").priority == 4


def test_an_unknown_risk_writes_nothing(desk, tmp_path):
    ref = desk.records.create("incident", title="Odd login").ref
    before = dump(tmp_path / "desk.db")
    with pytest.raises(ValidationError, match="unknown security risk"):
        desk.records.update(ref, security_risk="severe")
    with pytest.raises(ValidationError, match="unknown security risk"):
        desk.records.create("incident", title="x", security_risk="bogus")
    assert dump(tmp_path / "desk.db") == before


def test_the_rule_comes_from_the_config(tmp_path, clock):
    desk = Desk(tmp_path, clock, """
        [security_incident]
        min_priority = { medium = "P3" }
        """)
    try:
        assert desk.records.create("incident", title="a", impact="low", urgency="low",
                                   security_risk="medium").priority == 3
        # the table replaces the default whole: high no longer raises anything
        assert desk.records.create("incident", title="b", impact="low", urgency="low",
                                   security_risk="high").priority == 5
    finally:
        desk.close()


def test_other_kinds_have_no_security_risk(desk):
    with pytest.raises(ValidationError, match="no field 'security_risk'"):
        desk.records.create("problem", title="p", security_risk="high")


# ------------------------------------------------------------------ handling steps
def test_a_security_incident_gets_the_handling_steps_and_tells_the_manager(tmp_path, clock):
    desk = Desk(tmp_path, clock, """
        [security_incident]
        contacts = ["ISM <ism@example.org>"]
        """)
    try:
        ref = desk.records.create("incident", title="Ransomware", security_risk="high").ref
        view = SecurityService(desk.store).get(ref)
        assert [s.title.split(":")[0] for s in view.steps] == [
            "Contain", "Preserve evidence", "Notify the information security manager", "Review"]
        assert [s.done for s in view.steps] == [False, False, True, False]  # the outbox told the ISM
        [message] = [m for m in desk.outbox.list(ref=ref) if m.purpose == "security"]
        assert "ism@example.org" in message.recipients and "Ransomware" in message.subject
        assert "security_incident" in desk.actions(ref)
    finally:
        desk.close()


def test_without_contacts_the_notify_step_stays_for_the_analyst(desk):
    ref = desk.records.create("incident", title="Lost laptop", security_risk="medium").ref
    view = SecurityService(desk.store).get(ref)
    assert not any(s.done for s in view.steps)


def test_a_security_incident_closes_only_when_every_step_is_done(desk):
    ref = desk.records.create("incident", title="Lost laptop", security_risk="low").ref
    desk.records.transition(ref, "resolved")
    with pytest.raises(ValidationError, match="handling steps 1 .*must be done"):
        desk.records.transition(ref, "closed")
    security = SecurityService(desk.store)
    for step in ("contain", "2", "notify", "review"):
        security.tick_step(ref, step, note="done")
    assert desk.records.transition(ref, "closed").status == "closed"
    assert desk.actions(ref).count("security_step") == 4


def test_a_false_alarm_can_be_cancelled_with_steps_open(desk):
    ref = desk.records.create("incident", title="Not phishing after all", security_risk="low").ref
    assert desk.records.transition(ref, "cancelled").status == "cancelled"


def test_steps_only_exist_on_security_incidents(desk):
    ref = desk.records.create("incident", title="Printer").ref
    with pytest.raises(ValidationError, match="not an information security incident"):
        SecurityService(desk.store).tick_step(ref, "1")


# ------------------------------------------------------------------ queue and figures
def test_the_security_queue_shows_only_security_incidents(desk):
    desk.records.create("incident", title="Printer")
    a = desk.records.create("incident", title="Phish", security_risk="low").ref
    b = desk.records.create("incident", title="Breach", security_risk="critical").ref
    rows = desk.records.list("incident", QueueFilter(security_only=True))
    assert [r.ref for r in rows] == [b, a]
    assert desk.records.count("incident", QueueFilter(security_only=True)) == 2
    assert "security" in QueueFilter(security_only=True).describe()


def test_figures_count_security_incidents_by_risk_type_and_impact(desk):
    desk.records.create("incident", title="Printer")
    desk.records.create("incident", title="Phish 1", category="phishing", security_risk="low")
    desk.records.create("incident", title="Phish 2", category="phishing", security_risk="high",
                        impact="high")
    desk.records.create("incident", title="Malware", category="malware", security_risk="critical")
    fig = SecurityService(desk.store).figures()
    assert fig.total == 3 and fig.open == 3
    assert fig.by_risk == {"low": 1, "high": 1, "critical": 1}
    assert fig.by_category == {"phishing": 2, "malware": 1}
    assert fig.by_impact == {"medium": 2, "high": 1}


# ------------------------------------------------------------------ the command line
def test_cli_security_risk_on_new_edit_list_and_show(tmp_path):
    cli = Cli(tmp_path / "desk.db")
    ref = cli.ok("new", "incident", "--title", "Phishing", "--impact", "low", "--urgency", "low",
                 "--security-risk", "HIGH").strip()
    assert "priority" in cli.ok("show", ref) and "security risk: high" in cli.ok("show", ref)
    assert "P2" in cli.ok("list", "incidents", "--security")
    out = cli.ok("edit", ref, "--set", "security_risk=critical")
    assert "P2 → P1" in out
    bad = cli("edit", ref, "--security-risk", "severe")
    assert bad.exit_code == 1 and bad.stderr.count("\n") == 1 and "unknown security risk" in bad.stderr
    assert "Contain" in cli.ok("security", "show", ref)
    assert "step 1" in cli.ok("security", "step", ref, "1", "--note", "host isolated")
    assert ref in cli.ok("security", "list")
    assert "by risk: critical 1" in cli.ok("security", "figures")


def test_cli_refuses_an_unknown_risk_on_new_and_writes_nothing(tmp_path):
    cli = Cli(tmp_path / "desk.db")
    cli.ok("new", "incident", "--title", "first")
    before = dump(tmp_path / "desk.db")
    bad = cli("new", "incident", "--title", "x", "--security-risk", "severe")
    assert bad.exit_code == 1 and bad.stderr.count("\n") == 1
    assert dump(tmp_path / "desk.db") == before
