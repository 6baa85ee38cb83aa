"""Change management (8.5.1): RFC assessment, approval, schedule, outcome, review.

The rules hold for every path that writes a change (they are hooks on
RecordService), and :class:`ChangeService` offers the use cases:

* **assess**: risk likelihood × impact → risk level; the policy flags
  major-impact changes (for service design and transition, 8.5.2);
* **targets**: the services and CIs a change affects, any number of each;
* **approve / reject**: a recorded decision (approver, date, rationale).
  Standard changes are pre-approved when raised; normal changes are approved
  while assessing, with a risk assessment, an implementation plan and a back-out
  plan; emergency changes need a back-out plan and are approved on the expedited
  path, then reviewed after implementation;
* **schedule**: the planned window, with a warning for every other change
  touching the same service or CI in an overlapping window; a change
  calendar and a list of conflicts;
* **outcome**: successful / failed / backed out (unsuccessful ones need an
  investigation note); the change moves to ``review`` and an effectiveness
  review task is raised (plus a continuity re-test after a major-impact
  change). A change is closed only once its effectiveness review is done.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, delete, select

from ...domain.changes import (
    CHANGE_TYPES,
    UNSUCCESSFUL,
    ChangePolicy,
    Conflict,
    RiskLevel,
    approval_refusal,
    check_window,
    conflicts_with,
    find_conflicts,
    outcome_refusal,
    parse_change_type,
    parse_likelihood,
    parse_outcome,
    parse_risk_impact,
    plans_missing,
    plans_words,
    rejection_refusal,
    risk_score,
    window_warning,
)
from ...domain.errors import NotFound, ValidationError, hinted
from ...domain.kinds import Kind, parse_ref
from ...storage.change_links import ChangeCILink, ChangeServiceLink
from ...storage.models import Change, ConfigurationItem
from ..core import hooks
from ..core.approvals import (
    approval_views,
    record_decision,
)
from ..core.records import EXTRA_FIELDS, RecordService
from ..core.rule_support import clean_text, deciding, write_entry
from ..core.store import Store
from .remedial import remedial_views
from .rules import (
    ACTIVE_STATES,
    PLAN_FLAGS,
    PLAN_LABELS,
    announce_dates_in,
    aware,
    change_policy,
    ci_types_of,
    refresh_assessment,
    refuse_substance,
    targets_of,
    window_of,
    windows_between,
)
from .views import CalendarEntry, ChangeDetail, ScheduleResult


class ChangeService:
    """Use cases of change management."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.records = RecordService(store)

    @property
    def policy(self) -> ChangePolicy:
        return change_policy(self.store)

    def _load(self, session: Session, ref: str) -> Change:
        kind, number = parse_ref(ref)
        if kind is not Kind.CHANGE:
            raise ValidationError(f"{ref} is not a change (CHG-…)")
        row = session.get(Change, number)
        if row is None:
            raise NotFound(f"no change {ref}")
        return row

    def _detail(self, session: Session, row: Change) -> ChangeDetail:
        services, cis = targets_of(session, row)
        window = window_of(session, row)
        conflicts: list[Conflict] = []
        if window is not None and row.status in ACTIVE_STATES:
            conflicts = conflicts_with(window, [w for _, w in windows_between(session, window.start, window.end)])
        score = None
        if row.risk_likelihood is not None and row.risk_impact is not None:
            score = risk_score(row.risk_likelihood, row.risk_impact)
        from ..configuration.ci_graph import affected_in
        from .ci_updates import planned_in  # it builds on this module

        ci_ids = [i for i in session.exec(select(ConfigurationItem.id).where(
            col(ConfigurationItem.name).in_(cis))) if i is not None] if cis else []
        affected_cis, affected = affected_in(session, [("ci", i) for i in ci_ids]) if ci_ids else ([], [])
        return ChangeDetail(planned_updates=planned_in(session, row),
                            affected_services=[s for s in affected if s not in services],
                            affected_cis=[c for c in affected_cis if c not in cis],
            record=self.records._view(session, Kind.CHANGE, row), change_type=row.change_type,
            services=list(services), cis=cis, risk_likelihood=row.risk_likelihood,
            risk_impact=row.risk_impact, risk_score=score, risk_level=row.risk_level,
            major_impact=row.major_impact,
            major_impact_reasons=[r for r in row.major_impact_reasons.split("; ") if r],
            under_control=self.policy.under_control(services, ci_types_of(session, cis)),
            approvals=approval_views(session, row.ref), conflicts=conflicts,
            remedial=remedial_views(session, row.ref) if row.outcome in UNSUCCESSFUL else [])

    def detail(self, ref: str) -> ChangeDetail:
        """An RFC with its targets, risk, major-impact flag, decisions and conflicts."""
        with self.store.read() as session:
            return self._detail(session, self._load(session, ref))

    def create(self, *, title: str, change_type: str = "normal", services: list[str] = (),
               cis: list[str] = (), **fields: Any) -> ChangeDetail:
        """Raise an RFC affecting any number of services and CIs (the first of each is primary)."""
        services, cis = list(services), list(cis)
        with self.store.write() as session:
            row = self.records.create_in(
                session, Kind.CHANGE, title=title, now=self.store.now(),
                service=services[0] if services else None, ci=cis[0] if cis else None,
                change_type=parse_change_type(change_type), **fields)
            if services[1:] or cis[1:]:
                self._add_targets_in(session, row, services[1:], cis[1:], self.store.now())
            return self._detail(session, row)

    # ---------------------------------------------------------- assessment
    def assess(self, ref: str, *, likelihood: Any = None, impact: Any = None, note: str = "",
               expected_version: int | None = None, **fields: Any) -> ChangeDetail:
        """Record the RFC assessment (risk and any RFC field); a new change moves to assessing."""
        allowed = set(EXTRA_FIELDS[Kind.CHANGE]) - {"outcome", "change_type", "planned_start",
                                                    "planned_end", "investigation_note"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValidationError(f"'{sorted(unknown)[0]}' is not an RFC assessment field; use "
                                  f"{', '.join(sorted(allowed))}")
        # checked as the form and `edit --set` check them: back-out tested is yes or no, a
        # service change one of its kinds (assess stored "maybe" and then refused to start)
        values = {k: self.records._normalise(Kind.CHANGE, k, clean_text(v, k.replace("_", " ")))
                  for k, v in fields.items() if v is not None}
        if likelihood is not None:
            values["risk_likelihood"] = parse_likelihood(likelihood)
        if impact is not None:
            values["risk_impact"] = parse_risk_impact(impact)
        with self.store.write() as session:
            row = self._load(session, ref)
            self.records._check_version(row, expected_version)
            if row.status not in ("new", "assessing", "approved", "scheduled"):
                raise ValidationError(f"{row.ref} is {row.status}; the assessment is recorded "
                                      "before implementation")
            now = self.store.now()
            changes = {k: (getattr(row, k), v) for k, v in values.items() if getattr(row, k) != v}
            for key, (_, new) in changes.items():
                setattr(row, key, new)
            if changes or note:
                write_entry(session, self.store, Kind.CHANGE, row, "update", now, changes, note)
                hooks.run("after_update", hooks.HookContext(session, self.store, Kind.CHANGE, row, now),
                          changes)
            if row.status == "new" and row.change_type != "standard":
                self.records.transition_in(session, Kind.CHANGE, row, "assessing",
                                           note="assessment started", now=now)
            return self._detail(session, row)

    def _add_targets_in(self, session: Session, row: Change, services: list[str], cis: list[str],
                        now: datetime, remove: bool = False) -> None:
        before_s, before_c = targets_of(session, row)
        for name in services:
            service_id = self.records._service_id(session, name)
            if remove:
                if service_id == row.service_id:
                    row.service_id = None
                session.exec(delete(ChangeServiceLink).where(
                    col(ChangeServiceLink.change_id) == row.id, col(ChangeServiceLink.service_id) == service_id))
            elif session.exec(select(ChangeServiceLink.id).where(
                    ChangeServiceLink.change_id == row.id, ChangeServiceLink.service_id == service_id)).first() is None:
                session.add(ChangeServiceLink(change_id=row.id or 0, service_id=service_id or 0))
        for name in cis:
            ci_id = self.records._ci_id(session, name)
            if remove:
                if ci_id == row.ci_id:
                    row.ci_id = None
                session.exec(delete(ChangeCILink).where(
                    col(ChangeCILink.change_id) == row.id, col(ChangeCILink.ci_id) == ci_id))
            elif session.exec(select(ChangeCILink.id).where(
                    ChangeCILink.change_id == row.id, ChangeCILink.ci_id == ci_id)).first() is None:
                session.add(ChangeCILink(change_id=row.id or 0, ci_id=ci_id or 0))
        session.flush()
        after_s, after_c = targets_of(session, row)
        changes: dict[str, tuple[Any, Any]] = {}
        if list(before_s) != list(after_s):
            changes["services"] = (", ".join(before_s) or None, ", ".join(after_s) or None)
        if before_c != after_c:
            changes["cis"] = (", ".join(before_c) or None, ", ".join(after_c) or None)
        if not changes:
            raise ValidationError(f"{row.ref} already {'does not touch' if remove else 'touches'} those")
        write_entry(session, self.store, Kind.CHANGE, row, "targets", now, changes)
        refresh_assessment(session, self.store, row, now)

    def set_targets(self, ref: str, *, services: list[str] = (), cis: list[str] = (),
                    remove: bool = False) -> ChangeDetail:
        """Add (or remove) services and CIs the change affects; journaled."""
        if not services and not cis:
            raise ValidationError("name at least one service or CI")
        with self.store.write() as session:
            row = self._load(session, ref)
            if row.status not in ACTIVE_STATES:
                raise ValidationError(f"{row.ref} is {row.status}; what it affects is set before "
                                      "it is reviewed")
            refuse_substance(row, [*(["services"] if services else []), *(["cis"] if cis else [])])
            self._add_targets_in(session, row, list(services), list(cis), self.store.now(), remove)
            return self._detail(session, row)

    # ---------------------------------------------------------- decisions
    def approve(self, ref: str, rationale: str, *, approver: str | None = None,
                expedited: bool | None = None) -> ChangeDetail:
        """Approve (approver, date, rationale). Emergency changes take the expedited path."""
        rationale = clean_text(rationale, "the rationale of the decision", required=True)
        approver = clean_text(approver, "approver", limit=100) or self.store.actor
        with self.store.write() as session:
            row = self._load(session, ref)
            if expedited is None:
                expedited = row.change_type == "emergency"
            refusal = approval_refusal(
                change_type=row.change_type, status=row.status, backout_plan=row.backout_plan,
                implementation_plan=row.implementation_plan,
                risk_assessed=row.risk_likelihood is not None and row.risk_impact is not None,
                expedited=expedited)
            if refusal:
                refused = ValidationError(f"{row.ref} cannot be approved: {refusal}")
                missing = plans_missing(change_type=row.change_type,
                                        implementation_plan=row.implementation_plan,
                                        backout_plan=row.backout_plan)
                if row.change_type == "normal" and row.status == "new":  # assessed first
                    refused = hinted(refused, cli=f"sms-tui transition {row.ref} assessing",
                                     tui="t moves it to assessing")
                elif missing and refusal == plans_words(row.change_type, missing):
                    refused = hinted(refused, cli=f"sms-tui changes assess {row.ref} "
                                     + " ".join(PLAN_FLAGS[f] for f in missing),
                                     tui="e opens its form: "
                                     + ", ".join(PLAN_LABELS[f] for f in missing))
                raise refused
            if row.change_type == "emergency" and not expedited:
                raise ValidationError(f"{row.ref} is an emergency change: its approval is the "
                                      "expedited one")
            now = self.store.now()
            record_decision(session, ref=row.ref, kind=Kind.CHANGE, decision="approved",
                            approver=approver, rationale=rationale, now=now, actor=self.store.actor,
                            expedited=expedited)
            changes: dict[str, tuple[Any, Any]] = {"approval": (None, f"approved by {approver}")}
            if expedited and not row.expedited:
                changes["expedited"] = (False, True)
                row.expedited = True
            write_entry(session, self.store, Kind.CHANGE, row, "approve", now, changes, rationale)
            with deciding(row.ref):
                path = " (expedited; reviewed after implementation)" if expedited else ""
                self.records.transition_in(session, Kind.CHANGE, row, "approved", now=now,
                                           note=f"approved by {approver}{path}: {rationale}")
            return self._detail(session, row)

    def reject(self, ref: str, rationale: str, *, approver: str | None = None) -> ChangeDetail:
        """Reject (approver, date, rationale); the change ends rejected."""
        rationale = clean_text(rationale, "the rationale of the decision", required=True)
        approver = clean_text(approver, "approver", limit=100) or self.store.actor
        with self.store.write() as session:
            row = self._load(session, ref)
            refusal = rejection_refusal(status=row.status)
            if refusal:
                raise ValidationError(f"{row.ref} cannot be rejected: {refusal}")
            now = self.store.now()
            record_decision(session, ref=row.ref, kind=Kind.CHANGE, decision="rejected",
                            approver=approver, rationale=rationale, now=now, actor=self.store.actor)
            write_entry(session, self.store, Kind.CHANGE, row, "reject", now,
                        {"approval": (None, f"rejected by {approver}")}, rationale)
            with deciding(row.ref):
                self.records.transition_in(session, Kind.CHANGE, row, "rejected", now=now,
                                           note=f"rejected by {approver}: {rationale}")
            return self._detail(session, row)

    # ---------------------------------------------------------- schedule
    def schedule(self, ref: str, start: datetime, end: datetime, *, note: str = "") -> ScheduleResult:
        """Plan the change's window. An approved change becomes scheduled; conflicts are returned.

        Conflicts (another planned or running change touching the same service
        or CI in an overlapping window) do not stop the schedule: they are
        returned, and journaled on this change, so the analyst decides.
        """
        check_window(start, end)
        with self.store.write() as session:
            row = self._load(session, ref)
            if row.status not in ("new", "assessing", "approved", "scheduled"):
                raise ValidationError(f"{row.ref} is {row.status}; only a change not yet under way "
                                      "is scheduled")
            now = self.store.now()
            if end <= now:  # it went to the calendar's past and told service owners of it
                raise ValidationError(
                    f"the window ends {end:%Y-%m-%d %H:%M}, which has passed: a change is "
                    "scheduled in a window still to come")
            changes = {}
            if row.planned_start != start:
                changes["planned_start"] = (row.planned_start, start)
            if row.planned_end != end:
                changes["planned_end"] = (row.planned_end, end)
            row.planned_start, row.planned_end = start, end
            window = window_of(session, row)
            assert window is not None
            conflicts = conflicts_with(window, [w for _, w in windows_between(session, start, end)])
            warning = "; ".join(f"conflict: {c.describe()}" for c in conflicts)
            if changes or note:
                write_entry(session, self.store, Kind.CHANGE, row, "schedule", now, changes,
                            "; ".join(p for p in (note.strip(), warning) if p))
            if row.status == "approved":
                self.records.transition_in(session, Kind.CHANGE, row, "scheduled", now=now,
                                           note=f"window {start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}")
            if changes:
                announce_dates_in(session, self.store, row, now)
            return ScheduleResult(self._detail(session, row), conflicts)

    def calendar(self, start: datetime, end: datetime, *, include_done: bool = True) -> list[CalendarEntry]:
        """Changes with a planned window overlapping [start, end), by start time.

        The changes still to be done (new … implementing) are the plan. Finished ones
        (review, closed) are there as what was done (``done``), and only where their window
        has begun: one finished before its window no longer uses it, so it is not shown in
        the days to come as if it were planned. Cancelled and rejected ones never are.
        """
        if end <= start:
            raise ValidationError("the calendar's end must be after its start")
        states = ACTIVE_STATES + (("review", "closed") if include_done else ())
        now = self.store.now()
        with self.store.read() as session:
            rows = [(row, w) for row, w in windows_between(session, start, end, states)
                    if row.status in ACTIVE_STATES or aware(w.start) <= now]
            active = [w for row, w in rows if row.status in ACTIVE_STATES]  # those still to happen
            conflicts = find_conflicts(active)
            out = []
            for row, window in rows:
                others = sorted({c.second if c.first == row.ref else c.first
                                 for c in conflicts if row.ref in (c.first, c.second)})
                out.append(CalendarEntry(row.ref, row.title, row.status, row.change_type, window.start,
                                         window.end, tuple(sorted(window.services)),
                                         tuple(sorted(window.cis)), row.risk_level,
                                         row.major_impact, tuple(others),
                                         done=row.status not in ACTIVE_STATES,
                                         outcome=row.outcome or ""))
            return out

    def conflicts(self, start: datetime | None = None, end: datetime | None = None) -> list[Conflict]:
        """Every pair of planned or running changes that touch the same service or CI at once."""
        with self.store.read() as session:
            return find_conflicts([w for _, w in windows_between(session, start, end)])

    # ---------------------------------------------------------- implementation
    def start(self, ref: str, *, note: str = "") -> ChangeDetail:
        """Start implementing an approved or scheduled change."""
        with self.store.write() as session:
            row = self._load(session, ref)
            now = self.store.now()
            self.records.transition_in(session, Kind.CHANGE, row, "implementing", note=note, now=now)
            detail = self._detail(session, row)
            warning = window_warning(aware(row.planned_start), aware(row.planned_end), now)
            if warning:
                detail.warnings.append(f"{row.ref} {warning} (journaled)")
            return detail

    def record_outcome(self, ref: str, outcome: str, *, investigation_note: str = "",
                       note: str = "") -> ChangeDetail:
        """Record the implementation outcome; the change moves to review and its reviews are raised.

        A failed or backed-out change needs an investigation note: the one given, else the
        one already recorded on the change (an empty one never erases it).
        """
        outcome = parse_outcome(outcome)
        investigation_note = clean_text(investigation_note, "investigation note")
        with self.store.write() as session:
            row = self._load(session, ref)
            if row.status != "implementing":
                refused = ValidationError(f"{row.ref} is {row.status}; the outcome is recorded "
                                          "when its implementation ends")
                if row.status in ("review", "closed"):  # recorded already: nothing to start
                    raise ValidationError(f"{row.ref} is {row.status}: its outcome was recorded "
                                          f"already ({(row.outcome or '').replace('_', ' ')})")
                if row.status in ("approved", "scheduled"):
                    raise hinted(refused, cli=f"start it with: sms-tui changes start {row.ref}",
                                 tui="t moves it to implementing")
                raise refused
            investigation_note = investigation_note or row.investigation_note
            refusal = outcome_refusal(outcome, investigation_note)
            if refusal:
                raise ValidationError(refusal)
            now = self.store.now()
            changes: dict[str, tuple[Any, Any]] = {"outcome": (row.outcome or None, outcome)}
            if investigation_note != row.investigation_note:
                changes["investigation_note"] = (row.investigation_note or None, investigation_note)
            row.outcome, row.investigation_note = outcome, investigation_note
            write_entry(session, self.store, Kind.CHANGE, row, "outcome", now, changes,
                        note or (investigation_note if outcome in UNSUCCESSFUL else ""))
            self.records.transition_in(session, Kind.CHANGE, row, "review", now=now,
                                       note=f"implemented: {outcome.replace('_', ' ')}")
            return self._detail(session, row)


__all__ = ["CHANGE_TYPES", "ChangeService", "RiskLevel", "change_policy"]
