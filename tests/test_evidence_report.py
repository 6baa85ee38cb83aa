"""The evidence report: facts per clause and the GAPS with the references involved.

Data: ``tests/report_dataset.py`` (March 2026, generated on 15 April 2026).
"""

from __future__ import annotations

import pytest

from sms_tui.reports import render_evidence_report
from sms_tui.services.reporting.model import Period
from sms_tui.services.reporting.service import ReportService
from sms_tui.storage.models import ConfigurationItem
from tests import report_dataset as data
from tests.report_dataset import MARCH, REPORT_NOW, t


@pytest.fixture
def evidence(store, clock):
    clock.set(REPORT_NOW)
    data.build(store)
    return ReportService(store).evidence_report(MARCH)


def gaps(evidence, clause):
    return {g.key: g.refs for g in evidence.clause(clause).gaps}


def test_every_clause_the_product_serves_is_reported_in_order(evidence):
    assert [c.clause for c in evidence.clauses] == [
        "8.2.6", "8.3.2", "8.3.3", "8.3.4", "8.4", "8.5.1", "8.5.2", "8.6.1", "8.6.2", "8.6.3",
        "8.7", "8.2.6–9.3", "9.1", "9.2", "9.3", "9.4", "10.1", "10.2"]


def test_incident_summary_reads_like_an_auditor_note(evidence):
    # C, D, E, F, M: D has no category, E no service; C and D have work-log notes
    assert evidence.clause("8.6.1").summary == (
        "5 incidents, 3 of 5 classified (60 %), all prioritized, 40 % with actions logged, "
        "1 major incident, 0 reviewed")


def test_incident_gaps_list_the_references(evidence):
    assert gaps(evidence, "8.6.1") == {
        "incidents.unclassified": ("INC-000004", "INC-000005"),
        # E's resolution was a bare status change; M has nothing but its creation
        "incidents.no_actions": ("INC-000005", "INC-000008"),
        "incidents.major_unowned": ("INC-000008",),
        "incidents.major_unreviewed": ("INC-000008",),
        "incidents.major_uninformed": ("INC-000008",),
    }


def test_a_major_incident_with_a_completed_review_is_no_gap(store, clock):
    clock.set(REPORT_NOW)
    data.build(store)
    with store.write() as session:
        from sms_tui.storage.reviews import ReviewTask

        task = session.get(ReviewTask, 7)
        task.status, task.completed_at = "done", t(3, 25)
    evidence = ReportService(store).evidence_report(MARCH)
    assert "incidents.major_unreviewed" not in gaps(evidence, "8.6.1")
    assert evidence.clause("8.6.1").summary.endswith("1 major incident, 1 reviewed")


def test_change_gaps(evidence):
    assert gaps(evidence, "8.5.1") == {
        "changes.no_backout": ("CHG-000003",),  # emergency, implemented without a back-out plan
        # normal, approved with only the way back (written straight to the tables: the desk's
        # approval now asks for both plans); CHG-000001 is February's
        "changes.no_implementation_plan": ("CHG-000002",),
        "changes.no_approval": ("CHG-000003",),  # CHG-000002 has the CAB's decision
        "changes.failed_uninvestigated": ("CHG-000003", "CHG-000004"),
        "changes.unreviewed": ("CHG-000003", "CHG-000004"),  # CHG-000002's review is done
        # written straight to the tables, before issue 18's rules: none was verified before
        # it started, and the failed one closed without remedial actions
        "changes.unverified": ("CHG-000002", "CHG-000003", "CHG-000004"),
        "changes.unremedied": ("CHG-000004",),
        # the month's only RFC trend analysis was skipped ("no changes team"): a recorded
        # decision, but the analysis did not happen
        "changes.rfc_review_skipped": ("REV-000005",),
    }
    assert evidence.clause("8.5.1").summary == (
        "4 changes recorded and classified (1 emergency), 3 implemented, 33 % successful, "
        "1 reviewed for effectiveness")


def test_request_and_problem_gaps(evidence):
    assert gaps(evidence, "8.6.2") == {
        "requests.unclassified": ("REQ-000003",),
        "requests.no_actions": ("REQ-000002", "REQ-000003"),
        "requests.fulfilled_unapproved": ("REQ-000003",),
    }
    assert gaps(evidence, "8.6.3") == {
        "problems.resolved_no_cause": ("PRB-000003",),
        "known_errors.no_workaround": ("KE-000001",),
        "problems.review_overdue": ("REV-000004",),
        "known_errors.stale": ("KE-000001",),  # its problem resolved, the known error still open
    }


def test_overdue_and_paused_reviews_are_gaps(evidence):
    assert gaps(evidence, "8.2.6–9.3") == {
        "reviews.overdue": ("REV-000004",),
        "reviews.no_outcome": ("REV-000003",),
        "reviews.paused": ("continuity_test",),
        "reviews.skipped": ("REV-000005",),  # rfc_trends: its only review of the month skipped
    }
    assert evidence.clause("8.2.6–9.3").summary == (
        "5 reviews due: 2 done on time, 1 late, 1 skipped, 1 overdue")


def test_configuration_nonconformity_and_improvement_gaps(evidence):
    # sw-core is tied to nothing; srv-mail has a service; the retired old-box does not count
    # and no configuration verification was ever done: the CIs exist, proof they are right not
    assert gaps(evidence, "8.2.6") == {"ci.orphaned": ("sw-core",), "ci.never_verified": ()}
    assert gaps(evidence, "10.1") == {
        "nc.no_actions": ("NC-000001",),
        "nc.closed_unverified": ("NC-000002",),
    }
    assert gaps(evidence, "10.2") == {
        "ofi.no_owner": ("OFI-000002",),
        "ofi.past_due": ("OFI-000003",),
        # approved with no decision recorded: an auditor cannot see why
        "ofi.decided_without_reason": ("OFI-000003",),
        # approved with no evaluation criteria, closed with nothing measured (10.2)
        "ofi.approved_without_criteria": ("OFI-000003",),
        "ofi.closed_unmeasured": ("OFI-000001",),
    }


def test_service_level_evidence_lists_the_breaches(evidence):
    clause = evidence.clause("8.3.3")
    assert clause.summary == ("5 incidents resolved, 80 % within the resolution target, "
                              "50 % of first responses within target")
    assert gaps(evidence, "8.3.3") == {
        "sla.resolve_missed": ("INC-000002",),
        "sla.respond_missed": ("INC-000008",),
    }


def test_a_ci_related_to_another_ci_is_not_orphaned(store, clock):
    from sms_tui.storage.models import CIRelationship

    clock.set(REPORT_NOW)
    data.build(store)
    with store.write() as session:
        session.add(CIRelationship(source_id=1, target_id=2, relation="depends_on"))
    evidence = ReportService(store).evidence_report(MARCH)
    assert "ci.orphaned" not in gaps(evidence, "8.2.6")


def test_satisfaction_evidence(evidence):
    facts = {f.label: f.value for f in evidence.clause("8.3.2").facts}
    assert facts["Satisfaction scores given"] == "2 (100 % of closed requests)"
    assert facts["Mean satisfaction"] == "4.5/5"
    assert gaps(evidence, "8.3.2") == {}


def test_gap_references_are_cut_but_the_count_is_complete(store, clock):
    clock.set(REPORT_NOW)
    data.build(store)
    evidence = ReportService(store).evidence_report(MARCH, max_refs=1)
    gap = next(g for g in evidence.clause("8.6.1").gaps if g.key == "incidents.unclassified")
    assert (gap.count, gap.refs, gap.refs_cut) == (2, ("INC-000004",), 1)
    assert "and 1 more" in render_evidence_report(evidence, "md")


def test_an_empty_period_has_no_gaps(store, clock):
    clock.set(REPORT_NOW)
    data.build(store)
    evidence = ReportService(store).evidence_report(Period(t(6, 1), t(7, 1)))
    record_clauses = ("8.5.1", "8.6.1", "8.6.2", "8.6.3")
    assert all(not evidence.clause(c).gaps for c in record_clauses)
    assert evidence.clause("8.6.1").summary.startswith("0 incidents, none classified")


def test_user_text_in_gaps_cannot_inject_markup(store, clock):
    clock.set(REPORT_NOW)
    data.build(store)
    with store.write() as session:
        session.add(ConfigurationItem(id=9, name="<script>alert(1)</script>[x](javascript:y)",
                                      created_at=t(1, 1), updated_at=t(1, 1)))
    evidence = ReportService(store).evidence_report(MARCH)
    html = render_evidence_report(evidence, "html")
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    md = render_evidence_report(evidence, "md")
    assert "<script>" not in md and "\\[x\\](javascript:y)" in md


# ------------------------------------------------ issue 16: every figure links to its records
def _anchors(html: str) -> tuple[list[str], set[str]]:
    import re

    return re.findall(r'href="#([^"]+)"', html), set(re.findall(r'id="([^"]+)"', html))


def test_html_links_every_figure_to_the_records_it_is_drawn_from(evidence):
    import re

    html = render_evidence_report(evidence, "html")
    links, ids = _anchors(html)
    assert set(links) <= ids, "every link lands on something in the page"
    incident = evidence.clause("8.6.1")
    section = html[html.index('id="clause-8.6.1"'):html.index("</section>",
                                                               html.index('id="clause-8.6.1"'))]
    figures = re.findall(r"<tr><td>[^<]*</td><td>(.*?)</td></tr>", section)
    assert len(figures) == len(incident.facts) > 0
    assert all(f.startswith('<a href="#records-8.6.1"') for f in figures)
    records = html[html.index('id="records-8.6.1"'):]
    records = records[:records.index("</p>")]
    # C, D, E, F, M: the incidents of March the figures count, each a reference to look up
    assert re.findall(r"INC-\d+", records) == [
        "INC-000003", "INC-000004", "INC-000005", "INC-000006", "INC-000008"]
    assert "5 record(s)" in records and "sms-tui show REF" in html


def test_a_clause_with_no_records_in_the_period_has_figures_without_links(store, clock):
    clock.set(REPORT_NOW)
    data.build(store)
    evidence = ReportService(store).evidence_report(Period(t(6, 1), t(7, 1)))
    html = render_evidence_report(evidence, "html")
    assert evidence.clause("8.6.1").records_total == 0
    assert 'href="#records-8.6.1"' not in html and 'id="records-8.6.1"' not in html


def test_the_records_behind_a_clause_are_cut_but_counted_in_full(evidence, store):
    from dataclasses import replace

    from sms_tui.services.reporting.samples import population
    from sms_tui.services.reporting.sql import Probe, ts

    with store.read() as session:
        refs, total = population(session, Probe(session), "8.6.1",
                                 {"s": ts(MARCH.start), "e": ts(MARCH.end)}, limit=2)
    assert refs == ("INC-000003", "INC-000004") and total == 5
    clause = replace(evidence.clause("8.6.1"), records=refs, records_total=total)
    html = render_evidence_report(replace(evidence, clauses=(clause,)), "html")
    assert "and 3 more (the first 2 by number are listed)" in html


def test_template_syntax_and_controls_in_user_text_are_printed_as_text(store, clock):
    clock.set(REPORT_NOW)
    data.build(store)
    with store.write() as session:
        session.add(ConfigurationItem(id=9, name="{{ 7*7 }}{% if x %}\x1b[2J\u202e",
                                      created_at=t(1, 1), updated_at=t(1, 1)))
    html = render_evidence_report(ReportService(store).evidence_report(MARCH), "html")
    assert "{{ 7*7 }}{% if x %}" in html and ">49<" not in html
    assert "\x1b" not in html and "\u202e" not in html
