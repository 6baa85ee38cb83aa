"""Services in the relationship graph and impact analysis (8.2.6).

A service is a node of the configuration graph beside the CIs: ``service
depends_on ci`` (the service needs the CI) or ``service used_by ci`` (the CI
uses the service). Such a link is a configuration change like a CI
relationship: journaled on the service and on the CI, and, for a service under
change control, made only under a change that lists it
(:mod:`sms_tui.services.configuration.change_control`).

Impact analysis follows the graph from a failing CI (or service) to everything
that needs it: ``a depends_on b`` (or runs_on, connects_to...: any relation but
``used_by``) means a failing ``b`` affects ``a``; ``a used_by b`` means a failing
``a`` affects ``b``; a CI's own service is affected when the CI fails.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from ...domain.errors import NotFound, ValidationError
from ...storage.models import CIRelationship, ConfigurationItem, Service, ServiceCIRelationship
from ..core.store import Store
from .catalogue import CatalogueService, ci_ref, service_ref

SERVICE_RELATIONS = ("depends_on", "used_by")
MAX_NODES = 10_000  # a graph this big is a data error, not a desk


@dataclass(frozen=True)
class ServiceRelationView:
    service: str
    relation: str
    ci: str

    def describe(self) -> str:
        return f"service {self.service} {self.relation} {self.ci}"


@dataclass(frozen=True)
class ImpactView:
    """What a failure of ``name`` affects, nearest first."""

    name: str
    kind: str  # ci | service
    cis: list[str]
    services: list[str]


def parse_service_relation(value: str) -> str:
    text = (value or "").strip().lower().replace("-", "_").replace(" ", "_")
    if text not in SERVICE_RELATIONS:
        raise ValidationError(f"a service relates to a CI as {' or '.join(SERVICE_RELATIONS)} "
                              f"(got '{value}')")
    return text


class CIGraph:
    """Link services into the CI graph; analyse the impact of a failure."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.catalogue = CatalogueService(store)

    def _write(self, service: str, ci: str, relation: str, change: str | None, remove: bool
               ) -> ServiceRelationView:
        relation = parse_service_relation(relation)
        with self.store.write() as session:
            svc, item = self.catalogue._service(session, service), self.catalogue._ci(session, ci)
            authorising = self.catalogue._authorise(session, service=svc, change=change)
            found = session.exec(select(ServiceCIRelationship).where(
                ServiceCIRelationship.service_id == svc.id, ServiceCIRelationship.ci_id == item.id,
                ServiceCIRelationship.relation == relation)).first()
            view = ServiceRelationView(svc.name, relation, item.name)
            if remove and found is None:
                raise NotFound(f"there is no '{view.describe()}'")
            if not remove and found is not None:
                raise ValidationError(f"'{view.describe()}' is already recorded")
            if remove:
                session.delete(found)
            else:
                session.add(ServiceCIRelationship(service_id=svc.id or 0, ci_id=item.id or 0,
                                                  relation=relation))
            text = view.describe()
            changes: dict[str, tuple[Any, Any]] = {"relationship": (text, None) if remove else (None, text)}
            if authorising is not None:
                changes["change"] = (None, authorising.ref)
            now = self.store.now()
            action = "unrelate" if remove else "relate"
            self.catalogue._journal(session, service_ref(svc.name), "service", action, now, changes)
            self.catalogue._journal(session, ci_ref(item.name), "ci", action, now, changes)
            item.updated_at = now
            self.catalogue._note_on_change(session, authorising, "service", svc.name,
                                           {"relationship": changes["relationship"]}, now)
            session.flush()
            return view

    def relate(self, service: str, ci: str, relation: str = "depends_on", *,
               change: str | None = None) -> ServiceRelationView:
        """Record ``service relation ci``; a service under change control needs ``change``."""
        return self._write(service, ci, relation, change, remove=False)

    def unrelate(self, service: str, ci: str, relation: str = "depends_on", *,
                 change: str | None = None) -> ServiceRelationView:
        """Remove ``service relation ci``; a service under change control needs ``change``."""
        return self._write(service, ci, relation, change, remove=True)

    def service_relations(self, service: str) -> list[ServiceRelationView]:
        """The CIs a service is linked to in the graph."""
        with self.store.read() as session:
            svc = self.catalogue._service(session, service)
            stmt = (select(ServiceCIRelationship.relation, ConfigurationItem.name)
                    .join(ConfigurationItem, ConfigurationItem.id == ServiceCIRelationship.ci_id)
                    .where(ServiceCIRelationship.service_id == svc.id)
                    .order_by(ServiceCIRelationship.id))
            return [ServiceRelationView(svc.name, rel, name) for rel, name in session.exec(stmt)]

    # ------------------------------------------------------------------ impact
    def impact(self, name: str, *, service: bool = False) -> ImpactView:
        """The CIs and services a failure of the CI (or ``service``) ``name`` affects."""
        with self.store.read() as session:
            start = self.catalogue._service(session, name) if service else self.catalogue._ci(session, name)
            cis, services = affected_in(session, [("service" if service else "ci", start.id or 0)])
            return ImpactView(start.name, "service" if service else "ci", cis, services)


def _edges(session: Session) -> dict[tuple[str, int], list[tuple[str, int]]]:
    """node -> the nodes its failure affects (nodes are ('ci', id) or ('service', id))."""
    edges: dict[tuple[str, int], list[tuple[str, int]]] = {}

    def add(a: tuple[str, int], b: tuple[str, int]) -> None:
        edges.setdefault(a, []).append(b)

    for src, dst, rel in session.exec(select(CIRelationship.source_id, CIRelationship.target_id,
                                             CIRelationship.relation)):
        if rel == "used_by":
            add(("ci", src), ("ci", dst))
        else:
            add(("ci", dst), ("ci", src))
    for svc, ci, rel in session.exec(select(ServiceCIRelationship.service_id, ServiceCIRelationship.ci_id,
                                            ServiceCIRelationship.relation)):
        if rel == "used_by":
            add(("service", svc), ("ci", ci))
        else:
            add(("ci", ci), ("service", svc))
    for ci, svc in session.exec(select(ConfigurationItem.id, ConfigurationItem.service_id)
                                .where(col(ConfigurationItem.service_id).is_not(None))):
        add(("ci", ci), ("service", svc))
    return edges


def affected_in(session: Session, starts: list[tuple[str, int]]) -> tuple[list[str], list[str]]:
    """(CI names, service names) a failure of the ``starts`` nodes affects, nearest first,
    in the caller's session (a change's assessment uses it for its CIs)."""
    edges = _edges(session)
    seen, order, queue = set(starts), [], deque(starts)
    while queue and len(seen) < MAX_NODES:
        for nxt in edges.get(queue.popleft(), []):
            if nxt not in seen:
                seen.add(nxt)
                order.append(nxt)
                queue.append(nxt)
    cis = [session.get(ConfigurationItem, i) for k, i in order if k == "ci"]
    services = [session.get(Service, i) for k, i in order if k == "service"]
    return [c.name for c in cis if c], [s.name for s in services if s]
