"""The places an analyst reaches with one key: the registry later features extend.

Each :class:`Section` becomes a Textual *mode* of :class:`~sms_tui.ui.app.DeskApp`
(its own screen stack; its key always shows the section's queue, putting
away record screens opened there, but an open form is kept and shown), an
app-wide binding on ``key``, an entry
in the section bar at the top of every screen, a command in the command
palette, and a line in the help screen. ``app.py`` reads this tuple and needs
no edit when a section is added.

A section's screen class is returned by a loader, a function holding a plain
import statement, run only when the analyst first goes there: screens that need
heavy imports do not slow the first paint, and import-linter's contracts see
every import.

To add a screen (reviews, outbox, change calendar, reports), write its loader
and append one line::

    def _reviews() -> type:
        from .screens.reviews import ReviewQueueScreen

        return ReviewQueueScreen

    Section("reviews", "6", "Reviews", _reviews),

The screen should compose ``SectionBar`` and ``Footer`` like the queue screens,
use ``self.app.when_ready(...)`` before calling services, and handle
:class:`~sms_tui.ui.messages.DataChanged` (see :class:`~sms_tui.ui.screens.base.DeskScreen`).
Key ``6`` is reserved for the review queue.

A record kind that needs more than the generic detail (a request's
instructions, a change's assessment) has its screen's loader in
:data:`DETAIL_SCREENS`; :func:`detail_screen` is how every screen opens a record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Section:
    name: str  # mode name, also used in commands ("section incidents")
    key: str  # the key that goes there from anywhere
    title: str  # shown in the section bar, help and palette
    load: Callable[[], type]  # returns the screen class (imported when first needed)
    kwargs: dict[str, Any] = field(default_factory=dict)
    short: str = ""  # label in the section bar when the terminal is narrow
    shown_key: str = ""  # how the key is written when its name is not the character ("at": "@")
    also: str = ""  # other words the palette finds it by ("workaround" finds the known errors)

    @property
    def key_label(self) -> str:
        return self.shown_key or self.key

    def factory(self) -> Callable[[], Any]:
        """A zero-argument callable making the section's screen (what MODES wants)."""

        def make() -> Any:
            return self.load()(**self.kwargs)

        return make

    @property
    def bar_label(self) -> str:
        return self.short or self.title


# Loaders: each imports one screen class when it is first needed.
def _dashboard() -> type:
    from .screens.dashboard import DashboardScreen

    return DashboardScreen


def _queue() -> type:
    from .screens.queue import QueueScreen

    return QueueScreen


def _requests() -> type:
    from .screens.request_queue import RequestQueueScreen

    return RequestQueueScreen


def _problems() -> type:
    from .screens.problem_queue import ProblemQueueScreen

    return ProblemQueueScreen


def _known_errors() -> type:
    from .screens.known_error_queue import KnownErrorQueueScreen

    return KnownErrorQueueScreen


def _reviews() -> type:
    from .screens.reviews import ReviewQueueScreen

    return ReviewQueueScreen


def _reports() -> type:
    from .screens.reports import ReportsScreen

    return ReportsScreen


def _outbox() -> type:
    from .screens.outbox import OutboxScreen

    return OutboxScreen


def _calendar() -> type:
    from .screens.change_calendar import ChangeCalendarScreen

    return ChangeCalendarScreen


def _contacts() -> type:
    from .screens.contacts import ContactsScreen

    return ContactsScreen


SECTIONS: tuple[Section, ...] = (
    Section("home", "0", "Home", _dashboard, also="dashboard"),
    Section("incidents", "1", "Incidents", _queue, {"kind": "incident"}, "Incid."),
    Section("requests", "2", "Requests", _requests, {"kind": "request"}, "Reqs"),
    Section("problems", "3", "Problems", _problems, {"kind": "problem"}, "Probs"),
    Section("known_errors", "4", "Known errors", _known_errors, {"kind": "known_error"}, "KEs",
            also="workarounds, KEDB"),
    Section("changes", "5", "Changes", _queue, {"kind": "change"}, "Chgs", also="RFCs"),
    Section("reviews", "6", "Reviews", _reviews, short="Revs",
            also="review tasks, improvements, nonconformities"),
    Section("reports", "7", "Reports", _reports, short="Rpts",
            also="service report, trends; evidence: sms-tui evidence"),
    Section("outbox", "8", "Outbox", _outbox, short="Out", also="mail sent"),
    Section("calendar", "9", "Change calendar", _calendar, short="Cal", also="change windows"),
    Section("complaints", "C", "Complaints", _queue, {"kind": "complaint"}, "Cmpl"),
    Section("contacts", "at", "Contacts", _contacts, short="Cont", shown_key="@",
            also="customers, requesters"),
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


def _complaint_detail() -> type:
    from .screens.complaint_detail import ComplaintScreen

    return ComplaintScreen


def _incident_detail() -> type:
    from .screens.incident import IncidentScreen

    return IncidentScreen


def _request_detail() -> type:
    from .screens.request_detail import RequestScreen

    return RequestScreen


def _problem_detail() -> type:
    from .screens.problem_detail import ProblemScreen

    return ProblemScreen


def _change_detail() -> type:
    from .screens.change_detail import ChangeScreen

    return ChangeScreen


def _record_detail() -> type:
    from .screens.detail import RecordScreen

    return RecordScreen


# The loader of each record kind's detail screen; kinds not listed use the generic RecordScreen.
DETAIL_SCREENS: dict[str, Callable[[], type]] = {
    "incident": _incident_detail,
    "request": _request_detail,
    "problem": _problem_detail,
    "change": _change_detail,
    "complaint": _complaint_detail,
}


def detail_screen_class(ref: str) -> Any:
    """The class of the screen showing record ``ref`` (its kind's own, if it has one)."""
    from ..domain.kinds import parse_ref

    return DETAIL_SCREENS.get(parse_ref(ref)[0].value, _record_detail)()


def detail_screen(ref: str) -> Any:
    """The screen showing record ``ref`` (its kind's own detail screen, if it has one)."""
    return detail_screen_class(ref)(ref)


def section(name: str) -> Section:
    """The section called ``name``."""
    for sec in SECTIONS:
        if sec.name == name:
            return sec
    raise KeyError(name)
