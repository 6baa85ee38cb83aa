"""Problems and known errors (8.6.3).

* Link any number of incidents to a problem (journaled on both sides; the
  record views show the link from either side).
* Root cause analysis (symptoms, root cause, method, workaround, permanent
  fix) is edited like any field; :meth:`ProblemService.raise_known_error`
  turns a problem with a root cause or workaround into a known error in one step.
* The known error database: :meth:`ProblemService.search_known_errors`
  ranks known errors against free text; :meth:`suggest_for_incident` asks
  "does this incident match a known error?"; :meth:`apply_workaround` applies
  a known error's workaround to an incident, journaled on both.
* Trend detection proposes problem candidates from incidents
  (``[problems.trends]`` in the config); the analyst accepts (a problem is
  raised and the incidents linked) or dismisses (never proposed again).
* Resolving a problem whose fix needs a change raises (or links) an RFC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from ...domain.errors import NotFound, ValidationError
from ...domain.kinds import KINDS, Kind, parse_ref
from ...domain.known_error_search import KnownErrorText, query_terms, rank
from ...domain.lifecycle import lifecycle_for
from ...domain.trends import (
    Candidate,
    Dismissal,
    IncidentPoint,
    TrendRule,
    detect,
    rule_from_config,
)
from ...storage.models import (
    Change,
    ConfigurationItem,
    Incident,
    JournalEntry,
    KnownError,
    Problem,
    Service,
)
from ...storage.problem_trends import TrendDismissal
from ..core import journal
from ..core.records import RecordService, table_for
from ..core.rule_support import clean_text, write_entry
from ..core.store import Store
from ..core.views import RecordView
from .rules import change_done

RCA_METHODS = ("5 whys", "Ishikawa (fishbone)", "fault tree", "Kepner-Tregoe", "Pareto",
               "timeline analysis")


@dataclass(frozen=True)
class KnownErrorHit:
    """One known error found by a search, with its relevance."""

    ref: str
    title: str
    status: str
    symptoms: str
    workaround: str
    root_cause: str
    problem_ref: str
    service: str
    ci: str
    applied_count: int
    score: float


@dataclass(frozen=True)
class CandidateView:
    """A proposed problem: incidents that share a service, CI or category."""

    key: str
    dimension: str
    value: str
    incident_refs: tuple[str, ...]
    first_at: datetime
    last_at: datetime
    title: str
    rule: str

    @property
    def count(self) -> int:
        return len(self.incident_refs)


@dataclass(frozen=True)
class DismissalView:
    key: str
    dimension: str
    value: str
    incident_refs: tuple[str, ...]
    reason: str
    dismissed_by: str
    dismissed_at: datetime


def trend_rule(store: Store) -> TrendRule:
    """The trend rule from ``[problems.trends]`` (defaults: 3 incidents in 7 days)."""
    section = store.config.section("problems").get("trends", {})
    if not isinstance(section, dict):
        section = {}
    return rule_from_config(section, str(store.config.path or "config"))


def _name(session: Session, model: type, row_id: int | None) -> str:
    if row_id is None:
        return ""
    found = session.get(model, row_id)
    return found.name if found else ""


class ProblemService:
    """Problem management and the known error database."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.records = RecordService(store)

    # ---------------------------------------------------------- helpers
    def _load(self, session: Session, ref: str, kind: Kind) -> Any:
        found_kind, number = parse_ref(ref)
        label = KINDS[kind].label.lower()
        if found_kind is not kind:
            article = "an" if label[0] in "aeiou" else "a"
            raise ValidationError(f"{ref} is not {article} {label} ({KINDS[kind].prefix}-…)")
        row = session.get(table_for(kind), number)
        if row is None:
            raise NotFound(f"no {label} {ref}")
        return row

    def _link_in(self, session: Session, incident: Incident, problem: Problem, now: datetime,
                 note: str = "") -> None:
        old = session.get(Problem, incident.problem_id) if incident.problem_id else None
        incident.problem_id = problem.id
        write_entry(session, self.store, Kind.INCIDENT, incident, "link", now,
                    {"problem": (old.ref if old else None, problem.ref)}, note)
        write_entry(session, self.store, Kind.PROBLEM, problem, "link", now,
                    {"linked_incident": (None, incident.ref)}, note)
        if old is not None:  # moved: the problem it left says so too, as RecordService.link_in
            write_entry(session, self.store, Kind.PROBLEM, old, "unlink", now,
                        {"linked_incident": (incident.ref, None)},
                        f"moved to {problem.ref}" + (f"; {note}" if note else ""))

    def _to_investigating(self, session: Session, row: Problem, now: datetime, note: str) -> None:
        if row.status == "new":
            self.records.transition_in(session, Kind.PROBLEM, row, "investigating", note=note, now=now)

    # ---------------------------------------------------------- links
    def link_incidents(self, problem_ref: str, incident_refs: list[str], *, note: str = "",
                       move: bool = False, expected_version: int | None = None) -> RecordView:
        """Link incidents to a problem in one step (both journals get an entry each, and the
        problem an incident moved off gets one too).

        An incident already linked to another problem is refused unless ``move``.
        ``expected_version`` is the problem's, as the caller saw it (a stale one is refused).
        """
        if not incident_refs:
            raise ValidationError("name at least one incident to link")
        with self.store.write() as session:
            problem = self._load(session, problem_ref, Kind.PROBLEM)
            self.records._check_version(problem, expected_version)
            self.records._check_editable(Kind.PROBLEM, problem)
            now = self.store.now()
            linked = 0
            for ref in dict.fromkeys(incident_refs):
                incident = self._load(session, ref, Kind.INCIDENT)
                if incident.problem_id == problem.id:
                    continue
                if incident.problem_id is not None and not move:
                    other = session.get(Problem, incident.problem_id)
                    raise ValidationError(f"{incident.ref} is already linked to "
                                          f"{other.ref if other else 'another problem'}; "
                                          "move it explicitly (--move) or unlink it first")
                self.records._check_editable(Kind.INCIDENT, incident)
                self._link_in(session, incident, problem, now, note)
                linked += 1
            if not linked:
                raise ValidationError(f"those incidents are already linked to {problem.ref}")
            return self.records._view(session, Kind.PROBLEM, problem)

    # ---------------------------------------------------------- RCA and known errors
    def record_rca(self, ref: str, *, symptoms: str | None = None, root_cause: str | None = None,
                   method: str | None = None, workaround: str | None = None,
                   permanent_fix: str | None = None, note: str = "",
                   expected_version: int | None = None) -> RecordView:
        """Record root cause analysis fields (only those given change); journaled old → new."""
        fields = {k: clean_text(v, k.replace("_", " ")) for k, v in (
            ("symptoms", symptoms), ("root_cause", root_cause), ("rca_method", method),
            ("workaround", workaround), ("permanent_fix", permanent_fix)) if v is not None}
        if not fields and not note:
            raise ValidationError("give at least one of symptoms, root cause, method, workaround, fix")
        kind, _ = parse_ref(ref)
        if kind is not Kind.PROBLEM:
            raise ValidationError(f"{ref} is not a problem (PRB-…)")
        return self.records.update(ref, expected_version=expected_version, note=note, **fields)

    def raise_known_error(self, problem_ref: str, *, title: str | None = None,
                          note: str = "") -> RecordView:
        """Record a known error from a problem's root cause and workaround, in one step.

        The problem moves to ``known_error``; both journals record the link.
        """
        with self.store.write() as session:
            problem: Problem = self._load(session, problem_ref, Kind.PROBLEM)
            self.records._check_editable(Kind.PROBLEM, problem)
            if not (problem.root_cause.strip() or problem.workaround.strip()):
                raise ValidationError(f"record a root cause or a workaround on {problem.ref} "
                                      "before raising a known error")
            existing = session.exec(select(KnownError).where(
                KnownError.problem_id == problem.id, KnownError.status == "open")).first()
            if existing is not None:
                raise ValidationError(f"{problem.ref} already has an open known error "
                                      f"{existing.ref}; update that one")
            now = self.store.now()
            ke = self.records.create_in(
                session, Kind.KNOWN_ERROR, title=title or problem.title, now=now,
                service=_name(session, Service, problem.service_id) or None,
                ci=_name(session, ConfigurationItem, problem.ci_id) or None,
                description=problem.description, category=problem.category,
                impact=problem.impact, urgency=problem.urgency, symptoms=problem.symptoms,
                root_cause=problem.root_cause, workaround=problem.workaround)
            ke.problem_id = problem.id
            write_entry(session, self.store, Kind.KNOWN_ERROR, ke, "link", now,
                        {"problem": (None, problem.ref)}, note)
            write_entry(session, self.store, Kind.PROBLEM, problem, "link", now,
                        {"linked_known_error": (None, ke.ref)}, note)
            self._to_investigating(session, problem, now, "root cause analysis recorded")
            if problem.status == "investigating":
                self.records.transition_in(session, Kind.PROBLEM, problem, "known_error",
                                           note=f"known error {ke.ref} recorded", now=now)
            return self.records._view(session, Kind.KNOWN_ERROR, ke)

    def resolve(self, ref: str, *, permanent_fix: str | None = None, needs_change: bool = False,
                change_ref: str | None = None, change_type: str = "normal",
                note: str = "") -> RecordView:
        """Resolve a problem; if its fix needs a change, raise an RFC (or link ``change_ref``).

        The RFC carries the problem's root cause and fix as its reason, and the
        problem's service and CI.
        """
        with self.store.write() as session:
            problem: Problem = self._load(session, ref, Kind.PROBLEM)
            self.records._check_editable(Kind.PROBLEM, problem)
            if problem.status == "resolved":  # it said "resolved; fix goes through CHG-…"
                raise ValidationError(f"{problem.ref} is resolved already; to change how it is "
                                      f"fixed, move it back to investigating first")
            now = self.store.now()
            if permanent_fix is not None and clean_text(permanent_fix, "fix") != problem.permanent_fix:
                fix = clean_text(permanent_fix, "fix")
                write_entry(session, self.store, Kind.PROBLEM, problem, "update", now,
                            {"permanent_fix": (problem.permanent_fix or None, fix)})
                problem.permanent_fix = fix
            self._to_investigating(session, problem, now, "resolving")
            if change_ref or needs_change:
                change = self._change_for(session, problem, change_ref, change_type, now)
                if not change_done(change):  # resolved when the change is implemented (8.6.3)
                    write_entry(session, self.store, Kind.PROBLEM, problem, "awaiting_change", now,
                                {"resolved_by": (None, change.ref)},
                                f"resolved when {change.ref} is implemented" + (f"; {note}" if note else ""))
                    return self.records._view(session, Kind.PROBLEM, problem)
            self.records.transition_in(session, Kind.PROBLEM, problem, "resolved", note=note, now=now)
            return self.records._view(session, Kind.PROBLEM, problem)

    def _change_for(self, session: Session, problem: Problem, change_ref: str | None,
                    change_type: str, now: datetime) -> Change:
        if change_ref:
            change: Change = self._load(session, change_ref, Kind.CHANGE)
            if _dead_end(change):  # the problem would wait for it for ever
                raise ValidationError(
                    f"{change.ref} is {change.status}" + (f" ({change.outcome})" if change.outcome else "")
                    + ": the fix cannot go through it; name an open change, or raise a new one")
            if problem.change_id == change.id:
                return change
        elif problem.change_id is not None:
            existing = session.get(Change, problem.change_id)
            if existing is not None and not _dead_end(existing):
                return existing  # (a change rejected or cancelled since: a new one is raised)
        if not change_ref:
            if not problem.permanent_fix.strip():
                raise ValidationError(f"describe the permanent fix of {problem.ref} before "
                                      "raising a change for it")
            reason = f"Permanent fix for {problem.ref}."
            if problem.root_cause:
                reason += f"\nRoot cause: {problem.root_cause}"
            reason += f"\nFix: {problem.permanent_fix}"
            change = self.records.create_in(
                session, Kind.CHANGE, title=f"Fix {problem.ref}: {problem.title}"[:200], now=now,
                service=_name(session, Service, problem.service_id) or None,
                ci=_name(session, ConfigurationItem, problem.ci_id) or None,
                category=problem.category, impact=problem.impact, urgency=problem.urgency,
                change_type=change_type, reason=reason, description=problem.permanent_fix)
        old = session.get(Change, problem.change_id) if problem.change_id else None
        problem.change_id = change.id
        write_entry(session, self.store, Kind.PROBLEM, problem, "link", now,
                    {"change": (old.ref if old else None, change.ref)},
                    "the permanent fix goes through change management")
        write_entry(session, self.store, Kind.CHANGE, change, "link", now,
                    {"linked_problem": (None, problem.ref)})
        return change

    # ---------------------------------------------------------- known error database
    def _ke_texts(self, session: Session, terms: list[str], include_closed: bool,
                  service: str, ci: str) -> list[tuple[KnownError, KnownErrorText]]:
        stmt = select(KnownError, Service.name, ConfigurationItem.name) \
            .join(Service, col(KnownError.service_id) == col(Service.id), isouter=True) \
            .join(ConfigurationItem, col(KnownError.ci_id) == col(ConfigurationItem.id), isouter=True)
        if not include_closed:
            stmt = stmt.where(KnownError.status == "open")
        clauses = []
        for term in terms:
            needle = f"%{term}%"
            clauses += [col(KnownError.title).ilike(needle), col(KnownError.symptoms).ilike(needle),
                        col(KnownError.workaround).ilike(needle), col(KnownError.root_cause).ilike(needle)]
        stmt = stmt.where(or_(*clauses)).limit(2000)
        out = []
        for ke, service_name, ci_name in session.exec(stmt):
            out.append((ke, KnownErrorText(ke.ref, ke.title, ke.symptoms, ke.workaround, ke.root_cause,
                                           service_name or "", ci_name or "", ke.status == "open")))
        return out

    def _search_in(self, session: Session, text: str, *, service: str = "", ci: str = "",
                   include_closed: bool = False, limit: int = 20) -> list[KnownErrorHit]:
        terms = query_terms(text)
        if not terms:
            return []
        found = self._ke_texts(session, terms, include_closed, service, ci)
        rows = {item.ref: ke for ke, item in found}
        hits = []
        for item, score in rank(text, [item for _, item in found], service=service, ci=ci, limit=limit):
            ke = rows[item.ref]
            problem = session.get(Problem, ke.problem_id) if ke.problem_id else None
            hits.append(KnownErrorHit(ke.ref, ke.title, ke.status, ke.symptoms, ke.workaround,
                                      ke.root_cause, problem.ref if problem else "", item.service,
                                      item.ci, ke.applied_count, score))
        return hits

    def search_known_errors(self, text: str, *, service: str = "", ci: str = "",
                            include_closed: bool = False, limit: int = 20) -> list[KnownErrorHit]:
        """Known errors matching ``text`` (title, symptoms, workaround, root cause), best first."""
        with self.store.read() as session:
            return self._search_in(session, text, service=service, ci=ci,
                                   include_closed=include_closed, limit=limit)

    def suggest_for_incident(self, incident_ref: str, *, limit: int = 5) -> list[KnownErrorHit]:
        """Known errors that may match an incident (its title and description, service, CI)."""
        with self.store.read() as session:
            incident: Incident = self._load(session, incident_ref, Kind.INCIDENT)
            applied = _applied(session, incident.ref)  # applied already: not suggested again
            hits = self._search_in(
                session, f"{incident.title} {incident.description}",
                service=_name(session, Service, incident.service_id),
                ci=_name(session, ConfigurationItem, incident.ci_id), limit=limit + len(applied))
            return [hit for hit in hits if hit.ref not in applied][:limit]

    def apply_workaround(self, known_error_ref: str, incident_ref: str, *, note: str = "",
                         link_problem: bool = True) -> RecordView:
        """Apply a known error's workaround to an incident, journaled on both.

        When the incident has no problem yet it is linked to the known error's
        problem (also journaled on both), so the problem sees every occurrence.
        Returns the incident.
        """
        with self.store.write() as session:
            ke: KnownError = self._load(session, known_error_ref, Kind.KNOWN_ERROR)
            incident: Incident = self._load(session, incident_ref, Kind.INCIDENT)
            if ke.status != "open":
                raise ValidationError(f"{ke.ref} is {ke.status}; only an open known error's "
                                      "workaround is applied")
            if not ke.workaround.strip():
                raise ValidationError(f"{ke.ref} has no workaround recorded")
            if not lifecycle_for(Kind.INCIDENT).is_open(incident.status):
                raise ValidationError(f"{incident.ref} is {incident.status}; a workaround is "
                                      "applied to an open incident")
            applied = _applied(session, incident.ref)
            _refuse_if_applied(ke.ref, incident.ref, applied)
            now = self.store.now()
            extra = f" — {note.strip()}" if note.strip() else ""
            # the one applied before, if any: "– → KE-8" hid that KE-13's had been tried
            before = max(applied, key=applied.__getitem__) if applied else None
            changes: dict[str, tuple[Any, Any]] = {"known_error": (before, ke.ref)}
            problem = session.get(Problem, ke.problem_id) if ke.problem_id else None
            link = link_problem and problem is not None and incident.problem_id is None \
                and not lifecycle_for(Kind.PROBLEM).is_final(problem.status)
            if link:
                incident.problem_id = problem.id
                changes["problem"] = (None, problem.ref)
            write_entry(session, self.store, Kind.INCIDENT, incident, "workaround", now, changes,
                        f"workaround from {ke.ref}: {ke.workaround}{extra}")
            ke.applied_count += 1
            write_entry(session, self.store, Kind.KNOWN_ERROR, ke, "workaround_applied", now,
                        {"applied_count": (ke.applied_count - 1, ke.applied_count),
                         "incident": (None, incident.ref)}, f"applied to {incident.ref}{extra}")
            if link:
                write_entry(session, self.store, Kind.PROBLEM, problem, "link", now,
                            {"linked_incident": (None, incident.ref)},
                            f"matched known error {ke.ref}")
            return self.records._view(session, Kind.INCIDENT, incident)

    # ---------------------------------------------------------- trends
    def _points(self, session: Session, since: datetime) -> list[IncidentPoint]:
        stmt = select(Incident.ref, Incident.created_at, Service.name, ConfigurationItem.name,
                      Incident.category) \
            .join(Service, col(Incident.service_id) == col(Service.id), isouter=True) \
            .join(ConfigurationItem, col(Incident.ci_id) == col(ConfigurationItem.id), isouter=True) \
            .where(col(Incident.problem_id).is_(None), Incident.status != "cancelled",
                   col(Incident.created_at) > since)
        return [IncidentPoint(ref, at, svc or "", ci or "", cat or "")
                for ref, at, svc, ci, cat in session.exec(stmt)]

    def _candidates_in(self, session: Session, rule: TrendRule, now: datetime) -> list[Candidate]:
        dismissed = [Dismissal(d.dimension, d.value, frozenset(d.incident_refs.split()))
                     for d in session.exec(select(TrendDismissal))]
        return detect(self._points(session, now - rule.window), now, rule, dismissed)

    def candidates(self) -> list[CandidateView]:
        """Problem candidates proposed by trend detection now, most incidents first."""
        rule = trend_rule(self.store)
        with self.store.read() as session:
            found = self._candidates_in(session, rule, self.store.now())
        return [CandidateView(c.key, c.dimension, c.value, c.refs, c.first_at, c.last_at,
                              c.title(), rule.describe()) for c in found]

    def _candidate(self, session: Session, key: str, rule: TrendRule, now: datetime) -> Candidate:
        key = (key or "").strip().lower()
        for candidate in self._candidates_in(session, rule, now):
            if candidate.key == key:
                return candidate
        raise NotFound(f"no problem candidate '{key}' now (it may have been accepted, dismissed, "
                       "or its incidents linked or aged out); list them with: problems candidates")

    def accept_candidate(self, key: str, *, title: str | None = None,
                         assignee: str = "") -> RecordView:
        """Raise a problem from a candidate and link its incidents; returns the problem."""
        rule = trend_rule(self.store)
        with self.store.write() as session:
            now = self.store.now()
            candidate = self._candidate(session, key, rule, now)
            incidents = [self._load(session, ref, Kind.INCIDENT) for ref in candidate.refs]
            worst = min(incidents, key=lambda i: i.priority)
            problem = self.records.create_in(
                session, Kind.PROBLEM, title=title or candidate.title(), now=now, assignee=assignee,
                service=candidate.value if candidate.dimension == "service" else None,
                ci=candidate.value if candidate.dimension == "ci" else None,
                category=candidate.value if candidate.dimension == "category" else worst.category,
                impact=worst.impact, urgency=worst.urgency,
                description=f"Raised from trend detection ({rule.describe()}): "
                            f"{', '.join(candidate.refs)}.")
            journal.append(session, ref=problem.ref, kind=Kind.PROBLEM.value, actor=self.store.actor,
                           at=now, action="trend", changes={"candidate": (None, candidate.key)},
                           note=f"accepted problem candidate: {candidate.count} incidents on "
                                f"{candidate.dimension} {candidate.value}")
            for incident in incidents:
                self._link_in(session, incident, problem, now, "trend detection")
            return self.records._view(session, Kind.PROBLEM, problem)

    def dismiss_candidate(self, key: str, *, reason: str = "") -> DismissalView:
        """Dismiss a candidate: that set of incidents (or any part of it) is not proposed again."""
        rule = trend_rule(self.store)
        reason = clean_text(reason, "reason", limit=2000)
        with self.store.write() as session:
            now = self.store.now()
            candidate = self._candidate(session, key, rule, now)
            row = TrendDismissal(key=candidate.key, dimension=candidate.dimension,
                                 value=candidate.value, incident_refs=" ".join(candidate.refs),
                                 reason=reason, dismissed_by=self.store.actor, dismissed_at=now)
            session.add(row)
            journal.append(session, ref=f"TREND:{candidate.key}", kind="problem_candidate",
                           actor=self.store.actor, at=now, action="dismiss",
                           changes={"incidents": (None, " ".join(candidate.refs))},
                           note=reason or f"dismissed: {candidate.dimension} {candidate.value}")
            return DismissalView(row.key, row.dimension, row.value, candidate.refs, row.reason,
                                 row.dismissed_by, row.dismissed_at)

    def dismissals(self) -> list[DismissalView]:
        """Dismissed candidates, newest first."""
        with self.store.read() as session:
            rows = session.exec(select(TrendDismissal).order_by(col(TrendDismissal.id).desc()))
            return [DismissalView(r.key, r.dimension, r.value, tuple(r.incident_refs.split()),
                                  r.reason, r.dismissed_by, r.dismissed_at) for r in rows]


def _applied(session: Session, incident_ref: str) -> dict[str, datetime]:
    """The known errors whose workaround was applied to an incident, with when (first)."""
    found: dict[str, datetime] = {}
    entries = session.exec(select(JournalEntry).where(
        JournalEntry.record_ref == incident_ref, JournalEntry.action == "workaround")
        .order_by(col(JournalEntry.id)))
    for view in map(journal.to_view, entries):
        _before, ref = view.changes.get("known_error", (None, None))
        if isinstance(ref, str):
            found.setdefault(ref, view.at)
    return found


def _dead_end(change: Change) -> bool:
    """A change that will never be implemented successfully: rejected, cancelled, or ended
    without success (a problem resolved by it would wait for ever)."""
    if change.status in ("rejected", "cancelled"):
        return True
    ended = change.status == "closed" or (change.status == "review" and bool(change.outcome))
    return ended and not change_done(change)


def _refuse_if_applied(ke_ref: str, incident_ref: str, applied: dict[str, datetime]) -> None:
    """Applied twice, a workaround counted twice on the known error (how often it is used)
    and was journaled twice on the incident: the second time is refused, and says when."""
    at = applied.get(ke_ref)
    if at is not None:
        raise ValidationError(
            f"{ke_ref}'s workaround was applied to {incident_ref} already "
            f"({at:%Y-%m-%d %H:%M}); to record that it was tried again, add a note")
