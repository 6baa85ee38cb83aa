"""Evidence for an audit: what the store shows per ISO/IEC 20000-1 clause, and the gaps.

For each clause the product serves, :func:`build_clauses` counts the records
of the period (created in ``[from, to)``) that show the requirement is met,
and lists the GAPS an auditor would raise -- each with the references
involved (cut to ``max_refs``; the count is always complete). The records are
counted in SQL (counts, EXISTS sub-queries on indexed columns); only the listed
references leave the database. The small registers (documents, CIs, contacts and
organisations, review schedules) are read as they stood at the end of a past
period: their rows, with the changes journaled since undone in Python
(:mod:`.as_at`); whatever is past due is judged at that moment (:attr:`EvCtx.as_of`).

Record clauses (8.5.1, 8.6.x) are here; the management-system clauses (8.2.6,
8.3.x, planned reviews, 9.4, 10.x) are in :mod:`.report_evidence_sms`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from ...domain.comms import MAJOR_PURPOSES
from ...domain.major import policy_from_config
from .model import ClauseEvidence, Fact, Gap, Period
from .sql import Probe, refs, rows, scalar, ts

# An action logged = a journal entry after creation that says what was done (a work-log
# note, or a note on a status change / assignment / escalation); a bare status change
# is not a work log (DOMAIN.md: "updated with every action taken").
ACTIONS_LOGGED = (
    "EXISTS (SELECT 1 FROM journal_entry j WHERE j.record_ref = {t}.ref "
    "AND j.action <> 'create' AND j.note <> '')"
)
OPEN_REVIEW = "status NOT IN ('done', 'skipped')"
# Escalated = raised to a manager or passed to a more skilled group by an escalation
# (journaled as escalate_functional / escalate_hierarchical); merely having an
# assignment group is not an escalation.
ESCALATED = (
    "(escalation_level > 0 OR EXISTS (SELECT 1 FROM journal_entry j WHERE j.record_ref = "
    "{t}.ref AND j.action IN ('escalate_functional', 'escalate_hierarchical')))"
)
# A major incident stays one in the reports after it is undeclared: its declaration time stays.
EVER_MAJOR = "(major = TRUE OR major_declared_at IS NOT NULL)"


@dataclass
class EvCtx:
    session: Session
    probe: Probe
    period: Period
    now: datetime
    max_refs: int | None
    config: Any = None  # the store's Config (SLA targets)
    _documents: list[tuple] | None = None

    @property
    def as_of(self) -> datetime:
        """The moment the period's state is read at: its end, or now while it runs. Whatever
        is "past due" or "in force" is judged here, never against today for a past period."""
        return min(self.period.end, self.now)

    @property
    def past(self) -> bool:
        """The period is over: what the desk holds now is not its state."""
        return self.period.end <= self.now

    def today(self, text: str) -> str:
        """``text`` about a setting the desk keeps no history of (the config): said to be
        today's in a past period's report, never passed off as the period's."""
        return f"{text} (as configured today)" if self.past else text

    def existed(self, column: str = "created_at") -> str:
        """SQL: the row existed at the end of a past period (any row, while it runs)."""
        return f"{column} < :e" if self.past else "1=1"

    def rolled_back(self, current: dict[str, dict[str, Any]], kinds: tuple[str, ...],
                    fields: tuple[str, ...]) -> dict[str, dict[str, Any]]:
        """``current`` as it stood at the end of a past period (see :mod:`.as_at`); as it is,
        while the period runs."""
        from .as_at import rolled_back

        if not self.past:
            return current
        return rolled_back(self.session, current, kinds, self.params["e"], fields)

    @property
    def params(self) -> dict[str, str]:
        return {"s": ts(self.period.start), "e": ts(self.period.end), "now": ts(self.now),
                "asof": ts(self.as_of)}

    def count(self, table: str, where: str = "1=1", column: str = "created_at") -> int:
        """Rows of ``table`` whose ``column`` is in the period and that match ``where``."""
        sql = (f'SELECT COUNT(*) FROM "{table}" WHERE {column} >= :s AND {column} < :e '
               f"AND ({where})")
        return int(scalar(self.session, sql, **self.params) or 0)

    def gap(self, key: str, description: str, table: str, where: str,
            column: str = "created_at", ref: str = "ref") -> Gap:
        """The rows of ``table`` in the period matching ``where``, listed by reference."""
        sql = (f'SELECT {ref} FROM "{table}" WHERE {column} >= :s AND {column} < :e '
               f"AND ({where}) ORDER BY {ref}")
        count, listed = refs(self.session, sql, self.max_refs, **self.params)
        return Gap(key, description, count, listed)

    def overdue_reviews(self, key: str, activities: tuple[str, ...], what: str) -> Gap | None:
        """Review tasks of ``activities`` due in the period and still not done past their due date."""
        if not self.probe.has("review_task", "activity", "due", "status"):
            return None
        names = ", ".join(f"'{a}'" for a in activities)
        return self.gap(key, f"{what} overdue (due in the period, not done)", "review_task",
                        f"activity IN ({names}) AND {OPEN_REVIEW} AND due < :asof", column="due")

    def skipped_reviews(self, key: str, activities: tuple[str, ...] | None, what: str) -> Gap | None:
        """Scheduled reviews of ``activities`` (None: every activity) due in the period and
        skipped, where no review of the same activity due in the period was done.

        A skip with its reason is a recorded decision, and beside a review of the same
        activity that was done it is no gap; but when every review of an activity due in the
        period was skipped, the activity did not happen at its planned interval: that is a
        gap, not evidence. Event reviews are left out (their own clause lists a record
        whose review was not done)."""
        if not self.probe.has("review_task", "activity", "due", "status", "source"):
            return None
        only = ("" if activities is None else
                f"activity IN ({_names(activities)}) AND ")
        return self.gap(key, f"{what}: every one due in the period was skipped, none done "
                        "(the reasons are listed above)", "review_task",
                        f"{only}status = 'skipped' AND source <> 'event' AND NOT EXISTS ("
                        "SELECT 1 FROM review_task d WHERE d.activity = review_task.activity "
                        "AND d.status = 'done' AND d.due >= :s AND d.due < :e)", column="due")

    def skip_facts(self, activities: tuple[str, ...] | None) -> list[Fact]:
        """Each review of ``activities`` due in the period and skipped, with its reason."""
        if not self.probe.has("review_task", "activity", "due", "status", "skip_reason"):
            return []
        only = ("" if activities is None else
                f"AND activity IN ({_names(activities)}) ")
        found = rows(self.session, "SELECT ref, activity, skip_reason FROM review_task WHERE "
                     f"due >= :s AND due < :e AND status = 'skipped' {only}ORDER BY due, ref",
                     **self.params)
        return [Fact(f"Skipped: {ref} ({activity})", reason or "(no reason recorded)")
                for ref, activity, reason in found]

    def reviews_done(self, activities: tuple[str, ...]) -> int | None:
        if not self.probe.has("review_task", "activity", "completed_at", "status"):
            return None
        names = ", ".join(f"'{a}'" for a in activities)
        return self.count("review_task", f"activity IN ({names}) AND status = 'done'",
                          column="completed_at")


def _names(activities: tuple[str, ...]) -> str:
    """Activity names (fixed identifiers, never user text) as an SQL list."""
    return ", ".join(f"'{a}'" for a in activities)


def share(part: int, whole: int, what: str) -> str:
    """'all classified', 'none classified', '40 of 41 classified (98 %)'."""
    if whole == 0:
        return f"none {what}"
    if part == whole:
        return f"all {what}"
    if part == 0:
        return f"none {what}"
    return f"{part} of {whole} {what} ({100 * part / whole:.0f} %)"


def pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f} %" if whole else "–"


def plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word if n == 1 else (words or word + 's')}"


def _keep(*gaps: Gap | None) -> tuple[Gap, ...]:
    return tuple(g for g in gaps if g is not None and g.count)


# --------------------------------------------------------------------- 8.6.1
def incidents(ev: EvCtx) -> ClauseEvidence:
    total = ev.count("incident")
    classified_sql = "service_id IS NOT NULL AND category <> ''"
    classified = ev.count("incident", classified_sql)
    prioritized_sql = "priority BETWEEN 1 AND 5 AND impact <> '' AND urgency <> ''"
    prioritized = ev.count("incident", prioritized_sql)
    actions = ev.count("incident", ACTIONS_LOGGED.format(t="incident"))
    escalated = ev.count("incident", ESCALATED.format(t="incident"))
    ever_major = EVER_MAJOR if ev.probe.has("incident", "major_declared_at") else "major = TRUE"
    majors = ev.count("incident", ever_major)
    undeclared = ev.count("incident", f"major = FALSE AND {ever_major}")
    has_manager = ev.probe.has("incident", "major_manager")
    has_reviews = ev.probe.has("review_task", "activity", "source_ref", "status")
    reviewed_sql = ("EXISTS (SELECT 1 FROM review_task r WHERE r.activity = "
                    "'major_incident_review' AND r.source_ref = incident.ref "
                    "AND r.status = 'done')")
    reviewed = ev.count("incident", f"{ever_major} AND {reviewed_sql}") if has_reviews else None
    comms = ev.probe.has("communication", "record_ref")
    # informed = a message about it was addressed to someone; one recorded "to nobody" (no
    # contacts configured) is no evidence, nor is mail to its requester or the security manager
    purposes = ", ".join(f"'{p}'" for p in MAJOR_PURPOSES)
    informed_sql = ("EXISTS (SELECT 1 FROM communication c WHERE c.record_ref = incident.ref "
                    f"AND c.purpose IN ({purposes}) AND TRIM(COALESCE(c.recipients, '')) <> '')")
    informed = ev.count("incident", f"{ever_major} AND {informed_sql}") if comms else None
    if total and classified == prioritized == total:
        handled = "all classified and prioritized"
    else:
        handled = (f"{share(classified, total, 'classified')}, "
                   f"{share(prioritized, total, 'prioritized')}")
    summary = (
        f"{plural(total, 'incident')}, {handled}, "
        f"{pct(actions, total)} with actions logged, {plural(majors, 'major incident')}"
        + (f", {reviewed} reviewed" if reviewed is not None else "")
    )
    facts = [
        Fact("Incidents recorded", str(total)),
        Fact("Classified (service and category)", f"{classified} ({pct(classified, total)})"),
        Fact("Prioritized from impact and urgency", f"{prioritized} ({pct(prioritized, total)})"),
        Fact("With actions logged in the journal", f"{actions} ({pct(actions, total)})"),
        Fact("Escalated (functionally or hierarchically)", str(escalated)),
        Fact("Major incidents", str(majors) + (f" ({undeclared} undeclared later)"
                                                 if undeclared else "")),
    ]
    if reviewed is not None:
        facts.append(Fact("Major incidents reviewed", str(reviewed)))
    if informed is not None:
        facts.append(Fact("Major incidents with top management informed (a message "
                          "addressed to a contact)", f"{informed} of {majors}"))
    gaps = [
        ev.gap("incidents.unclassified", "incidents missing classification (service or category)",
               "incident", f"NOT ({classified_sql})"),
        ev.gap("incidents.unprioritized", "incidents without impact, urgency or priority",
               "incident", f"NOT ({prioritized_sql})"),
        ev.gap("incidents.no_actions", "resolved or closed incidents with no action logged (no work-log note)",
               "incident", "(resolved_at IS NOT NULL OR closed_at IS NOT NULL) AND NOT "
               + ACTIONS_LOGGED.format(t="incident")),
        ev.gap("incidents.major_unowned",
               "major incidents with no responsible person (no major incident manager appointed)",
               "incident", "major = TRUE AND major_manager = ''" if has_manager
               else "major = TRUE AND assignee = ''"),
    ]
    if has_reviews:
        gaps.append(ev.gap(
            "incidents.major_unreviewed", "resolved major incidents without a completed review",
            "incident", f"{ever_major} AND resolved_at IS NOT NULL AND NOT {reviewed_sql}"
            + (" AND NOT EXISTS (SELECT 1 FROM journal_entry j WHERE j.record_ref = incident.ref"
               " AND j.action = 'undeclare_major_approved')" if ever_major != "major = TRUE" else "")))
    if comms:
        gaps.append(ev.gap("incidents.major_uninformed", _uninformed_text(ev),
                           "incident", f"{ever_major} AND NOT {informed_sql}"))
    return ClauseEvidence("8.6.1", "Incident management", summary, tuple(facts), _keep(*gaps),
                          evidence=total)


def _uninformed_text(ev: EvCtx) -> str:
    """The gap in words, saying why nobody was told when no contact is configured."""
    what = "major incidents with no message addressed to top management"
    # the config was checked when it was loaded: this cannot raise
    section = ev.config.section("major_incident") if ev.config is not None else None
    if not policy_from_config(section or None).contacts:
        configured = ("are configured today" if ev.past else "configured")
        return (f"{what}: no top-management contacts {configured} ([major_incident] contacts), "
                "nobody was informed")
    return f"{what} (none recorded, or each recorded to nobody)"


# --------------------------------------------------------------------- 8.6.2
def requests(ev: EvCtx) -> ClauseEvidence:
    total = ev.count("service_request")
    has_type = ev.probe.has("service_request", "request_type")
    classified_sql = "request_type <> ''" if has_type else "category <> ''"
    classified = ev.count("service_request", classified_sql)
    fulfilled = ev.count("service_request", "resolved_at IS NOT NULL")
    actions = ev.count("service_request", ACTIONS_LOGGED.format(t="service_request"))
    facts = [
        Fact("Service requests recorded", str(total)),
        Fact("Classified (request type)" if has_type else "Classified (category)",
             f"{classified} ({pct(classified, total)})"),
        # a cohort, as every fact here: the requests raised in the period, in their state now;
        # the service report counts those fulfilled in the period, whenever raised
        Fact("Of these, fulfilled by the time of the report", str(fulfilled)),
        Fact("Requests fulfilled in the period, whenever raised",
             str(ev.count("service_request", column="resolved_at"))),
        Fact("With actions logged in the journal", f"{actions} ({pct(actions, total)})"),
    ]
    score = ev.probe.first_column("service_request", "satisfaction_score", "satisfaction")
    if score:
        scored = ev.count("service_request", f"{score} IS NOT NULL")
        facts.append(Fact("With a satisfaction score", str(scored)))
    approval_gap = None
    if ev.probe.has("service_request", "needs_approval") and ev.probe.has("approval", "record_ref"):
        approved_sql = ("EXISTS (SELECT 1 FROM approval a WHERE a.record_ref = "
                        "service_request.ref AND a.decision = 'approved')")
        facts.append(Fact("Needing approval / approved",
                          f"{ev.count('service_request', 'needs_approval = TRUE')} / "
                          f"{ev.count('service_request', f'needs_approval = TRUE AND {approved_sql}')}"))
        approval_gap = ev.gap("requests.fulfilled_unapproved",
                              "requests that needed an approval, fulfilled without one",
                              "service_request", f"needs_approval = TRUE AND resolved_at IS NOT NULL "
                              f"AND NOT {approved_sql}")
    summary = (f"{plural(total, 'request')}, {share(classified, total, 'classified')}, "
               f"{fulfilled} fulfilled by the time of the report, {pct(actions, total)} with "
               "actions logged")
    gaps = (
        ev.gap("requests.unclassified", "requests without a request type" if has_type else
               "requests without a category", "service_request", f"NOT ({classified_sql})"),
        ev.gap("requests.no_actions", "fulfilled or closed requests with no action logged (no work-log note)",
               "service_request", "(resolved_at IS NOT NULL OR closed_at IS NOT NULL) AND NOT "
               + ACTIONS_LOGGED.format(t="service_request")),
        approval_gap,
    )
    return ClauseEvidence("8.6.2", "Service request management", summary, tuple(facts),
                          _keep(*gaps), evidence=total)


# --------------------------------------------------------------------- 8.6.3
def problems(ev: EvCtx) -> ClauseEvidence:
    total = ev.count("problem")
    with_cause = ev.count("problem", "root_cause <> ''")
    resolved = ev.count("problem", "resolved_at IS NOT NULL")
    linked = ev.count("incident", "problem_id IS NOT NULL")
    kes = ev.count("known_error")
    with_workaround = ev.count("known_error", "workaround <> ''")
    done = ev.reviews_done(("problem_effectiveness",))
    facts = [
        Fact("Problems recorded", str(total)),
        Fact("With a root cause recorded", f"{with_cause} ({pct(with_cause, total)})"),
        # as for requests: of the problems recorded in the period, those resolved by now; the
        # service report's "Problems resolved" is those resolved in the period, whenever recorded
        Fact("Of these, resolved by the time of the report", str(resolved)),
        Fact("Problems resolved in the period, whenever recorded",
             str(ev.count("problem", column="resolved_at"))),
        Fact("Incidents of the period linked to a problem", str(linked)),
        Fact("Known errors recorded", str(kes)),
        Fact("Known errors with a workaround", f"{with_workaround} ({pct(with_workaround, kes)})"),
    ]
    if done is not None:
        facts.append(Fact("Problem-effectiveness reviews done", str(done)))
    facts += ev.skip_facts(("problem_effectiveness",))
    summary = (f"{plural(total, 'problem')}, {with_cause} with a root cause, {resolved} resolved "
               "by the time of the report; "
               f"{plural(kes, 'known error')}, {share(with_workaround, kes, 'with a workaround')}")
    waiting_sql = ("problem.status IN ('new', 'investigating', 'known_error') AND EXISTS (SELECT 1 "
                   "FROM \"change\" c WHERE c.id = problem.change_id)")
    facts.append(Fact("Open problems whose fix goes through a change", str(ev.count("problem", waiting_sql))))
    gaps = (
        ev.gap("problems.resolved_no_cause", "resolved problems without a root cause",
               "problem", "resolved_at IS NOT NULL AND root_cause = ''"),
        ev.gap("problems.resolved_before_change",
               "problems resolved while the change that fixes them is not implemented successfully",
               "problem", "status = 'resolved' AND EXISTS (SELECT 1 FROM \"change\" c WHERE "
               "c.id = problem.change_id AND NOT (c.outcome = 'successful' AND c.status IN "
               "('review', 'closed')))"),
        ev.gap("known_errors.stale", "known errors still open though their problem is resolved or closed",
               "known_error", "status = 'open' AND EXISTS (SELECT 1 FROM problem p WHERE "
               "p.id = known_error.problem_id AND p.status IN ('resolved', 'closed'))"),
        ev.gap("known_errors.no_workaround", "known errors without a workaround",
               "known_error", "workaround = ''"),
        ev.overdue_reviews("problems.review_overdue", ("problem_effectiveness",),
                           "problem-effectiveness reviews"),
        ev.skipped_reviews("problems.review_skipped", ("problem_effectiveness",),
                           "problem-effectiveness reviews"),
    )
    return ClauseEvidence("8.6.3", "Problem management", summary, tuple(facts), _keep(*gaps),
                          evidence=total + kes + (done or 0))


# --------------------------------------------------------------------- 8.5.1
def changes(ev: EvCtx) -> ClauseEvidence:
    if not ev.probe.has("change", "change_type", "outcome", "backout_plan"):
        return ClauseEvidence("8.5.1", "Change management", "no data", available=False,
                              note="no data: changes have no category, outcome or back-out plan")
    total = ev.count("change")
    by_type = {t: ev.count("change", f"change_type = '{t}'")
               for t in ("standard", "normal", "emergency")}
    implemented = ev.count("change", "1=1", column="resolved_at")
    with_outcome = ev.count("change", "outcome <> ''", column="resolved_at")
    successful = ev.count("change", "outcome = 'successful'", column="resolved_at")
    has_reviews = ev.probe.has("review_task", "activity", "source_ref", "status")
    review_sql = ("EXISTS (SELECT 1 FROM review_task r WHERE r.activity = "
                  "'change_effectiveness_review' AND r.source_ref = \"change\".ref "
                  "AND r.status = 'done')")
    reviewed = (ev.count("change", review_sql, column="resolved_at") if has_reviews else None)
    past_approval = "status IN ('approved', 'scheduled', 'implementing', 'review', 'closed')"
    needs_backout = f"change_type IN ('normal', 'emergency') AND {past_approval}"
    facts = [
        Fact("Changes recorded", str(total)),
        Fact("By category", ", ".join(f"{n} {t}" for t, n in by_type.items())),
        Fact("Implemented in the period", str(implemented)),
        Fact("With an outcome recorded", str(with_outcome)),
        Fact("Successful", f"{successful} ({pct(successful, with_outcome)} of those with an outcome)"),
    ]
    if reviewed is not None:
        facts.append(Fact("Implemented changes reviewed for effectiveness", str(reviewed)))
    summary = (f"{plural(total, 'change')} recorded and classified "
               f"({by_type['emergency']} emergency), {implemented} implemented, "
               f"{pct(successful, with_outcome)} successful"
               + (f", {reviewed} reviewed for effectiveness" if reviewed is not None else ""))
    gaps = [
        ev.gap("changes.no_backout", "approved normal or emergency changes without a back-out plan",
               "change", f"{needs_backout} AND backout_plan = ''"),
        ev.gap("changes.no_outcome", "implemented changes without an outcome", "change",
               "outcome = ''", column="resolved_at"),
    ]
    if ev.probe.has("change", "implementation_plan"):
        # the desk's approval rule (domain.changes.PLANS_NEEDED): a normal change is approved
        # with how it is to be done, not only with the way back
        gaps.insert(1, ev.gap(
            "changes.no_implementation_plan",
            "approved normal changes without an implementation plan", "change",
            f"change_type = 'normal' AND {past_approval} AND implementation_plan = ''"))
    if ev.probe.has("approval", "record_ref", "decision"):
        approved_sql = ("EXISTS (SELECT 1 FROM approval a WHERE a.record_ref = \"change\".ref "
                        "AND a.decision = 'approved')")
        facts.append(Fact("Past approval with a recorded decision (who, when, why)",
                          str(ev.count("change", f"{needs_backout} AND {approved_sql}"))))
        gaps.append(ev.gap("changes.no_approval",
                           "normal or emergency changes past approval with no recorded decision",
                           "change", f"{needs_backout} AND NOT {approved_sql}"))
    if ev.probe.has("change", "investigation_note"):
        gaps.append(ev.gap("changes.failed_uninvestigated",
                           "failed or backed-out changes without an investigation", "change",
                           "outcome IN ('failed', 'backed_out') AND investigation_note = ''",
                           column="resolved_at"))
    if has_reviews:
        gaps.append(ev.gap("changes.unreviewed",
                           "implemented changes without a completed effectiveness review",
                           "change", f"NOT {review_sql}", column="resolved_at"))
    gaps.append(ev.overdue_reviews("changes.rfc_review_overdue", ("rfc_trends",),
                                   "RFC trend analyses"))
    gaps.append(ev.skipped_reviews("changes.rfc_review_skipped", ("rfc_trends",),
                                   "RFC trend analyses"))
    facts += ev.skip_facts(("rfc_trends",))
    _change_record(ev, facts, gaps)
    _planned_ci_updates(ev, facts, gaps)
    return ClauseEvidence("8.5.1", "Change management", summary, tuple(facts), _keep(*gaps),
                          evidence=total)


def _planned_ci_updates(ev: EvCtx, facts: list[Fact], gaps: list[Gap | None]) -> None:
    """The CI updates changes planned (8.5.1 with 8.2.6): applied under their change in the
    period, and implemented changes that left some unapplied."""
    if not ev.probe.has("change_ci_update", "applied_at"):
        return
    applied = int(scalar(ev.session, "SELECT COUNT(*) FROM change_ci_update WHERE applied_at >= :s "
                         "AND applied_at < :e", **ev.params) or 0)
    facts.append(Fact("Planned CI updates applied under their change in the period", str(applied)))
    gaps.append(ev.gap("changes.ci_updates_unapplied",
                       "implemented changes with planned CI updates never applied (the "
                       "configuration information may not match what was changed)", "change",
                       "outcome = 'successful' AND EXISTS (SELECT 1 FROM change_ci_update u WHERE "
                       "u.change_id = \"change\".id AND u.applied_at IS NULL)", column="resolved_at"))


def _change_record(ev: EvCtx, facts: list[Fact], gaps: list[Gap | None]) -> None:
    """Issue 18's rules, as evidence: the full record before deployment (8.5.1.3), remedial
    actions of unsuccessful changes, configuration changed under a change (8.5.1.1)."""
    if not ev.probe.has("change", "verification_results", "backout_tested"):
        return
    started = "status IN ('implementing', 'review', 'closed')"
    ready = ("verification_results <> '' AND (backout_tested = 'yes' OR (backout_tested = 'no' "
             "AND backout_untested_reason <> ''))")
    facts.append(Fact("Started verified, back-out test answered (8.5.1.3)",
                      f"{ev.count('change', f'{started} AND {ready}')} of "
                      f"{ev.count('change', started)}"))
    tested_yes = ev.count("change", f"{started} AND backout_tested = 'yes'")
    tested_no = ev.count("change", f"{started} AND backout_tested = 'no'")
    facts.append(Fact("Back-out plan tested", f"{tested_yes} yes, {tested_no} no (with why not)"))
    facts.append(Fact("Service proposals (add, remove, transfer a service; 8.5.2)",
                      str(ev.count("change", "service_change <> ''"))))
    started_late = ("EXISTS (SELECT 1 FROM journal_entry j WHERE j.record_ref = \"change\".ref "
                    "AND j.action = 'window_warning')")
    facts.append(Fact("Started outside their planned window (warned, journaled)",
                      str(ev.count("change", started_late))))
    gaps.append(ev.gap("changes.unverified", "changes started without verification results or "
                       "without saying whether the back-out plan was tested", "change",
                       f"{started} AND NOT ({ready})"))
    if ev.probe.has("remedial_action", "change_ref", "done_at"):
        remedied = ("EXISTS (SELECT 1 FROM remedial_action a WHERE a.change_ref = \"change\".ref) "
                    "AND NOT EXISTS (SELECT 1 FROM remedial_action a WHERE a.change_ref = "
                    "\"change\".ref AND a.done_at IS NULL)")
        unsuccessful = "outcome IN ('failed', 'backed_out')"
        facts.append(Fact("Unsuccessful changes remedied (every remedial action done)",
                          f"{ev.count('change', f'{unsuccessful} AND {remedied}', column='resolved_at')} of "
                          f"{ev.count('change', unsuccessful, column='resolved_at')}"))
        gaps.append(ev.gap("changes.unremedied", "closed unsuccessful changes without remedial "
                           "actions done", "change", f"{unsuccessful} AND status = 'closed' AND NOT "
                           f"({remedied})", column="resolved_at"))
    updates = int(scalar(ev.session, "SELECT COUNT(*) FROM journal_entry WHERE action = "
                         "'configuration_update' AND at >= :s AND at < :e", **ev.params) or 0)
    facts.append(Fact("Configuration updates made under a change (8.5.1.1)", str(updates)))


def attach_documents(ev: EvCtx, clause: ClauseEvidence) -> ClauseEvidence:
    """Count the register's documents an auditor asks for under this clause as evidence;
    what is not registered is ``outside`` the desk; an overdue review or a missing approval
    is a gap."""
    from dataclasses import replace

    from ...domain.evidence import DOCUMENTARY_CLAUSES, kinds_for

    kinds = kinds_for(clause.clause)
    if not kinds:
        return clause
    if not ev.probe.has("document", "kind", "status", "next_review", "approved_on"):
        return replace(clause, outside=tuple(k.label for k in kinds))
    keys = {k.key for k in kinds}
    found = [r for r in _register(ev) if r[3] in keys]
    held = {r[3] for r in found}
    overdue = tuple(r[0] for r in found if r[4])
    unapproved = tuple(r[0] for r in found if r[5])
    gaps = list(clause.gaps)
    if overdue:
        gaps.append(Gap("documents.review_overdue", "documents whose review date had passed at "
                        "the end of the period" if ev.past else "documents whose review date has passed",
                        len(overdue), overdue[: ev.max_refs] if ev.max_refs else overdue))
    if unapproved:
        gaps.append(Gap("documents.unapproved", "documents with no approval date",
                        len(unapproved), unapproved[: ev.max_refs] if ev.max_refs else unapproved))
    listed = tuple(f"{r[0]} {r[1]}" + (f" (version {r[2]})" if r[2] else "") for r in found)
    facts = clause.facts + (Fact("Documented information in the register",
                                 f"{len(found)} ({len(overdue)} overdue for review)"),)
    good = sum(1 for r in found if not r[4] and not r[5]) if clause.clause in DOCUMENTARY_CLAUSES else 0
    return replace(clause, facts=facts, gaps=tuple(gaps), documents=listed,
                   evidence=clause.evidence + good,
                   outside=tuple(k.label for k in kinds if k.key not in held))


def _register(ev: EvCtx) -> list[tuple]:
    """The current documents of the register as it stood at the end of the period (read once
    per report): (ref, title, version, kind, overdue for review, unapproved), by kind.

    A document registered after the period was not in it, one withdrawn since was; its
    title, version, kind, approval and next review are those it had then (undone from its
    journal), and its review was overdue when its date had passed by the period's end."""
    if ev._documents is not None:
        return ev._documents
    from .as_at import when

    fields = ("title", "doc_version", "kind", "status", "next_review", "approved_on")
    now = {ref: dict(zip(fields, values, strict=True)) | {"id": id_}
           for id_, ref, *values in rows(ev.session, f"SELECT id, ref, {', '.join(fields)} FROM "
                                         f"document WHERE {ev.existed()}", **ev.params)}
    then = ev.rolled_back(now, ("document",), fields)
    found = []
    for ref, doc in sorted(then.items(), key=lambda item: (str(item[1]["kind"]), item[1]["id"])):
        if doc["status"] != "current":
            continue
        review = when(doc["next_review"])
        found.append((ref, doc["title"] or "", doc["doc_version"] or "", doc["kind"],
                      review is not None and review < ev.as_of, when(doc["approved_on"]) is None))
    ev._documents = found
    return found


def build_clauses(session: Session, probe: Probe, period: Period, now: datetime,
                  max_refs: int | None, config: Any = None) -> tuple[ClauseEvidence, ...]:
    """Evidence for every clause the product serves, in clause order."""
    from . import evidence_more as more
    from . import evidence_sms as sms

    ev = EvCtx(session, probe, period, now, max_refs, config)
    built = (
        sms.configuration(ev),
        sms.service_trends(ev),
        sms.service_levels(ev),
        more.suppliers(ev),
        more.budget_and_capacity(ev),
        changes(ev),
        more.design_and_transition(ev),
        incidents(ev),
        requests(ev),
        problems(ev),
        more.continuity_and_security(ev),
        sms.planned_reviews(ev),
        more.monitoring(ev),
        more.internal_audit(ev),
        more.management_review(ev),
        sms.reporting(ev),
        sms.nonconformities(ev),
        sms.improvements(ev),
    )
    return tuple(attach_documents(ev, c) for c in built)
