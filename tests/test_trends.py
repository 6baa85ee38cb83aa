"""Trend detection (8.6.3): problem candidates from incidents, accepted or dismissed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sms_tui.domain.errors import ConfigError, NotFound
from sms_tui.domain.trends import Dismissal, IncidentPoint, TrendRule, detect, rule_from_config

NOW = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
RULE = TrendRule(min_incidents=3, window=timedelta(days=7))


def _point(n: int, hours_ago: float, service: str = "", ci: str = "", category: str = "") -> IncidentPoint:
    return IncidentPoint(f"INC-{n:06d}", NOW - timedelta(hours=hours_ago), service, ci, category)


# ------------------------------------------------------------------ the rule (pure)
def test_three_incidents_on_one_service_within_the_window_make_a_candidate():
    points = [_point(i, i * 10, service="mail") for i in range(3)]
    [candidate] = detect(points, NOW, RULE)
    assert (candidate.dimension, candidate.value, candidate.count) == ("service", "mail", 3)


def test_two_incidents_are_not_yet_a_trend():
    assert detect([_point(i, 1, service="mail") for i in range(2)], NOW, RULE) == []


def test_incidents_older_than_the_window_do_not_count():
    points = [_point(1, 1, service="mail"), _point(2, 2, service="mail"),
              _point(3, 7 * 24 + 1, service="mail")]
    assert detect(points, NOW, RULE) == []


def test_the_same_set_on_ci_and_service_is_proposed_once_on_the_ci():
    points = [_point(i, i, service="mail", ci="srv-mail-01") for i in range(3)]
    [candidate] = detect(points, NOW, RULE)
    assert candidate.dimension == "ci"


def test_a_dismissed_set_is_not_proposed_again_nor_any_part_of_it():
    points = [_point(i, i, service="mail") for i in range(4)]
    [candidate] = detect(points, NOW, RULE)
    dismissed = [Dismissal("service", "mail", frozenset(candidate.refs))]
    assert detect(points, NOW, RULE, dismissed) == []
    assert detect(points[1:], NOW, RULE, dismissed) == []


def test_a_dismissed_set_that_grows_is_proposed_again():
    points = [_point(i, i + 1, service="mail") for i in range(3)]
    dismissed = [Dismissal("service", "mail", frozenset(p.ref for p in points))]
    grown = [*points, _point(9, 0, service="mail")]
    [candidate] = detect(grown, NOW, RULE, dismissed)
    assert candidate.count == 4


def test_candidate_keys_are_stable_and_differ_per_set():
    points = [_point(i, i, service="mail") for i in range(3)]
    first = detect(points, NOW, RULE)[0].key
    assert detect(list(reversed(points)), NOW, RULE)[0].key == first
    assert detect([*points, _point(7, 1, service="mail")], NOW, RULE)[0].key != first


def test_the_rule_is_read_from_the_problems_trends_config_section():
    rule = rule_from_config({"min_incidents": 5, "window_hours": 12, "dimensions": ["ci"]})
    assert (rule.min_incidents, rule.window, rule.dimensions) == (5, timedelta(hours=12), ("ci",))


@pytest.mark.parametrize("section, key", [
    ({"min_incidents": 1}, "min_incidents"),
    ({"window_days": 0}, "window_days"),
    ({"dimensions": ["colour"]}, "dimensions"),
    ({"window_days": 1, "window_hours": 1}, "not both"),
    ({"threshold": 3}, "threshold"),
])
def test_a_bad_trend_setting_names_the_key(section, key):
    with pytest.raises(ConfigError, match=key):
        rule_from_config(section, "desk.toml")


_points = st.lists(
    st.builds(
        IncidentPoint,
        ref=st.integers(1, 60).map(lambda n: f"INC-{n:06d}"),
        opened_at=st.integers(0, 14 * 24).map(lambda h: NOW - timedelta(hours=h)),
        service=st.sampled_from(["", "mail", "web"]),
        ci=st.sampled_from(["", "srv-1", "srv-2"]),
        category=st.sampled_from(["", "network", "email"]),
    ),
    max_size=40,
    unique_by=lambda p: p.ref,
)


@settings(max_examples=150)
@given(_points, st.integers(2, 5), st.integers(1, 10))
def test_every_candidate_is_a_real_group_within_the_window(points, minimum, days):
    rule = TrendRule(min_incidents=minimum, window=timedelta(days=days))
    by_ref = {p.ref: p for p in points}
    for candidate in detect(points, NOW, rule):
        members = [by_ref[r] for r in candidate.refs]
        assert len(members) >= minimum
        assert all(NOW - rule.window < p.opened_at <= NOW for p in members)
        assert all(p.value(candidate.dimension) == candidate.value for p in members)


@settings(max_examples=150)
@given(_points)
def test_every_qualifying_group_is_proposed_unless_an_identical_set_already_is(points):
    found = detect(points, NOW, RULE)
    proposed_sets = {frozenset(c.refs) for c in found}
    for dimension in RULE.dimensions:
        groups: dict[str, set[str]] = {}
        for p in points:
            if p.value(dimension) and NOW - RULE.window < p.opened_at <= NOW:
                groups.setdefault(p.value(dimension), set()).add(p.ref)
        for refs in groups.values():
            if len(refs) >= RULE.min_incidents:
                assert frozenset(refs) in proposed_sets


@settings(max_examples=100)
@given(_points)
def test_dismissing_everything_proposed_leaves_nothing(points):
    found = detect(points, NOW, RULE)
    dismissed = [Dismissal(c.dimension, c.value, frozenset(c.refs)) for c in found]
    assert detect(points, NOW, RULE, dismissed) == []


# ------------------------------------------------------------------ the service
@pytest.fixture
def problems(store):
    from sms_tui.services.problems.service import ProblemService

    return ProblemService(store)


@pytest.fixture
def services(store):
    from sms_tui.services.configuration.catalogue import CatalogueService

    catalogue = CatalogueService(store)
    catalogue.add_service("mail")
    catalogue.add_service("web")


def _raise_incidents(records, clock, n, every_hours=6, **fields):
    refs = []
    for i in range(n):
        refs.append(records.create("incident", title=f"Incident {i}", **fields).ref)
        clock.advance(hours=every_hours)
    return refs


def test_incidents_generated_over_days_become_a_candidate(records, problems, clock, services):
    refs = _raise_incidents(records, clock, 4, service="mail")
    _raise_incidents(records, clock, 2, service="web")
    [candidate] = problems.candidates()
    assert candidate.incident_refs == tuple(refs)
    assert (candidate.dimension, candidate.value) == ("service", "mail")
    assert "3+ incidents" in candidate.rule


def test_candidates_fade_when_the_clock_moves_past_the_window(records, problems, clock, services):
    _raise_incidents(records, clock, 3, service="mail")
    assert problems.candidates()
    clock.advance(days=8)
    assert problems.candidates() == []


def test_accepting_a_candidate_raises_a_problem_linking_its_incidents(records, problems, clock, services):
    refs = _raise_incidents(records, clock, 3, service="mail")
    [candidate] = problems.candidates()
    problem = problems.accept_candidate(candidate.key)
    assert problem.service == "mail"
    assert sorted(link.ref for link in problem.links if link.relation == "incident") == refs
    assert any(e.action == "trend" for e in problem.journal)
    assert records.get(refs[0]).links[0].ref == problem.ref
    assert problems.candidates() == []  # its incidents now have a problem


def test_a_dismissed_candidate_is_remembered(records, problems, clock, services):
    _raise_incidents(records, clock, 3, category="printing")
    [candidate] = problems.candidates()
    dismissal = problems.dismiss_candidate(candidate.key, reason="paper jams, not a problem")
    assert dismissal.dismissed_by == "tester"
    assert problems.candidates() == []
    assert problems.dismissals()[0].reason == "paper jams, not a problem"
    with pytest.raises(NotFound, match="no problem candidate"):
        problems.accept_candidate(candidate.key)


def test_the_window_and_threshold_come_from_the_config(db_path, clock, tmp_path):
    from sms_tui.config import load_config
    from sms_tui.services.core.records import RecordService
    from sms_tui.services.core.store import Store
    from sms_tui.services.problems.service import ProblemService

    config_file = tmp_path / "desk.toml"
    config_file.write_text("[problems.trends]\nmin_incidents = 2\nwindow_hours = 6\n")
    store = Store(db_path, config=load_config(config_file), actor="tester", clock=clock)
    try:
        records = RecordService(store)
        _raise_incidents(records, clock, 2, every_hours=2, category="vpn")
        assert len(ProblemService(store).candidates()) == 1
        clock.advance(hours=4)
        assert ProblemService(store).candidates() == []
    finally:
        store.close()


def test_cancelled_incidents_do_not_count_towards_a_trend(records, problems, clock, services):
    refs = _raise_incidents(records, clock, 3, service="mail")
    records.transition(refs[0], "cancelled")
    assert problems.candidates() == []
