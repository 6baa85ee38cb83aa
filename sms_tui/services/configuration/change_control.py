"""Change control that holds (8.5.1.1, 8.5.1.2): what ``[changes.control]`` names changes only
through a change.

A CI whose type or service, or a service whose name, is under change control
is edited (fields, relationships) only by naming a change that is approved,
scheduled or implementing and that lists that CI or service among its targets.
Otherwise the write is refused in one line naming the policy, and nothing is
written. When it holds, the CI's (or service's) journal names the change and
the change's journal names the configuration update, in the same transaction.

Called by :class:`~.catalogue.CatalogueService` for the CLI and the TUI alike;
imports and demo data (the ``*_in`` methods) build the catalogue and are not
configuration changes.
"""

from __future__ import annotations

from sqlmodel import Session, select

from ...domain.changes import ChangePolicy, policy_from_config
from ...domain.errors import NotFound, ValidationError, hinted
from ...domain.kinds import Kind, format_ref, parse_ref
from ...storage.change_links import ChangeCILink, ChangeServiceLink
from ...storage.models import Change, ConfigurationItem, Service
from ..core import journal
from ..core.store import Store

# The states in which a change may be carried out on the configuration.
AUTHORISING_STATES = ("approved", "scheduled", "implementing")


def change_policy(store: Store) -> ChangePolicy:
    return policy_from_config(store.config.section("changes"), str(store.config.path or "config"))


def _scope(values: tuple[str, ...]) -> str:
    return "everything" if "*" in values else (", ".join(values) or "nothing")


def ci_controlled(policy: ChangePolicy, ci_type: str, service: str | None) -> str:
    """Why a CI is under change control ('' when it is not), in the policy's words."""
    if "*" in policy.controlled_ci_types or ci_type in policy.controlled_ci_types:
        return f"[changes.control] ci_types = {_scope(policy.controlled_ci_types)}"
    if service and ("*" in policy.controlled_services or service in policy.controlled_services):
        return f"[changes.control] services = {_scope(policy.controlled_services)} (its service {service})"
    return ""


def service_controlled(policy: ChangePolicy, name: str) -> str:
    if "*" in policy.controlled_services or name in policy.controlled_services:
        return f"[changes.control] services = {_scope(policy.controlled_services)}"
    return ""


def _load_change(session: Session, ref: str) -> Change:
    kind, number = parse_ref(ref)
    if kind is not Kind.CHANGE:
        raise ValidationError(f"{format_ref(kind, number)} is not a change; name a change (CHG-…)")
    row = session.get(Change, number)
    if row is None:
        raise NotFound(f"no change {format_ref(kind, number)}")
    return row


def _lists_ci(session: Session, change: Change, ci: ConfigurationItem) -> bool:
    if change.ci_id == ci.id:
        return True
    return session.exec(select(ChangeCILink.id).where(ChangeCILink.change_id == change.id,
                                                      ChangeCILink.ci_id == ci.id)).first() is not None


def _lists_service(session: Session, change: Change, service: Service) -> bool:
    if change.service_id == service.id:
        return True
    return session.exec(select(ChangeServiceLink.id).where(
        ChangeServiceLink.change_id == change.id,
        ChangeServiceLink.service_id == service.id)).first() is not None


def authorise_in(session: Session, store: Store, *, ci: ConfigurationItem | None = None,
                 service: Service | None = None, change_ref: str | None) -> Change | None:
    """The change that authorises editing ``ci`` (or ``service``), or None when it is not
    under change control; raises ValidationError (one line, naming the policy) otherwise."""
    policy = change_policy(store)
    if ci is not None:
        ci_service = session.get(Service, ci.service_id).name if ci.service_id else None
        why = ci_controlled(policy, ci.ci_type, ci_service)
        what = f"configuration item '{ci.name}'"
    else:
        assert service is not None
        why = service_controlled(policy, service.name)
        what = f"service '{service.name}'"
    if not (change_ref or "").strip():
        if not why:
            return None
        raise hinted(ValidationError(f"{what} is under change control ({why}): name an "
                                     "approved, scheduled or implementing change that lists it"),
                     cli="with --change CHG-…", tui="pick it in the Change field")
    change = _load_change(session, change_ref.strip())
    if change.status not in AUTHORISING_STATES:
        raise ValidationError(f"{change.ref} is {change.status}; a change authorises {what} only "
                              f"while {', '.join(AUTHORISING_STATES[:-1])} or {AUTHORISING_STATES[-1]}")
    listed = _lists_ci(session, change, ci) if ci is not None else _lists_service(session, change, service)
    if not listed:
        raise hinted(ValidationError(f"{change.ref} does not list {what}; add it to the change's "
                                     "targets first"),
                     cli=f"sms-tui changes targets {change.ref} …",
                     tui=f"T on {change.ref} adds it")
    return change


def note_on_change_in(session: Session, store: Store, change: Change, *, what: str, name: str,
                      summary: str, now) -> None:
    """Journal on the change the configuration update it authorised."""
    change.updated_at, change.version = now, change.version + 1
    journal.append(session, ref=change.ref, kind=Kind.CHANGE.value, actor=store.actor, at=now,
                   action="configuration_update", changes={what: (None, name)}, note=summary)
