"""SLA compliance per service (8.3.3) for the service report.

Compliance = incidents resolved in the period within their resolution target,
over incidents resolved in the period that had a target, per service. It needs
the SLA clock columns the incident feature stores on each incident; without
them the section says "no data".
"""

from __future__ import annotations

from .report_figures import Ctx
from .report_model import Section


def sla(ctx: Ctx, config=None) -> Section:
    return Section("sla", "Service level compliance", "8.3.3", available=False,
                   note="no data: SLA clocks are not recorded in this database yet")


def sla_evidence(ev):
    """8.3.3 evidence: targets, compliance, breaches, SLA reviews."""
    from .report_evidence import _keep
    from .report_evidence_sms import _review_facts
    from .report_model import ClauseEvidence

    facts = tuple(_review_facts(ev, ("sla_performance",), "SLA performance reviews"))
    gaps = _keep(ev.overdue_reviews("sla.review_overdue", ("sla_performance",),
                                    "SLA performance reviews"))
    return ClauseEvidence("8.3.3", "Service level management",
                          "SLA clocks are not recorded by this database", facts, gaps,
                          note="no data: SLA clocks are not recorded in this database yet")
