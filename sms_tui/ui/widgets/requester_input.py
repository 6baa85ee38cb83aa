"""The requester field: an Input that completes contacts as the analyst types (and the
Service and CI fields, which complete names of the catalogue the same way).

Typing the start of a name or an email suggests ``Name <email>`` (or the
email) of the first contact that matches; → accepts it. Whatever is typed is
resolved by the service on save (an email, a CON-… reference, a name that
names one contact), so a refusal names what to give instead. Contacts are read
in a thread: the suggester awaits them, never the UI thread.

→ typed before the contacts have been read for what is typed (in the same burst
as the name, over SSH) waits for them and then accepts, as typed slowly; the keys
after it wait too (:mod:`sms_tui.ui.typeahead`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from textual.suggester import Suggester
from textual.widgets import Input

from ..typeahead import hold_keys


class _AnsweringSuggester(Suggester):
    """A suggester that tells its Input when it has answered for a value (with a suggestion
    or none), so that a → waiting for it goes on (:class:`RequesterInput`)."""

    async def _get_suggestion(self, requester: Any, value: str) -> None:
        try:
            await super()._get_suggestion(requester, value)
        finally:
            answered = getattr(requester, "suggestion_answered", None)
            if answered is not None:
                requester.call_later(answered, value)


class ContactSuggester(_AnsweringSuggester):
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


class NameSuggester(_AnsweringSuggester):
    """Completes a typed prefix to a name of a list read in a thread (services, CIs): the
    first, by name, that starts with it, any case (no cache: the catalogue changes)."""

    def __init__(self, names: Callable[[], list[str]]) -> None:
        super().__init__(use_cache=False, case_sensitive=False)
        self.names = names

    async def get_suggestion(self, value: str) -> str | None:
        if not value.strip():
            return None
        try:
            found = await asyncio.to_thread(self.names)
        except Exception:  # the database not open yet, or busy: no suggestion this time
            return None
        return next((name for name in found if name.casefold().startswith(value)), None)


class RequesterInput(Input):
    """An Input whose → waits for the completion of what is typed, when it is still coming."""

    _asked: str | None = None  # the value the suggester was last asked to complete
    _answered: str | None = None  # the value the suggester last answered for
    _right_waits: Any = None  # the type-ahead hold of a → waiting for its suggestion

    def _watch_value(self, value: str) -> None:
        super()._watch_value(value)
        if self.suggester and value:
            self._asked = value  # Input asks its suggester for every value typed

    def suggestion_answered(self, value: str) -> None:
        self._answered = value
        if self._right_waits is not None and value == self.value:
            hold, self._right_waits = self._right_waits, None
            try:
                self.action_cursor_right()
            finally:
                hold.release()

    def action_cursor_right(self, select: bool = False) -> None:
        pending = (not select and self.cursor_at_end and not self._suggestion
                   and self._asked == self.value and self._answered != self.value)
        if pending and self._right_waits is None:
            self._right_waits = hold_keys(self.app)
            return
        super().action_cursor_right(select)


def named_input(value: str, names: Callable[[], list[str]], *, placeholder: str,
                **kwargs: Any) -> Input:
    """A service's or CI's Input, completing from ``names`` (→ accepts, as for a requester)."""
    return RequesterInput(value, placeholder=placeholder, suggester=NameSuggester(names),
                          compact=True, select_on_focus=False, **kwargs)


def requester_input(value: str, lookup: Callable[[str], list[Any]], **kwargs: Any) -> Input:
    """The requester's Input, completing from ``lookup``."""
    return RequesterInput(value, placeholder="email or name of the contact who asked (→ completes)",
                          suggester=ContactSuggester(lookup), compact=True, select_on_focus=False,
                          **kwargs)
