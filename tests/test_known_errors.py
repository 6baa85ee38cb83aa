"""The known error database (8.6.3): ranked search and applying workarounds to incidents."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sms_tui.domain.errors import ValidationError
from sms_tui.domain.known_error_search import KnownErrorText, rank


@pytest.fixture
def problems(store):
    from sms_tui.services.problems.service import ProblemService

    return ProblemService(store)


def _known_error(records, title, *, symptoms="", workaround="Restart the client", root_cause="",
                 **fields):
    return records.create("known_error", title=title, symptoms=symptoms, workaround=workaround,
                          root_cause=root_cause, **fields).ref


# ------------------------------------------------------------------ ranking (pure)
def test_a_title_match_ranks_above_a_workaround_match():
    items = [KnownErrorText("KE-1", "Printer offline", workaround="restart the vpn client"),
             KnownErrorText("KE-2", "VPN drops after sleep", workaround="reconnect")]
    assert [item.ref for item, _ in rank("vpn", items)] == ["KE-2", "KE-1"]


def test_matching_every_word_beats_matching_one_word_often():
    items = [KnownErrorText("KE-1", "VPN VPN vpn outage", symptoms="vpn"),
             KnownErrorText("KE-2", "VPN drops after sleep", symptoms="laptop sleep")]
    assert rank("vpn sleep", items)[0][0].ref == "KE-2"


def test_words_match_as_prefixes_and_ignore_case():
    items = [KnownErrorText("KE-1", "PRINTERS on floor 2 jam")]
    assert rank("print", items)


def test_open_known_errors_rank_above_closed_ones_of_equal_score():
    items = [KnownErrorText("KE-1", "VPN drops", is_open=False), KnownErrorText("KE-2", "VPN drops")]
    assert [item.ref for item, _ in rank("vpn", items)] == ["KE-2", "KE-1"]


@given(st.text(max_size=40), st.lists(st.text(max_size=30), max_size=5))
def test_ranking_never_fails_and_only_returns_matches(query, titles):
    items = [KnownErrorText(f"KE-{i}", t) for i, t in enumerate(titles)]
    for _, score in rank(query, items):
        assert score > 0


# ------------------------------------------------------------------ search (service)
def test_search_finds_known_errors_by_title_symptoms_and_workaround(records, problems):
    by_title = _known_error(records, "Outlook hangs on start")
    by_symptom = _known_error(records, "Profile corruption", symptoms="outlook freezes at splash")
    by_workaround = _known_error(records, "Mail sync slow", workaround="Open Outlook in safe mode")
    _known_error(records, "Printer jam")
    hits = problems.search_known_errors("outlook")
    assert [h.ref for h in hits] == [by_title, by_symptom, by_workaround]
    assert hits[0].score > hits[1].score > hits[2].score


def test_search_leaves_closed_known_errors_out_unless_asked(records, problems):
    ref = _known_error(records, "VPN drops")
    records.transition(ref, "retired", note="fixed for good")
    assert problems.search_known_errors("vpn") == []
    assert [h.ref for h in problems.search_known_errors("vpn", include_closed=True)] == [ref]


def test_a_search_of_only_stop_words_finds_nothing(records, problems):
    _known_error(records, "The thing is not working")
    assert problems.search_known_errors("the is not") == []


def test_an_incident_is_matched_to_known_errors_on_its_words_and_ci(records, problems, store):
    from sms_tui.services.configuration.catalogue import CatalogueService

    CatalogueService(store).add_ci("vpn-gw-01")
    same_ci = _known_error(records, "Tunnel drops", ci="vpn-gw-01", symptoms="vpn disconnects")
    other = _known_error(records, "VPN client crashes", symptoms="vpn disconnects")
    incident = records.create("incident", title="VPN disconnects every hour", ci="vpn-gw-01").ref
    hits = problems.suggest_for_incident(incident)
    assert [h.ref for h in hits] == [same_ci, other]


# ------------------------------------------------------------------ applying workarounds
def test_applying_a_workaround_is_journaled_on_the_incident_and_the_known_error(records, problems):
    ke = _known_error(records, "VPN drops", workaround="Disable power saving on the NIC")
    incident = records.create("incident", title="VPN drops again").ref
    problems.apply_workaround(ke, incident, note="user confirmed")
    on_incident = records.get(incident).journal[0]
    assert on_incident.action == "workaround"
    assert on_incident.changes["known_error"] == (None, ke)
    assert "Disable power saving on the NIC" in on_incident.note
    assert "user confirmed" in on_incident.note
    on_ke = records.get(ke)
    assert on_ke.journal[0].action == "workaround_applied"
    assert on_ke.journal[0].changes["incident"] == (None, incident)
    assert on_ke.extra["applied_count"] == 1


def test_applying_a_workaround_links_the_incident_to_the_known_errors_problem(records, problems):
    problem = records.create("problem", title="VPN drops").ref
    problems.record_rca(problem, workaround="Reconnect")
    ke = problems.raise_known_error(problem).ref
    incident = records.create("incident", title="VPN drops again").ref
    view = problems.apply_workaround(ke, incident)
    assert ("problem", problem) in [(link.relation, link.ref) for link in view.links]
    assert records.get(problem).journal[0].changes == {"linked_incident": (None, incident)}


def test_the_same_workaround_is_applied_to_an_incident_once(records, problems):
    ke = _known_error(records, "VPN drops", workaround="Reconnect")
    other = _known_error(records, "VPN drops at night", workaround="Restart the client")
    incident = records.create("incident", title="VPN drops again").ref
    problems.apply_workaround(ke, incident)
    with pytest.raises(ValidationError, match=f"{ke}'s workaround was applied to {incident} already"):
        problems.apply_workaround(ke, incident)
    assert records.get(ke).extra["applied_count"] == 1
    assert [e.action for e in records.get(incident).journal].count("workaround") == 1
    # no longer suggested for it ("May match a known error" listed the one applied)
    assert [hit.ref for hit in problems.suggest_for_incident(incident)] == [other]
    problems.apply_workaround(other, incident)  # another known error's still can be
    assert [e.action for e in records.get(incident).journal].count("workaround") == 2


def test_a_workaround_is_applied_only_to_an_open_incident(records, problems):
    ke = _known_error(records, "VPN drops")
    incident = records.create("incident", title="VPN").ref
    records.transition(incident, "cancelled")
    with pytest.raises(ValidationError, match="open incident"):
        problems.apply_workaround(ke, incident)


def test_a_known_error_without_a_workaround_cannot_be_applied(records, problems):
    ke = _known_error(records, "VPN drops", workaround="")
    incident = records.create("incident", title="VPN").ref
    with pytest.raises(ValidationError, match="no workaround"):
        problems.apply_workaround(ke, incident)
    assert records.get(incident).journal[0].action == "create"
