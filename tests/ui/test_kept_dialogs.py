"""Forms and dialogs are built once and refilled at each open (issue 20): every open shows
the record it was opened on, as a freshly built one would -- its values, its focus, no
text, error, draft offer or warning left from the record before.

Each test opens the same kind of dialog or form on one record, leaves it changed, and
opens it again on another record (and checks it is indeed the same screen, refilled).
"""

from __future__ import annotations

import shutil

import pytest
from textual.widgets import Input, OptionList, TextArea

from sms_tui.ui.screens.assign_dialog import AssignDialog
from sms_tui.ui.screens.escalate_dialog import EscalateDialog
from sms_tui.ui.screens.form import RecordForm
from sms_tui.ui.screens.link_dialog import LinkDialog
from sms_tui.ui.screens.note_dialog import NoteDialog
from sms_tui.ui.screens.transition_dialog import TransitionDialog
from sms_tui.ui.widgets.choice_picker import ChoicePicker

from .conftest import press, screen_text, settle, type_text


async def _to(pilot, ref: str) -> None:
    """Put the queue's cursor on ``ref``."""
    queue = pilot.app.screen
    await press(pilot, "home")
    for _ in range(20):
        if queue.current_ref() == ref:
            return
        await press(pilot, "down")
    raise AssertionError(f"{ref} is not in the queue")


async def test_the_assign_dialog_shows_each_records_own_assignee_and_nothing_typed_before(
        make_app, desk) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _to(pilot, desk["vpn"].ref)
        await press(pilot, "a")
        first = app.screen
        assert isinstance(first, AssignDialog)
        assert first.query_one("#assignee", Input).value == "tester"
        await press(pilot, "tab", "tab")
        await type_text(pilot, "left over")
        await press(pilot, "escape")
        await _to(pilot, desk["payroll"].ref)
        await press(pilot, "a")
        dialog = app.screen
        assert dialog is first, "the dialog was built again instead of refilled"
        assert dialog.query_one("#assignee", Input).value == "alice"
        assert dialog.query_one("#group", Input).value == ""
        assert dialog.query_one("#note", Input).value == ""
        assert app.focused is dialog.query_one("#assignee", Input)
        text = screen_text(app)
        assert any(desk["payroll"].ref in line and "Payroll export fails" in line and "│" in line
                   for line in text.splitlines()), "the dialog names the record it acts on"
        assert "draft" not in text.lower()


async def test_a_note_dialog_reopened_on_another_record_is_empty_and_offers_only_its_own_draft(
        make_app, desk) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _to(pilot, desk["vpn"].ref)
        await press(pilot, "c")
        first = app.screen
        await type_text(pilot, "half a note")
        await press(pilot, "escape")
        await _to(pilot, desk["payroll"].ref)
        await press(pilot, "c")
        dialog = app.screen
        assert dialog is first and isinstance(dialog, NoteDialog)
        assert dialog.query_one("#note", TextArea).text == ""
        assert app.focused is dialog.query_one("#note", TextArea)
        assert "A draft typed here was kept" not in screen_text(app)
        await press(pilot, "ctrl+s")  # an empty note is refused, in the dialog
        assert "must not be empty" in screen_text(app)
        await press(pilot, "escape")
        await _to(pilot, desk["vpn"].ref)
        await press(pilot, "c")
        assert app.screen is first
        assert "must not be empty" not in screen_text(app)  # the error was the other record's
        assert "A draft typed here was kept" in screen_text(app)
        await press(pilot, "f2")
        assert first.query_one("#note", TextArea).text == "half a note"


async def test_the_escalate_dialog_starts_functional_and_empty_each_time(make_app, desk) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _to(pilot, desk["vpn"].ref)
        await press(pilot, "x", "h", "tab")
        await type_text(pilot, "Duty manager")
        first = app.screen
        assert first.query_one("#how", ChoicePicker).value == "hierarchical"
        await press(pilot, "escape")
        await _to(pilot, desk["laptop"].ref)
        await press(pilot, "x")
        dialog = app.screen
        assert dialog is first and isinstance(dialog, EscalateDialog)
        assert dialog.query_one("#how", ChoicePicker).value == "functional"
        assert "Functional:" in screen_text(app)
        assert all(dialog.query_one(f"#{name}", Input).value == "" for name in ("to", "group", "reason"))
        assert app.focused is dialog.query_one("#how", ChoicePicker)
        # typed in one go after the key, as before: lands in this dialog's fields
        await press(pilot, "tab")
        await type_text(pilot, "Carol")
        assert dialog.query_one("#to", Input).value == "Carol"


async def test_the_status_dialog_lists_the_statuses_of_the_record_it_opened_on(make_app, desk) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _to(pilot, desk["vpn"].ref)  # in progress
        await press(pilot, "t", "down")
        first = app.screen
        before = [o.id for o in first.query_one("#targets", OptionList).options]
        await press(pilot, "escape")
        await _to(pilot, desk["laptop"].ref)  # new
        await press(pilot, "t")
        dialog = app.screen
        assert dialog is first and isinstance(dialog, TransitionDialog)
        targets = dialog.query_one("#targets", OptionList)
        after = [o.id for o in targets.options]
        assert after != before and "in_progress" in after
        assert targets.highlighted == 0
        assert app.focused is targets


async def test_the_link_dialog_searches_for_the_record_it_opened_on(make_app, desk) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _to(pilot, desk["vpn"].ref)
        await press(pilot, "l")
        first = app.screen
        await type_text(pilot, "concentrator")
        await press(pilot, "escape")
        await _to(pilot, desk["laptop"].ref)
        await press(pilot, "l")
        dialog = app.screen
        assert dialog is first and isinstance(dialog, LinkDialog)
        assert dialog.query_one("#target", Input).value == ""
        assert f"{desk['laptop'].ref} links to" in screen_text(app)
        assert app.focused is dialog.query_one("#target", Input)


async def test_the_edit_form_holds_the_values_of_the_record_it_opened_on(make_app, desk) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _to(pilot, desk["payroll"].ref)
        await press(pilot, "e")
        first = app.screen
        assert isinstance(first, RecordForm)
        assert first.query_one("#f-description", TextArea).text.startswith("Export to the bank")
        await type_text(pilot, " EDITED")
        await press(pilot, "tab", "tab", "tab")
        await type_text(pilot, "payroll-cat")
        await press(pilot, "escape")  # unsaved changes: warned
        assert "Unsaved changes" in screen_text(app)
        await press(pilot, "escape")  # and closed
        await _to(pilot, desk["printer"].ref)
        await press(pilot, "e")
        form = app.screen
        assert form is first
        assert form.query_one("#f-title", Input).value == "Printer on floor 2 jams"
        assert form.query_one("#f-category", Input).value == ""
        assert form.query_one("#f-description", TextArea).text == ""
        assert form.query_one("#f-impact", ChoicePicker).value == "low"
        assert app.focused is form.query_one("#f-title", Input)
        text = screen_text(app)
        assert f"Edit {desk['printer'].ref}" in text and "P5" in text
        assert "Unsaved changes" not in text and "EDITED" not in text
        await press(pilot, "escape")  # nothing changed here: closes at once
        assert not isinstance(app.screen, RecordForm)


async def test_a_new_incident_form_starts_blank_after_one_was_left_half_filled(make_app, desk) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "n")
        first = app.screen
        await type_text(pilot, "Half typed")
        await press(pilot, "tab", "h")  # impact high
        await press(pilot, "escape", "escape")
        await press(pilot, "n")
        form = app.screen
        assert form is first and isinstance(form, RecordForm) and form.record is None
        assert form.query_one("#f-title", Input).value == ""
        assert form.query_one("#f-impact", ChoicePicker).value == "medium"
        assert app.focused is form.query_one("#f-title", Input)
        text = screen_text(app)
        assert "P3" in text and "Unsaved changes" not in text
        assert "A draft typed here was kept" in text  # the half-typed one, offered, not forced
        await type_text(pilot, "Kept form, new record")
        await press(pilot, "ctrl+s")
        assert "Kept form, new record" in screen_text(app)  # the saved incident's screen


async def test_keys_typed_into_a_refilled_field_land_as_typed_slowly(make_app, desk) -> None:
    """The refilled assignee's name is selected when the dialog opens, so a name typed replaces
    it -- in a burst as when typed slowly. (Textual moved an Input's cursor to the end only at
    its first value: 'a' then 'Z' in one burst once assigned "Zalice"; later "aliceZ".)"""
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _to(pilot, desk["vpn"].ref)
        await press(pilot, "a", "escape")  # built (and kept) for the first record
        await _to(pilot, desk["payroll"].ref)
        await pilot.press("a", "Z")  # one burst
        await settle(pilot)
        assert isinstance(app.screen, AssignDialog)
        in_a_burst = app.screen.query_one("#assignee", Input).value
        await press(pilot, "escape")
        await press(pilot, "a")  # slowly: the dialog open and settled before the name
        await settle(pilot)
        await press(pilot, "Z")
        typed_slowly = app.screen.query_one("#assignee", Input).value
        assert in_a_burst == typed_slowly == "Z"


async def test_a_status_is_picked_by_its_first_letter_or_its_number(make_app, desk) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _to(pilot, desk["vpn"].ref)
        await press(pilot, "t")
        dialog = app.screen
        assert isinstance(dialog, TransitionDialog)
        targets = dialog.query_one("#targets", OptionList)
        ids = [targets.get_option_at_index(i).id for i in range(targets.option_count)]
        assert "resolved" in ids and len(ids) >= 2
        await press(pilot, "r")
        assert targets.highlighted_option.id == "resolved"
        await press(pilot, "2")
        assert targets.highlighted == 1
        await press(pilot, "x")  # no status starts with x: nothing moves, nothing typed
        assert targets.highlighted == 1
        await press(pilot, "tab")
        await type_text(pilot, "r")  # in the note a letter is text
        assert dialog.query_one("#note", Input).value == "r" and targets.highlighted == 1


async def test_a_note_typed_then_undone_leaves_no_draft_to_offer(make_app, desk) -> None:
    # undone with ctrl+z, the note was still offered back as a draft the next time
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _to(pilot, desk["vpn"].ref)
        await press(pilot, "c")
        await type_text(pilot, "alpha")
        await pilot.pause(0.5)  # typing paused: the draft is on disk
        await press(pilot, "ctrl+z")
        assert app.screen.query_one("#note", TextArea).text == ""
        await press(pilot, "escape")
        await press(pilot, "c")
        assert "A draft typed here was kept" not in screen_text(app)
    assert not any("alpha" in str(entry) for entry in app.drafts._all().values())


@pytest.fixture
def unwritable_drafts(tmp_path, monkeypatch):
    """Drafts cannot be written: the state folder's place is a file (as a full or read-only
    disk would refuse them)."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("SMS_TUI_STATE_DIR", str(blocker / "state"))


async def test_drafts_that_cannot_be_written_are_said_once(make_app, desk, unwritable_drafts):
    """A read-only or full disk (here: the state folder's place is a file) must not stop the
    typing, but the analyst is told once that nothing is kept until the form is saved -- a
    draft silently not kept is a promise broken."""
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "n")
        await type_text(pilot, "Printer jams")
        await press(pilot, "escape")
        shown = screen_text(app)
        assert "what you typed is lost: drafts cannot be written" in shown
        told = [n for n in app._notifications if "drafts cannot be kept in" in n.message]
        assert len(told) == 1 and "kept only once it is saved" in told[0].message
        await press(pilot, "escape")  # closed: the form said what is lost
        await press(pilot, "n")
        await type_text(pilot, "Again")
        await press(pilot, "escape")
        told = [n for n in app._notifications if "drafts cannot be kept" in n.message]
        assert len(told) == 1


async def test_drafts_kept_again_once_the_disk_recovers_are_said_to_be_kept(
        make_app, desk, tmp_path, unwritable_drafts):
    """A disk that refused the drafts and then took them again (space freed, the folder
    made): the form must not go on saying that what is typed is lost -- the analyst would
    save half-finished records for fear of losing them. A second failure is told again."""
    blocker = tmp_path / "not-a-folder"
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "n")
        await type_text(pilot, "Printer jams")
        await press(pilot, "escape")
        assert "what you typed is lost" in screen_text(app)
        await press(pilot, "escape")
        blocker.unlink()
        blocker.mkdir()  # the state folder can be made now
        await press(pilot, "n")
        await type_text(pilot, "Again")
        await press(pilot, "escape")
        shown = screen_text(app)
        assert "kept as a draft" in shown and "what you typed is lost" not in shown
        assert not app.drafts.unwritten
        await press(pilot, "escape")
        shutil.rmtree(blocker)
        blocker.write_text("", encoding="utf-8")  # refused again
        await press(pilot, "n")
        await type_text(pilot, "Third")
        await press(pilot, "escape")
        assert "what you typed is lost" in screen_text(app)
        told = [n for n in app._notifications if "drafts cannot be kept in" in n.message]
        assert len(told) == 2


async def test_a_draft_typed_while_the_disk_refused_is_written_once_it_takes_it(
        make_app, desk, tmp_path, unwritable_drafts):
    # typed while the folder was blocked, then the folder made: Esc said "what you typed is
    # lost" though the draft was only waiting in memory, and it was never written
    blocker = tmp_path / "not-a-folder"
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "n")
        await type_text(pilot, "Printer jams")
        await pilot.pause(0.5)  # typing paused: the write is refused
        assert app.drafts.unwritten
        blocker.unlink()
        blocker.mkdir()
        await press(pilot, "escape")
        shown = screen_text(app)
        assert "kept as a draft" in shown and "what you typed is lost" not in shown
    assert "Printer jams" in (blocker / "state" / "drafts.json").read_text(encoding="utf-8")


async def test_q_asks_again_before_losing_drafts_that_could_not_be_written(
        make_app, desk, unwritable_drafts):
    # with the drafts unwritable (a full disk), q quit at once and the draft in memory was lost
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "n")
        await type_text(pilot, "Printer jams")
        await press(pilot, "escape", "escape")  # left, its draft kept in memory only
        await press(pilot, "q")
        assert app.is_running
        assert any("press q again to quit" in n.message for n in app._notifications)
        await press(pilot, "q")
        assert not app.is_running


async def test_a_draft_file_edited_by_hand_is_not_said_restored_when_nothing_came_back(
        make_app, desk, db_path):
    """A drafts.json edited by hand ("saved_at": "9999-99-99", a status no longer offered):
    the offer showed the bogus date, and F2 said "Draft restored" over empty fields."""
    import json
    from pathlib import Path

    from sms_tui.paths import state_dir

    ref = desk["vpn"].ref
    folder = state_dir()
    folder.mkdir(parents=True, exist_ok=True)
    key = f"{Path(db_path).expanduser().absolute()}|dialog:TransitionDialog:{ref}"
    (folder / "drafts.json").write_text(json.dumps({key: {
        "saved_at": "9999-99-99", "fields": {"targets": "exploded"}}}), encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.screen.action_open_record(ref)
        await settle(pilot)
        await press(pilot, "t")
        shown = screen_text(app)
        assert "A draft typed here was kept: F2 puts it back" in shown and "9999" not in shown
        await press(pilot, "f2")
        shown = screen_text(app)
        assert "Nothing in the draft could be put back." in shown
        assert "Draft restored" not in shown
