"""A problem: the record with its root cause analysis, and the two steps that follow it.

``K`` raises the known error in one step once a root cause or workaround is
recorded (``e`` edits symptoms, root cause, method, workaround and fix);
``v`` resolves the problem, raising or linking an RFC when the fix needs a
change. The linked incidents, known error and change are under Links.
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import Static

from .. import display
from .detail import RecordScreen
from .resolve_problem_dialog import ResolveProblemDialog
from .service_lookup import problem_service


def rca_text(view) -> Text:
    """Where the root cause analysis stands, in words."""
    extra = view.extra
    incidents = sum(1 for link in view.links if link.relation == "incident")
    known = [link.ref for link in view.links if link.relation == "known error"]
    out = Text.assemble(("Incidents ", "bold"), str(incidents), "   ", ("Method ", "bold"),
                        display.line(extra.get("rca_method") or "–"))
    for label, key in (("Root cause", "root_cause"), ("Workaround", "workaround")):
        value = extra.get(key) or ""
        out.append_text(Text.assemble("\n", (f"{label} ", "bold"),
                                      display.line(value, limit=60) if value else Text("not yet", style="italic")))
    if known:
        out.append_text(Text.assemble("\n", ("Known error ", "bold"), ", ".join(known)))
    elif extra.get("root_cause") or extra.get("workaround"):
        out.append("\nK records the known error in one step.", style="italic")
    return out


class ProblemScreen(RecordScreen):
    """The detail of a problem, with its RCA summary, known error and resolution actions."""

    BINDINGS = [
        Binding("K", "known_error", "Known error", id="problem.known_error",
                tooltip="Record the known error from the root cause and workaround"),
        Binding("v", "resolve", "Resolve", id="problem.resolve",
                tooltip="Resolve with the permanent fix; raises an RFC if it needs a change"),
    ]
    CSS_PATH = ["detail.tcss", "problem_detail.tcss"]

    def on_mount(self) -> None:
        self.query_one("#body").mount(Static(id="rca"), after="#next-steps")

    def show(self, view) -> None:
        super().show(view)
        self.query_one("#rca", Static).update(rca_text(view))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        view = self.view
        if action == "known_error":  # refused with the reason when it cannot (K did nothing)
            return bool(view and view.is_open)
        if action == "resolve":
            return bool(view and view.is_open)
        return super().check_action(action, parameters)

    def action_known_error(self) -> None:
        view = self.view
        if view is None:
            return
        known = next((link.ref for link in view.links
                      if link.relation == "known error" and link.status == "open"), None)
        if known is not None:
            self.app.refuse(f"{view.ref} has an open known error already: {known}")
            return
        if not (view.extra.get("root_cause") or view.extra.get("workaround")):
            self.app.refuse(f"{view.ref} has no root cause or workaround recorded: e edits the "
                            "problem, then K raises its known error")
            return
        service, ref = problem_service(self.backend), view.ref

        def raised(known_error) -> None:
            self.app.notify(f"{known_error.ref} recorded from {ref}", timeout=5, markup=False)
            self.app.check_for_changes()
            self.load()

        self.service(lambda: service.raise_known_error(ref), raised)

    def action_resolve(self) -> None:
        self._dialog(ResolveProblemDialog)
