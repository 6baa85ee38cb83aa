"""Small helpers shared by the request, problem and change rules.

* :func:`write_entry`: touch a record (version + 1), journal the action and
  let other features' ``after_any_write`` rules see it, all in the caller's
  transaction -- what RecordService does for its own actions.
* :func:`deciding`: approvals and rejections are recorded decisions (who,
  when, why), so the lifecycle moves they cause are refused unless they come
  from the service that records the decision. The decision service marks the
  record with this context manager while it moves it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ...domain.errors import ValidationError
from ...domain.kinds import Kind
from ...domain.text import has_visible_text
from . import hooks, journal

if TYPE_CHECKING:
    from sqlmodel import Session

    from ...storage.models import RecordBase
    from .store import Store

_deciding: ContextVar[frozenset[str]] = ContextVar("sms_tui_deciding", default=frozenset())


def write_entry(session: Session, store: Store, kind: Kind, row: RecordBase, action: str,
                now: datetime, changes: dict[str, tuple[Any, Any]] | None = None,
                note: str = "") -> None:
    """Bump the record's version, journal the action, run ``after_any_write`` rules."""
    row.updated_at = now
    row.version += 1
    journal.append(session, ref=row.ref, kind=kind.value, actor=store.actor, at=now,
                   action=action, changes=changes, note=note)
    hooks.run("after_any_write",
              hooks.HookContext(session=session, store=store, kind=kind, row=row, now=now), action)


@contextmanager
def deciding(ref: str) -> Iterator[None]:
    """Mark ``ref`` as being moved by a recorded decision (approve/reject)."""
    token = _deciding.set(_deciding.get() | {ref})
    try:
        yield
    finally:
        _deciding.reset(token)


def is_deciding(ref: str) -> bool:
    """True while a decision service is moving ``ref``."""
    return ref in _deciding.get()


def clean_text(value: Any, what: str, *, required: bool = False, limit: int = 20_000,
               visible: bool = False) -> str:
    """Stripped text; refuse empty when required and anything absurdly long. ``visible``
    (titles, names): zero-width, combining or bidi marks alone count as empty."""
    text = "" if value is None else str(value).strip()
    if required and (not text or (visible and not has_visible_text(text))):
        raise ValidationError(f"{what} must not be empty")
    if len(text) > limit:
        raise ValidationError(f"{what} is {len(text)} characters; keep it to {limit}")
    return text
