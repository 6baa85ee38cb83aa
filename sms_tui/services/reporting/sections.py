"""Report sections beyond incidents: requests, problems, changes, reviews, improvement.

Same rules as :mod:`.report_figures`: SQL aggregates over two periods, and a
section whose tables or columns this database does not have reports "no data".
"""

from __future__ import annotations

from .figures import NO_DATA, Ctx, fig, open_at, pair, rate
from .model import Breakdown, BreakdownRow, Section
from .sql import one, rows, scalar, ts


def _missing(key: str, title: str, clause: str, what: str) -> Section:
    return Section(key, title, clause, available=False, note=f"no data: {what}")


# --------------------------------------------------------------------- requests
def requests(ctx: Ctx) -> Section:
    opened = pair(ctx, "service_request", "created_at")
    fulfilled = pair(ctx, "service_request", "resolved_at")
    backlog = (open_at(ctx, "service_request", ctx.as_of),
               open_at(ctx, "service_request", ctx.prev_as_of))
    figures = [
        fig("requests.opened", "Requests raised", *opened),
        fig("requests.fulfilled", "Requests fulfilled", *fulfilled),
        fig("requests.backlog", "Open requests at the end", *backlog, better="down"),
    ]
    if ctx.probe.has("service_request", "due_at"):
        # within target by the request's SLA clock, which pauses while it awaits approval or is
        # on hold (the SLA section's figure); by its first due time only where it has no clock
        clocked = ctx.probe.has("service_request", "sla_resolve_target_s", "sla_counted_s")
        met = ("(sla_resolve_target_s IS NOT NULL AND sla_counted_s <= sla_resolve_target_s) OR "
               "(sla_resolve_target_s IS NULL AND due_at IS NOT NULL AND resolved_at <= due_at)"
               if clocked else "due_at IS NOT NULL AND resolved_at <= due_at")
        target = ("sla_resolve_target_s IS NOT NULL OR due_at IS NOT NULL" if clocked
                  else "due_at IS NOT NULL")
        on_time = pair(ctx, "service_request", "resolved_at", f"({met})")
        with_due = pair(ctx, "service_request", "resolved_at", f"({target})")
        figures.append(fig("requests.on_time", "Fulfilled within target",
                           rate(on_time[0], with_due[0]), rate(on_time[1], with_due[1]), "%", "up",
                           "" if with_due[0] else "no fulfilled request had a target"))
    breakdowns: list[Breakdown] = []
    score = ctx.probe.first_column("service_request", "satisfaction_score", "satisfaction")
    if score:
        avg_c, avg_p, n_c, n_p = one(
            ctx.session,
            f"SELECT AVG(CASE WHEN closed_at >= :cs THEN {score} END), "
            f"AVG(CASE WHEN closed_at < :cs THEN {score} END), "
            f"COALESCE(SUM(CASE WHEN closed_at >= :cs THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN closed_at < :cs THEN 1 ELSE 0 END), 0) "
            f"FROM service_request WHERE closed_at >= :ps AND closed_at < :ce "
            f"AND {score} IS NOT NULL",
            **ctx.params,
        )
        figures.append(fig("requests.satisfaction", "Mean satisfaction (1–5)", avg_c, avg_p, "/5",
                           "up", "" if n_c else "no scores given in the period"))
        figures.append(fig("requests.satisfaction_responses", "Satisfaction scores given",
                           n_c, n_p, better="up"))
        dist = {
            (int(s), per): int(n)
            for s, per, n in rows(
                ctx.session,
                f"SELECT {score}, closed_at >= :cs, COUNT(*) FROM service_request "
                f"WHERE closed_at >= :ps AND closed_at < :ce AND {score} IS NOT NULL "
                f"GROUP BY 1, 2",
                **ctx.params,
            )
        }
        breakdowns.append(Breakdown(
            "requests.satisfaction_scores", "Satisfaction scores", ("responses",),
            tuple(BreakdownRow(f"{s}/5", (fig(f"requests.satisfaction_scores.{s}", f"Score {s}",
                                              dist.get((s, 1), 0), dist.get((s, 0), 0)),))
                  for s in range(5, 0, -1)),
            chart=True,
        ))
    else:
        figures.append(fig("requests.satisfaction", "Mean satisfaction (1–5)", None, None, "/5",
                           note=NO_DATA))
    return Section("requests", "Service requests", "8.6.2", tuple(figures), tuple(breakdowns))


# --------------------------------------------------------------------- complaints
def complaints(ctx: Ctx) -> Section:
    """Service complaints (8.3.2): received, escalated, resolved, open; by category."""
    if not ctx.probe.has("complaint", "outcome"):
        return _missing("complaints", "Service complaints", "8.3.2", "no complaints table")
    figures = (
        fig("complaints.received", "Complaints received", *pair(ctx, "complaint", "created_at")),
        fig("complaints.escalated", "Complaints escalated to management",
            *pair(ctx, "complaint", "created_at", "escalation_level > 0"), better="down"),
        fig("complaints.resolved", "Complaints resolved", *pair(ctx, "complaint", "resolved_at")),
        fig("complaints.open", "Open complaints at the end", open_at(ctx, "complaint", ctx.as_of),
            open_at(ctx, "complaint", ctx.prev_as_of), better="down"),
    )
    by_category = {(cat or "(none)", int(per)): int(n) for cat, per, n in rows(
        ctx.session,
        "SELECT category, CASE WHEN created_at >= :cs THEN 1 ELSE 0 END, COUNT(*) "
        "FROM complaint WHERE created_at >= :ps AND created_at < :ce GROUP BY 1, 2",
        **ctx.params)}
    categories = sorted({cat for cat, _ in by_category})
    breakdowns = (Breakdown(
        "complaints.by_category", "Complaints by category", ("received",),
        tuple(BreakdownRow(cat, (fig(f"complaints.by_category.{i}", cat,
                                     by_category.get((cat, 1), 0), by_category.get((cat, 0), 0)),))
              for i, cat in enumerate(categories))),) if categories else ()
    return Section("complaints", "Service complaints", "8.3.2", figures, breakdowns)


# --------------------------------------------------------------------- problems
def problems(ctx: Ctx) -> Section:
    figures = (
        fig("problems.opened", "Problems opened", *pair(ctx, "problem", "created_at")),
        fig("problems.resolved", "Problems resolved", *pair(ctx, "problem", "resolved_at")),
        fig("problems.closed", "Problems closed (or cancelled)",
            *pair(ctx, "problem", "closed_at")),
        fig("problems.open", "Open problems at the end", open_at(ctx, "problem", ctx.as_of),
            open_at(ctx, "problem", ctx.prev_as_of), better="down"),
        fig("known_errors.raised", "Known errors recorded", *pair(ctx, "known_error", "created_at")),
        fig("known_errors.open", "Open known errors at the end",
            open_at(ctx, "known_error", ctx.as_of), open_at(ctx, "known_error", ctx.prev_as_of)),
    )
    return Section("problems", "Problems and known errors", "8.6.3", figures)


# --------------------------------------------------------------------- changes
def changes(ctx: Ctx) -> Section:
    if not ctx.probe.has("change", "change_type", "outcome"):
        return _missing("changes", "Changes", "8.5.1", "changes have no category or outcome")
    p = ctx.params
    raised = {(c, per): int(n) for c, per, n in rows(
        ctx.session,
        'SELECT change_type, created_at >= :cs, COUNT(*) FROM "change" '
        "WHERE created_at >= :ps AND created_at < :ce GROUP BY 1, 2", **p)}
    # implemented = reached the post-implementation review (resolved_at) in the period
    done = {(c, o, per): int(n) for c, o, per, n in rows(
        ctx.session,
        'SELECT change_type, outcome, resolved_at >= :cs, COUNT(*) FROM "change" '
        "WHERE resolved_at >= :ps AND resolved_at < :ce GROUP BY 1, 2, 3", **p)}

    def total(source: dict, per: int, cat: str | None = None, outcome: str | None = None) -> int:
        return sum(n for k, n in source.items() if k[-1] == per
                   and (cat is None or k[0] == cat)
                   and (outcome is None or (len(k) == 3 and k[1] == outcome)))

    def success(per: int, cat: str | None = None) -> float | None:
        judged = sum(total(done, per, cat, o) for o in ("successful", "failed", "backed_out"))
        return rate(total(done, per, cat, "successful"), judged)

    cats = sorted({k[0] for k in raised} | {k[0] for k in done},
                  key=lambda c: ((["standard", "normal", "emergency"] + [c]).index(c), c))
    figures = (
        fig("changes.raised", "Changes raised", total(raised, 1), total(raised, 0)),
        fig("changes.implemented", "Changes implemented", total(done, 1), total(done, 0)),
        fig("changes.success_rate", "Success rate (of implemented with an outcome)", success(1),
            success(0), "%", "up", "" if success(1) is not None else "no outcome recorded"),
        fig("changes.failed", "Failed or backed out",
            total(done, 1, None, "failed") + total(done, 1, None, "backed_out"),
            total(done, 0, None, "failed") + total(done, 0, None, "backed_out"), better="down"),
        fig("changes.emergency", "Emergency changes raised", total(raised, 1, "emergency"),
            total(raised, 0, "emergency"), better="down"),
    )
    cat_rows = tuple(
        BreakdownRow(c or "(none)", (
            fig(f"changes.raised.{c}", f"Raised {c}", total(raised, 1, c), total(raised, 0, c)),
            fig(f"changes.implemented.{c}", f"Implemented {c}", total(done, 1, c),
                total(done, 0, c)),
            fig(f"changes.successful.{c}", f"Successful {c}", total(done, 1, c, "successful"),
                total(done, 0, c, "successful")),
            fig(f"changes.failed.{c}", f"Failed or backed out {c}",
                total(done, 1, c, "failed") + total(done, 1, c, "backed_out"),
                total(done, 0, c, "failed") + total(done, 0, c, "backed_out"), better="down"),
            fig(f"changes.success_rate.{c}", f"Success rate {c}", success(1, c), success(0, c),
                "%", "up"),
        ))
        for c in cats
    )
    outcomes = ("successful", "failed", "backed_out", "")
    outcome_rows = tuple(
        BreakdownRow(o.replace("_", " ") or "no outcome recorded", (
            fig(f"changes.outcome.{o or 'none'}", f"Outcome {o or 'none'}",
                total(done, 1, None, o), total(done, 0, None, o)),))
        for o in outcomes
    )
    return Section("changes", "Changes", "8.5.1", figures, (
        Breakdown("changes.by_category", "Changes by category",
                  ("raised", "implemented", "successful", "failed/backed out", "success rate"),
                  cat_rows),
        Breakdown("changes.by_outcome", "Implemented changes by outcome", ("changes",),
                  outcome_rows, chart=True),
    ))


# --------------------------------------------------------------------- reviews
def reviews(ctx: Ctx) -> Section:
    if not ctx.probe.has("review_task", "due", "status", "completed_at"):
        return _missing("reviews", "Planned reviews", "8.3–9.3",
                        "review tasks are not recorded yet")
    stats = {}
    for name, where in (
        ("due", "1=1"),
        ("on_time", "status = 'done' AND completed_at <= due"),
        ("late", "status = 'done' AND completed_at > due"),
        ("skipped", "status = 'skipped'"),
        ("overdue", "status NOT IN ('done', 'skipped') AND due < :now"),
    ):
        stats[name] = pair(ctx, "review_task", "due", where, now=ts(ctx.as_of))
    # The rate is of the reviews whose timeliness is settled: done (on time or late) or overdue.
    # A review done early, before its due date, is in both parts; a skipped one or one not yet
    # due in neither -- so the rate cannot pass 100 %.
    on_time_rate = [rate(stats["on_time"][i],
                         stats["on_time"][i] + stats["late"][i] + stats["overdue"][i])
                    for i in (0, 1)]
    figures = (
        fig("reviews.due", "Reviews due in the period", *stats["due"]),
        fig("reviews.on_time", "Done on time", *stats["on_time"]),
        fig("reviews.late", "Done late", *stats["late"], better="down"),
        fig("reviews.skipped", "Skipped (with a reason)", *stats["skipped"]),
        fig("reviews.overdue", "Overdue (not done, past due)", *stats["overdue"], better="down"),
        fig("reviews.on_time_rate", "On-time rate (of those done or overdue)", *on_time_rate, "%", "up"),
    )
    return Section("reviews", "Planned and event reviews", "8.2.6–9.3", figures)


# --------------------------------------------------------------------- improvement
def _open_simple(ctx: Ctx, table: str, when) -> int:
    return int(scalar(
        ctx.session,
        f'SELECT COUNT(*) FROM "{table}" WHERE created_at < :t '
        "AND (closed_at IS NULL OR closed_at >= :t)", t=ts(when)) or 0)


def improvement(ctx: Ctx) -> Section:
    figures = []
    for table, key, label, clause in (
        ("improvement_opportunity", "improvements", "Improvement opportunities", "10.2"),
        ("nonconformity", "nonconformities", "Nonconformities", "10.1"),
    ):
        if not ctx.probe.has(table, "created_at", "closed_at"):
            figures.append(fig(f"{key}.raised", f"{label} raised ({clause})", None, None,
                               note=NO_DATA))
            continue
        figures += [
            fig(f"{key}.raised", f"{label} raised ({clause})", *pair(ctx, table, "created_at")),
            fig(f"{key}.closed", f"{label} closed ({clause})", *pair(ctx, table, "closed_at"),
                better="up"),
            fig(f"{key}.open", f"{label} open at the end ({clause})",
                _open_simple(ctx, table, ctx.as_of), _open_simple(ctx, table, ctx.prev_as_of),
                better="down"),
        ]
    return Section("improvement", "Improvement", "10.1, 10.2", tuple(figures))


# --------------------------------------------------------------------- security incidents
def security_incidents(ctx: Ctx) -> Section:
    """8.7.3.3: security incidents by volume, type (category), impact and risk, with trends."""
    title, clause = "Information security incidents", "8.7.3.3"
    if not ctx.probe.has("incident", "security_risk"):
        return _missing("security", title, clause, "this database records no security risk")
    from ...domain.security import RISKS

    secure = "security_risk <> 'none'"
    figures = (
        fig("security.opened", "Security incidents recorded", *pair(ctx, "incident", "created_at", secure),
            better="down"),
        fig("security.resolved", "Security incidents resolved",
            *pair(ctx, "incident", "resolved_at", secure)),
        fig("security.high_risk", "Of high or critical risk",
            *pair(ctx, "incident", "created_at", "security_risk IN ('high', 'critical')"), better="down"),
    )
    breakdowns = []
    for key, label, column, values in (
        ("risk", "By security risk", "security_risk", RISKS[1:]),
        ("impact", "By impact", "impact", ("high", "medium", "low")),
    ):
        found = {(v, per): int(n) for v, per, n in rows(
            ctx.session,
            f"SELECT {column}, created_at >= :cs, COUNT(*) FROM incident WHERE created_at >= :ps "
            f"AND created_at < :ce AND {secure} GROUP BY 1, 2", **ctx.params)}
        breakdowns.append(Breakdown(
            f"security.{key}", label, ("incidents",),
            tuple(BreakdownRow(v, (fig(f"security.{key}.{v}", v, found.get((v, 1), 0),
                                       found.get((v, 0), 0)),)) for v in values),
            chart=True))
    by_type = rows(ctx.session,
                   f"SELECT category, COUNT(*) FROM incident WHERE created_at >= :cs AND created_at < :ce "
                   f"AND {secure} GROUP BY category ORDER BY COUNT(*) DESC, category LIMIT 10", **ctx.params)
    if by_type:
        breakdowns.append(Breakdown(
            "security.type", "By type (category)", ("incidents",),
            tuple(BreakdownRow(c or "(none)", (fig(f"security.type.{i}", c or "(none)", int(n), None),))
                  for i, (c, n) in enumerate(by_type))))
    return Section("security", title, clause, figures, tuple(breakdowns))
