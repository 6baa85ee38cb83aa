"""One review: what to do, its checklist (ticked with space), the evidence, findings, journal.

Keys: space or Enter ticks the highlighted checklist item (marked ``›``) and
moves to the next one, each press exactly once however fast they come; ``s`` start, ``c`` complete
with the outcome, ``k`` skip with a reason, ``o`` reopen, ``a`` owner, ``m``
note, ``i`` improvement opportunity, ``n`` nonconformity, ``e`` recompute the
evidence. Every write passes the version shown, so a change made meanwhile
elsewhere is refused instead of overwritten.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Header, OptionList, Static
from textual.widgets.option_list import Option

from .. import display
from ..ticks import TickQueue
from ..widgets.desk_footer import DeskFooter
from ..widgets.journal_view import JournalList
from ..widgets.marked_option_list import MarkedOptionList
from ..widgets.section_bar import SectionBar
from .base import DeskScreen, is_older
from .reviews_common import date, review_subject, state_text
from .reviews_dialogs import Field, ReviewDialog
from .service_lookup import review_service

OPEN = ("open", "in_progress")
# action -> statuses in which it is offered
WHEN: dict[str, tuple[str, ...]] = {
    "start": ("open",),
    "complete": OPEN,
    "skip": OPEN,
    "reopen": ("skipped",),
    "tick": OPEN,
    "assign": OPEN,
    "evidence": OPEN,
}


def split_evidence(text: str) -> tuple[str, str]:
    """The evidence's figures and tables (kept as laid out) and its notes (prose, to wrap)."""
    lines = text.split("\n")
    notes = [line for line in lines if line.startswith("Note: ")]
    tables = [line for line in lines if not line.startswith("Note: ")]
    while tables and not tables[-1].strip():
        tables.pop()
    return "\n".join(tables), "\n".join(notes)


class ReviewScreen(DeskScreen):
    """The detail of a review task."""

    CSS_PATH = "reviews.tcss"
    BINDINGS = [
        Binding("escape", "back", "Back", id="review.back"),
        Binding("space", "tick", "Tick", id="review.tick"),
        Binding("v", "evidence_view", "Evidence", id="review.view_evidence",
                tooltip="Scroll to the evidence; arrows scroll, tab returns to the checklist"),
        Binding("s", "start", "Start", id="review.start"),
        Binding("c", "complete", "Complete", id="review.complete"),
        Binding("k", "skip", "Skip", id="review.skip"),
        Binding("o", "reopen", "Reopen", id="review.reopen"),
        Binding("a", "assign", "Owner", id="review.assign", show=False),
        Binding("m", "note", "Note", id="review.note", show=False),
        Binding("i", "improvement", "Improvement", id="review.improvement"),
        Binding("n", "nonconformity", "Nonconformity", id="review.nonconformity", show=False),
        Binding("e", "evidence", "Recompute evidence", id="review.evidence", show=False),
        Binding("r", "reload", "Reload", id="review.reload", show=False),
    ]

    def __init__(self, ref: str) -> None:
        super().__init__()
        self.ref = ref
        self.view: Any = None
        self.ticks = TickQueue(self, self._tick_call, self._ticked)

    def compose(self):
        yield Header()
        yield SectionBar(self.app.current_mode)
        with VerticalScroll(id="review-body"):
            yield Static(Text(f"{self.ref}  loading…"), id="review-headline")
            yield Static(id="review-facts")
            yield Static(Text("What to do", style="bold underline"), classes="section-title")
            yield Static(id="review-instructions")
            yield Static(Text("Checklist (space or Enter ticks)", style="bold underline"),
                         classes="section-title")
            yield MarkedOptionList(id="review-checklist")
            yield Static(id="review-outcome")
            yield Static(Text("Evidence from the store (v)", style="bold underline"),
                         classes="section-title", id="review-evidence-title")
            yield Static(id="review-evidence")  # tables: never wrapped, scroll sideways
            yield Static(id="review-evidence-notes")  # its notes: wrapped, never cut
            yield Static(Text("Findings", style="bold underline"), classes="section-title")
            yield Static(id="review-findings")
            yield Static(Text("Journal (newest first)", style="bold underline"),
                         classes="section-title")
            yield JournalList(id="review-journal")
        yield DeskFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#review-checklist", OptionList).focus()

    # ------------------------------------------------------------------ data
    def load(self) -> None:
        backend, ref = self.backend, self.ref
        self.service(lambda: review_service(backend).get(ref), self.show,
                     on_error=self._load_failed, group="review", exclusive=True)

    def show(self, view: Any) -> None:
        if is_older(view, self.view):
            return  # a read from before this screen's last write (see is_older)
        self.view = view
        self.query_one("#review-headline", Static).update(Text.assemble(
            (view.ref, "bold"), "  ", state_text(view.state), "  ", f"clause {view.clause}", "\n",
            display.line(view.title, style="bold")))
        gap = Text("  ·  ")
        facts = [
            gap.join([display.label_value("Period", view.period),
                      display.label_value("Due", display.when(view.due)),
                      display.label_value("Owner", view.owner or "nobody")]),
            gap.join([display.label_value("Status", display.status_label(view.status)),
                      display.label_value("Raised", display.when(view.raised_at)
                                          + (" (raised late)" if view.raised_late else ""))]),
        ]
        if view.completed_at:
            facts.append(display.label_value("Finished", f"{display.when(view.completed_at)} by "
                                                         f"{view.completed_by}"))
        self.query_one("#review-facts", Static).update(Text("\n").join(facts))
        self.query_one("#review-instructions", Static).update(display.block(view.instructions or "–"))
        checklist = self.query_one("#review-checklist", OptionList)
        highlighted = checklist.highlighted
        checklist.clear_options()
        for item in view.checklist:
            mark = "[x]" if item.done else "[ ]"
            who = Text(f"  {display.line(item.by)} {date(item.at)}", style="dim") if item.done else ""
            checklist.add_option(Option(Text.assemble(f"{mark} {item.number}. ", display.line(item.text),
                                                      who), id=str(item.number)))
        if view.checklist:
            first_open = next((i for i, item in enumerate(view.checklist) if not item.done), 0)
            checklist.highlighted = (first_open if highlighted is None
                                     else min(highlighted, len(view.checklist) - 1))
        outcome = Text()
        if view.outcome:
            outcome = Text.assemble(("Outcome\n", "bold underline"), display.block(view.outcome))
        elif view.skip_reason:
            outcome = Text.assemble(("Skipped because\n", "bold underline"), display.block(view.skip_reason))
        box = self.query_one("#review-outcome", Static)
        box.update(outcome)
        box.display = bool(outcome)
        tables, notes = split_evidence(view.evidence_text)
        self.query_one("#review-evidence", Static).update(Text(tables, no_wrap=True, overflow="ignore"))
        box = self.query_one("#review-evidence-notes", Static)
        box.update(display.block(notes))
        box.display = bool(notes)
        if view.findings:
            findings = Text("\n").join(Text.assemble(
                (f.ref, "bold"), f"  [{display.status_label(f.status)}]  ", display.line(f.title))
                for f in view.findings)
        else:
            findings = Text("None recorded. i adds an improvement opportunity, n a nonconformity.",
                            style="dim")
        self.query_one("#review-findings", Static).update(findings)
        self.query_one(JournalList).show(view.journal)
        self.refresh_bindings()

    # --------------------------------------------------------------- actions
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in WHEN:
            return self.view is not None and self.view.status in WHEN[action]
        return True

    def _write(self, call, then=None) -> None:
        def written(view: Any) -> None:
            self.show(view)
            if then:
                then(view)
            self.app.check_for_changes()

        self.service(call, written, group="write", exclusive=True)

    def _dialog(self, heading: str, fields: list[Field], perform, done=None) -> None:
        if self.view is None:
            return

        def closed(result: Any) -> None:
            if result is None:
                return
            if done is not None:
                done(result)
            self.load()
            self.app.check_for_changes()

        self.app.push_screen(ReviewDialog(heading, review_subject(self.view), fields, perform,
                                          draft_id=self.view.ref), closed)

    def action_back(self) -> None:
        self.dismiss()

    def action_reload(self) -> None:
        self.load()

    def action_evidence_view(self) -> None:
        body = self.query_one("#review-body", VerticalScroll)
        body.focus()
        body.scroll_to_widget(self.query_one("#review-evidence-title"), top=True, animate=False)

    def action_tick(self) -> None:
        checklist = self.query_one("#review-checklist", OptionList)
        if self.view is None or checklist.highlighted is None or not self.view.checklist:
            return
        index = checklist.highlighted
        item = self.view.checklist[index]
        self.ticks.toggle(item.number, item.done)
        checklist.highlighted = min(index + 1, len(self.view.checklist) - 1)  # on to the next

    def _tick_call(self, number: int, done: bool):
        # built when its turn comes: the version the previous tick left
        backend, ref, version = self.backend, self.view.ref, self.view.version
        return lambda: review_service(backend).tick(ref, number, done=done, expected_version=version)

    def _ticked(self, view: Any) -> None:
        self.show(view)
        self.app.check_for_changes()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_list.id == "review-checklist":
            event.stop()
            self.action_tick()

    def action_start(self) -> None:
        backend, ref, version = self.backend, self.view.ref, self.view.version
        self._write(lambda: review_service(backend).start(ref, expected_version=version))

    def action_complete(self) -> None:
        backend, ref, version = self.backend, self.view.ref, self.view.version
        self._dialog("Complete the review", [
            Field("outcome", "Outcome: what was found and decided", multiline=True, required=True)],
            lambda v: review_service(backend).complete(ref, v["outcome"], expected_version=version))

    def action_skip(self) -> None:
        backend, ref, version = self.backend, self.view.ref, self.view.version
        self._dialog("Skip the review", [Field("reason", "Why is it skipped", multiline=True,
                                               required=True)],
                     lambda v: review_service(backend).skip(ref, v["reason"], expected_version=version))

    def action_reopen(self) -> None:
        backend, ref, version = self.backend, self.view.ref, self.view.version
        self._write(lambda: review_service(backend).reopen(ref, expected_version=version))

    def action_assign(self) -> None:
        backend, ref, version = self.backend, self.view.ref, self.view.version
        self._dialog("Owner of the review", [Field("owner", "Owner", self.view.owner)],
                     lambda v: review_service(backend).assign(ref, v["owner"], expected_version=version))

    def action_note(self) -> None:
        # no expected_version: a note only adds to the journal (a tick meanwhile refused it)
        backend, ref = self.backend, self.view.ref
        self._dialog("Add a note", [Field("note", "Note", multiline=True, required=True)],
                     lambda v: review_service(backend).add_note(ref, v["note"]))

    def action_evidence(self) -> None:
        backend, ref, version = self.backend, self.view.ref, self.view.version
        self._write(lambda: review_service(backend).refresh_evidence(ref, expected_version=version),
                    lambda view: self.app.notify("Evidence recomputed from the store", timeout=3))

    def action_improvement(self) -> None:
        if self.view is None:
            return
        backend, ref = self.backend, self.view.ref
        self._dialog("New improvement opportunity (10.2)", [
            Field("title", "Title", required=True), Field("owner", "Owner"),
            Field("description", "Description", multiline=True)],
            lambda v: review_service(backend).new_improvement(
                v["title"], description=v["description"], owner=v["owner"], review_ref=ref),
            lambda finding: self.app.notify(f"{finding.ref} recorded", timeout=3, markup=False))

    def action_nonconformity(self) -> None:
        if self.view is None:
            return
        backend, ref, clause = self.backend, self.view.ref, self.view.clause
        self._dialog("New nonconformity (10.1)", [
            Field("title", "Title", required=True), Field("clause", "Clause", clause),
            Field("severity", "Severity", "minor",
                  choices=(("minor", "minor"), ("major", "major"))),  # m, m again: the other
            Field("description", "What was found", multiline=True)],
            lambda v: review_service(backend).new_nonconformity(
                v["title"], clause=v["clause"], severity=v["severity"],
                description=v["description"], review_ref=ref),
            lambda finding: self.app.notify(f"{finding.ref} recorded", timeout=3, markup=False))
