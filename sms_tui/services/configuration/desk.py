"""What the TUI's configuration screen shows and edits (8.2.6 with 8.5.1.2), as plain data.

One read gives every service and CI with what an edit form needs: its values,
whether it is under change control and why (the policy's words), and the
changes that would authorise an edit of it now (approved, scheduled or
implementing, listing it). The detail of one item gives its relationships
(services included), the impact of its failure and the incidents, problems
and changes recorded against it. Edits go through :class:`CatalogueService`,
which enforces change control for the TUI exactly as for the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import col, select

from ...storage.change_links import ChangeCILink, ChangeServiceLink
from ...storage.models import Change, ConfigurationItem, Service
from ..core.store import Store
from ..core.views import LinkView
from .catalogue import CatalogueService
from .change_control import (
    AUTHORISING_STATES,
    change_policy,
    ci_controlled,
    service_controlled,
)
from .ci_graph import CIGraph, ImpactView

MAX_ITEMS = 5000


@dataclass(frozen=True)
class ConfigItem:
    """A service or a CI, with what editing it needs."""

    kind: str  # service | ci
    name: str
    description: str = ""
    # a CI's
    ci_type: str = ""
    status: str = ""
    service: str = ""
    # a service's
    criticality: str = ""
    owner: str = ""
    controlled: str = ""  # why it is under change control ('' when it is not)
    changes: tuple[tuple[str, str], ...] = ()  # (ref, title) of the changes that authorise an edit

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.name}"


@dataclass(frozen=True)
class ConfigDetail:
    item: ConfigItem
    relationships: list[str] = field(default_factory=list)
    impact: ImpactView | None = None
    records: list[LinkView] = field(default_factory=list)


class ConfigurationDesk:
    """Reads for the configuration screen; edits through the catalogue."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.catalogue = CatalogueService(store)
        self.graph = CIGraph(store)

    def items(self) -> list[ConfigItem]:
        """Every service (by name), then every CI (by name)."""
        policy = change_policy(self.store)
        with self.store.read() as session:
            authorising = {c.id: (c.ref, c.title) for c in session.exec(
                select(Change).where(col(Change.status).in_(AUTHORISING_STATES)).order_by(col(Change.id)))}
            by_ci: dict[int, list[tuple[str, str]]] = {}
            by_service: dict[int, list[tuple[str, str]]] = {}
            if authorising:
                ids = list(authorising)
                for change_id, ci_id in session.exec(select(ChangeCILink.change_id, ChangeCILink.ci_id)
                                                     .where(col(ChangeCILink.change_id).in_(ids))):
                    by_ci.setdefault(ci_id, []).append(authorising[change_id])
                for change_id, svc_id in session.exec(
                        select(ChangeServiceLink.change_id, ChangeServiceLink.service_id)
                        .where(col(ChangeServiceLink.change_id).in_(ids))):
                    by_service.setdefault(svc_id, []).append(authorising[change_id])
                for row in session.exec(select(Change).where(col(Change.id).in_(ids))):
                    if row.ci_id and authorising[row.id] not in by_ci.get(row.ci_id, []):
                        by_ci.setdefault(row.ci_id, []).append(authorising[row.id])
                    if row.service_id and authorising[row.id] not in by_service.get(row.service_id, []):
                        by_service.setdefault(row.service_id, []).append(authorising[row.id])
            services = list(session.exec(select(Service).order_by(Service.name).limit(MAX_ITEMS)))
            names = {s.id: s.name for s in services}
            out = [ConfigItem("service", s.name, s.description, criticality=s.criticality, owner=s.owner,
                              controlled=service_controlled(policy, s.name),
                              changes=tuple(by_service.get(s.id or 0, ())))
                   for s in services]
            for ci in session.exec(select(ConfigurationItem).order_by(ConfigurationItem.name)
                                   .limit(MAX_ITEMS)):
                service = names.get(ci.service_id, "") if ci.service_id else ""
                out.append(ConfigItem("ci", ci.name, ci.description, ci.ci_type, ci.status, service,
                                      controlled=ci_controlled(policy, ci.ci_type, service or None),
                                      changes=tuple(by_ci.get(ci.id or 0, ()))))
            return out

    def detail(self, item: ConfigItem) -> ConfigDetail:
        """Relationships, impact of a failure and the linked records of one item."""
        if item.kind == "ci":
            view = self.catalogue.get_ci(item.name)
            relationships = [r.describe() for r in view.relationships]
            impact = self.graph.impact(item.name)
            records = self.catalogue.linked_records(item.name, ci=True)
        else:
            relationships = [r.describe() for r in self.graph.service_relations(item.name)]
            impact = self.graph.impact(item.name, service=True)
            records = self.catalogue.linked_records(item.name)
        return ConfigDetail(item, relationships, impact, records)

    def edit(self, item: ConfigItem, values: dict[str, str], change: str) -> ConfigItem:
        """Save the values that differ from ``item``'s, under ``change`` ('' for none)."""
        changed = {k: v for k, v in values.items() if str(getattr(item, k)) != v}
        ref = change.strip() or None
        if item.kind == "ci":
            view = self.catalogue.update_ci(item.name, change=ref, **changed)
            return ConfigItem("ci", view.name, view.description, view.ci_type, view.status, view.service)
        if "name" in changed:
            changed["new_name"] = changed.pop("name")
        view = self.catalogue.update_service(item.name, change=ref, **changed)
        return ConfigItem("service", view.name, view.description, criticality=view.criticality,
                          owner=view.owner)
