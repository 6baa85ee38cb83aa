"""The form of a service request: its type is picked from the request catalogue (8.6.2).

The type is a picker over the catalogue's active types, not free text. Picking
one takes the type's impact and urgency (so the priority the catalogue shows is
the one the request gets), and its service and category when none is typed; a line under
the picker says the type's SLA, approval rule and steps (the request's due
time and steps are copied from the type when it is saved). The picker comes
first; the catalogue is read in a worker once the form is open, so keys typed
meanwhile land in the form.

:func:`record_form` is how screens open the form of any kind: this one for
requests, :class:`~sms_tui.ui.screens.form.RecordForm` for the others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.containers import Horizontal
from textual.widgets import Input, Label, Select, Static

from ...domain.sla import format_hours
from .. import display
from ..widgets.choice_picker import ChoicePicker
from .form import RecordForm, kept_form
from .form_fields import FieldSpec

if TYPE_CHECKING:
    from ...services.core.views import RecordView
    from ...services.requests.service import RequestTypeView

NO_TYPE = ""
# the picker's value until the catalogue is read (then every option, and the label, is set)
READING = "\x00reading"


def record_form(kind: str, record: RecordView | None = None, *,
                preset: dict[str, Any] | None = None, app: Any = None) -> RecordForm:
    """The form for a new record of ``kind`` (or an edit of ``record``).

    Given the ``app``, every kind but requests gets the form kept built and refilled
    (:func:`kept_form`); a request's form (its type picked from the catalogue, which fills other fields as it
    changes) is built each time.
    """
    if kind == "request" or preset or app is None:
        cls = RequestForm if kind == "request" else RecordForm
        return cls(kind, record, preset=preset)
    return kept_form(app, kind, record)


def type_preset(rtype: RequestTypeView) -> dict[str, Any]:
    """A new request's starting values from its type."""
    return {"request_type": rtype.name, "impact": rtype.impact, "urgency": rtype.urgency,
            "category": rtype.category, "service": rtype.service}


def type_summary(rtype: RequestTypeView | None) -> Text:
    """'P2 · fulfil within 4h · no approval · 4 steps' (or how to pick one): under the type
    picker, so without "From the catalogue: ", which cut "approval by line manager" at 80
    columns (a long service or approver name wraps to a second line)."""
    if rtype is None:
        return Text("Pick a type: its SLA, approval and steps come with it.", style="dim")
    approval = f"approval by {rtype.approver or 'an approver'}" if rtype.needs_approval else "no approval"
    service = Text.assemble(" · ", display.line(rtype.service, limit=24)) if rtype.service else ""
    return Text.assemble(f"P{rtype.priority}", service,
                         f" · fulfil within {format_hours(rtype.sla_hours)} · ", display.line(approval),
                         f" · {len(rtype.steps)} step{'s' if len(rtype.steps) != 1 else ''}")


class RequestForm(RecordForm):
    """A new service request or an edit of one, its type picked from the catalogue."""

    CSS_PATH = ["form.tcss", "request_form.tcss"]

    def __init__(self, kind: str = "request", record: RecordView | None = None, *,
                 preset: dict[str, Any] | None = None) -> None:
        # composed whole, as before forms were mounted in two steps: a burst typed into one
        # raised from the catalogue lost its first letter once under load (not reproduced since)
        super().__init__(kind, record, preset=preset, lazy=False)
        # the type first: it decides the rest
        self.specs.sort(key=lambda spec: spec.name != "request_type")
        self.types: dict[str, RequestTypeView] = {}
        # the type whose defaults the form holds: a Changed for it is not a new pick
        self._type_applied = self._starting_type()

    def _starting_type(self) -> str:
        if self.record is not None:
            return str(self.record.extra.get("request_type") or NO_TYPE)
        return str(self.preset.get("request_type") or NO_TYPE)

    def _row(self, spec: FieldSpec) -> Horizontal:
        if spec.name != "request_type":
            return super()._row(spec)
        current = self._starting_type()
        label = Text(current) if current else Text("(reading the catalogue…)", style="dim")
        picker = Select([(label, READING)], value=READING, allow_blank=False, id="f-request_type",
                        compact=True)
        return Horizontal(Label(spec.label, classes="field-label"), picker, classes="field",
                          id="row-request_type")

    def _raw(self, spec: FieldSpec) -> Any:
        value = super()._raw(spec)
        if spec.name == "request_type" and value == READING:
            return self._starting_type()
        return value

    def on_mount(self) -> None:
        self.query_one("#form-body").mount(Static(id="type-info"), after="#row-request_type")
        if self.record is None and not self._type_applied:
            # a request raised from the queue: the type is the first thing to say
            self.call_after_refresh(self.query_one("#f-request_type").focus)
        from .service_lookup import request_service

        service = request_service(self.backend)
        # keys wait for the catalogue: a type picked, or a draft put back (F2), in the burst
        # that opened the form needs its choices there
        self.service(lambda: service.types(include_retired=True), self._catalogue_read,
                     group="request-types", exclusive=True, opens_screen=True)

    def _catalogue_read(self, types: list[RequestTypeView]) -> None:
        self.types = {t.name: t for t in types}
        picker = self.query_one("#f-request_type", Select)
        current = picker.value if isinstance(picker.value, str) else NO_TYPE
        if current == READING:
            current = self._starting_type()
        options: list[tuple[Text, str]] = [] if current else [
            (Text("(choose a type)", style="dim"), NO_TYPE)]
        for t in types:
            if t.active or t.name == current:  # a retired type stays on the requests raised from it
                options.append((Text.assemble(display.line(t.title), f"  P{t.priority} · {format_hours(t.sla_hours)}",
                                              "" if t.active else "  (retired)"), t.name))
        if "other" not in self.types:  # fits no type: classified as other, explicitly (8.6.2)
            options.append((Text("other (no type of the catalogue fits)"), "other"))
        if current and current not in self.types and current != "other":
            options.append((Text(current), current))
        self._type_applied = current
        picker.set_options(options)
        picker.value = current
        self.draft_filled("f-request_type")
        self._show_type(self.types.get(current))

    def _show_type(self, rtype: RequestTypeView | None) -> None:
        self.query_one("#type-info", Static).update(type_summary(rtype))

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id != "f-request_type" or not isinstance(event.value, str):
            return
        if event.value != event.select.value:
            return  # stale: filling the options passed through another value first
        rtype = self.types.get(event.value)
        self._show_type(rtype)
        if event.value == self._type_applied or rtype is None:
            return
        before = self.types.get(self._type_applied)
        self._type_applied = event.value
        # the type's defaults: the priority the catalogue shows is the one the request gets
        self.query_one("#f-impact", ChoicePicker).value = rtype.impact
        self.query_one("#f-urgency", ChoicePicker).value = rtype.urgency
        for name, value, was in (("category", rtype.category, before.category if before else None),
                                 ("service", rtype.service, before.service if before else None)):
            box = self.query_one(f"#f-{name}", Input)
            if not box.value.strip() or box.value == was:  # not one the analyst typed
                box.value = value
