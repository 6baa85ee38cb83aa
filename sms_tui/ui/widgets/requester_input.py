"""The requester field: an Input that completes contacts as the analyst types.

Typing the start of a name or an email suggests ``Name <email>`` (or the
email) of the first contact that matches; → accepts it. Whatever is typed is
resolved by the service on save (an email, a CON-… reference, a name that
names one contact), so a refusal names what to give instead. Contacts are read
in a thread: the suggester awaits them, never the UI thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from textual.suggester import Suggester
from textual.widgets import Input


class ContactSuggester(Suggester):
    """Completes a typed prefix to a contact of the register (no cache: contacts change)."""

    def __init__(self, lookup: Callable[[str], list[Any]]) -> None:
        super().__init__(use_cache=False, case_sensitive=False)
        self.lookup = lookup  # typed text -> contact views (a service call, run in a thread)

    async def get_suggestion(self, value: str) -> str | None:
        typed = value.strip()
        if len(typed) < 2:
            return None
        try:
            found = await asyncio.to_thread(self.lookup, typed)
        except Exception:  # the database not open yet, or busy: no suggestion this time
            return None
        for contact in found:
            if contact.email.casefold().startswith(value):
                return contact.email
            label = f"{contact.name} <{contact.email}>"
            if label.casefold().startswith(value):
                return label
        return None


def requester_input(value: str, lookup: Callable[[str], list[Any]], **kwargs: Any) -> Input:
    """The requester's Input, completing from ``lookup``."""
    return Input(value, placeholder="email or name of the contact who asked (→ completes)",
                 suggester=ContactSuggester(lookup), compact=True, select_on_focus=False, **kwargs)
