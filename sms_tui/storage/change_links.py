"""The services and configuration items a change affects (8.5.1), any number of each.

The change's own ``service_id``/``ci_id`` columns stay its primary service and
CI; these link tables hold every affected one (the primary ones included).
"""

from __future__ import annotations

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import metadata

__all__ = ["ChangeCILink", "ChangeServiceLink", "metadata"]


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
