"""Problem candidates from incident trends (8.6.3), and the problem queue that shows them.

The problem queue carries a line saying how many candidates trend detection
proposes (``P`` opens them). In the candidates screen each candidate shows
how many incidents share which service, CI or category, over what span, and
their references; ``a`` accepts it (a problem is raised with the incidents
linked, and opened), ``d`` dismisses it with a reason (never proposed again).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.binding import Binding
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from ..widgets.marked_option_list import MarkedOptionList
from ..widgets.section_bar import SectionBar
from .base import DeskScreen
from .dismiss_candidate_dialog import DismissCandidateDialog, candidate_prompt
from .service_lookup import problem_service

if TYPE_CHECKING:
    from ...services.problems.service import CandidateView


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
    CSS_PATH = "problem_candidates.tcss"

    def __init__(self) -> None:
        super().__init__()
        self.found: list[CandidateView] = []

    def compose(self):
        yield Header()
        yield SectionBar(self.app.current_mode)
        yield Static(Text("Problem candidates", style="bold"), id="candidates-title")
        yield MarkedOptionList(id="candidates")
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
