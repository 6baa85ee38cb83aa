"""The known error database from the desk (8.6.3): search it, and use it from an incident.

:class:`KnownErrorSearchScreen` ranks known errors as the analyst types
(title, symptoms, workaround, root cause). Opened from an incident (``K`` on
its detail) it starts with the known errors matching that incident, and
``w`` applies the highlighted workaround to it -- journaled on both records.
Opened from the form of a new incident (F3), ``w`` picks the workaround and
the form applies it once the incident is saved. With results to show, the
cursor starts on them (so ``w`` is a key, not a letter of the query); ``/``
or Tab reaches the search box.
The incident detail also shows, under its fields, the best matches found
("does this match a known error?"). The known error queue offers the search
with ``K`` too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.widgets import Footer, Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from .. import display
from ..widgets.marked_option_list import MarkedOptionList
from ..widgets.section_bar import SectionBar
from .base import DeskScreen
from .service_lookup import problem_service

if TYPE_CHECKING:
    from ...services.problems.service import KnownErrorHit

SEARCH_DELAY = 0.3


def hit_prompt(hit: KnownErrorHit) -> Text:
    """'KE-000001  open  score 3.7  applied 2×  PRB-000001' / title / workaround."""
    head = Text.assemble((hit.ref, "bold"), f"  {display.status_label(hit.status)}",
                         f"  score {hit.score:g}", f"  applied {hit.applied_count}×",
                         f"  {hit.problem_ref}" if hit.problem_ref else "")
    return Text.assemble(head, "\n    ", display.line(hit.title, style="bold", limit=70), "\n    ",
                         ("Workaround: ", "italic"), display.block(hit.workaround or "–"))


class KnownErrorSearchScreen(DeskScreen):
    """Search the known errors; from an incident, apply a workaround to it."""

    HOLD_KEYS_ON_FIRST_LOAD = True  # K w, F3 w: w applies the first match, once it is read

    BINDINGS = [
        Binding("escape", "back", "Back", id="kesearch.back"),
        Binding("w", "apply", "Apply workaround", id="kesearch.apply",
                tooltip="Apply the highlighted workaround to the incident (journaled on both)"),
        Binding("slash", "focus_query", "Search", id="kesearch.query", show=False),
    ]
    CSS_PATH = "known_error_search.tcss"

    def __init__(self, incident_ref: str | None = None, query: str = "",
                 incident_title: str = "", *, for_new_incident: bool = False) -> None:
        super().__init__()
        self.incident_ref = incident_ref
        # from a new incident's form: ``w`` picks the workaround (dismissed with the hit)
        self.for_new_incident = for_new_incident
        self.incident_title = incident_title
        self.search_text = query
        self.hits: list[KnownErrorHit] = []
        self._timer: Any = None

    def compose(self):
        yield Header()
        yield SectionBar(self.app.current_mode)
        yield Static(self._title(), id="ke-title")
        # focus never selects the words (a letter typed on the results starts them, and the
        # next would replace it); / selects them to retype
        yield Input(self.search_text, id="ke-query", compact=True, select_on_focus=False,
                    placeholder="words of the symptoms, error message or title — Enter to the results")
        yield Static(id="ke-count")
        yield MarkedOptionList(id="hits")
        yield Footer(compact=True)

    def _title(self) -> Text:
        if self.for_new_incident:
            return Text.assemble(("Known errors for the new incident ", "bold"),
                                 display.line(self.incident_title, limit=50),
                                 ("  w picks the workaround, applied on save", "italic"))
        if self.incident_ref:
            return Text.assemble(("Known errors for ", "bold"), (self.incident_ref, "bold"), "  ",
                                 display.line(self.incident_title, limit=50))
        return Text("Search the known error database", style="bold")

    def on_mount(self) -> None:
        # Results to act on (an incident's matches, a query): start on them, so that the
        # keys (w, Enter) work at once; a blank search starts in the search box.
        if self.incident_ref or self.search_text.strip():
            self.query_one("#hits", OptionList).focus()
        else:
            self.query_one("#ke-query", Input).focus()

    # ------------------------------------------------------------------ data
    def load(self) -> None:
        service, text = problem_service(self.backend), self.search_text.strip()
        if not text and self.incident_ref:
            ref = self.incident_ref
            self.service(lambda: service.suggest_for_incident(ref, limit=20), self.show_hits,
                         group="kesearch", exclusive=True)
        elif text:
            self.service(lambda: service.search_known_errors(text), self.show_hits,
                         group="kesearch", exclusive=True)
        else:
            self.show_hits([])

    def show_hits(self, hits: list[KnownErrorHit]) -> None:
        self.hits = hits
        if hits:
            what = "matching the incident" if not self.search_text.strip() else "found"
            count = Text(f"{len(hits)} known error{'s' if len(hits) != 1 else ''} {what}, best first")
        elif self.search_text.strip() or self.incident_ref:
            count = Text("No known error matches.", style="italic")
        else:
            count = Text("Type to search.", style="italic")
        self.query_one("#ke-count", Static).update(count)
        options = self.query_one("#hits", OptionList)
        options.clear_options()
        options.add_options(Option(hit_prompt(h), id=h.ref) for h in hits)
        if hits:
            options.highlighted = 0
        self.refresh_bindings()

    def on_key(self, event: events.Key) -> None:
        """A letter typed on the results (not one of their keys: w, j, k) starts a search
        with it: "K outlook" typed at once searches for outlook, as the box invites. Digits
        and the desk's other keys keep their meaning. ↓ in the box goes to the results."""
        query = self.query_one("#ke-query", Input)
        if event.key == "down" and self.focused is query:  # to the results, as Enter does
            event.stop()
            event.prevent_default()
            self._to_results(query.value)
            return
        char = event.character
        if (not isinstance(self.focused, Input) and char and char.isalpha()
                and not self._bindings.key_to_bindings.get(event.key)):
            event.stop()
            event.prevent_default()
            self._search_starting(char)

    def _search_starting(self, char: str) -> None:
        """Into the search box, its words going on with ``char``."""
        query = self.query_one("#ke-query", Input)
        query.focus()
        query.value += char
        query.cursor_position = len(query.value)

    def on_input_changed(self, event: Input.Changed) -> None:
        self.search_text = event.value
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(SEARCH_DELAY, self.load)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._to_results(event.value)

    def _to_results(self, text: str) -> None:
        """Search for ``text`` now and go to what it finds."""
        if self._timer is not None:
            self._timer.stop()
        self.search_text = text
        self.load_holding_keys()  # w, Enter after the search act on what it found
        self.query_one("#hits", OptionList).focus()

    # --------------------------------------------------------------- actions
    def _current(self) -> KnownErrorHit | None:
        options = self.query_one("#hits", OptionList)
        if options.highlighted is None or options.highlighted >= len(self.hits):
            return None
        return self.hits[options.highlighted]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "apply":
            if not self.incident_ref and not self.for_new_incident:
                return False
            return True if self.hits else None
        return True

    def action_apply(self) -> None:
        following = self.app.type_ahead.next_typed() if hasattr(self.app, "type_ahead") else None
        if following and following.isalpha() and not isinstance(self.focused, Input):
            # "K wifi" typed at once: a word to search for, not w and then letters (w wrote a
            # workaround on the incident)
            self._search_starting("w")
            return
        hit = self._current()
        if hit is not None and self.for_new_incident:
            if not hit.workaround.strip():
                self.app.refuse(f"{hit.ref} has no workaround recorded")
                return
            self.dismiss(hit)  # the form applies it once the incident exists
            return
        if hit is None or not self.incident_ref:
            return
        service, incident = problem_service(self.backend), self.incident_ref

        def applied(view) -> None:
            self.app.notify(f"Workaround from {hit.ref} applied to {view.ref}", timeout=5, markup=False)
            self.app.check_for_changes()
            self.dismiss(view)

        self.service(lambda: service.apply_workaround(hit.ref, incident), applied)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            from ..sections import detail_screen

            self.app.push_screen(detail_screen(event.option.id))

    def action_focus_query(self) -> None:
        query = self.query_one("#ke-query", Input)
        query.focus()
        query.select_all()

    def action_back(self) -> None:
        query = self.query_one("#ke-query", Input)
        if query.has_focus and self.hits:
            self.query_one("#hits", OptionList).focus()
            return
        self.dismiss(None)
