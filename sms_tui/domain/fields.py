"""The rules every record's free-text fields follow (a title, a short name).

Pure rules, shared by the services and by the standard-library write path of
``sms-tui new incident`` (:mod:`sms_tui.services.core.quick_record`), so both refuse
and keep exactly the same text.
"""

from __future__ import annotations

from .errors import ValidationError
from .text import has_visible_text

MAX_TITLE = 200
MAX_NAME = 100  # assignee, group, category, escalated to: a name, not a paragraph


def clean_name(value: str | None, what: str) -> str:
    """A short single-line field (a person, a group, a category), stripped and bounded."""
    text = (value or "").strip()
    if len(text) > MAX_NAME:
        raise ValidationError(f"{what} is {len(text)} characters; keep it to {MAX_NAME}")
    if text and not has_visible_text(text):
        raise ValidationError(f"{what} has nothing visible in it; leave it empty or give a name")
    return text


def clean_title(title: str) -> str:
    """A record's title, stripped; refused when empty, invisible or too long."""
    text = (title or "").strip()
    if not has_visible_text(text):  # zero-width, combining or bidi marks alone show nothing
        raise ValidationError("title must not be empty")
    if len(text) > MAX_TITLE:
        raise ValidationError(f"title is {len(text)} characters; keep it to {MAX_TITLE}")
    return text
