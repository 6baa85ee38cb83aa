"""Evidence pre-filled into a review task when it is raised (placeholder; expanded below)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session


def evidence_for_event(session: Session, activity: str, source_ref: str, now: datetime) -> dict[str, Any]:
    """Evidence about the record that caused an event review."""
    return {"activity": activity, "generated_at": now.isoformat(), "source_ref": source_ref,
            "figures": {}, "tables": [], "notes": []}
