"""The incident part of the detail view: SLA clocks, major incident handling, reminders.

Shown under the fields of an incident. It loads its own data (the SLA reading
and the major incident view) in a worker whenever the record is shown again,
so it follows every change. The procedure checklist is always visible on a
major incident; ``m`` opens the major incident screen to act on it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.widgets import Static

from ...domain.comms import sending_tally
from ...domain.errors import DeskError
from ...domain.kinds import Kind, parse_ref
from ...domain.sla import format_duration
from .. import display
from ..work import run_service

if TYPE_CHECKING:
    from ...services.incidents.rules import MajorView
    from ...services.incidents.sla import SlaView


def is_incident(ref: str) -> bool:
    """True for an incident reference (the panel and the ``m`` key exist only there)."""
    try:
        return parse_ref(ref)[0] is Kind.INCIDENT
    except DeskError:
        return False


def sla_text(sla: SlaView) -> Text:
    """'SLA  2h 05m left  respond met (5m of 15m) · resolve 1h 55m of 4h, due …'."""
    out = Text.assemble(("SLA ", "bold"), (sla.label, "bold" if sla.state in ("near", "breached") else ""),
                        f"  [{sla.calendar}]\n")
    for name, clock in (("respond", sla.respond), ("resolve", sla.resolve)):
        due = f", due {display.when(clock.due)}" if clock.due else ""
        out.append(f"  {name}: {clock.state} ({format_duration(clock.elapsed)} of "
                   f"{format_duration(clock.target)}{due})\n")
    return out


def major_text(view: MajorView, key: str = "m") -> Text:
    """Reason, manager, next update, review, the checklist and the reminders.

    ``key`` is the key that appoints a manager where the text is shown.
    """
    if not view.major:
        return Text("Not a major incident (m: declare it major).", style="italic")
    out = Text.assemble(("▲ MAJOR INCIDENT", "bold reverse"), " ", display.line(view.reason), "\n")
    out.append_text(Text.assemble(
        ("Manager: ", "bold"),
        display.line(view.manager) if view.manager else Text(f"NONE - press {key} to appoint one", style="bold"),
        "\n"))
    if view.next_update_due is not None:
        out.append_text(Text.assemble(("Next update to management by ", "bold"),
                                      display.when(view.next_update_due), "\n"))
    if view.review:
        out.append_text(Text.assemble(("Review: ", "bold"), view.review, "\n"))
    out.append("Procedure (m to tick a step):\n", style="bold")
    for step in view.steps:
        mark = "[x]" if step.done else "[ ]"
        line = Text(f"  {mark} {step.position}. ")
        line.append_text(display.line(step.title))
        if step.done:
            line.append_text(Text.assemble("  (", display.when(step.done_at), " ",
                                           display.line(step.done_by), ")", style="dim"))
        out.append_text(line)
        out.append("\n")
    out.append(f"Communications: {len(view.communications)} "
               f"({sending_tally(c.status for c in view.communications)}; 8: outbox)\n")
    for nag in view.nags:
        out.append_text(Text.assemble(("→ ", "bold"), display.line(nag), "\n"))
    out.rstrip()
    return out


class IncidentPanel(Static):
    """SLA and major incident handling of one incident."""

    DEFAULT_CSS = """
    IncidentPanel {
        height: auto;
        margin: 0 0 1 0;
        border-left: thick $primary;
        padding: 0 0 0 1;
    }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(Text("SLA and major incident: loading…", style="dim"), **kwargs)
        self.major: MajorView | None = None

    def show_for(self, ref: str) -> None:
        """Load (again) the SLA and major incident facts of ``ref``."""
        from ...services.incidents.rules import MajorIncidentService
        from ...services.incidents.sla import SlaService

        backend = self.app.backend  # type: ignore[attr-defined]

        def fetch() -> tuple[SlaView, MajorView]:
            return (backend.service(SlaService).get(ref),
                    backend.service(MajorIncidentService).get(ref))

        run_service(self, fetch, self._arrived, group="incident-panel", exclusive=True)

    def _arrived(self, result: tuple[SlaView, MajorView]) -> None:
        sla, major = result
        self.major = major
        self.update(Text.assemble(sla_text(sla), major_text(major)))
