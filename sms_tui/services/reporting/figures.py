"""The figures of the service report (9.4), each computed in SQLite for two periods.

Every builder takes a :class:`Ctx` (the read session, the schema probe, the
period and the previous period of equal length) and returns a
:class:`~.report_model.Section`. Counts for both periods come from ONE range
query over ``[previous.start, period.end)`` split with ``SUM(CASE WHEN col >= :cs THEN 1 ELSE 0 END)``;
averages with ``AVG``; the 90th percentile with window functions
(:func:`.report_sql.p90_by`). Nothing loads every record into Python.

"Open at time t" (backlog) is: created before t and neither resolved nor closed
before t. A record reopened after resolution has ``resolved_at`` cleared, so it
counts as open again -- exact for "now", an approximation for past instants.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlmodel import Session

from .model import (
    Breakdown,
    BreakdownRow,
    Figure,
    Period,
    Section,
    WeekBucket,
    period_start,
)
from .sql import (
    Probe,
    dialect_of,
    hours_between,
    p90_by,
    rows,
    scalar,
    ts,
)

NO_DATA = "no data: this database does not record it yet"

AGE_BUCKETS = (
    (1, "under 1 day"),
    (7, "1–7 days"),
    (30, "7–30 days"),
    (90, "30–90 days"),
    (None, "90 days or more"),
)


@dataclass
class Ctx:
    session: Session
    probe: Probe
    period: Period
    previous: Period
    as_of: datetime  # where "open now" is measured for the period: min(end, now)
    prev_as_of: datetime  # ... and for the previous period

    @property
    def params(self) -> dict[str, str]:
        return {
            "ps": ts(self.previous.start),
            "cs": ts(self.period.start),
            "ce": ts(self.period.end),
        }


def _q(table: str) -> str:
    return f'"{table}"'


def pair(ctx: Ctx, table: str, column: str, where: str = "1=1", **params) -> tuple[int, int]:
    """(count in the period, count in the previous period) of rows whose ``column`` falls in it."""
    sql = (
        f"SELECT COALESCE(SUM(CASE WHEN {column} >= :cs THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN {column} < :cs THEN 1 ELSE 0 END), 0) "
        f"FROM {_q(table)} WHERE {column} >= :ps AND {column} < :ce AND ({where})"
    )
    row = ctx.session.execute(text(sql), {**ctx.params, **params}).first()
    return (int(row[0]), int(row[1])) if row else (0, 0)


def open_filter(table: str, dialect: str = "sqlite") -> str:
    """Rows open at :t. Three range scans of ix_*_ended (resolved_at, closed_at, created_at)
    joined by UNION ALL; ``+created_at`` keeps the planner off the created_at index, which
    would scan nearly every row ("created before t")."""
    t = _q(table)
    if dialect == "postgresql":  # no unary plus on timestamps; its planner needs no hint
        return (f"SELECT created_at FROM {t} WHERE created_at < :t AND (resolved_at >= :t "
                "OR (resolved_at IS NULL AND (closed_at IS NULL OR closed_at >= :t)))")
    return (
        f"SELECT created_at FROM {t} WHERE resolved_at >= :t AND +created_at < :t "
        f"UNION ALL SELECT created_at FROM {t} "
        f"WHERE resolved_at IS NULL AND closed_at IS NULL AND +created_at < :t "
        f"UNION ALL SELECT created_at FROM {t} "
        f"WHERE resolved_at IS NULL AND closed_at >= :t AND +created_at < :t"
    )


def open_at(ctx: Ctx, table: str, when: datetime) -> int:
    """How many rows of a record table were open at ``when``."""
    return int(scalar(ctx.session, f"SELECT COUNT(*) FROM ({open_filter(table, dialect_of(ctx.session))}) open_now", t=ts(when)) or 0)


def fig(key: str, label: str, cur, prev, unit: str = "", better: str = "", note: str = "") -> Figure:
    def num(v):  # hours to the minute or so (a tenth of an hour made a minute "0 h")
        return None if v is None else round(float(v), 2 if unit == "h" else 1) if unit else v

    return Figure(key, label, num(cur), num(prev), unit, better, note)


def rate(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


# --------------------------------------------------------------------- incidents
MAX_WEEKS = 520  # ten years of weeks; a longer period lists only the span with incidents


def weekly(ctx: Ctx) -> tuple[WeekBucket, ...]:
    """Incidents opened and resolved per ISO week of the period (weeks clipped to it); in a
    period longer than :data:`MAX_WEEKS`, the weeks from the first to the last with any."""
    week_of = ("to_char(date_trunc('week', {col}), 'YYYY-MM-DD')"
               if dialect_of(ctx.session) == "postgresql"
               else "strftime('%Y-%m-%d', {col}, 'weekday 0', '-6 days')")
    counts: dict[str, list[int]] = {}
    for i, column in enumerate(("created_at", "resolved_at")):
        sql = (
            f"SELECT {week_of.format(col=column)} AS wk, COUNT(*) FROM incident "
            f"WHERE {column} >= :cs AND {column} < :ce GROUP BY wk"
        )
        for wk, n in rows(ctx.session, sql, **ctx.params):
            counts.setdefault(wk, [0, 0])[i] = int(n)
    out: list[WeekBucket] = []
    start = period_start("week", ctx.period.start)
    end = ctx.period.end
    last_day = (end - timedelta(microseconds=1)).date()
    if (end - start) > timedelta(weeks=MAX_WEEKS):
        # a custom period of decades or millennia: its weeks from the first to the last with
        # an incident, not hundreds of thousands of empty ones (a period from 1900 to 8999
        # listed 370,000 weeks and took seconds on an empty desk)
        if not counts:
            return ()
        active = sorted(datetime.fromisoformat(wk).replace(tzinfo=start.tzinfo) for wk in counts)
        start = max(start, active[0])
        end = min(end, active[-1] + timedelta(weeks=1))
    while start < end:
        monday = start.date()
        iso = monday.isocalendar()
        opened, resolved = counts.get(monday.isoformat(), (0, 0))
        out.append(WeekBucket(
            week=f"{iso.year}-W{iso.week:02d}",
            start=max(monday, ctx.period.start.date()),
            end=min(monday + timedelta(days=6), last_day),
            opened=opened,
            resolved=resolved,
        ))
        start += timedelta(weeks=1)
    return tuple(out)


def _age_counts(ctx: Ctx, when: datetime) -> dict[int, int]:
    age_days = ("EXTRACT(EPOCH FROM (CAST(:t AS timestamptz) - created_at)) / 86400.0"
                if dialect_of(ctx.session) == "postgresql"
                else "julianday(:t) - julianday(created_at)")
    cases = " ".join(
        f"WHEN age < {limit} THEN {i}" for i, (limit, _) in enumerate(AGE_BUCKETS) if limit
    )
    sql = (
        f"SELECT CASE {cases} ELSE {len(AGE_BUCKETS) - 1} END AS b, COUNT(*) FROM ("
        f"SELECT {age_days} AS age FROM ({open_filter('incident', dialect_of(ctx.session))}) open_now"
        f") ages GROUP BY b"
    )
    return {int(b): int(n) for b, n in rows(ctx.session, sql, t=ts(when))}


def _resolve_times(ctx: Ctx, period: Period) -> tuple[dict, dict, dict]:
    """Per priority: count and mean hours to resolve; p90 hours; (priority 0 = all)."""
    hours = hours_between("created_at", "resolved_at", dialect_of(ctx.session))
    params = {"s": ts(period.start), "e": ts(period.end)}
    where = "FROM incident WHERE resolved_at >= :s AND resolved_at < :e"
    counts: dict[int, int] = {}
    means: dict[int, float] = {}
    sql = f"SELECT priority, COUNT(*), AVG({hours}) {where} GROUP BY priority"
    for prio, n, mean in rows(ctx.session, sql, **params):
        counts[int(prio)] = int(n)
        means[int(prio)] = float(mean)
    total = sum(counts.values())
    if total:  # the overall mean, weighted from the per-priority ones
        counts[0] = total
        means[0] = sum(means[p] * counts[p] for p in counts if p) / total
    p90, overall = p90_by(ctx.session, hours, where, "priority", **params)
    if overall is not None:
        p90[0] = overall
    return counts, means, p90


def incidents(ctx: Ctx) -> Section:
    opened = pair(ctx, "incident", "created_at")
    resolved = pair(ctx, "incident", "resolved_at")
    ages = (_age_counts(ctx, ctx.as_of), _age_counts(ctx, ctx.prev_as_of))
    backlog = (sum(ages[0].values()), sum(ages[1].values()))
    cur_t, prev_t = _resolve_times(ctx, ctx.period), _resolve_times(ctx, ctx.previous)
    none_note = "none resolved in the period"
    figures = (
        fig("incidents.opened", "Incidents opened", *opened, better="down"),
        fig("incidents.resolved", "Incidents resolved", *resolved),
        fig("incidents.backlog", "Open incidents (backlog) at the end", *backlog, better="down"),
        fig("incidents.resolve_mean", "Mean time to resolve", cur_t[1].get(0), prev_t[1].get(0),
            "h", "down", "" if cur_t[0].get(0) else none_note),
        fig("incidents.resolve_p90", "90th percentile time to resolve", cur_t[2].get(0),
            prev_t[2].get(0), "h", "down", "" if cur_t[0].get(0) else none_note),
    )
    age_rows = tuple(
        BreakdownRow(label, (fig(f"incidents.backlog_age.{i}", f"Open {label}",
                                 ages[0].get(i, 0), ages[1].get(i, 0), better="down"),))
        for i, (_, label) in enumerate(AGE_BUCKETS)
    )
    prio_rows = tuple(
        BreakdownRow(f"P{p}", (
            fig(f"incidents.resolved.p{p}", f"Resolved P{p}", cur_t[0].get(p, 0),
                prev_t[0].get(p, 0)),
            fig(f"incidents.resolve_mean.p{p}", f"Mean time to resolve P{p}", cur_t[1].get(p),
                prev_t[1].get(p), "h", "down"),
            fig(f"incidents.resolve_p90.p{p}", f"90th percentile time to resolve P{p}",
                cur_t[2].get(p), prev_t[2].get(p), "h", "down"),
        ))
        for p in range(1, 6)
    )
    return Section(
        "incidents", "Incidents", "8.6.1", figures,
        (
            Breakdown("incidents.backlog_age", "Backlog by age", ("open",), age_rows, chart=True),
            Breakdown("incidents.resolve_by_priority", "Time to resolve by priority",
                      ("resolved", "mean", "90th percentile"), prio_rows),
        ),
    )


def major_incidents(ctx: Ctx) -> Section:
    # a major incident undeclared later keeps its history as one: its declaration time stays
    major = ("(major = TRUE OR major_declared_at IS NOT NULL)"
             if ctx.probe.has("incident", "major_declared_at") else "major = TRUE")
    declared = pair(ctx, "incident", "created_at", major)
    resolved = pair(ctx, "incident", "resolved_at", major)
    figures = [
        fig("major.declared", "Major incidents raised", *declared, better="down"),
        fig("major.resolved", "Major incidents resolved", *resolved),
    ]
    if ctx.probe.has("review_task", "activity", "source_ref", "status"):
        reviewed = pair(
            ctx, "incident", "resolved_at",
            f"{major} AND EXISTS (SELECT 1 FROM review_task r WHERE r.activity = "
            "'major_incident_review' AND r.source_ref = incident.ref AND r.status = 'done')",
        )
        figures.append(fig("major.reviewed", "Resolved major incidents reviewed", *reviewed))
    else:
        figures.append(fig("major.reviewed", "Resolved major incidents reviewed", None, None,
                           note=NO_DATA))
    return Section("major", "Major incidents", "8.6.1", tuple(figures))
