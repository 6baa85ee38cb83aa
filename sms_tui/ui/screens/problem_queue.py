"""The problem queue (8.6.3), with the candidates from incident trends on ``c``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.binding import Binding
from textual.widgets import Static

from .problem_candidates import ProblemCandidatesScreen
from .queue import QueueScreen
from .service_lookup import problem_service

if TYPE_CHECKING:
    from ...services.problems.service import CandidateView


class ProblemQueueScreen(QueueScreen):
    """The problem queue, with the number of candidates trend detection proposes."""

    BINDINGS = [
        Binding("P", "candidates", "Candidates", id="problems.candidates",
                tooltip="Problem candidates proposed from incident trends"),
    ]
    CSS_PATH = ["queue.tcss", "problem_queue.tcss"]

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
