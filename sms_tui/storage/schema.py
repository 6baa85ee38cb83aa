"""Imports every table module so that ``metadata`` knows the whole schema.

Alembic's env.py and the tests import this. A new table module must be added here.
"""

from . import models  # noqa: F401
from . import reviews  # noqa: F401
from .base import metadata

__all__ = ["metadata"]
