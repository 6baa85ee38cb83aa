"""The shared SQLModel metadata, with a naming convention for constraints.

Named constraints let Alembic's batch mode on SQLite drop or alter them later.
Every table module imports this first.
"""

from __future__ import annotations

from sqlalchemy import MetaData, Text
from sqlmodel import Field, SQLModel

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

if SQLModel.metadata.naming_convention.get("pk") != NAMING_CONVENTION["pk"]:
    SQLModel.metadata = MetaData(naming_convention=NAMING_CONVENTION)
metadata = SQLModel.metadata


def text_field(**kw):
    """A TEXT column defaulting to the empty string (descriptions, notes, plans)."""
    return Field(default="", sa_type=Text, **kw)
