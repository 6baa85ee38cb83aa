"""Contacts of the desk (8.3.2): who the services are for, and how to reach them (pure rules).

A contact is a person: a ``customer`` (speaks for a customer organisation), a
``user`` of the services, or another ``interested-party``. Each has one email
address, unique in the register (compared without case), which is how mail
finds its sender and how ``--requester`` finds a person.
"""

from __future__ import annotations

import re
import unicodedata

from .errors import ValidationError
from .text import has_visible_text, one_line

ROLES = ("customer", "user", "interested-party")
PREFIX = "CON"
MAX_NAME = 100
MAX_EMAIL = 254  # RFC 5321's limit on a forward path
MAX_FIELD = 100

# A practical address check: one @, a local part of printable ASCII without spaces or
# quotes, a domain of dot-separated labels with a dot in it (no IP literals, no UTF-8:
# addresses are compared as typed, so one form only).
_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}$", re.ASCII)
_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$", re.ASCII)


def normalise_email(value: str | None) -> str:
    """``' Dana@Example.ORG '`` -> ``'dana@example.org'``; refuse what is not an address."""
    text = (value or "").strip()
    if not text:
        raise ValidationError("email must not be empty")
    shown = one_line(text, 60)
    if len(text) > MAX_EMAIL:
        raise ValidationError(f"email is {len(text)} characters; an address has at most {MAX_EMAIL}")
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        raise ValidationError(f"'{shown}' is not an email address (expected name@example.org)")
    labels = domain.split(".")
    if (not _LOCAL.match(local) or local.startswith(".") or local.endswith(".") or ".." in local
            or len(labels) < 2 or not all(_LABEL.match(label) for label in labels)
            or labels[-1].isdigit()):
        raise ValidationError(f"'{shown}' is not an email address (expected name@example.org)")
    return text.lower()


_ANGLE = re.compile(r"<([^<>]+@[^<>]+)>\s*$")


def address_in(value: str | None) -> str | None:
    """The address of ``'Dana Weber <dana@example.org>'`` (what completion fills in), else None."""
    match = _ANGLE.search(value or "")
    return match.group(1).strip() if match else None


def looks_like_email(value: str | None) -> bool:
    """True when ``value`` is meant as an address (has an @), valid or not."""
    return "@" in (value or "")


def parse_role(value: str | None) -> str:
    text = (value or "").strip().lower().replace("_", "-").replace(" ", "-")
    if text == "interested":
        text = "interested-party"
    if text not in ROLES:
        raise ValidationError(f"unknown contact role '{one_line(value or '', 40)}': use {', '.join(ROLES)}")
    return text


def clean_text(value: str | None, what: str, *, required: bool = False,
               limit: int = MAX_FIELD) -> str:
    """A one-line field (a name, an organisation, a phone): stripped, bounded, visible."""
    text = (value or "").strip()
    if not text:
        if required:
            raise ValidationError(f"{what} must not be empty")
        return ""
    if not has_visible_text(text):
        raise ValidationError(f"{what} has nothing visible in it")
    if "\n" in text or "\r" in text:
        raise ValidationError(f"{what} must be one line")
    if any(unicodedata.category(char) == "Cc" for char in text):
        raise ValidationError(f"{what} has control characters in it")
    if len(text) > limit:
        raise ValidationError(f"{what} is {len(text)} characters; keep it to {limit}")
    return text


def format_ref(number: int) -> str:
    return f"{PREFIX}-{number:06d}"


def parse_ref(ref: str) -> int | None:
    """``CON-000012`` / ``con-12`` -> 12; None when ``ref`` is not a contact reference."""
    text = (ref or "").strip().upper()
    head, sep, number = text.partition("-")
    if head != PREFIX or not sep or not number.isascii() or not number.isdigit() or len(number) > 12:
        return None
    return int(number) or None
