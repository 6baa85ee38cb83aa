"""The configuration updates a change plans, applied under it when it is implemented
(8.5.1 with 8.2.6).

A change records what it will do to its CIs (``app-payroll: status → retired``).
When it is implemented the desk *offers* those updates: apply all, pick some, or
skip them for now. Each applied update is an ordinary CI edit under that change
(:meth:`CatalogueService.update_ci_in` with ``change=``), so change control
holds, the CI's journal names the change and the change's journal names the
configuration update; the planned update is marked applied (who, when).
Applying them all is one transaction: one refusal and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from ...domain.errors import ValidationError
from ...domain.kinds import Kind
from ...storage.change_links import ChangeCIUpdate
from ...storage.models import Change, ConfigurationItem
from ..configuration.catalogue import (
    CatalogueService,
    parse_ci_status,
    parse_ci_type,
)
from ..core.rule_support import clean_text, write_entry
from ..core.store import Store
from .rules import refuse_substance, targets_of
from .service import ChangeService

# the CI fields a change may plan to set, and the names an analyst may use for them
PLANNABLE = ("ci_type", "status", "description", "service")
PLANNING_STATES = ("new", "assessing", "approved", "scheduled", "implementing")
MAX_PLANNED = 100


@dataclass(frozen=True)
class PlannedUpdate:
    """One configuration update a change plans."""

    position: int
    ci: str
    field: str
    value: str
    applied_at: datetime | None = None
    applied_by: str = ""

    @property
    def applied(self) -> bool:
        return self.applied_at is not None

    def describe(self) -> str:
        """``app-payroll: status → retired`` (an empty value reads '(none)')."""
        return f"{self.ci}: {self.field.replace('ci_type', 'type')} → {self.value or '(none)'}"


@dataclass(frozen=True)
class ApplyResult:
    """What applying a change's planned updates did."""

    ref: str
    applied: list[PlannedUpdate]
    already: list[PlannedUpdate]  # the CI already had that value: marked applied, nothing edited
    pending: list[PlannedUpdate]  # still not applied (skipped)


def _views(session: Session, change: Change) -> list[PlannedUpdate]:
    stmt = (select(ChangeCIUpdate, ConfigurationItem.name)
            .join(ConfigurationItem, col(ConfigurationItem.id) == ChangeCIUpdate.ci_id)
            .where(ChangeCIUpdate.change_id == change.id).order_by(col(ChangeCIUpdate.position)))
    return [PlannedUpdate(u.position, name, u.ci_field, u.value, u.applied_at, u.applied_by)
            for u, name in session.exec(stmt)]


def planned_in(session: Session, change: Change) -> list[PlannedUpdate]:
    """The updates ``change`` plans, in order (for the change's detail)."""
    return _views(session, change)


class ChangeCIUpdates:
    """Plan configuration updates on a change; apply them under it when it is implemented."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.changes = ChangeService(store)
        self.catalogue = CatalogueService(store)

    def _value(self, session: Session, field: str, value: Any) -> str:
        if field == "ci_type":
            return parse_ci_type(str(value), self.catalogue.ci_types)
        if field == "status":
            return parse_ci_status(str(value))
        if field == "service":
            return self.catalogue._service(session, str(value)).name if str(value).strip() else ""
        return clean_text(value, "description")

    def plan(self, ref: str, ci: str, **values: Any) -> list[PlannedUpdate]:
        """Plan setting fields of ``ci`` (``ci_type``, ``status``, ``description``, ``service``)
        when ``ref`` is implemented; the CI becomes one of the change's targets. Journaled."""
        given = {k: v for k, v in values.items() if v is not None}
        unknown = sorted(set(given) - set(PLANNABLE))
        if unknown:
            raise ValidationError(f"'{unknown[0]}' is not a CI field a change can plan; use "
                                  "type, status, description or service")
        if not given:
            raise ValidationError("plan at least one update: --type, --status, --description "
                                  "or --service")
        with self.store.write() as session:
            row = self.changes._load(session, ref)
            if row.status not in PLANNING_STATES:
                raise ValidationError(f"{row.ref} is {row.status}; CI updates are planned before "
                                      "it is implemented")
            refuse_substance(row, ["ci_updates"])  # what it does to CIs is part of what is approved
            item = self.catalogue._ci(session, ci)
            now = self.store.now()
            count = session.exec(select(func.count()).select_from(ChangeCIUpdate)
                                 .where(ChangeCIUpdate.change_id == row.id)).one()
            if count + len(given) > MAX_PLANNED:
                raise ValidationError(f"{row.ref} already plans {count} CI updates; keep it to "
                                      f"{MAX_PLANNED}")
            if item.name not in targets_of(session, row)[1]:
                self.changes._add_targets_in(session, row, [], [item.name], now)
            planned = []
            for position, field in enumerate((f for f in PLANNABLE if f in given), start=count + 1):
                value = self._value(session, field, given[field])
                session.add(ChangeCIUpdate(change_id=row.id or 0, position=position, ci_id=item.id or 0,
                                           ci_field=field, value=value, created_at=now,
                                           created_by=self.store.actor))
                planned.append(PlannedUpdate(position, item.name, field, value).describe())
            session.flush()
            write_entry(session, self.store, Kind.CHANGE, row, "ci_update_planned", now,
                        {"planned_ci_updates": (count or None, count + len(planned))},
                        "; ".join(planned))
            return _views(session, row)

    def planned(self, ref: str) -> list[PlannedUpdate]:
        """The updates a change plans, applied or not, in order."""
        with self.store.read() as session:
            return _views(session, self.changes._load(session, ref))

    def apply(self, ref: str, positions: list[int] | None = None) -> ApplyResult:
        """Apply the pending planned updates (all, or those at ``positions``) under ``ref``,
        which must be implementing. One transaction: a refusal writes nothing."""
        with self.store.write() as session:
            row = self.changes._load(session, ref)
            if row.status != "implementing":
                raise ValidationError(f"{row.ref} is {row.status}; its planned CI updates are applied "
                                      "while it is implementing (changes start first)")
            updates = list(session.exec(select(ChangeCIUpdate).where(ChangeCIUpdate.change_id == row.id)
                                        .order_by(col(ChangeCIUpdate.position))))
            if not updates:
                raise ValidationError(f"{row.ref} plans no CI updates")
            by_position = {u.position: u for u in updates}
            if positions is None:
                chosen = [u for u in updates if u.applied_at is None]
            else:
                chosen = []
                for n in positions:
                    if n not in by_position:
                        raise ValidationError(f"{row.ref} has no planned CI update {n}; it has 1 to "
                                              f"{len(updates)}")
                    if by_position[n].applied_at is not None:
                        raise ValidationError(f"planned CI update {n} of {row.ref} is already applied")
                    if by_position[n] not in chosen:
                        chosen.append(by_position[n])
            if not chosen:
                raise ValidationError(f"every planned CI update of {row.ref} is already applied")
            now = self.store.now()
            applied, already = [], []
            for update in chosen:
                ci = session.get(ConfigurationItem, update.ci_id)
                assert ci is not None
                view = PlannedUpdate(update.position, ci.name, update.ci_field, update.value)
                try:
                    self.catalogue.update_ci_in(
                        session, ci.name, change=row.ref, now=now,
                        note=f"planned update {update.position} of {row.ref}",
                        **{update.ci_field: update.value})
                    applied.append(view)
                except ValidationError as exc:
                    if "already has those values" not in str(exc):
                        raise ValidationError(f"planned CI update {update.position} "
                                              f"({view.describe()}): {exc}") from None
                    already.append(view)
                update.applied_at, update.applied_by = now, self.store.actor
            session.flush()
            write_entry(session, self.store, Kind.CHANGE, row, "ci_updates_applied", now,
                        {"applied": (None, ", ".join(str(u.position) for u in applied + already))},
                        "; ".join(u.describe() for u in applied)
                        + ("; already so: " + "; ".join(u.describe() for u in already) if already else ""))
            pending = [v for v in _views(session, row) if not v.applied]
            return ApplyResult(row.ref, applied, already, pending)
