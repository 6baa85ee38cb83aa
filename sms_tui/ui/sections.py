"""The places an analyst reaches with one key: the registry later features extend.

Each :class:`Section` becomes a Textual *mode* of :class:`~sms_tui.ui.app.DeskApp`
(its own screen stack; its key always shows the section's queue, putting
away record screens opened there, but an open form is kept and shown), an
app-wide binding on ``key``, an entry
in the section bar at the top of every screen, a command in the command
palette, and a line in the help screen. ``app.py`` reads this tuple and needs
no edit when a section is added.

A section's screen is named by ``"module:Class"`` and imported only when the
analyst first goes there, so screens that need heavy imports do not slow the
first paint.

To add a screen (reviews, outbox, change calendar, reports), append one line::

    Section("reviews", "6", "Reviews", "sms_tui.ui.screens.reviews:ReviewQueueScreen"),

The screen should compose ``SectionBar`` and ``Footer`` like the queue screens,
use ``self.app.when_ready(...)`` before calling services, and handle
:class:`~sms_tui.ui.messages.DataChanged` (see :class:`~sms_tui.ui.screens.base.DeskScreen`).
Key ``6`` is reserved for the review queue.

A record kind that needs more than the generic detail (a request's
instructions, a change's assessment) names its own screen in
:data:`DETAIL_SCREENS`; :func:`detail_screen` is how every screen opens a record.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Section:
    name: str  # mode name, also used in commands ("section incidents")
    key: str  # the key that goes there from anywhere
    title: str  # shown in the section bar, help and palette
    target: str  # "package.module:ScreenClass", imported lazily
    kwargs: dict[str, Any] = field(default_factory=dict)
    short: str = ""  # label in the section bar when the terminal is narrow
    shown_key: str = ""  # how the key is written when its name is not the character ("at": "@")

    @property
    def key_label(self) -> str:
        return self.shown_key or self.key

    def factory(self) -> Callable[[], Any]:
        """A zero-argument callable making the section's screen (what MODES wants)."""

        def make() -> Any:
            module, _, cls = self.target.partition(":")
            return getattr(importlib.import_module(module), cls)(**self.kwargs)

        return make

    @property
    def bar_label(self) -> str:
        return self.short or self.title


_QUEUE = "sms_tui.ui.screens.queue:QueueScreen"

SECTIONS: tuple[Section, ...] = (
    Section("home", "0", "Home", "sms_tui.ui.screens.dashboard:DashboardScreen"),
    Section("incidents", "1", "Incidents", _QUEUE, {"kind": "incident"}, "Incid."),
    Section("requests", "2", "Requests", "sms_tui.ui.screens.requests_catalogue:RequestQueueScreen",
            {"kind": "request"}, "Reqs"),
    Section("problems", "3", "Problems", "sms_tui.ui.screens.problem_candidates:ProblemQueueScreen",
            {"kind": "problem"}, "Probs"),
    Section("known_errors", "4", "Known errors", "sms_tui.ui.screens.known_errors:KnownErrorQueueScreen",
            {"kind": "known_error"}, "KEs"),
    Section("changes", "5", "Changes", _QUEUE, {"kind": "change"}, "Chgs"),
    Section("reviews", "6", "Reviews", "sms_tui.ui.screens.reviews:ReviewQueueScreen", short="Revs"),
    Section("reports", "7", "Reports", "sms_tui.ui.screens.reports:ReportsScreen", short="Rpts"),
    Section("outbox", "8", "Outbox", "sms_tui.ui.screens.outbox:OutboxScreen", short="Out"),
    Section("calendar", "9", "Change calendar", "sms_tui.ui.screens.change_calendar:ChangeCalendarScreen",
            short="Cal"),
    Section("complaints", "C", "Complaints", _QUEUE, {"kind": "complaint"}, "Cmpl"),
    Section("contacts", "at", "Contacts", "sms_tui.ui.screens.contacts:ContactsScreen", short="Cont",
            shown_key="@"),
)

# The section the app opens on: where the analyst works all day.
START_SECTION = "incidents"

# Queue section for each record kind (used to jump from the dashboard).
QUEUE_SECTION = {
    "incident": "incidents",
    "request": "requests",
    "problem": "problems",
    "known_error": "known_errors",
    "change": "changes",
    "complaint": "complaints",
}


# The detail screen of each record kind ("module:Class", imported when first opened);
# kinds not listed use the generic RecordScreen.
DETAIL_SCREENS = {
    "incident": "sms_tui.ui.screens.known_errors:IncidentScreen",
    "request": "sms_tui.ui.screens.request_detail:RequestScreen",
    "problem": "sms_tui.ui.screens.problem_detail:ProblemScreen",
    "change": "sms_tui.ui.screens.change_detail:ChangeScreen",
    "complaint": "sms_tui.ui.screens.complaint_detail:ComplaintScreen",
}


def detail_screen_class(ref: str) -> Any:
    """The class of the screen showing record ``ref`` (its kind's own, if it has one)."""
    from ..domain.kinds import parse_ref

    target = DETAIL_SCREENS.get(parse_ref(ref)[0].value, "sms_tui.ui.screens.detail:RecordScreen")
    module, _, cls = target.partition(":")
    return getattr(importlib.import_module(module), cls)


def detail_screen(ref: str) -> Any:
    """The screen showing record ``ref`` (its kind's own detail screen, if it has one)."""
    return detail_screen_class(ref)(ref)


def section(name: str) -> Section:
    """The section called ``name``."""
    for sec in SECTIONS:
        if sec.name == name:
            return sec
    raise KeyError(name)
