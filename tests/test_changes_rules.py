"""Change management rules (8.5.1), pure: risk levels, policy, approval, outcome, conflicts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sms_tui.domain.changes import (
    APPROVAL_ACTED_ON,
    APPROVAL_IN_FORCE,
    APPROVED_SUBSTANCE,
    STANDARD_INSTANCE,
    ChangePolicy,
    ChangeWindow,
    RiskLevel,
    approval_refusal,
    conflict_between,
    find_conflicts,
    outcome_refusal,
    parse_likelihood,
    parse_risk_impact,
    plans_missing,
    policy_from_config,
    risk_level,
    substance_refusal,
)
from sms_tui.domain.errors import ConfigError, ValidationError

T0 = datetime(2026, 3, 10, 20, 0, tzinfo=UTC)


# ------------------------------------------------------------------ risk
@pytest.mark.parametrize("likelihood, impact, level", [
    (1, 1, "low"), (2, 2, "low"), (1, 4, "low"),
    (1, 5, "medium"), (3, 3, "medium"), (2, 4, "medium"),
    (2, 5, "high"), (3, 4, "high"), (4, 4, "high"),
    (4, 5, "very_high"), (5, 5, "very_high"),
])
def test_risk_level_is_likelihood_times_impact(likelihood, impact, level):
    assert risk_level(likelihood, impact) == RiskLevel(level)


def test_likelihood_and_impact_accept_their_names():
    assert parse_likelihood("almost certain") == 5
    assert parse_likelihood("Unlikely") == 2
    assert parse_risk_impact("severe") == 5
    assert parse_risk_impact("3") == 3


@pytest.mark.parametrize("value", [0, 6, "sometimes", "", True])
def test_a_likelihood_outside_the_scale_is_refused_with_the_scale(value):
    with pytest.raises(ValidationError, match="1 \\(rare\\)"):
        parse_likelihood(value)


@given(st.integers(1, 5), st.integers(1, 5), st.integers(1, 5))
def test_more_likely_or_more_harmful_never_means_less_risk(likelihood, impact, more):
    base = risk_level(likelihood, impact).rank
    assert risk_level(max(likelihood, more), impact).rank >= base
    assert risk_level(likelihood, max(impact, more)).rank >= base
    assert risk_level(likelihood, impact) == risk_level(impact, likelihood)


# ------------------------------------------------------------------ approval rules per category
def _refusal(change_type, status="assessing", backout="Restore the snapshot", risk=True,
             expedited=False, plan="Install the update in the maintenance window"):
    return approval_refusal(change_type=change_type, status=status, backout_plan=backout,
                            implementation_plan=plan, risk_assessed=risk, expedited=expedited)


def test_a_normal_change_with_risk_and_back_out_plan_can_be_approved_while_assessing():
    assert _refusal("normal") is None


def test_a_normal_change_needs_a_back_out_plan():
    assert "back-out plan" in _refusal("normal", backout="  ")


def test_a_normal_change_needs_an_implementation_plan():
    assert _refusal("normal", plan=" \n") == \
        "a normal change needs an implementation plan before it can be approved"


def test_a_normal_change_without_either_plan_is_told_both_in_one_line():
    assert _refusal("normal", plan="", backout="") == \
        "a normal change needs an implementation plan and a back-out plan before it can be approved"


def test_an_emergency_change_may_be_approved_before_its_implementation_plan_is_written():
    # expedited: how is worked out on the spot and reviewed after; the way back is not optional
    assert _refusal("emergency", status="new", plan="", risk=False, expedited=True) is None


TEXT = st.text(alphabet=" \t\nab", max_size=4)


@given(st.sampled_from(["standard", "normal", "emergency"]), TEXT, TEXT)
def test_the_plans_missing_are_the_blank_ones_the_category_needs(change_type, plan, backout):
    needed = {"normal": ["implementation_plan", "backout_plan"], "emergency": ["backout_plan"],
              "standard": []}[change_type]
    given_ = {"implementation_plan": plan, "backout_plan": backout}
    assert plans_missing(change_type=change_type, implementation_plan=plan, backout_plan=backout) \
        == [f for f in needed if not given_[f].strip()]


@given(st.sampled_from(["standard", "normal", "emergency"]), TEXT, TEXT)
def test_a_change_otherwise_ready_is_approved_exactly_when_its_plans_are_there(change_type, plan,
                                                                              backout):
    refusal = _refusal(change_type, status="assessing", plan=plan, backout=backout,
                       expedited=change_type == "emergency")
    missing = plans_missing(change_type=change_type, implementation_plan=plan, backout_plan=backout)
    assert (refusal is None) == (not missing)
    if missing:  # one line, naming each plan missing and no other
        assert "\n" not in refusal
        assert ("implementation plan" in refusal) == ("implementation_plan" in missing)
        assert ("back-out plan" in refusal) == ("backout_plan" in missing)


def test_a_normal_change_needs_a_risk_assessment():
    assert "assess the risk" in _refusal("normal", risk=False)


def test_a_normal_change_is_not_approved_before_assessment():
    assert "while assessing" in _refusal("normal", status="new")


def test_an_emergency_change_can_be_approved_straight_from_new_on_the_expedited_path():
    assert _refusal("emergency", status="new", risk=False, expedited=True) is None


def test_an_emergency_change_still_needs_a_back_out_plan():
    assert "an emergency change needs a back-out plan" in _refusal("emergency", backout="", expedited=True)


def test_only_emergency_changes_take_the_expedited_path():
    assert "only emergency" in _refusal("normal", expedited=True)


def test_a_standard_change_needs_no_plans_to_be_approved():
    # pre-approved: its procedure is the standard change's, on the policy's list
    assert _refusal("standard", status="new", backout="", plan="", risk=False) is None


@pytest.mark.parametrize("status", ["approved", "scheduled", "implementing", "closed"])
def test_a_change_past_the_decision_cannot_be_approved_again(status):
    assert _refusal("emergency", status=status, expedited=True) is not None


# ------------------------------------------------------------------ what an approval covers
FIELDS = sorted(APPROVED_SUBSTANCE | {"assignee", "planned_start", "test_results", "category"})


@given(st.sampled_from(["standard", "normal", "emergency"]),
       st.sampled_from(["new", "assessing", *APPROVAL_IN_FORCE, *APPROVAL_ACTED_ON, "closed"]),
       st.sets(st.sampled_from(FIELDS), min_size=1))
def test_what_an_approval_in_force_covers_is_not_rewritten_whatever_the_category(
        change_type, status, changed):
    """A standard change stayed editable after its pre-approval, with no trace of a new
    decision: what it does and how (title, description, plans, risk...) is fixed from the
    approval on, for every category. A standard change is pre-approved for its procedure, not
    for which services and CIs it is applied to: those (and the CI updates it plans) are
    filled in until it starts."""
    refusal = substance_refusal(ref="CHG-000001", change_type=change_type, status=status,
                                changed=changed)
    fixed = set(changed) & APPROVED_SUBSTANCE
    if change_type == "standard" and status in APPROVAL_IN_FORCE:
        fixed -= STANDARD_INSTANCE
    assert (refusal is None) == (not fixed or status not in APPROVAL_IN_FORCE + APPROVAL_ACTED_ON)
    if refusal is not None:
        assert "\n" not in refusal
        assert ("withdraw the approval first" in refusal) == (status in APPROVAL_IN_FORCE)


def test_a_standard_change_is_told_its_pre_approval_covers_what_it_says():
    assert substance_refusal(ref="CHG-000007", change_type="standard", status="approved",
                             changed=["implementation_plan", "title"]) == (
        "CHG-000007 is approved: its pre-approval as a standard change covers its implementation "
        "plan, title as raised; withdraw the approval first (back to assessing), edit, and have "
        "it approved again")


@pytest.mark.parametrize("outcome", ["failed", "backed_out"])
def test_an_unsuccessful_change_needs_an_investigation_note(outcome):
    assert "investigation note" in outcome_refusal(outcome, " ")
    assert outcome_refusal(outcome, "Vendor bug, case 123") is None


def test_a_successful_change_needs_no_investigation_note():
    assert outcome_refusal("successful", "") is None


# ------------------------------------------------------------------ policy
def test_the_default_policy_controls_everything_and_flags_high_risk_as_major():
    policy = ChangePolicy()
    assert policy.under_control(["mail"], ["server"])
    assert policy.major_impact_reasons(change_type="normal", level=RiskLevel.HIGH, services={})
    assert not policy.major_impact_reasons(change_type="normal", level=RiskLevel.MEDIUM,
                                           services={"mail": "high"})


def test_the_policy_is_read_from_the_changes_config_section():
    policy = policy_from_config({
        "categories": {"emergency": {"review_within_days": 1, "description": "Fast"}},
        "control": {"services": ["mail"], "ci_types": ["server"]},
        "major_impact": {"risk_level": "very_high", "min_services": 2,
                         "service_criticality": ["high"], "categories": ["emergency"]},
    })
    assert policy.review_days("emergency") == 1
    assert policy.categories["emergency"].description == "Fast"
    assert policy.under_control(["mail"], []) and not policy.under_control(["web"], ["printer"])
    reasons = policy.major_impact_reasons(change_type="emergency", level=RiskLevel.HIGH,
                                          services={"mail": "high", "web": "low"})
    assert len(reasons) == 3  # two services, a high-criticality one, an emergency change


@pytest.mark.parametrize("section, key", [
    ({"categories": {"urgent": {}}}, "changes.categories.urgent"),
    ({"major_impact": {"risk_level": "huge"}}, "changes.major_impact.risk_level"),
    ({"major_impact": {"min_services": -1}}, "changes.major_impact.min_services"),
    ({"control": {"services": "mail"}}, None),
    ({"cab": {}}, "changes.cab"),
])
def test_a_bad_change_policy_names_the_key(section, key):
    if key is None:  # a single string is accepted as a one-item list
        assert policy_from_config(section).controlled_services == ("mail",)
        return
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        policy_from_config(section, "desk.toml")


# ------------------------------------------------------------------ conflicts
def _window(ref, start_h, end_h, services=(), cis=()):
    return ChangeWindow(ref, T0 + timedelta(hours=start_h), T0 + timedelta(hours=end_h),
                        frozenset(services), frozenset(cis))


def test_two_changes_on_one_service_in_overlapping_windows_conflict():
    conflict = conflict_between(_window("CHG-1", 0, 2, ["mail"]), _window("CHG-2", 1, 3, ["mail"]))
    assert conflict is not None
    assert (conflict.first, conflict.second, conflict.services) == ("CHG-1", "CHG-2", ("mail",))
    assert (conflict.overlap_start, conflict.overlap_end) == (T0 + timedelta(hours=1), T0 + timedelta(hours=2))


def test_back_to_back_windows_do_not_conflict():
    assert conflict_between(_window("CHG-1", 0, 2, ["mail"]), _window("CHG-2", 2, 4, ["mail"])) is None


def test_overlapping_windows_on_different_services_and_cis_do_not_conflict():
    assert conflict_between(_window("CHG-1", 0, 2, ["mail"], ["srv-1"]),
                            _window("CHG-2", 1, 3, ["web"], ["srv-2"])) is None


def test_a_shared_ci_is_a_conflict_too():
    conflict = conflict_between(_window("CHG-1", 0, 2, cis=["srv-1"]), _window("CHG-2", 0, 1, cis=["srv-1"]))
    assert conflict is not None and conflict.cis == ("srv-1",)
    assert "CI srv-1" in conflict.describe()


_windows = st.lists(
    st.builds(
        lambda n, start, hours, services, cis: _window(f"CHG-{n:06d}", start, start + hours,
                                                       services, cis),
        st.integers(1, 99),
        st.integers(0, 48),
        st.integers(1, 12),
        st.sets(st.sampled_from(["mail", "web", "erp"]), max_size=2),
        st.sets(st.sampled_from(["srv-1", "srv-2"]), max_size=1),
    ),
    max_size=12,
    unique_by=lambda w: w.ref,
)


@given(_windows)
def test_find_conflicts_reports_exactly_the_overlapping_pairs_sharing_a_target(windows):
    expected = {
        frozenset((a.ref, b.ref))
        for i, a in enumerate(windows) for b in windows[i + 1:]
        if a.start < b.end and b.start < a.end and ((a.services & b.services) or (a.cis & b.cis))
    }
    found = find_conflicts(windows)
    assert {frozenset((c.first, c.second)) for c in found} == expected
    assert len(found) == len(expected)
    for conflict in found:
        assert conflict.overlap_start < conflict.overlap_end


def test_the_readme_example_of_the_policy_and_trend_settings_is_valid():
    import tomllib
    from pathlib import Path

    from sms_tui.domain.trends import rule_from_config

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    block = next(b for b in readme.split("```toml")[1:] if "[changes." in b).split("```")[0]
    raw = tomllib.loads(block)
    policy = policy_from_config(raw["changes"], "README")
    assert policy.review_days("emergency") == 3 and policy.major_min_services == 3
    assert rule_from_config(raw["problems"]["trends"], "README").min_incidents == 3
