"""The evidence report and the service report of one period agree, or say why they differ.

A trial read "Problems resolved 2" in the service report and "Resolved: 4" in the evidence
report, "Requests fulfilled 9" and "Fulfilled: 8", with nothing saying why. The service report
counts what was resolved in the period (whenever recorded); the evidence report's clauses
count the records raised in the period, in their state at the time of the report.

Data: ``tests/report_dataset.py`` -- PRB-000001 was recorded in February and resolved in March;
PRB-000003 was recorded and resolved in March; PRB-000002 (March) is still open.
"""

from __future__ import annotations

import pytest

from sms_tui.reports import render_evidence_report
from sms_tui.services.reporting.service import ReportService
from tests import report_dataset as data
from tests.report_dataset import MARCH, REPORT_NOW


@pytest.fixture
def reports(store, clock):
    clock.set(REPORT_NOW)
    data.build(store)
    service = ReportService(store)
    return service.service_report(MARCH), service.evidence_report(MARCH)


def _facts(evidence, clause):
    return {f.label: f.value for f in evidence.clause(clause).facts}


def test_problems_resolved_in_the_period_and_of_those_recorded_in_it_are_told_apart(reports):
    service, evidence = reports
    facts = _facts(evidence, "8.6.3")
    assert service.figure("problems.resolved").current == 2  # PRB-000001 and PRB-000003
    assert facts["Problems resolved in the period, whenever recorded"] == "2"
    assert facts["Problems recorded"] == "2"  # PRB-000002, PRB-000003
    assert facts["Of these, resolved by the time of the report"] == "1"  # PRB-000003
    assert "Resolved" not in facts  # the bare word read as the service report's figure
    assert evidence.clause("8.6.3").summary.startswith(
        "2 problems, 0 with a root cause, 1 resolved by the time of the report; ")


def test_requests_fulfilled_in_the_period_match_the_service_report(reports):
    service, evidence = reports
    fulfilled = service.figure("requests.fulfilled").current
    facts = _facts(evidence, "8.6.2")
    assert facts["Requests fulfilled in the period, whenever raised"] == str(fulfilled)
    assert "Of these, fulfilled by the time of the report" in facts
    assert "Fulfilled" not in facts
    clocked = _facts(evidence, "8.3.3")["Requests fulfilled in the period with an SLA clock"]
    assert clocked.split(" (")[0].endswith(f" of {fulfilled}")


def test_the_markdown_says_which_count_is_which(reports):
    _, evidence = reports
    md = render_evidence_report(evidence, "md")
    assert "- Of these, resolved by the time of the report: 1" in md
    assert "- Problems resolved in the period, whenever recorded: 2" in md
