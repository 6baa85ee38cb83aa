"""Link the record to another one, picked from a list (incident → problem, problem → change...).

The list offers the records this one can be linked to (the link rules of
:meth:`RecordService.link_targets`): the open ones most recently updated, or,
as the analyst types words or a reference, the ones that match (those it is linked
to already say so, and those linked to another record: 'linked to PRB-…'). Enter, ↓ or
Tab goes to the list; Enter there links the highlighted record. A full reference typed in
the search box still links that record directly.

Linked from the far side (a problem taking an incident), a record linked to another one
already is not moved off it at once: the dialog says where it is linked and Enter again
moves it, checked against the version it had when that was said (services: LinkWouldMove).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ...domain.errors import DeskError, LinkWouldMove, ValidationError
from ...domain.kinds import KINDS, Kind, format_ref, parse_ref
from .. import display
from ..field_errors import FieldError
from ..hints import error_message
from ..widgets.marked_option_list import MarkedOptionList
from .action_dialog import ActionDialog, field

SEARCH_DELAY = 0.25


def _as_ref(text: str) -> str | None:
    """The reference ``text`` is (typed whole: 'prb-1', 'CHG-000004'), or None for words."""
    try:
        return format_ref(*parse_ref(text.strip())) if text.strip() else None
    except ValidationError:
        return None


def candidate_prompt(row: Any, linked: bool = False) -> Text:
    """'PRB-000003  investigating  Recurring VPN disconnects…' (the cursor's › left of it);
    'linked already' before the title of one this record is linked to already, 'linked to
    PRB-…' before that of one linked to another record (picked, it would move)."""
    elsewhere = "" if linked else getattr(row, "linked_to", "")
    return Text.assemble((row.ref, "bold"), f"  {display.status_label(row.status)}  ",
                         ("linked already  ", "bold") if linked else "",
                         (f"linked to {elsewhere}  ", "italic") if elsewhere else "",
                         display.line(row.title), no_wrap=True, overflow="ellipsis")


# A problem's change is its fix: the problem is resolved with it when it is implemented
# successfully (services/problems/rules.py), so the dialog says so before the link is made
_FIX_WORDS = {(Kind.PROBLEM, Kind.CHANGE): "change (its fix)",
              (Kind.CHANGE, Kind.PROBLEM): "problem (it fixes)"}


class LinkDialog(ActionDialog):
    heading = "Link to another record"
    hint = "Type to search · Enter or ↓: to the list, where Enter links · Esc cancels"
    KEPT = True
    CSS_PATH = ["dialogs.tcss", "link_dialog.tcss"]

    def __init__(self, record: Any) -> None:
        super().__init__(record)
        self.candidates: list[Any] = []
        self._timer: Any = None
        self._listed_for: str | None = None  # the text the list shows the candidates of
        # (ref, version) of a record linked elsewhere whose move was shown: Enter again moves it
        self._move: tuple[str, int] | None = None

    def compose_fields(self):
        yield Static(self._targets_line(), id="links-to")
        yield field("Find", Input(id="target", compact=True,
                                  placeholder="words of the title, or a reference (PRB-1)"))
        yield MarkedOptionList(id="candidates")
        yield field("Note", Input(id="note", compact=True, placeholder="optional: why they belong together"))

    def _targets_line(self) -> Text:
        from ...services.core.records import RecordService

        source = parse_ref(self.record.ref)[0]
        kinds = RecordService.link_targets(source)
        # an incident linked to an incident goes under it: say so
        names = ", ".join(_FIX_WORDS.get((source, k))
                          or ("parent incident" if k is source else KINDS[k].label.lower())
                          for k in kinds) or "nothing"
        return Text(f"{self.record.ref} links to: {names}")

    def refill(self) -> None:
        self._move = None
        if self._timer is not None:
            self._timer.stop()
        self.candidates = []
        self._listed_for = None
        self.query_one("#candidates", OptionList).clear_options()
        self.query_one("#links-to", Static).update(self._targets_line())

    def on_mount(self) -> None:
        self.query_one("#target", Input).focus()
        self._search()

    # --------------------------------------------------------------- search
    def _search(self, *, hold_keys: bool = False) -> None:
        """Find the candidates of what is typed. ``hold_keys``: the keys typed next (↓, Enter)
        act on this search's list, so they wait for it (typed slowly, they would have)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        records, ref = self.backend.records, self.record.ref
        text = self.query_one("#target", Input).value

        def show(rows: list[Any]) -> None:
            self._show(rows, text)

        def not_found(exc: DeskError) -> bool:
            self._show([], text)
            return True

        self.service(lambda: records.link_candidates(ref, text), show, on_error=not_found,
                     group="link-candidates", exclusive=True, opens_screen=hold_keys)

    def _list_is_stale(self) -> bool:
        return self._listed_for != self.query_one("#target", Input).value

    def _show(self, rows: list[Any], text: str | None = None) -> None:
        self._listed_for = text
        self.candidates = rows
        options = self.query_one("#candidates", OptionList)
        options.clear_options()
        if rows:
            linked = {link.ref for link in getattr(self.record, "links", ())}
            options.add_options(Option(candidate_prompt(row, row.ref in linked), id=row.ref)
                                for row in rows)
            options.highlighted = 0
        else:
            options.add_option(Option(Text("Nothing to link matches.", style="dim"), disabled=True))
            if options.has_focus:  # nothing there to pick: back to the words, to change them
                self.query_one("#target", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "target":
            return
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(SEARCH_DELAY, self._search)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        event.prevent_default()  # not ActionDialog's: words do not save
        if event.input.id == "target" and _as_ref(event.value) is None:
            # words: show what they find and go to the list, never link a stale highlight
            self._search(hold_keys=True)
            self.query_one("#candidates", OptionList).focus()
            return
        self.action_submit()

    def on_key(self, event: Any) -> None:
        if event.key == "down" and self.focused is self.query_one("#target", Input):
            event.stop()
            stale = self._list_is_stale()
            if stale:  # typed faster than the search: ↓ goes to its results
                self._search(hold_keys=True)
            if stale or self.candidates:
                self.query_one("#candidates", OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_submit()

    # ----------------------------------------------------------------- save
    def _highlighted(self) -> str | None:
        options = self.query_one("#candidates", OptionList)
        if options.highlighted is None or options.highlighted >= len(self.candidates):
            return None
        return self.candidates[options.highlighted].ref

    def collect(self) -> dict[str, Any]:
        typed = self.query_one("#target", Input).value
        if _as_ref(typed) is None and typed.strip() and self._list_is_stale():
            # never link what the list showed for other words
            raise FieldError("target", "the list is not yet the one for these words: "
                                       "press ↓ and pick from it")
        target = _as_ref(typed) or self._highlighted()
        if target is None:
            raise FieldError("target", "nothing picked: type words of its title or its reference, "
                                       "then pick it from the list")
        if target == self.record.ref:
            raise FieldError("target", "a record cannot be linked to itself")
        # the move said in the dialog, for this very record: Enter again confirms it
        move = self._move if self._move is not None and self._move[0] == target else None
        return {"target": target, "note": self.query_one("#note", Input).value.strip(),
                "move_version": move[1] if move else None}

    def perform(self, records, record, values):
        # the version the analyst saw: a link made since is not replaced unseen; nor is the
        # link of the record picked (a problem's incident on another problem), unless the
        # move was said and confirmed, at the version it was said for
        moving = values["move_version"] is not None
        return records.link(record.ref, values["target"], note=values["note"],
                            expected_version=record.version, move=moving,
                            target_version=values["move_version"])

    def show_error(self, exc: DeskError) -> bool:
        """A link that would move the record picked off another one is said, not a conflict
        to reload: the next Enter on the same record moves it."""
        if not isinstance(exc, LinkWouldMove):
            self._move = None
            return super().show_error(exc)
        self._move = (exc.holder_ref, exc.holder_version)
        self.conflict = False
        error = self.query_one("#dialog-error", Static)
        error.update(display.line(error_message(exc) + " · Esc cancels"))
        error.add_class("-shown")
        self.refresh_bindings()
        return True

    def record_reloaded(self, view: Any) -> None:
        """After ctrl+r the list says which records it is linked to *now* (the link made
        meanwhile, that this one would replace), the highlight where it was."""
        self._move = None  # a move said before the reload is asked again
        if not self.candidates:
            return
        options = self.query_one("#candidates", OptionList)
        highlighted = options.highlighted
        self._show(self.candidates, self._listed_for)
        if highlighted is not None:
            options.highlighted = highlighted
