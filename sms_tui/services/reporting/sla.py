"""SLA compliance per service (8.3.3) for the service report and the evidence report.

An incident resolved in the period met its resolution target when the
business time its clock counted (``incident.sla_counted_s``, frozen at
resolution by the incident feature) is within the target for its priority and
service (``[sla]`` in the config, see :mod:`sms_tui.domain.sla`). Likewise the
response target against ``sla_response_s`` for incidents that had a first
response. Targets are turned into one SQL ``CASE`` with bound parameters
(service names are user text), so compliance is a GROUP BY in SQLite.
"""

from __future__ import annotations

from typing import Any

from ...domain.sla import SlaPolicy
from ...domain.sla_config import policy_from_config
from .figures import Ctx, fig, rate
from .model import Breakdown, BreakdownRow, ClauseEvidence, Fact, Section
from .sql import rows

NO_CLOCKS = "no data: SLA clocks are not recorded in this database"
CLOCK_COLUMNS = ("sla_counted_s", "sla_response_s")


def policy_of(config) -> SlaPolicy:
    """The configured SLA policy (defaults when there is no config or no [sla] section)."""
    if config is None:
        return SlaPolicy()
    raw = getattr(config, "raw", {}) or {}
    return policy_from_config(raw.get("sla"), str(getattr(config, "path", None) or "config"))


def target_case(policy: SlaPolicy, which: str, params: dict[str, Any]) -> str:
    """SQL CASE giving each incident's target in seconds (``s`` = its service row)."""
    whens = []
    for n, (service, targets) in enumerate(sorted(policy.services.items())):
        params[f"svc{n}"] = service
        for priority, target in sorted(targets.items()):
            seconds = getattr(target, which).total_seconds()
            whens.append(f"WHEN s.name = :svc{n} AND i.priority = {int(priority)} THEN {seconds}")
    for priority, target in sorted(policy.default.items()):
        whens.append(f"WHEN i.priority = {int(priority)} THEN "
                     f"{getattr(target, which).total_seconds()}")
    return f"CASE {' '.join(whens)} END"


def _per_service(session, policy: SlaPolicy, start: str, split: str, end: str) -> list[tuple]:
    """(service, in current period?, resolved, resolve met, responded, respond met)."""
    params: dict[str, Any] = {"s": start, "c": split, "e": end}
    resolve = target_case(policy, "resolve", params)
    respond = target_case(policy, "respond", params)
    sql = f"""
        SELECT COALESCE(s.name, ''), i.resolved_at >= :c, COUNT(*),
               COALESCE(SUM(CASE WHEN i.sla_counted_s <= {resolve} THEN 1 ELSE 0 END), 0),
               COUNT(i.sla_response_s),
               COALESCE(SUM(CASE WHEN i.sla_response_s <= {respond} THEN 1 ELSE 0 END), 0)
        FROM incident i LEFT JOIN service s ON s.id = i.service_id
        WHERE i.resolved_at >= :s AND i.resolved_at < :e
        GROUP BY 1, 2 ORDER BY 1
    """
    return rows(session, sql, **params)


REQUEST_CLOCK_COLUMNS = ("sla_counted_s", "sla_resolve_target_s", "sla_response_s",
                         "sla_respond_target_s")
# Requests carry their own targets (copied from their type when raised); those recorded
# before requests had clocks have none and are left out.
_REQUEST_COUNTS = ("SELECT COUNT(*), COALESCE(SUM(CASE WHEN r.sla_counted_s <= r.sla_resolve_target_s "
                   "THEN 1 ELSE 0 END), 0), COUNT(r.sla_response_s), COALESCE(SUM(CASE WHEN "
                   "r.sla_response_s <= r.sla_respond_target_s THEN 1 ELSE 0 END), 0) ")
_REQUEST_BASE = ("FROM service_request r WHERE r.resolved_at >= :s AND r.resolved_at < :e "
                 "AND r.sla_resolve_target_s IS NOT NULL")


def request_counts(session, start: str, end: str) -> tuple[int, int, int, int]:
    """Requests fulfilled in [start, end) with a clock: (fulfilled, resolve met, responded,
    respond met)."""
    [found] = rows(session, _REQUEST_COUNTS + _REQUEST_BASE, s=start, e=end)
    return tuple(int(v) for v in found)  # type: ignore[return-value]


def _request_figures(ctx: Ctx) -> tuple:
    if not ctx.probe.has("service_request", *REQUEST_CLOCK_COLUMNS):
        return ()
    p = ctx.params
    cur, prev = request_counts(ctx.session, p["cs"], p["ce"]), request_counts(ctx.session, p["ps"], p["cs"])
    return (
        fig("sla.request_resolve_compliance", "Requests fulfilled within their type's target",
            rate(cur[1], cur[0]), rate(prev[1], prev[0]), "%", "up",
            "" if cur[0] else "none fulfilled in the period"),
        fig("sla.request_resolve_missed", "Request fulfilment target missed", cur[0] - cur[1],
            prev[0] - prev[1], better="down"),
        fig("sla.request_respond_compliance", "Request first response within target",
            rate(cur[3], cur[2]), rate(prev[3], prev[2]), "%", "up",
            "" if cur[2] else "no first response recorded"),
    )


def sla(ctx: Ctx, config=None) -> Section:
    """Resolution and response compliance, overall and per service, with trends."""
    if not ctx.probe.has("incident", *CLOCK_COLUMNS):
        return Section("sla", "Service level compliance", "8.3.3", available=False,
                       note=NO_CLOCKS)
    policy = policy_of(config)
    p = ctx.params
    data = _per_service(ctx.session, policy, p["ps"], p["cs"], p["ce"])
    totals = {per: [0, 0, 0, 0] for per in (0, 1)}
    services: dict[str, dict[int, list[int]]] = {}
    for name, per, n, met, responded, r_met in data:
        for i, v in enumerate((n, met, responded, r_met)):
            totals[per][i] += int(v)
        services.setdefault(name, {0: [0, 0, 0, 0], 1: [0, 0, 0, 0]})[per] = [
            int(n), int(met), int(responded), int(r_met)]
    cur, prev = totals[1], totals[0]
    figures = (
        fig("sla.resolve_compliance", "Resolved within the resolution target", rate(cur[1], cur[0]),
            rate(prev[1], prev[0]), "%", "up", "" if cur[0] else "none resolved in the period"),
        fig("sla.resolve_missed", "Resolution target missed", cur[0] - cur[1], prev[0] - prev[1],
            better="down"),
        fig("sla.respond_compliance", "First response within the response target",
            rate(cur[3], cur[2]), rate(prev[3], prev[2]), "%", "up",
            "" if cur[2] else "no first response recorded"),
        *_request_figures(ctx),
    )
    service_rows = tuple(
        BreakdownRow(name or "(no service)", (
            fig(f"sla.compliance.{name}", f"Compliance {name}", rate(v[1][1], v[1][0]),
                rate(v[0][1], v[0][0]), "%", "up"),
            fig(f"sla.resolved.{name}", f"Resolved {name}", v[1][0], v[0][0]),
            fig(f"sla.missed.{name}", f"Missed {name}", v[1][0] - v[1][1], v[0][0] - v[0][1],
                better="down"),
        ))
        for name, v in services.items()
    )
    breakdowns = (Breakdown("sla.by_service", "Resolution compliance per service",
                            ("compliance", "resolved", "missed"), service_rows, chart=True),
                  ) if service_rows else ()
    return Section("sla", "Service level compliance", "8.3.3", figures, breakdowns)


def sla_evidence(ev) -> ClauseEvidence:
    """8.3.3 evidence: targets, compliance in the period, breaches, SLA reviews."""
    from .evidence import _keep, pct, plural
    from .evidence_sms import _review_facts

    title = "Service level management"
    review_facts = _review_facts(ev, ("sla_performance",), "SLA performance reviews")
    overdue = ev.overdue_reviews("sla.review_overdue", ("sla_performance",),
                                 "SLA performance reviews")
    skipped = ev.skipped_reviews("sla.review_skipped", ("sla_performance",),
                                 "SLA performance reviews")
    review_facts += ev.skip_facts(("sla_performance",))
    done = ev.reviews_done(("sla_performance",)) or 0
    if not ev.probe.has("incident", *CLOCK_COLUMNS):
        return ClauseEvidence("8.3.3", title, "SLA clocks are not recorded by this database",
                              tuple(review_facts), _keep(overdue, skipped), note=NO_CLOCKS, evidence=done)
    policy = policy_of(ev.config)
    params = dict(ev.params)
    resolve = target_case(policy, "resolve", params)
    respond = target_case(policy, "respond", params)
    base = ("FROM incident i LEFT JOIN service s ON s.id = i.service_id "
            "WHERE i.resolved_at >= :s AND i.resolved_at < :e")
    [(resolved, met, responded, r_met)] = rows(
        ev.session, f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN i.sla_counted_s <= {resolve} THEN 1 ELSE 0 END), 0), "
        f"COUNT(i.sla_response_s), COALESCE(SUM(CASE WHEN i.sla_response_s <= {respond} THEN 1 ELSE 0 END), 0) {base}",
        **params)
    overrides = len(policy.services)
    facts = [
        # the targets are the config's today (it keeps no history); requests carry their own
        Fact(ev.today("Incident targets"), "per priority" + (
            f", with overrides for {overrides} service(s)" if overrides
            else " (the same for every service)")),
        Fact("Incidents resolved in the period", str(resolved)),
        Fact("Within the resolution target", f"{met} ({pct(met, resolved)})"),
        Fact("First response within target", f"{r_met} of {responded} ({pct(r_met, responded)})"),
        *_request_facts(ev),
        *review_facts,
    ]
    from .model import Gap
    from .sql import refs

    gaps = []
    for key, description, where in (
        ("sla.resolve_missed", "incidents resolved outside their resolution target "
         "(investigate in the SLA review)", f"i.sla_counted_s > {resolve}"),
        ("sla.respond_missed", "incidents whose first response came after the target",
         f"i.sla_response_s > {respond}"),
    ):
        count, listed = refs(ev.session, f"SELECT i.ref {base} AND {where} ORDER BY i.ref",
                             ev.max_refs, **params)
        gaps.append(Gap(key, description, count, listed))
    if ev.probe.has("service_request", *REQUEST_CLOCK_COLUMNS):
        count, listed = refs(ev.session, f"SELECT r.ref {_REQUEST_BASE} AND r.sla_counted_s > "
                             "r.sla_resolve_target_s ORDER BY r.ref", ev.max_refs, **ev.params)
        gaps.append(Gap("sla.request_resolve_missed", "requests fulfilled outside their request "
                        "type's target (investigate in the SLA review)", count, listed))
    summary = (f"{plural(resolved, 'incident')} resolved, {pct(met, resolved)} within the resolution "
               f"target, {pct(r_met, responded)} of first responses within target")
    return ClauseEvidence("8.3.3", title, summary, tuple(facts), _keep(*gaps, overdue, skipped),
                          evidence=resolved + done)


def _request_facts(ev) -> list[Fact]:
    """Requests' SLA (8.6.2 with 8.3.3): their type's targets, met or missed in the period."""
    from .evidence import pct

    if not ev.probe.has("service_request", *REQUEST_CLOCK_COLUMNS):
        return []
    fulfilled, met, responded, r_met = request_counts(ev.session, ev.params["s"], ev.params["e"])
    # the service report's "Requests fulfilled" counts them all: say how many had no clock
    every = ev.count("service_request", column="resolved_at")
    return [Fact("Requests fulfilled in the period with an SLA clock",
                 f"{fulfilled} of {every}" + (f" ({every - fulfilled} without a target, "
                                              "e.g. no request type)" if every > fulfilled else "")),
            Fact("Requests within their type's fulfilment target", f"{met} ({pct(met, fulfilled)})"),
            Fact("Request first response within target", f"{r_met} of {responded} "
                                                         f"({pct(r_met, responded)})")]
