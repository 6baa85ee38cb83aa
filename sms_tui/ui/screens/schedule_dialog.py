"""Schedule a change: its window, checked against the calendar (8.5.1)."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input

from ...domain.errors import ValidationError
from ...services.core.views import RecordView
from .. import display
from ..field_errors import FieldError
from .action_dialog import ActionDialog, field
from .form_fields import FieldSpec, from_widget_value

# Enter saves from a choice picker too (an Input saves on Enter by itself).
from .service_lookup import change_service


class ScheduleDialog(ActionDialog):
    """Plan a change's window; other changes on the same service or CI meanwhile are warned of."""

    hint = "Times are local, YYYY-MM-DD HH:MM · Enter saves · Esc cancels"

    def __init__(self, record: RecordView) -> None:
        super().__init__(record)
        self.heading = f"Schedule {record.ref}"

    def compose_fields(self):
        start, end = self.record.extra.get("planned_start"), self.record.extra.get("planned_end")
        yield field("Start", Input(display.when(start) if start else "", id="start", compact=True,
                                   placeholder="YYYY-MM-DD HH:MM"))
        yield field("End", Input(display.when(end) if end else "", id="end", compact=True,
                                 placeholder="YYYY-MM-DD HH:MM"))

    def on_mount(self) -> None:
        self.query_one("#start", Input).focus()

    def collect(self) -> dict[str, Any]:
        values = {}
        for name in ("start", "end"):
            spec = FieldSpec(name, name.capitalize(), "datetime")
            try:
                value = from_widget_value(spec, self.query_one(f"#{name}", Input).value)
            except ValidationError as exc:
                raise FieldError(name, str(exc)) from None
            if value is None:
                raise FieldError(name, f"give the planned {name} (YYYY-MM-DD HH:MM)")
            values[name] = value
        if values["end"] <= values["start"]:  # the end is what to correct: the focus goes there
            raise FieldError("end", "the planned end must be after the planned start")
        return values

    def perform(self, records, record, values):
        result = change_service(self.backend).schedule(record.ref, values["start"], values["end"])
        for conflict in result.conflicts:
            self.app.call_from_thread(self.app.notify, conflict.describe(),
                                      title="Schedule conflict", severity="warning",
                                      timeout=12, markup=False)
        return result.change.record
