"""Customer satisfaction on a representative sample (8.3.2), at the planned interval.

:meth:`SurveyService.sample` draws, for one period, a sample of the incidents
resolved and the requests fulfilled in it whose requester accepts mail --
stratified by organisation (each organisation gets its share of the sample,
and at least one invitation when it had any records), at most one invitation
per person -- and sends each requester a one-question survey through the
outbox (``[REF] How did we do?``). The answer is a score from 1 to 5: by a
mail reply (``mail-in`` reads the first digit 1-5 of what the reply adds) or
entered by an analyst (:meth:`answer`). :meth:`results` gives the sample, the
response rate and the mean score per customer organisation, for the 8.3.2
review and the evidence report. Drawing the same period again adds nothing.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from ...domain.errors import NotFound, ValidationError
from ...domain.kinds import Kind
from ...domain.text import one_line
from ...storage.contacts import Contact, SurveyInvitation
from ...storage.incidents import Communication
from ...storage.models import Incident, ServiceRequest
from ..core import journal
from ..core.store import Store
from ..mail.outbox import recorded_here, smtp_settings
from ..reporting.model import Period

DEFAULT_SIZE = 30
MAX_SIZE = 10_000
_SCORE = re.compile(r"(?<!\d)(?<!\d[.,])([1-5])(?!\d|[.,]\d)")  # '4', '4/5', 'a 4,' not '10.5'



def period_key(period: Period) -> str:
    return f"{period.start.date().isoformat()}/{period.end.date().isoformat()}"


@dataclass(frozen=True)
class InvitationView:
    period: str
    record_ref: str
    contact: str  # 'Name <email>' ('' once the contact was purged)
    organisation: str
    sent_at: datetime
    score: int | None
    comment: str
    answered_via: str

    def to_dict(self) -> dict:
        return {"period": self.period, "record": self.record_ref, "contact": self.contact,
                "organisation": self.organisation, "sent_at": self.sent_at.isoformat(),
                "score": self.score, "comment": self.comment, "answered_via": self.answered_via}


@dataclass(frozen=True)
class OrgResult:
    organisation: str
    invited: int
    answered: int
    mean: float | None

    @property
    def response_rate(self) -> float | None:
        return round(100.0 * self.answered / self.invited, 1) if self.invited else None

    def to_dict(self) -> dict:
        return {"organisation": self.organisation, "invited": self.invited,
                "answered": self.answered, "response_rate": self.response_rate,
                "mean_score": None if self.mean is None else round(self.mean, 2)}


@dataclass(frozen=True)
class SurveyResults:
    period: str
    per_org: tuple[OrgResult, ...]

    @property
    def invited(self) -> int:
        return sum(o.invited for o in self.per_org)

    @property
    def answered(self) -> int:
        return sum(o.answered for o in self.per_org)

    @property
    def mean(self) -> float | None:
        total = sum(o.mean * o.answered for o in self.per_org if o.mean is not None)
        return round(total / self.answered, 2) if self.answered else None


def score_in(text: str) -> int | None:
    """The score a reply gives: the first number 1..5 standing on its own ('4', '4/5', 'a 5!')."""
    found = _SCORE.search(text or "")
    return int(found.group(1)) if found else None


def allocate(sizes: dict[str, int], total: int) -> dict[str, int]:
    """Proportional allocation of ``total`` over strata of ``sizes`` (largest remainder), then
    at least one for every non-empty stratum when ``total`` allows, taken from the largest."""
    strata = {k: n for k, n in sizes.items() if n > 0}
    population = sum(strata.values())
    total = min(total, population)
    if not strata or total <= 0:
        return {}
    quotas = {k: total * n / population for k, n in strata.items()}
    out = {k: int(q) for k, q in quotas.items()}
    for k in sorted(strata, key=lambda k: (-(quotas[k] - int(quotas[k])), k)):
        if sum(out.values()) >= total:
            break
        out[k] += 1
    if total >= len(strata):
        for k in sorted(strata):
            if out[k] == 0:
                donor = max(out, key=lambda d: (out[d], d))
                out[donor] -= 1
                out[k] = 1
    return {k: n for k, n in out.items()}


class SurveyService:
    def __init__(self, store: Store) -> None:
        self.store = store

    def sample(self, period: Period, *, size: int | None = None,
               seed: int | None = None) -> list[InvitationView]:
        """Draw the period's sample and put one survey per requester in the outbox."""
        size = size if size is not None else int(self.store.config.section("survey").get(
            "sample_size", DEFAULT_SIZE))
        if not 1 <= size <= MAX_SIZE:
            raise ValidationError(f"the sample size must be 1..{MAX_SIZE}, not {size}")
        key = period_key(period)
        rng = random.Random(seed if seed is not None else key)
        with self.store.write() as session:
            now = self.store.now()
            already = set(session.exec(select(SurveyInvitation.record_ref)
                                       .where(SurveyInvitation.period == key)).all())
            if already:
                raise ValidationError(f"the period {key} is already sampled ({len(already)} "
                                      "invitations; see: sms-tui survey results)")
            strata: dict[str, list[tuple[str, Contact, str, str]]] = defaultdict(list)
            for model, kind in ((Incident, Kind.INCIDENT), (ServiceRequest, Kind.REQUEST)):
                stmt = (select(model.ref, model.title, Contact)
                        .join(Contact, Contact.id == model.requester_id)
                        .where(col(model.resolved_at) >= period.start,
                               col(model.resolved_at) < period.end,
                               Contact.mail_opt_out == False)  # noqa: E712
                        .order_by(col(model.ref)))
                for ref, title, contact in session.exec(stmt):
                    strata[contact.organisation or "(no organisation)"].append(
                        (ref, contact, title, kind.value))
            # one invitation per person: their records shuffled, the first kept
            for org, rows in strata.items():
                rng.shuffle(rows)
                seen: set[int] = set()
                strata[org] = [r for r in rows if not (r[1].id in seen or seen.add(r[1].id))]
            quota = allocate({org: len(rows) for org, rows in strata.items()}, size)
            invited: list[InvitationView] = []
            for org in sorted(quota):
                for ref, contact, title, kind in strata[org][:quota[org]]:
                    invited.append(self._invite(session, key, ref, kind, title, contact, org, now))
            return invited

    def _invite(self, session: Session, key: str, ref: str, kind: str, title: str,
                contact: Contact, org: str, now: datetime) -> InvitationView:
        session.add(SurveyInvitation(period=key, record_ref=ref, contact_id=contact.id,
                                     organisation=org, sent_at=now))
        subject = one_line(f"[{ref}] How did we do? {title}", 200)
        body = (f"Dear {contact.name},\n\nhow satisfied are you with how we handled {ref}"
                f" ({title})?\n\nReply with a score from 1 (poor) to 5 (excellent), and a few "
                "words if you like.\n\n-- \nService Desk\n")
        send = smtp_settings(self.store.config) is not None
        comm = Communication(record_ref=ref, purpose="requester:survey", created_at=now,
                             created_by=self.store.actor,
                             recipients=f"{one_line(contact.name, 100)} <{contact.email}>"
                             .replace(",", " "), subject=subject, body=body,
                             status="pending" if send else "recorded",
                             next_attempt_at=now if send else None)
        session.add(comm)
        session.flush()
        journal.append(session, ref=ref, kind=kind, actor=self.store.actor, at=now,
                       action="communication",
                       changes={"communication": (None, f"#{comm.id} satisfaction survey")},
                       note=f"to {contact.ref}: survey of {key}")
        if send:
            recorded_here.note(self.store.path, comm.id or 0)
        return InvitationView(key, ref, f"{contact.name} <{contact.email}>", org, now, None, "",
                              "")

    def answer(self, ref: str, score: int, *, comment: str = "", via: str = "cli") -> InvitationView:
        """Record the score (1..5) of the newest open invitation about record ``ref``."""
        with self.store.write() as session:
            return self.answer_in(session, ref, score, comment=comment, via=via,
                                  now=self.store.now())

    def answer_in(self, session: Session, ref: str, score: int, *, comment: str = "",
                  via: str, now: datetime, contact_id: int | None = None) -> InvitationView:
        if not isinstance(score, int) or not 1 <= score <= 5:
            raise ValidationError(f"a satisfaction score is 1..5, not {score!r}")
        from ...domain.kinds import format_ref, parse_ref

        ref = format_ref(*parse_ref(ref))
        stmt = select(SurveyInvitation).where(SurveyInvitation.record_ref == ref)
        if contact_id is not None:
            stmt = stmt.where(SurveyInvitation.contact_id == contact_id)
        found = session.exec(stmt.order_by(col(SurveyInvitation.id).desc())).first()
        if found is None:
            raise NotFound(f"no satisfaction survey was sent about {one_line(ref, 40)}")
        old = found.score
        found.score, found.comment = score, (comment or "").strip()[:500]
        found.answered_at, found.answered_via = now, via
        kind = {"INC": Kind.INCIDENT, "REQ": Kind.REQUEST}.get(found.record_ref[:3], Kind.INCIDENT)
        journal.append(session, ref=found.record_ref, kind=kind.value, actor=self.store.actor,
                       at=now, action="satisfaction",
                       changes={"survey_score": (old, score)},
                       note=f"survey of {found.period} ({via})" + (
                           f": {found.comment}" if found.comment else ""))
        session.flush()
        return self._view(session, found)

    def open_invitation(self, session: Session, ref: str, contact_id: int) -> SurveyInvitation | None:
        return session.exec(select(SurveyInvitation).where(
            SurveyInvitation.record_ref == ref, SurveyInvitation.contact_id == contact_id,
            SurveyInvitation.score == None)  # noqa: E711
            .order_by(col(SurveyInvitation.id).desc())).first()

    @staticmethod
    def _view(session: Session, row: SurveyInvitation) -> InvitationView:
        contact = session.get(Contact, row.contact_id) if row.contact_id else None
        label = f"{contact.name} <{contact.email}>" if contact else ""
        return InvitationView(row.period, row.record_ref, label, row.organisation, row.sent_at,
                              row.score, row.comment, row.answered_via)

    def invitations(self, period: Period | None = None) -> list[InvitationView]:
        with self.store.read() as session:
            stmt = select(SurveyInvitation).order_by(col(SurveyInvitation.period),
                                                     col(SurveyInvitation.organisation),
                                                     col(SurveyInvitation.record_ref))
            if period is not None:
                stmt = stmt.where(SurveyInvitation.period == period_key(period))
            return [self._view(session, row) for row in session.exec(stmt)]

    def results(self, period: Period) -> SurveyResults:
        """Sample, answers and mean score per organisation of the surveys sent in ``period``
        (drawn for it)."""
        return results_in(self.store, period)


def results_in(store: Store, period: Period) -> SurveyResults:
    key = period_key(period)
    per: dict[str, list[int | None]] = defaultdict(list)
    with store.read() as session:
        for org, score in session.exec(select(SurveyInvitation.organisation,
                                              SurveyInvitation.score)
                                       .where(SurveyInvitation.period == key)):
            per[org].append(score)
    out = []
    for org in sorted(per, key=str.lower):
        scores = [s for s in per[org] if s is not None]
        out.append(OrgResult(org, len(per[org]), len(scores),
                             sum(scores) / len(scores) if scores else None))
    return SurveyResults(key, tuple(out))
