"""Limits that keep user numbers and dates inside what Python and SQLite can hold.

SQLite stores integers in 64 bits: a Python int past ``2**63 - 1`` raises
``OverflowError`` when bound as a parameter. ``int()`` refuses strings of more
than 4,300 digits (``ValueError``). ``datetime`` ends at year 9999, so a date
near the end plus a month or a quarter overflows. Numbers and dates are
checked here, at the edge, so that such input gives one clear message.

Only ASCII digits count: ``int('٣')`` is 3 in Python, but ``INC-٣`` is not a
reference a person would type to mean INC-000003.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from .errors import ValidationError

MAX_DB_INT = 2**63 - 1
# Dates a service desk can mean; anything outside is a typo. The margin to year 9999
# leaves room for the calendar arithmetic (a period, a schedule interval) done on them.
MIN_DATE = datetime(1900, 1, 1, tzinfo=UTC)
MAX_DATE = datetime(9000, 1, 1, tzinfo=UTC)  # exclusive

_DIGITS = re.compile(r"[0-9]+", re.ASCII)
_INTEGER = re.compile(r"\s*[+-]?[0-9]+\s*", re.ASCII)


def ascii_number(digits: str) -> int | None:
    """The value of a run of ASCII digits if it fits SQLite's integer, else None."""
    if not _DIGITS.fullmatch(digits):
        return None
    digits = digits.lstrip("0") or "0"
    if len(digits) > 19:  # checked before int(): 5,000 digits must not reach it
        return None
    value = int(digits)
    return value if value <= MAX_DB_INT else None


def is_ascii_integer(text: str) -> bool:
    """True for an optionally signed run of ASCII digits (spaces around allowed)."""
    return _INTEGER.fullmatch(text) is not None


def check_date(value: datetime, what: str = "date") -> datetime:
    """``value`` if it lies between 1900 and 8999, else ValidationError naming ``what``."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if not MIN_DATE <= aware < MAX_DATE:
        raise ValidationError(f"{what} {value.date().isoformat()} is out of range: use a date from "
                              f"{MIN_DATE:%Y-%m-%d} to 8999-12-31")
    return value


def whole_number(text: str, low: int = 0, high: int = MAX_DB_INT) -> int | None:
    """``text`` as a whole number from ``low`` to ``high`` (ASCII digits only), else None."""
    value = ascii_number(str(text).strip())
    return value if value is not None and low <= value <= high else None
