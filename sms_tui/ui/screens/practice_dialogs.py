"""Dialogs for requests and changes: decisions, satisfaction, schedule, outcome, targets.

Each is an :class:`ActionDialog` (the record and version shown, a refusal shown
in place) whose write goes to the request or change service instead of the
record service; it is dismissed with the record as it now is.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.widgets import Input, Static

from ...domain.errors import ValidationError
from ...services.views import RecordView
from .. import display
from ..field_errors import FieldError
from ..widgets.choice_picker import ChoicePicker
from .action_dialog import ActionDialog, field
from .form_fields import FieldSpec, from_widget_value

# Enter saves from a choice picker too (an Input saves on Enter by itself).
ENTER_SAVES = [Binding("enter", "submit", "Save", id="practice.submit", show=False)]


def request_service(backend: Any):
    from ...services.requests import RequestService

    return backend.service(RequestService)


def change_service(backend: Any):
    from ...services.changes import ChangeService

    return backend.service(ChangeService)


class DecisionDialog(ActionDialog):
    """Approve or reject a request or a change: why, and who decided (default: you)."""

    hint = "The rationale is kept with the decision · Enter saves · Esc cancels"

    def __init__(self, record: RecordView, *, decision: str) -> None:
        super().__init__(record)
        self.decision = decision  # "approve" | "reject"
        self.heading = f"{decision.capitalize()} {record.ref}"

    def compose_fields(self):
        yield field("Rationale", Input(id="rationale", compact=True,
                                       placeholder=f"why it is {self.decision}d (required)"))
        yield field("Approver", Input(id="approver", compact=True,
                                      placeholder=f"who decided (default: {self.app.actor})"))
        if self.record.kind == "change" and self.decision == "approve":
            yield Static(Text(_change_approval_rule(self.record)), classes="dialog-explain")

    def on_mount(self) -> None:
        self.query_one("#rationale", Input).focus()

    def collect(self) -> dict[str, Any]:
        rationale = self.query_one("#rationale", Input).value.strip()
        if not rationale:
            raise FieldError("rationale", f"write the rationale: why it is {self.decision}d")
        return {"rationale": rationale, "approver": self.query_one("#approver", Input).value.strip()}

    def perform(self, records, record, values):
        service = request_service(self.backend) if record.kind == "request" else change_service(self.backend)
        detail = getattr(service, self.decision)(record.ref, values["rationale"],
                                                 approver=values["approver"] or None)
        return detail.record


def _change_approval_rule(record: RecordView) -> str:
    kind = record.extra.get("change_type", "normal")
    if kind == "emergency":
        return "Emergency: expedited approval; needs a back-out plan; reviewed after implementation."
    if kind == "standard":
        return "Standard: pre-approved by the change policy."
    return "Normal: approved while assessing, with a risk assessment and a back-out plan."


class _ScoreDialog(ActionDialog):
    """A score 1-5 picked with the arrows and a comment: what a customer said."""

    BINDINGS = ENTER_SAVES
    hint = "←/→ picks the score · Enter saves · Esc cancels"
    SCORES = [(str(n), str(n)) for n in range(1, 6)]
    comment_placeholder = "the customer's words"

    def compose_fields(self):
        yield field("Score", ChoicePicker(self.SCORES, "4", id="score"))
        yield Static(Text("1 very dissatisfied · 3 neutral · 5 very satisfied"), classes="dialog-explain")
        yield field("Comment", Input(id="comment", compact=True, placeholder=self.comment_placeholder))

    def on_mount(self) -> None:
        self.query_one("#score", ChoicePicker).focus()

    def collect(self) -> dict[str, Any]:
        return {"score": int(self.query_one("#score", ChoicePicker).value),
                "comment": self.query_one("#comment", Input).value.strip()}


class SatisfactionDialog(_ScoreDialog):
    """The customer's satisfaction (1-5) and comment; closes a fulfilled request."""

    def __init__(self, record: RecordView) -> None:
        super().__init__(record)
        closing = record.status == "fulfilled"
        self.heading = "Close with satisfaction" if closing else "Record satisfaction"

    def perform(self, records, record, values):
        service = request_service(self.backend)
        if record.status == "fulfilled":
            return service.close(record.ref, score=values["score"], comment=values["comment"],
                                 expected_version=record.version).record
        return service.record_satisfaction(record.ref, values["score"], values["comment"]).record


class SurveyAnswerDialog(_ScoreDialog):
    """The requester's answer (1-5) to the satisfaction survey sent about a record (8.3.2),
    given by phone or in person; answers by mail are recorded by ``mail-in``."""

    heading = "Satisfaction survey: the requester's answer"
    comment_placeholder = "the requester's words"

    def perform(self, records, record, values):
        from ...services.survey import SurveyService

        self.backend.service(SurveyService).answer(record.ref, values["score"],
                                                   comment=values["comment"], via="tui")
        return records.get(record.ref)


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
        return values

    def perform(self, records, record, values):
        result = change_service(self.backend).schedule(record.ref, values["start"], values["end"])
        for conflict in result.conflicts:
            self.app.call_from_thread(self.app.notify, conflict.describe(),
                                      title="Schedule conflict", severity="warning",
                                      timeout=12, markup=False)
        return result.change.record


class OutcomeDialog(ActionDialog):
    """How the implementation went; failed or backed out needs an investigation note."""

    BINDINGS = ENTER_SAVES
    hint = "s/f/b or ←/→ picks · Enter saves · Esc cancels"
    OUTCOMES = [("successful", "successful"), ("failed", "failed"), ("backed_out", "backed out")]

    def __init__(self, record: RecordView) -> None:
        super().__init__(record)
        self.heading = f"Implementation outcome of {record.ref}"

    def compose_fields(self):
        yield field("Outcome", ChoicePicker(self.OUTCOMES, "successful", id="outcome"))
        yield field("Investigation", Input(id="investigation", compact=True,
                                           placeholder="required when failed or backed out"))
        yield Static(Text("Saving raises the effectiveness review (8.5.1.3)."), classes="dialog-explain")

    def on_mount(self) -> None:
        self.query_one("#outcome", ChoicePicker).focus()

    def collect(self) -> dict[str, Any]:
        return {"outcome": self.query_one("#outcome", ChoicePicker).value,
                "investigation": self.query_one("#investigation", Input).value.strip()}

    def perform(self, records, record, values):
        return change_service(self.backend).record_outcome(
            record.ref, values["outcome"], investigation_note=values["investigation"]).record


class TargetsDialog(ActionDialog):
    """Services and CIs a change affects: add or remove several at once."""

    BINDINGS = ENTER_SAVES
    hint = "Names separated by commas · Enter saves · Esc cancels"

    def __init__(self, record: RecordView) -> None:
        super().__init__(record)
        self.heading = f"Services and CIs affected by {record.ref}"

    def compose_fields(self):
        yield field("Add/remove", ChoicePicker([("add", "add"), ("remove", "remove")], "add", id="mode"))
        yield field("Services", Input(id="services", compact=True, placeholder="e.g. mail, web"))
        yield field("CIs", Input(id="cis", compact=True, placeholder="e.g. srv-mail-01"))

    def on_mount(self) -> None:
        self.query_one("#services", Input).focus()

    def collect(self) -> dict[str, Any]:
        def names(wid: str) -> list[str]:
            return [n.strip() for n in self.query_one(wid, Input).value.split(",") if n.strip()]

        services, cis = names("#services"), names("#cis")
        if not services and not cis:
            raise FieldError("services", "name at least one service or CI")
        return {"services": services, "cis": cis,
                "remove": self.query_one("#mode", ChoicePicker).value == "remove"}

    def perform(self, records, record, values):
        return change_service(self.backend).set_targets(
            record.ref, services=values["services"], cis=values["cis"], remove=values["remove"]).record


def problem_service(backend: Any):
    from ...services.problems import ProblemService

    return backend.service(ProblemService)


class ResolveProblemDialog(ActionDialog):
    """Resolve a problem with its permanent fix; a fix that needs a change raises an RFC."""

    BINDINGS = ENTER_SAVES
    hint = "n/y or ←/→ picks · Enter saves · Esc cancels"

    def __init__(self, record: RecordView) -> None:
        super().__init__(record)
        self.heading = f"Resolve {record.ref}"

    def compose_fields(self):
        fix = self.record.extra.get("permanent_fix") or ""
        yield field("Fix", Input(fix, id="fix", compact=True, placeholder="the permanent fix"))
        yield field("Needs change", ChoicePicker([("no", "no"), ("yes", "yes")], "no", id="needs"))
        yield field("Existing RFC", Input(id="change", compact=True,
                                          placeholder="optional: CHG-… to link instead of raising one"))
        yield Static(Text("A fix that needs a change goes through change management: an RFC is "
                          "raised with the root cause and fix, and linked."), classes="dialog-explain")

    def on_mount(self) -> None:
        self.query_one("#fix", Input).focus()

    def collect(self) -> dict[str, Any]:
        return {"fix": self.query_one("#fix", Input).value.strip() or None,
                "needs_change": self.query_one("#needs", ChoicePicker).value == "yes",
                "change": self.query_one("#change", Input).value.strip() or None}

    def perform(self, records, record, values):
        return problem_service(self.backend).resolve(
            record.ref, permanent_fix=values["fix"], needs_change=values["needs_change"],
            change_ref=values["change"])
