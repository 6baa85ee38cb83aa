"""Problem candidates the analyst dismissed (8.6.3 trend detection).

Candidates themselves are computed from incidents on demand; only the
analyst's dismissals are stored, so a dismissed set is never proposed again.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from .base import text_field


class TrendDismissal(SQLModel, table=True):
    """A dismissed problem candidate: dimension, value and the exact incident set."""

    __tablename__ = "trend_dismissal"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)  # candidate_key(dimension, value, refs)
    dimension: str  # service | ci | category
    value: str
    incident_refs: str = text_field()  # space-separated, sorted
    reason: str = text_field()
    dismissed_by: str
    dismissed_at: datetime
