"""The service catalogue and the configuration items behind it (8.2.6).

Services carry the criticality the business gives them; configuration items
(CIs) have a unique name, a type, a description, a status (planned, active,
retired), an optional service, and directed relationships to other CIs.

Every public method is one transaction. Every change is journaled under
``SVC:<name>`` (record_kind ``service``) or ``CI:<name>`` (record_kind ``ci``),
so the catalogue has the same who/when/what trail as the records. The ``*_in``
methods work inside a caller's session (demo data, imports).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from ...domain.configuration import DEFAULT_CI_TYPES, ci_types_from_config
from ...domain.configuration import parse_ci_type as _parse_ci_type
from ...domain.errors import NotFound, ValidationError, hinted
from ...domain.priority import Level
from ...domain.text import has_visible_text
from ...storage.models import CIRelationship, ConfigurationItem, Service
from ..core import journal
from ..core.names import named
from ..core.store import Store
from ..core.views import JournalView, LinkView

CI_STATUSES = ("planned", "active", "retired")
CI_TYPES = DEFAULT_CI_TYPES  # the default set; the config may define its own
MAX_NAME = 100
_RELATION_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class ServiceView:
    """A service of the catalogue."""

    name: str
    criticality: str
    description: str
    created_at: datetime
    ci_count: int = 0
    owner: str = ""  # told of the changes planned on it


@dataclass(frozen=True)
class CIRelationView:
    """One relationship seen from a CI: ``source relation target``.

    ``direction`` is ``out`` when the CI asked about is the source, ``in`` when
    it is the target.
    """

    source: str
    relation: str
    target: str
    direction: str = "out"
    source_kind: str = "ci"  # "service": a service in the graph (service depends_on/used_by ci)

    def describe(self) -> str:
        source = f"service {self.source}" if self.source_kind == "service" else self.source
        return f"{source} {self.relation} {self.target}"


@dataclass(frozen=True)
class CIView:
    """A configuration item, with its relationships when read alone."""

    name: str
    ci_type: str
    description: str
    status: str
    service: str
    created_at: datetime
    updated_at: datetime
    relationships: list[CIRelationView] = field(default_factory=list)


def clean_name(name: str, what: str) -> str:
    """A stripped, non-empty, single-line name of reasonable length."""
    text = (name or "").strip()
    if not has_visible_text(text):  # zero-width or bidi marks alone name nothing
        raise ValidationError(f"{what} name must not be empty")
    if any(ch in text for ch in "\n\r\t"):
        raise ValidationError(f"{what} name must be on one line")
    if len(text) > MAX_NAME:
        raise ValidationError(f"{what} name is {len(text)} characters; keep it to {MAX_NAME}")
    return text


def parse_owner(value: str | None) -> str:
    """A service owner's mail address ('Dana <dana@example.org>'), or '' for none."""
    from email.utils import parseaddr

    text = (value or "").strip()
    if not text:
        return ""
    if len(text) > 200 or "\n" in text or "\r" in text or "@" not in parseaddr(text)[1]:
        shown = text[:60].encode("unicode_escape").decode("ascii")
        raise ValidationError(f"service owner '{shown}' is not a mail address "
                              "(e.g. 'Dana <dana@example.org>')")
    return text


def parse_criticality(value: str) -> str:
    """'high', 'Medium', 'l'... -> 'high' | 'medium' | 'low'."""
    return Level.parse(value, "criticality").value


def parse_ci_status(value: str) -> str:
    text = (value or "").strip().lower()
    if text not in CI_STATUSES:
        raise ValidationError(f"unknown CI status '{value}': use {', '.join(CI_STATUSES)}")
    return text


def parse_ci_type(value: str, allowed: tuple[str, ...] = DEFAULT_CI_TYPES) -> str:
    """A CI type from the organization's list (``[configuration] ci_types``)."""
    return _parse_ci_type(value, allowed)


def parse_relation(value: str) -> str:
    text = (value or "").strip().lower().replace(" ", "_").replace("-", "_")
    if not _RELATION_RE.match(text):
        raise ValidationError(
            f"relation '{value}' must be one word of letters, digits or _ (e.g. depends_on, runs_on)"
        )
    return text


def service_ref(name: str) -> str:
    return f"SVC:{name}"


def ci_ref(name: str) -> str:
    return f"CI:{name}"


class CatalogueService:
    """Use cases on services, configuration items and their relationships."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.ci_types = ci_types_from_config(store.config.section("configuration") or None,
                                             str(store.config.path or "config"))

    # ----------------------------------------------------------------- helpers
    def _journal(self, session: Session, ref: str, kind: str, action: str, now: datetime,
                 changes: dict[str, tuple[Any, Any]] | None = None, note: str = "") -> None:
        journal.append(session, ref=ref, kind=kind, actor=self.store.actor, at=now,
                       action=action, changes=changes, note=note)

    def _service(self, session: Session, name: str) -> Service:
        found = named(session, Service, name)
        if found is None:
            names = session.exec(select(Service.name).order_by(Service.name)).all()
            hint = f"; known services: {', '.join(names)}" if names else "; no services exist yet"
            raise NotFound(f"no service named '{name}'{hint}")
        return found

    def _ci(self, session: Session, name: str) -> ConfigurationItem:
        found = named(session, ConfigurationItem, name)
        if found is None:
            missing = NotFound(f"no configuration item named '{name}'")
            hinted(missing, cli="see: sms-tui ci list")  # the CLI adds it
            raise missing
        return found

    def _authorise(self, session: Session, *, ci: ConfigurationItem | None = None,
                   service: Service | None = None, change: str | None) -> Any:
        from .change_control import authorise_in

        return authorise_in(session, self.store, ci=ci, service=service, change_ref=change)

    def _note_on_change(self, session: Session, change: Any, what: str, name: str,
                        changes: dict[str, tuple[Any, Any]], now: datetime) -> None:
        if change is None:
            return
        from .change_control import note_on_change_in

        summary = "; ".join(f"{k}: {a if a not in (None, '') else '–'} → {b if b not in (None, '') else '–'}"
                            for k, (a, b) in changes.items() if k != "change")
        note_on_change_in(session, self.store, change, what=what, name=name, summary=summary, now=now)

    def _refuse_duplicate(self, session: Session, model: type, name: str, what: str,
                          except_id: int | None = None) -> None:
        # Case-insensitive: "Email" and "email" would only confuse the desk.
        stmt = select(model).where(func.lower(model.name) == name.lower())
        for other in session.exec(stmt):
            if other.id != except_id:
                raise ValidationError(f"a {what} named '{other.name}' already exists")

    def _service_view(self, session: Session, row: Service) -> ServiceView:
        count = session.exec(
            select(func.count()).select_from(ConfigurationItem)
            .where(ConfigurationItem.service_id == row.id)
        ).one()
        return ServiceView(row.name, row.criticality, row.description, row.created_at, count, row.owner)

    def _ci_view(self, session: Session, row: ConfigurationItem, full: bool = True) -> CIView:
        service = session.get(Service, row.service_id) if row.service_id else None
        return CIView(
            name=row.name, ci_type=row.ci_type, description=row.description, status=row.status,
            service=service.name if service else "", created_at=row.created_at,
            updated_at=row.updated_at,
            relationships=self._relationships(session, row) if full else [],
        )

    def _relationships(self, session: Session, row: ConfigurationItem) -> list[CIRelationView]:
        src, dst = aliased(ConfigurationItem), aliased(ConfigurationItem)
        stmt = (
            select(src.name, CIRelationship.relation, dst.name, CIRelationship.source_id)
            .join(src, src.id == CIRelationship.source_id)
            .join(dst, dst.id == CIRelationship.target_id)
            .where(or_(CIRelationship.source_id == row.id, CIRelationship.target_id == row.id))
            .order_by(col(CIRelationship.id))
        )
        found = [
            CIRelationView(source, relation, target, "out" if source_id == row.id else "in")
            for source, relation, target, source_id in session.exec(stmt)
        ]
        from ...storage.models import ServiceCIRelationship

        services = (select(Service.name, ServiceCIRelationship.relation)
                    .join(Service, col(Service.id) == ServiceCIRelationship.service_id)
                    .where(ServiceCIRelationship.ci_id == row.id).order_by(col(ServiceCIRelationship.id)))
        return found + [CIRelationView(name, relation, row.name, "in", "service")
                        for name, relation in session.exec(services)]

    # ----------------------------------------------------------------- services
    def add_service(self, name: str, *, criticality: str = "medium",
                    description: str = "", owner: str = "") -> ServiceView:
        """Add a service to the catalogue; names are unique (ignoring case)."""
        owner = parse_owner(owner)
        with self.store.write() as session:
            row = self.add_service_in(session, name, criticality=criticality,
                                      description=description, now=self.store.now())
            if owner:
                row.owner = owner
                self._journal(session, service_ref(row.name), "service", "update", self.store.now(),
                              {"owner": (None, owner)})
            return self._service_view(session, row)

    def add_service_in(self, session: Session, name: str, *, criticality: str = "medium",
                       description: str = "", now: datetime) -> Service:
        name = clean_name(name, "service")
        criticality = parse_criticality(criticality)
        self._refuse_duplicate(session, Service, name, "service")
        row = Service(name=name, criticality=criticality, description=description or "",
                      created_at=now)
        session.add(row)
        session.flush()
        changes: dict[str, tuple[Any, Any]] = {"name": (None, name), "criticality": (None, criticality)}
        if row.description:
            changes["description"] = (None, row.description)
        self._journal(session, service_ref(name), "service", "create", now, changes)
        return row

    def list_services(self) -> list[ServiceView]:
        """Every service, most critical first, then by name."""
        order = {"high": 0, "medium": 1, "low": 2}
        with self.store.read() as session:
            views = [self._service_view(session, row) for row in session.exec(select(Service))]
        return sorted(views, key=lambda s: (order.get(s.criticality, 3), s.name.lower()))

    def get_service(self, name: str) -> ServiceView:
        with self.store.read() as session:
            return self._service_view(session, self._service(session, name))

    def update_service(self, name: str, *, new_name: str | None = None,
                       criticality: str | None = None, description: str | None = None,
                       note: str = "", change: str | None = None,
                       owner: str | None = None) -> ServiceView:
        """Rename a service or change its criticality or description; journals old → new.

        A service under change control needs ``change``: an authorising change listing it."""
        with self.store.write() as session:
            row = self._service(session, name)
            changes: dict[str, tuple[Any, Any]] = {}
            if new_name is not None:
                new_name = clean_name(new_name, "service")
                if new_name != row.name:
                    self._refuse_duplicate(session, Service, new_name, "service", except_id=row.id)
                    changes["name"] = (row.name, new_name)
            if criticality is not None and (value := parse_criticality(criticality)) != row.criticality:
                changes["criticality"] = (row.criticality, value)
            if description is not None and description != row.description:
                changes["description"] = (row.description, description)
            if owner is not None and (value := parse_owner(owner)) != row.owner:
                changes["owner"] = (row.owner, value)
            if not changes:
                raise ValidationError(f"service '{row.name}' already has those values")
            authorising = self._authorise(session, service=row, change=change)
            old_ref = service_ref(row.name)
            for key, (_old, new) in changes.items():
                setattr(row, key, new)
            if authorising is not None:
                changes["change"] = (None, authorising.ref)
            now = self.store.now()
            self._journal(session, old_ref, "service", "update", now, changes, note)
            if "name" in changes:  # the new name's trail starts with where it came from
                self._journal(session, service_ref(row.name), "service", "update", now, changes, note)
            self._note_on_change(session, authorising, "service", row.name, changes, now)
            return self._service_view(session, row)

    # ----------------------------------------------------------------- CIs
    def add_ci(self, name: str, *, ci_type: str = "server", description: str = "",
               status: str = "active", service: str | None = None) -> CIView:
        """Add a configuration item; its name is its unique identifier (ignoring case)."""
        with self.store.write() as session:
            row = self.add_ci_in(session, name, ci_type=ci_type, description=description,
                                 status=status, service=service, now=self.store.now())
            return self._ci_view(session, row)

    def add_ci_in(self, session: Session, name: str, *, ci_type: str = "server",
                  description: str = "", status: str = "active", service: str | None = None,
                  now: datetime) -> ConfigurationItem:
        name = clean_name(name, "configuration item")
        ci_type = parse_ci_type(ci_type, self.ci_types)
        status = parse_ci_status(status)
        self._refuse_duplicate(session, ConfigurationItem, name, "configuration item")
        service_row = self._service(session, service) if service else None
        row = ConfigurationItem(
            name=name, ci_type=ci_type, description=description or "", status=status,
            service_id=service_row.id if service_row else None, created_at=now, updated_at=now,
        )
        session.add(row)
        session.flush()
        changes: dict[str, tuple[Any, Any]] = {
            "name": (None, name), "ci_type": (None, ci_type), "status": (None, status),
        }
        if service_row:
            changes["service"] = (None, service_row.name)
        if row.description:
            changes["description"] = (None, row.description)
        self._journal(session, ci_ref(name), "ci", "create", now, changes)
        return row

    def names(self) -> tuple[list[str], list[str]]:
        """Every service's name and every CI's name, each by name: what a record's Service and
        CI fields complete from."""
        with self.store.read() as session:
            services = session.exec(select(Service.name).order_by(func.lower(Service.name))).all()
            cis = session.exec(select(ConfigurationItem.name)
                               .order_by(func.lower(ConfigurationItem.name))).all()
        return list(services), list(cis)

    def list_cis(self, *, service: str | None = None, status: str | None = None) -> list[CIView]:
        """CIs by name, optionally only one service's or one status's."""
        with self.store.read() as session:
            stmt = select(ConfigurationItem).order_by(func.lower(ConfigurationItem.name))
            if service:
                stmt = stmt.where(ConfigurationItem.service_id == self._service(session, service).id)
            if status:
                stmt = stmt.where(ConfigurationItem.status == parse_ci_status(status))
            return [self._ci_view(session, row, full=False) for row in session.exec(stmt)]

    def get_ci(self, name: str) -> CIView:
        """A CI with its relationships in both directions."""
        with self.store.read() as session:
            return self._ci_view(session, self._ci(session, name))

    def update_ci(self, name: str, *, ci_type: str | None = None, description: str | None = None,
                  status: str | None = None, service: str | None = None,
                  note: str = "", change: str | None = None) -> CIView:
        """Change a CI's type, description, status or service (``""`` detaches it).

        A CI under change control needs ``change``: an authorising change listing it."""
        with self.store.write() as session:
            return self.update_ci_in(session, name, ci_type=ci_type, description=description,
                                     status=status, service=service, note=note, change=change,
                                     now=self.store.now())

    def update_ci_in(self, session: Session, name: str, *, ci_type: str | None = None,
                     description: str | None = None, status: str | None = None,
                     service: str | None = None, note: str = "", change: str | None = None,
                     now: datetime) -> CIView:
        """:meth:`update_ci` in the caller's transaction (a change applying its planned updates)."""
        row = self._ci(session, name)
        # checked against the CI as it is (its type and service before this edit)
        authorising = self._authorise(session, ci=row, change=change)
        changes: dict[str, tuple[Any, Any]] = {}
        if ci_type is not None and (value := parse_ci_type(ci_type, self.ci_types)) != row.ci_type:
            changes["ci_type"] = (row.ci_type, value)
            row.ci_type = value
        if status is not None and (value := parse_ci_status(status)) != row.status:
            changes["status"] = (row.status, value)
            row.status = value
        if description is not None and description != row.description:
            changes["description"] = (row.description, description)
            row.description = description
        if service is not None:
            new = self._service(session, service) if service.strip() else None
            new_id = new.id if new else None
            if new_id != row.service_id:
                old = session.get(Service, row.service_id) if row.service_id else None
                changes["service"] = (old.name if old else None, new.name if new else None)
                row.service_id = new_id
        if not changes:
            raise ValidationError(f"configuration item '{row.name}' already has those values")
        if authorising is not None:
            changes["change"] = (None, authorising.ref)
        row.updated_at = now
        self._journal(session, ci_ref(row.name), "ci", "update", now, changes, note)
        self._note_on_change(session, authorising, "ci", row.name, changes, now)
        return self._ci_view(session, row)

    def relate(self, source: str, target: str, relation: str = "depends_on", *,
               change: str | None = None) -> CIRelationView:
        """Record that ``source relation target`` (e.g. app-01 runs_on srv-01).

        A source CI under change control needs ``change``, listing it."""
        with self.store.write() as session:
            authorising = self._authorise(session, ci=self._ci(session, source), change=change)
            now = self.store.now()
            view = self.relate_in(session, source, target, relation, now=now,
                                  change_ref=authorising.ref if authorising else "")
            self._note_on_change(session, authorising, "ci", view.source,
                                 {"relationship": (None, view.describe())}, now)
            return view

    def relate_in(self, session: Session, source: str, target: str, relation: str = "depends_on",
                  *, now: datetime, change_ref: str = "") -> CIRelationView:
        relation = parse_relation(relation)
        src, dst = self._ci(session, source), self._ci(session, target)
        if src.id == dst.id:
            raise ValidationError(f"a configuration item cannot relate to itself ('{src.name}')")
        exists = session.exec(select(CIRelationship).where(
            CIRelationship.source_id == src.id, CIRelationship.target_id == dst.id,
            CIRelationship.relation == relation)).first()
        if exists:
            raise ValidationError(f"'{src.name} {relation} {dst.name}' is already recorded")
        session.add(CIRelationship(source_id=src.id, target_id=dst.id, relation=relation))
        text = f"{src.name} {relation} {dst.name}"
        changes: dict[str, tuple[Any, Any]] = {"relationship": (None, text)}
        if change_ref:
            changes["change"] = (None, change_ref)
        for row in (src, dst):
            row.updated_at = now
            self._journal(session, ci_ref(row.name), "ci", "relate", now, changes)
        session.flush()
        return CIRelationView(src.name, relation, dst.name, "out")

    def unrelate(self, source: str, target: str, relation: str | None = None, *,
                 change: str | None = None) -> int:
        """Remove the relationship(s) from source to target (all relations unless one is named).

        Returns how many were removed; refuses when there is none. A source CI under
        change control needs ``change``, listing it.
        """
        with self.store.write() as session:
            src, dst = self._ci(session, source), self._ci(session, target)
            authorising = self._authorise(session, ci=src, change=change)
            stmt = select(CIRelationship).where(CIRelationship.source_id == src.id,
                                                CIRelationship.target_id == dst.id)
            if relation:
                stmt = stmt.where(CIRelationship.relation == parse_relation(relation))
            found = list(session.exec(stmt))
            if not found:
                what = f"'{src.name} {relation} {dst.name}'" if relation else \
                    f"relationship from '{src.name}' to '{dst.name}'"
                raise NotFound(f"there is no {what}")
            now = self.store.now()
            for rel in found:
                text = f"{src.name} {rel.relation} {dst.name}"
                session.delete(rel)
                changes: dict[str, tuple[Any, Any]] = {"relationship": (text, None)}
                if authorising is not None:
                    changes["change"] = (None, authorising.ref)
                for row in (src, dst):
                    self._journal(session, ci_ref(row.name), "ci", "unrelate", now, changes)
                self._note_on_change(session, authorising, "ci", src.name, {"relationship": (text, None)},
                                     now)
            src.updated_at = dst.updated_at = now
            return len(found)

    def relationships(self, name: str) -> list[CIRelationView]:
        """A CI's relationships, both those it starts and those pointing at it."""
        with self.store.read() as session:
            return self._relationships(session, self._ci(session, name))

    def linked_records(self, name: str, *, ci: bool = False, limit: int = 20) -> list[LinkView]:
        """The incidents, problems and changes recorded against a CI (``ci``) or a service,
        newest first per kind, at most ``limit`` of each (8.2.6: what the CI has been through)."""
        from ...storage.change_links import ChangeCILink, ChangeServiceLink
        from ...storage.models import Change, Incident, Problem

        with self.store.read() as session:
            row = self._ci(session, name) if ci else self._service(session, name)
            column = "ci_id" if ci else "service_id"
            found: list[LinkView] = []
            for label, model in (("incident", Incident), ("problem", Problem), ("change", Change)):
                where = getattr(model, column) == row.id
                if model is Change:  # a change lists any number of CIs and services
                    link = ChangeCILink if ci else ChangeServiceLink
                    listed = select(link.change_id).where(getattr(link, column) == row.id)
                    where = or_(where, col(Change.id).in_(listed))
                stmt = select(model).where(where).order_by(col(model.id).desc()).limit(limit)
                found += [LinkView(label, r.ref, r.title, r.status) for r in session.exec(stmt)]
            return found

    def history(self, name: str, *, ci: bool = False) -> list[JournalView]:
        """The journal of a service (or of a CI with ``ci=True``), newest first."""
        with self.store.read() as session:
            if ci:
                return journal.entries_for(session, ci_ref(self._ci(session, name).name))
            return journal.entries_for(session, service_ref(self._service(session, name).name))
