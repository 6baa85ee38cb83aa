"""Problem candidates from incident trends (8.6.3), and the problem queue that shows them.

The problem queue carries a line saying how many candidates trend detection
proposes (``P`` opens them). In the candidates screen each candidate shows
how many incidents share which service, CI or category, over what span, and
their references; ``a`` accepts it (a problem is raised with the incidents
linked, and opened), ``d`` dismisses it with a reason (never proposed again).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from ...domain.trends import DIMENSION_LABELS
from .. import display
from ..widgets.section_bar import SectionBar
from .base import DeskModal, DeskScreen
from .queue import QueueScreen

if TYPE_CHECKING:
    from ...services.problems import CandidateView


def problem_service(backend: Any):
    from ...services.problems import ProblemService

    return backend.service(ProblemService)


def candidate_prompt(candidate: CandidateView) -> Text:
    """'4 incidents on service mail  2 Mar 09:00 – 3 Mar 00:00' / the references / the key."""
    head = Text.assemble((f"{candidate.count} incidents", "bold"), " on ",
                         DIMENSION_LABELS[candidate.dimension], " ",
                         display.line(candidate.value, style="bold", limit=30), "   ",
                         display.when(candidate.first_at), " – ", display.when(candidate.last_at)[5:])
    refs = " ".join(candidate.incident_refs)
    return Text.assemble(head, "\n    ", display.line(refs, limit=70), "\n    ",
                         (f"key {candidate.key}", "dim"))


class ProblemCandidatesScreen(DeskScreen):
    """The candidates trend detection proposes; accept or dismiss each."""

    BINDINGS = [
        Binding("a", "accept", "Accept", id="candidates.accept",
                tooltip="Raise a problem and link its incidents"),
        Binding("d", "dismiss_candidate", "Dismiss", id="candidates.dismiss",
                tooltip="Not a problem: never propose these incidents together again"),
        Binding("escape", "back", "Back", id="candidates.back"),
        Binding("r", "reload", "Refresh", id="candidates.reload", show=False),
    ]
    DEFAULT_CSS = """
    ProblemCandidatesScreen #candidates-title { height: auto; padding: 0 1; margin: 0 0 1 0; }
    ProblemCandidatesScreen #candidates { height: 1fr; border: none; padding: 0 1; }
    ProblemCandidatesScreen #candidates:focus > .option-list--option-highlighted { text-style: bold reverse; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.found: list[CandidateView] = []

    def compose(self):
        yield Header()
        yield SectionBar(self.app.current_mode)
        yield Static(Text("Problem candidates", style="bold"), id="candidates-title")
        yield OptionList(id="candidates")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#candidates", OptionList).focus()

    def load(self) -> None:
        service = problem_service(self.backend)
        self.service(service.candidates, self.show_candidates, group="candidates", exclusive=True)

    def show_candidates(self, found: list[CandidateView]) -> None:
        self.found = found
        rule = found[0].rule if found else ""
        title = Text.assemble(("Problem candidates from incident trends", "bold"),
                              f"  ({len(found)})" if found else "")
        if rule:
            title.append(f"\nRule: {rule}", style="italic")
        self.query_one("#candidates-title", Static).update(title)
        options = self.query_one("#candidates", OptionList)
        highlighted = options.highlighted
        options.clear_options()
        if not found:
            options.add_option(Option(Text("No candidates: no group of recent incidents shares a "
                                           "service, CI or category often enough.", style="italic"),
                                      disabled=True))
        else:
            options.add_options(Option(candidate_prompt(c), id=c.key) for c in found)
            options.highlighted = min(highlighted or 0, len(found) - 1)
        self.refresh_bindings()

    def _current(self) -> CandidateView | None:
        options = self.query_one("#candidates", OptionList)
        if not self.found or options.highlighted is None or options.highlighted >= len(self.found):
            return None
        return self.found[options.highlighted]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("accept", "dismiss_candidate"):
            return True if self.found else None
        return True

    def action_accept(self) -> None:
        candidate = self._current()
        if candidate is None:
            return
        service = problem_service(self.backend)

        def accepted(view) -> None:
            self.app.notify(f"{view.ref} raised with {candidate.count} incidents linked",
                            timeout=5, markup=False)
            self.app.check_for_changes()
            from ..sections import detail_screen

            self.app.push_screen(detail_screen(view.ref))

        self.service(lambda: service.accept_candidate(candidate.key), accepted)

    def action_dismiss_candidate(self) -> None:
        candidate = self._current()
        if candidate is not None:
            self.app.push_screen(DismissCandidateDialog(candidate), lambda _done: self.load())

    def action_back(self) -> None:
        self.dismiss()

    def action_reload(self) -> None:
        self.load()


class DismissCandidateDialog(DeskModal):
    """Why these incidents are not a problem; the set is not proposed again."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dismiss.cancel")]
    DEFAULT_CSS = "DismissCandidateDialog { align: center middle; }"

    def __init__(self, candidate: CandidateView) -> None:
        super().__init__()
        self.candidate = candidate

    def compose(self):
        with Vertical(classes="dialog"):
            yield Static(Text("Dismiss problem candidate", style="bold"), classes="dialog-title")
            yield Static(candidate_prompt(self.candidate), classes="dialog-record")
            yield Input(id="reason", compact=True, placeholder="why it is not a problem (kept)")
            yield Static(Text("Enter dismisses · Esc cancels"), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        service, key = problem_service(self.backend), self.candidate.key
        reason = event.value.strip()
        self.service(lambda: service.dismiss_candidate(key, reason=reason), self.dismiss, group="submit")

    def action_cancel(self) -> None:
        self.dismiss(None)


class ProblemQueueScreen(QueueScreen):
    """The problem queue, with the number of candidates trend detection proposes."""

    BINDINGS = [
        Binding("P", "candidates", "Candidates", id="problems.candidates",
                tooltip="Problem candidates proposed from incident trends"),
    ]
    DEFAULT_CSS = "ProblemQueueScreen #candidates-line { height: auto; padding: 0 1; display: none; }"

    def __init__(self, kind: str = "problem") -> None:
        super().__init__(kind)

    def on_mount(self) -> None:
        self.mount(Static(id="candidates-line"), after="FilterBar")

    def load(self) -> None:
        super().load()
        service = problem_service(self.backend)
        self.service(service.candidates, self._show_count, group="candidate-count", exclusive=True)

    def _show_count(self, found: list[CandidateView]) -> None:
        line = self.query_one("#candidates-line", Static)
        line.display = bool(found)
        if found:
            line.update(Text.assemble(("→ ", "bold"), (f"{len(found)} problem candidate"
                                                       f"{'s' if len(found) != 1 else ''}", "bold"),
                                      " from incident trends — press P to review them"))

    def action_candidates(self) -> None:
        self.app.push_screen(ProblemCandidatesScreen(), lambda _result: self.load())
