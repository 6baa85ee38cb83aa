"""``evidence --sample N``: records an auditor traces, picked at random but reproducibly.

For each clause, N records of the period that its evidence is about are picked
with a seeded generator (the same seed and data pick the same records), and
each is returned with its full journal, oldest first. Picking counts the
population and reads each pick by offset, so memory does not grow with the desk.
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import UTC

from sqlmodel import Session

from ..core.journal import entries_for
from .model import ClauseEvidence, Trace, TraceEntry
from .sql import Probe, rows, scalar

# clause -> (table, the period column, extra condition, title column)
POPULATIONS: dict[str, tuple[str, str, str, str]] = {
    "8.3.2": ("service_request", "closed_at", "satisfaction_score IS NOT NULL", "title"),
    "8.3.3": ("incident", "resolved_at", "1=1", "title"),
    "8.3.4": ("review_task", "due", "activity IN ('supplier_performance', "
              "'internal_supplier_performance', 'supplier_contracts')", "title"),
    "8.4": ("review_task", "due", "activity IN ('budget_costs', 'capacity_demand')", "title"),
    "8.5.1": ("change", "created_at", "1=1", "title"),
    "8.5.2": ("change", "created_at", "major_impact = TRUE", "title"),
    "8.6.1": ("incident", "created_at", "1=1", "title"),
    "8.6.2": ("service_request", "created_at", "1=1", "title"),
    "8.6.3": ("problem", "created_at", "1=1", "title"),
    "8.7": ("review_task", "due", "activity IN ('continuity_test', 'continuity_retest', "
            "'availability_risk', 'continuity_risk', 'security_risk')", "title"),
    "8.2.6–9.3": ("review_task", "due", "1=1", "title"),
    "9.1": ("report_run", "at", "1=1", "report"),
    "9.2": ("review_task", "due", "activity = 'internal_audit'", "title"),
    "9.3": ("review_task", "due", "activity = 'management_review'", "title"),
    "9.4": ("report_run", "at", "1=1", "report"),
    "10.1": ("nonconformity", "created_at", "1=1", "title"),
    "10.2": ("improvement_opportunity", "created_at", "1=1", "title"),
}


def _changes(changes: dict) -> str:
    def show(value) -> str:
        return "–" if value in (None, "") else str(value)

    return "; ".join(f"{k}: {show(old)} → {show(new)}" for k, (old, new) in changes.items())


def trace(session: Session, ref: str, clause: str, title: str) -> Trace:
    entries = tuple(
        TraceEntry(e.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if e.at.tzinfo
                   else e.at.strftime("%Y-%m-%d %H:%M:%S"),
                   e.actor, e.action, _changes(e.changes), e.note)
        for e in entries_for(session, ref, newest_first=False))
    return Trace(ref, clause, title, entries)


def pick(session: Session, probe: Probe, clause: str, n: int, seed: int,
         params: dict[str, str]) -> list[tuple[str, str]]:
    """Up to ``n`` (ref, title) of the clause's population in the period, seeded."""
    spec = POPULATIONS.get(clause)
    if spec is None or n <= 0:
        return []
    table, column, where, title = spec
    if not probe.has(table, "ref", column, title):
        return []
    base = f'FROM "{table}" WHERE {column} >= :s AND {column} < :e AND ({where})'
    total = int(scalar(session, f"SELECT COUNT(*) {base}", **params) or 0)
    if not total:
        return []
    rng = random.Random(json.dumps([seed, clause]))
    offsets = sorted(rng.sample(range(total), min(n, total)))
    picked = []
    for offset in offsets:
        found = rows(session, f"SELECT ref, {title} {base} ORDER BY id LIMIT 1 OFFSET :o",
                     o=offset, **params)
        if found:
            picked.append((str(found[0][0]), str(found[0][1])))
    return picked


RECORDS_LISTED = 500  # records listed per clause behind its figures (the count is always full)


def population(session: Session, probe: Probe, clause: str, params: dict[str, str],
               limit: int = RECORDS_LISTED) -> tuple[tuple[str, ...], int]:
    """The references the clause's figures are drawn from (first ``limit`` by id) and how
    many there are in all."""
    spec = POPULATIONS.get(clause)
    if spec is None:
        return (), 0
    table, column, where, title = spec
    if not probe.has(table, "ref", column):
        return (), 0
    base = f'FROM "{table}" WHERE {column} >= :s AND {column} < :e AND ({where})'
    total = int(scalar(session, f"SELECT COUNT(*) {base}", **params) or 0)
    if not total:
        return (), 0
    found = rows(session, f"SELECT ref {base} ORDER BY id LIMIT :n", n=limit, **params)
    return tuple(str(r[0]) for r in found), total


def with_records(session: Session, probe: Probe, clauses: tuple[ClauseEvidence, ...],
                 params: dict[str, str]) -> tuple[ClauseEvidence, ...]:
    """The clauses, each with the records behind its figures."""
    out = []
    for clause in clauses:
        refs, total = population(session, probe, clause.clause, params)
        out.append(replace(clause, records=refs, records_total=total))
    return tuple(out)


def sample_clauses(session: Session, probe: Probe, clauses: tuple[ClauseEvidence, ...], n: int,
                   seed: int, params: dict[str, str]) -> tuple[tuple[ClauseEvidence, ...],
                                                               tuple[Trace, ...]]:
    """The clauses with their picked references, and the traces of those records."""
    out, traces, seen = [], [], set()
    for clause in clauses:
        picked = pick(session, probe, clause.clause, n, seed, params)
        out.append(replace(clause, samples=tuple(ref for ref, _ in picked)))
        for ref, title in picked:
            if ref not in seen:
                seen.add(ref)
                traces.append(trace(session, ref, clause.clause, title))
    return tuple(out), tuple(traces)
