"""Finding a service or a configuration item by the name an analyst typed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select


def named(session: Session, model: Any, name: str | None) -> Any:
    """The service or CI (``model``) named ``name``: as written, else in any case -- names
    are unique ignoring case, and the TUI's fields complete them in any case (``wi-fi`` is
    the Wi-Fi service, in a record's field and in ``sms-tui service show`` alike). None
    when there is none."""
    name = (name or "").strip()
    found = session.exec(select(model).where(model.name == name)).first()
    if found is None:
        matches = session.exec(select(model).where(func.lower(model.name) == name.lower()).limit(2)).all()
        found = matches[0] if len(matches) == 1 else None
    return found
