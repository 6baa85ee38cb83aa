"""The services and configuration items a change affects (8.5.1), any number of each.

The change's own ``service_id``/``ci_id`` columns stay its primary service and
CI; these link tables hold every affected one (the primary ones included).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import metadata, text_field

__all__ = ["ChangeCILink", "ChangeCIUpdate", "ChangeServiceLink", "metadata"]


class ChangeServiceLink(SQLModel, table=True):
    """A service affected by a change."""

    __tablename__ = "change_service"
    __table_args__ = (UniqueConstraint("change_id", "service_id"),)
    id: int | None = Field(default=None, primary_key=True)
    change_id: int = Field(foreign_key="change.id", index=True)
    service_id: int = Field(foreign_key="service.id", index=True)


class ChangeCILink(SQLModel, table=True):
    """A configuration item affected by a change."""

    __tablename__ = "change_ci"
    __table_args__ = (UniqueConstraint("change_id", "ci_id"),)
    id: int | None = Field(default=None, primary_key=True)
    change_id: int = Field(foreign_key="change.id", index=True)
    ci_id: int = Field(foreign_key="configuration_item.id", index=True)


class ChangeCIUpdate(SQLModel, table=True):
    """A configuration update a change plans (8.5.1, 8.2.6): set ``ci_field`` of a CI to ``value``.

    Offered when the change is implemented, and applied under that change (the CI's
    journal names it); ``applied_at`` is set once it is applied."""

    __tablename__ = "change_ci_update"
    __table_args__ = (UniqueConstraint("change_id", "position"),)
    id: int | None = Field(default=None, primary_key=True)
    change_id: int = Field(foreign_key="change.id", index=True)
    position: int  # 1-based, as the analyst refers to it
    ci_id: int = Field(foreign_key="configuration_item.id", index=True)
    ci_field: str  # ci_type | status | description | service
    value: str = text_field()
    created_at: datetime
    created_by: str = Field(default="")
    applied_at: datetime | None = None
    applied_by: str = Field(default="")
