"""Rules that other features attach to record writes, without editing records.py.

A feature module (e.g. ``services/incidents/rules.py`` for major incidents and SLAs,
``services/changes/service.py`` for change approval) registers functions here, and
is imported by its kind's loader in :data:`RULE_MODULES`. RecordService calls them inside the same
transaction as the write, so a hook may refuse the write (raise a DeskError:
nothing is written) or make further writes, each journaled.

Hook signatures (``ctx`` is a :class:`HookContext`):

* ``after_create(ctx)``
* ``before_transition(ctx, old_status, new_status, note)`` -- raise to refuse
* ``after_transition(ctx, old_status, new_status)``
* ``after_update(ctx, changes)`` -- changes: {field: (old, new)}
* ``after_any_write(ctx, action)`` -- every journaled action (note, assign, ...)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ...domain.kinds import Kind

if TYPE_CHECKING:
    from sqlmodel import Session

    from ...storage.models import RecordBase
    from .store import Store


# The modules that register hooks when imported, by the kind of record whose writes
# they watch, each imported by a loader with a plain import statement (so that
# import-linter's contracts see it). A kind's loader runs when a record of that kind
# is first written, so a command that records an incident loads neither the request
# catalogue's nor the change calendar's tables (issue 9).
def _request_rules() -> None:
    from ..mail import requester as requester_mail  # noqa: F401
    from ..requests import service as requests  # noqa: F401


def _incident_rules() -> None:
    from ..incidents import rules as incidents  # noqa: F401
    from ..incidents import security  # noqa: F401
    from ..mail import requester as requester_mail  # noqa: F401


def _change_rules() -> None:
    from ..changes import rules as change_rules  # noqa: F401


def _complaint_rules() -> None:
    from ..customers import complaints  # noqa: F401
    from ..mail import requester as requester_mail  # noqa: F401


def _problem_rules() -> None:
    from ..problems import rules as problem_rules  # noqa: F401


RULE_MODULES: dict[Kind, tuple[Callable[[], None], ...]] = {
    Kind.REQUEST: (_request_rules,),
    Kind.INCIDENT: (_incident_rules,),
    Kind.CHANGE: (_change_rules,),
    Kind.COMPLAINT: (_complaint_rules,),
    Kind.PROBLEM: (_problem_rules,),
}


@dataclass
class HookContext:
    session: Session
    store: Store
    kind: Kind
    row: RecordBase
    now: datetime

    def journal(self, action: str, changes: dict[str, tuple[Any, Any]] | None = None,
                note: str = "", row: RecordBase | None = None, kind: Kind | None = None) -> None:
        """Append a journal entry for ``row`` (default: the record being written)."""
        from . import journal

        target = row or self.row
        journal.append(self.session, ref=target.ref, kind=(kind or self.kind).value,
                       actor=self.store.actor, at=self.now, action=action, changes=changes, note=note)


Hook = Callable[..., None]
_HOOKS: dict[str, dict[Kind, list[Hook]]] = defaultdict(lambda: defaultdict(list))
_loaded: set[Kind] = set()


def register(event: str, kind: Kind, fn: Hook) -> Hook:
    """Attach ``fn`` to ``event`` for records of ``kind``."""
    if fn not in _HOOKS[event][kind]:
        _HOOKS[event][kind].append(fn)
    return fn


def on(event: str, *kinds: Kind) -> Callable[[Hook], Hook]:
    """Decorator form of :func:`register`."""

    def deco(fn: Hook) -> Hook:
        for kind in kinds:
            register(event, kind, fn)
        return fn

    return deco


def run(event: str, ctx: HookContext, *args: Any) -> None:
    load(ctx.kind)
    for fn in list(_HOOKS[event][ctx.kind]):
        fn(ctx, *args)


def load(kind: Kind | None = None) -> None:
    """Import the rule modules of ``kind`` (every kind: None) once (idempotent)."""
    for each in ([kind] if kind is not None else list(RULE_MODULES)):
        if each in _loaded:
            continue
        for load_rules in RULE_MODULES.get(each, ()):
            load_rules()
        _loaded.add(each)
