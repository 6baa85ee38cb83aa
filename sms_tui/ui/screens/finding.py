"""One improvement opportunity (10.2) or nonconformity (10.1): its detail and lifecycle."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Header, OptionList, Static
from textual.widgets.option_list import Option

from .. import display
from ..widgets.desk_footer import DeskFooter
from ..widgets.journal_view import JournalList
from ..widgets.marked_option_list import MarkedOptionList
from ..widgets.section_bar import SectionBar
from .base import DeskScreen, is_older
from .reviews_common import date
from .reviews_dialogs import Field, ReviewDialog
from .service_lookup import review_service

KIND_LABEL = {"improvement": "OFI", "nonconformity": "NC"}


def finding_subject(view: Any) -> Text:
    return Text.assemble((view.ref, "bold"), "  ", display.status_label(view.status),
                         f"  v{view.version}  ", display.line(view.title, limit=60),
                         no_wrap=True, overflow="ellipsis")


class FindingScreen(DeskScreen):
    """One improvement opportunity or nonconformity."""

    CSS_PATH = "reviews.tcss"
    BINDINGS = [
        Binding("escape", "back", "Back", id="finding.back"),
        Binding("t", "move", "Status", id="finding.move"),
        Binding("a", "add_action", "Add action", id="finding.add_action"),
        Binding("space", "action_done", "Action done", id="finding.action_done"),
        Binding("r", "reload", "Reload", id="finding.reload", show=False),
    ]

    def __init__(self, ref: str) -> None:
        super().__init__()
        self.ref = ref
        self.view: Any = None

    def compose(self):
        yield Header()
        yield SectionBar(self.app.current_mode)
        with VerticalScroll(id="finding-body"):
            yield Static(Text(f"{self.ref}  loading…"), id="finding-headline")
            yield Static(id="finding-facts")
            yield Static(id="finding-text")
            yield Static(Text("Corrective actions (space marks done)", style="bold underline"),
                         classes="section-title", id="finding-actions-title")
            yield MarkedOptionList(id="finding-actions")
            yield Static(Text("Journal (newest first)", style="bold underline"),
                         classes="section-title")
            yield JournalList(id="finding-journal")
        yield DeskFooter()

    def load(self) -> None:
        backend, ref = self.backend, self.ref
        self.service(lambda: review_service(backend).get_finding(ref), self.show,
                     group="finding", exclusive=True)

    def show(self, view: Any) -> None:
        if is_older(view, self.view):
            return  # a read from before this screen's last write (see is_older)
        self.view = view
        label = "Nonconformity (10.1)" if view.kind == "nonconformity" else \
            "Improvement opportunity (10.2)"
        self.query_one("#finding-headline", Static).update(Text.assemble(
            (view.ref, "bold"), "  ", label, "  ", (display.status_label(view.status), "bold"), "\n",
            display.line(view.title, style="bold")))
        facts = [display.label_value("Owner", view.owner or "nobody"),
                 display.label_value("Found by", view.review_ref or "–"),
                 display.label_value("Raised", display.when(view.created_at))]
        if view.kind == "nonconformity":
            facts[1:1] = [display.label_value("Severity", view.severity),
                          display.label_value("Clause", view.clause or "–")]
        next_steps = ", ".join(display.status_label(s) for s in view.allowed_transitions) or \
            "none (final)"
        facts.append(display.label_value("Next status", next_steps + "  (t)"))
        self.query_one("#finding-facts", Static).update(Text("\n").join(facts))
        parts = []
        for title, value in (("Description", view.description), ("Decision", view.decision_note),
                             ("Correction", view.correction), ("Root cause", view.root_cause),
                             ("Effectiveness verified", view.effectiveness_note)):
            if value:
                parts.append(Text.assemble((f"{title}\n", "bold underline"), display.block(value)))
        self.query_one("#finding-text", Static).update(Text("\n\n").join(parts))
        is_nc = view.kind == "nonconformity"
        self.query_one("#finding-actions-title").display = is_nc
        actions = self.query_one("#finding-actions", OptionList)
        actions.display = is_nc
        highlighted = actions.highlighted
        actions.clear_options()
        for a in view.actions:
            extra = f"  ({display.line(a.owner)})" if a.owner else ""
            done = f"  done by {display.line(a.done_by)} {date(a.done_at)}" if a.done else ""
            actions.add_option(Option(Text.assemble("[x] " if a.done else "[ ] ", f"{a.number}. ",
                                                    display.line(a.text), extra, (done, "dim")),
                                      id=str(a.number)))
        if view.actions:
            actions.highlighted = min(highlighted or 0, len(view.actions) - 1)
        elif is_nc:
            actions.add_option(Option(Text("None yet. a adds one.", style="dim"), disabled=True))
        self.query_one(JournalList).show(view.journal)
        if is_nc and view.actions:
            actions.focus()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("add_action", "action_done"):
            return self.view is not None and self.view.kind == "nonconformity"
        if action == "move":
            return self.view is not None and bool(self.view.allowed_transitions)
        return True

    def action_back(self) -> None:
        self.dismiss()

    def action_reload(self) -> None:
        self.load()

    def _finding_written(self, result: Any) -> None:
        if result is not None:
            self.show(result)
            self.app.check_for_changes()

    def action_move(self) -> None:
        view = self.view
        if view is None or not view.allowed_transitions:
            return
        backend, ref, version = self.backend, view.ref, view.version
        choices = tuple((s, display.status_label(s)) for s in view.allowed_transitions)
        fields = [Field("status", "Next status", view.allowed_transitions[0], choices=choices),
                  Field("note", "Note / reason", placeholder="needed to reject or cancel")]
        if view.kind == "nonconformity":
            fields += [Field("root_cause", "Root cause", view.root_cause),
                       Field("effectiveness", "Verified by", view.effectiveness_note,
                             placeholder="how the actions proved effective (to close)")]
        else:  # 10.2: judged before approval, measured before closing
            fields += [Field("criteria", "Evaluation criteria", view.criteria,
                             placeholder="how it is judged (to approve)"),
                       Field("target", "Target", view.target, placeholder="what it aims at"),
                       Field("measurement", "Measured", view.measurement,
                             placeholder="what was measured (to close)")]

        def perform(values: dict[str, Any]) -> Any:
            reviews = review_service(backend)
            if view.kind == "nonconformity":
                return reviews.move_nonconformity(
                    ref, values["status"], note=values["note"], root_cause=values["root_cause"],
                    effectiveness_note=values["effectiveness"], expected_version=version)
            return reviews.move_improvement(ref, values["status"], note=values["note"],
                                            criteria=values["criteria"], target=values["target"],
                                            measurement=values["measurement"],
                                            expected_version=version)

        self.app.push_screen(ReviewDialog("Move to the next status", finding_subject(view), fields, perform,
                                          draft_id=view.ref), self._finding_written)

    def action_add_action(self) -> None:
        view = self.view
        if view is None:
            return
        backend, ref, version = self.backend, view.ref, view.version
        self.app.push_screen(ReviewDialog(
            "Add a corrective action", finding_subject(view),
            [Field("text", "Action", required=True), Field("owner", "Owner")],
            lambda v: review_service(backend).add_corrective_action(
                ref, v["text"], owner=v["owner"], expected_version=version), draft_id=ref),
            self._finding_written)

    def action_action_done(self) -> None:
        actions = self.query_one("#finding-actions", OptionList)
        view = self.view
        if view is None or not view.actions or actions.highlighted is None:
            return
        action = view.actions[actions.highlighted]
        if action.done:
            self.app.notify(f"Action {action.number} is already done", timeout=3)
            return
        backend, ref, version = self.backend, view.ref, view.version
        self.service(lambda: review_service(backend).complete_corrective_action(
            ref, action.number, expected_version=version), self._finding_written,
            group="write", exclusive=True)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_action_done()
