"""Imports every table module so that ``metadata`` knows the whole schema.

Alembic's env.py and the tests import this. A new table module must be added here.
"""

from . import (
    change_links,  # noqa: F401
    contacts,  # noqa: F401
    evidence,  # noqa: F401
    incidents,  # noqa: F401
    mail,  # noqa: F401
    models,  # noqa: F401
    problem_trends,  # noqa: F401
    queue_indexes,  # noqa: F401
    report_indexes,  # noqa: F401
    request_catalogue,  # noqa: F401
    reviews,  # noqa: F401
)
from .base import metadata

__all__ = ["metadata"]
