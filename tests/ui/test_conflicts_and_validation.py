"""Refused writes stay in front of the analyst, in place, and never crash the app."""

from __future__ import annotations

import pytest

from sms_tui.ui.screens.detail import RecordScreen
from sms_tui.ui.screens.form import RecordForm

from .conftest import SMALL, press, screen_text, settle, type_text


async def test_a_note_on_a_record_changed_elsewhere_is_saved_at_once(make_app, records):
    # two analysts adding notes at the same moment: the second was refused as 'changed by
    # someone else' and had to reload, though a note only adds to the journal
    incident = records.create("incident", title="Disk full on file server")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        assert isinstance(app.screen, RecordScreen)
        await press(pilot, "c")
        await type_text(pilot, "Freed 20 GB of old backups.")

        records.add_note(incident.ref, "Another analyst was here.")  # another session writes
        records.assign(incident.ref, "anna")  # and takes it
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, RecordScreen)  # saved, no conflict to reload
        assert app.screen.view.version == records.get(incident.ref).version == 4
        assert app.screen.view.assignee == "anna"  # the screen shows the record as it is now
        assert [n.message for n in app._notifications if n.title == "Note added"] == [
            f"{incident.ref} was changed by someone else while you wrote: its screen shows it "
            "as it is now"]
    notes = [(e.actor, e.note) for e in records.get(incident.ref).journal if e.action == "note"]
    assert [note for _actor, note in notes] == ["Freed 20 GB of old backups.",
                                                "Another analyst was here."]


@pytest.mark.parametrize(("key", "typed"), [("t", ["down", "enter"]), ("a", ["b", "o", "b"])])
async def test_a_status_or_assignment_from_a_stale_screen_is_still_refused(
        make_app, records, key, typed):
    incident = records.create("incident", title="Disk full on file server")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        await press(pilot, key)
        dialog = app.screen
        records.add_note(incident.ref, "Another analyst was here.")  # another session writes
        await press(pilot, *typed, "ctrl+s")
        assert app.screen is dialog  # still open
        assert "changed by someone else" in screen_text(app)
    assert records.get(incident.ref).version == 2


async def test_edit_conflict_reload_keeps_the_analysts_changes_and_takes_the_others(
        make_app, records):
    incident = records.create("incident", title="Printer jams", category="hardware")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "e")
        assert isinstance(app.screen, RecordForm)
        title = app.screen.query_one("#f-title")
        title.value = "Printer on floor 2 jams"

        records.update(incident.ref, category="printing")  # someone else, meanwhile
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, RecordForm)
        assert "changed by someone else" in screen_text(app)

        await press(pilot, "ctrl+r")
        assert app.screen.query_one("#f-title").value == "Printer on floor 2 jams"  # kept
        assert app.screen.query_one("#f-category").value == "printing"  # theirs, and said
        assert any("Category is now 'printing'; your changes are kept" in n.message
                   for n in app._notifications)
        await press(pilot, "ctrl+s")
        assert not isinstance(app.screen, RecordForm)
    saved = records.get(incident.ref)
    assert (saved.title, saved.category) == ("Printer on floor 2 jams", "printing")


async def test_edit_conflict_reload_takes_the_others_impact_and_urgency(make_app, records):
    # the pickers were left as the form opened: the next save put the old urgency back,
    # and the priority with it, over the other analyst's (journaled as the analyst's change)
    incident = records.create("incident", title="VPN drops", impact="medium", urgency="high")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "e")
        app.screen.query_one("#f-title").value = "VPN drops every hour"
        records.update(incident.ref, urgency="low", impact="high")  # someone else, meanwhile
        await press(pilot, "ctrl+s")
        await press(pilot, "ctrl+r")
        assert app.screen.query_one("#f-urgency").value == "low"
        assert app.screen.query_one("#f-impact").value == "high"
        assert any("Impact is now 'high'; Urgency is now 'low'" in n.message
                   for n in app._notifications)
        await press(pilot, "ctrl+s")
        assert not isinstance(app.screen, RecordForm)
    saved = records.get(incident.ref)
    assert (saved.title, saved.impact, saved.urgency) == ("VPN drops every hour", "high", "low")


async def test_edit_conflict_reload_names_an_urgency_both_changed(make_app, records):
    incident = records.create("incident", title="VPN drops", impact="medium", urgency="high")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "e")
        app.screen.query_one("#f-urgency").value = "medium"
        records.update(incident.ref, urgency="low")  # someone else, meanwhile
        await press(pilot, "ctrl+s")
        await press(pilot, "ctrl+r")
        assert "Changed by someone else too: Urgency is now 'low'" in screen_text(app)
        assert app.screen.query_one("#row-impact").has_class("-invalid")
        assert app.screen.query_one("#f-urgency").value == "medium"  # kept, and said


async def test_edit_conflict_reload_says_which_field_both_changed_before_saving_over_theirs(
        make_app, records):
    # after ctrl+r the form showed only the analyst's title, and the next save replaced the
    # other analyst's title with it, unseen
    incident = records.create("incident", title="Printer jams", category="hardware")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "e")
        app.screen.query_one("#f-title").value = "Printer on floor 2 jams"
        records.update(incident.ref, title="Printer jams [A edit]")  # someone else, meanwhile
        await press(pilot, "ctrl+s")
        await press(pilot, "ctrl+r")
        text = screen_text(app)
        assert "Changed by someone else too: Title is now 'Printer jams [A edit]'" in text
        assert app.screen.query_one("#row-title").has_class("-invalid")
        assert app.screen.focused is app.screen.query_one("#f-title")
        assert app.screen.query_one("#f-title").value == "Printer on floor 2 jams"  # kept
        await press(pilot, "ctrl+s")  # the analyst has seen theirs: the save goes through
        assert not isinstance(app.screen, RecordForm)
    assert records.get(incident.ref).title == "Printer on floor 2 jams"


async def test_form_shows_validation_messages_in_place_and_marks_the_field(make_app, records):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "n", "ctrl+s")
        assert isinstance(app.screen, RecordForm)
        assert "title must not be empty" in screen_text(app)
        assert app.screen.query_one("#row-title").has_class("-invalid")

        await type_text(pilot, "Phones down")
        app.screen.query_one("#f-service").value = "No such service"
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, RecordForm)
        assert "no service named 'No such service'" in screen_text(app)
        assert app.screen.query_one("#row-service").has_class("-invalid")
        assert app.screen.focused is app.screen.query_one("#f-service")
    assert records.count("incident") == 0


async def test_a_refused_transition_names_the_allowed_ones_and_keeps_the_dialog(make_app, records):
    records.create("incident", title="Closed already")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "t")
        # someone closes it meanwhile: our dialog still offers "in progress"
        ref = app.screen.record.ref
        records.transition(ref, "cancelled")
        await press(pilot, "enter")
        assert "changed by someone else" in screen_text(app)
        await press(pilot, "ctrl+r")
        assert "cancelled is final" in screen_text(app)
        await press(pilot, "ctrl+s")
        assert "no status to move to" in screen_text(app)
        await press(pilot, "escape")
        assert isinstance(app.screen, RecordScreen)


async def test_blank_forms_close_on_the_first_esc_and_warn_only_after_a_change(make_app):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        for section in ("1", "2", "3", "5"):  # incidents, requests, problems, changes
            await press(pilot, section, "n")
            assert isinstance(app.screen, RecordForm)
            await press(pilot, "escape")  # nothing typed: nothing to lose
            assert not isinstance(app.screen, RecordForm), section
            assert "Unsaved changes" not in screen_text(app)
        await press(pilot, "5", "n")
        await type_text(pilot, "x")  # the title
        await press(pilot, "escape")
        assert isinstance(app.screen, RecordForm)
        assert "Unsaved changes" in screen_text(app)


async def test_after_a_refusal_the_focus_is_on_the_field_in_error(make_app, records):
    from sms_tui.ui.screens.escalate_dialog import EscalateDialog

    incident = records.create("incident", title="Switch port flapping")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "x", "tab")
        await type_text(pilot, "Carol Ops")
        await press(pilot, "tab")
        await type_text(pilot, "Network")
        await press(pilot, "enter")  # no reason yet: refused
        assert isinstance(app.screen, EscalateDialog)
        assert "needs a reason" in screen_text(app)
        assert app.focused is app.screen.query_one("#reason")
        await type_text(pilot, "needs the network team")  # lands in the reason, not the group
        await press(pilot, "enter")
        assert isinstance(app.screen, RecordScreen)
    entry = records.get(incident.ref).journal[0]
    assert entry.action.startswith("escalate") and "needs the network team" in entry.note
    assert "Carol Ops" in str(entry.changes) and "Network" in str(entry.changes)
    assert "Networkneeds" not in str(entry.changes)


async def test_a_date_that_is_not_one_focuses_its_field(make_app, records):
    from sms_tui.ui.screens.schedule_dialog import ScheduleDialog

    records.create("change", title="Patch the firewall")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "5", "enter", "w")
        assert isinstance(app.screen, ScheduleDialog)
        await type_text(pilot, "2026-03-10 20:00")
        await press(pilot, "tab")
        await type_text(pilot, "tomorrow")
        await press(pilot, "shift+tab", "enter")  # saved from the start field
        assert "is not a date" in screen_text(app)
        assert app.focused is app.screen.query_one("#end")


async def test_an_end_before_the_start_focuses_the_end(make_app, records):
    """The refusal names both ends; the focus went to the start, and the corrected end typed
    next overwrote it."""
    records.create("change", title="Patch the firewall")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "5", "enter", "w")
        await type_text(pilot, "2026-03-10 20:00")
        await press(pilot, "tab")
        await type_text(pilot, "2026-03-10 19:00")
        await press(pilot, "enter")
        assert "must be after the planned start" in screen_text(app)
        assert app.focused is app.screen.query_one("#end")


async def test_link_offers_a_searchable_list_of_what_the_record_can_link_to(make_app, records):
    from sms_tui.ui.screens.link_dialog import LinkDialog

    incident = records.create("incident", title="Mail queue stuck on the relay")
    problem = records.create("problem", title="Mail relay runs out of disk")
    records.create("problem", title="Printers lose their IP address")
    records.create("request", title="Mail archive access", request_type="other")  # requests do not link
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "1", "enter", "l")
        assert isinstance(app.screen, LinkDialog)
        offered = [row.ref for row in app.screen.candidates]
        assert problem.ref in offered and incident.ref not in offered
        assert not any(ref.startswith("REQ") for ref in offered)
        await type_text(pilot, "mail relay")
        await press(pilot, "enter")  # words: to the list, nothing linked yet
        assert isinstance(app.screen, LinkDialog)
        assert [row.ref for row in app.screen.candidates] == [problem.ref]
        await press(pilot, "enter")  # the highlighted one
        assert isinstance(app.screen, RecordScreen)
    assert [(link.relation, link.ref) for link in records.get(incident.ref).links] == [
        ("problem", problem.ref)]


async def test_link_says_which_records_it_is_linked_to_already(make_app, records):
    incident = records.create("incident", title="Mail queue stuck on the relay")
    linked = records.create("problem", title="Mail relay runs out of disk")
    other = records.create("problem", title="Mail relay certificate expired")
    records.link(incident.ref, linked.ref)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.screen.action_open_record(incident.ref)
        await settle(pilot)
        await press(pilot, "l")
        lines = screen_text(app).splitlines()
        assert any(linked.ref in line and "linked already" in line for line in lines)
        assert not any(other.ref in line and "linked already" in line for line in lines)


async def test_a_link_that_moves_the_record_off_another_says_so(make_app, records):
    # picked in the link dialog, the other problem took the incident off the first one with
    # only "saved (version N)" said
    incident = records.create("incident", title="Mail queue stuck on the relay")
    first = records.create("problem", title="Mail relay runs out of disk")
    second = records.create("problem", title="Mail relay certificate expired")
    records.link(incident.ref, first.ref)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.screen.action_open_record(incident.ref)
        await settle(pilot)
        await press(pilot, "l")
        await type_text(pilot, second.ref)
        await press(pilot, "enter", "enter")
        await settle(pilot)
        told = [n.message for n in app._notifications if n.title == "Problem moved"]
        assert told == [f"{incident.ref} is linked to {second.ref} now, no longer to {first.ref}"]


async def test_a_link_from_a_dialog_opened_before_another_analysts_link_is_refused_and_reloads(
        make_app, records):
    # anna and bob both pressed l on the incident (no problem linked); anna linked hers, then
    # bob's link took the incident off her problem: he saw "Problem moved … no longer to" a
    # link he never knew of, and her screen then showed his problem
    from sms_tui.ui.screens.link_dialog import LinkDialog

    incident = records.create("incident", title="Mail queue stuck on the relay")
    hers = records.create("problem", title="Mail relay runs out of disk")
    his = records.create("problem", title="Mail relay certificate expired")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.screen.action_open_record(incident.ref)
        await settle(pilot)
        await press(pilot, "l")
        assert isinstance(app.screen, LinkDialog)
        seen = app.screen.record.version

        records.link(incident.ref, hers.ref)  # anna, meanwhile
        await type_text(pilot, his.ref)
        await press(pilot, "enter", "enter")
        assert isinstance(app.screen, LinkDialog)  # still open, nothing moved
        assert "changed by someone else" in screen_text(app)
        assert f"version {seen + 1}, you had {seen}" in screen_text(app)
        assert [link.ref for link in records.get(incident.ref).links] == [hers.ref]
        assert not [n for n in app._notifications if n.title == "Problem moved"]

        await press(pilot, "ctrl+r")  # bob sees anna's link, and may still move it knowingly
        assert app.screen.record.version == seen + 1
        assert "changed by someone else" not in screen_text(app)
        await press(pilot, "enter")
        assert isinstance(app.screen, RecordScreen)
        told = [n.message for n in app._notifications if n.title == "Problem moved"]
        assert told == [f"{incident.ref} is linked to {his.ref} now, no longer to {hers.ref}"]
    assert [link.ref for link in records.get(incident.ref).links] == [his.ref]


async def test_reload_in_the_link_dialog_marks_the_link_made_meanwhile(make_app, records):
    incident = records.create("incident", title="Mail queue stuck on the relay")
    hers = records.create("problem", title="Mail relay runs out of disk")
    his = records.create("problem", title="Mail relay certificate expired")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.screen.action_open_record(incident.ref)
        await settle(pilot)
        await press(pilot, "l")
        records.link(incident.ref, hers.ref)  # someone else, meanwhile
        await press(pilot, "down")  # to the list of both problems
        highlighted = app.screen.candidates[0].ref
        await press(pilot, "enter")
        assert "changed by someone else" in screen_text(app)
        await press(pilot, "ctrl+r")
        lines = screen_text(app).splitlines()
        assert any(hers.ref in line and "linked already" in line for line in lines)
        assert not any(his.ref in line and "linked already" in line for line in lines)
        assert app.screen._highlighted() == highlighted  # where it was


def _dialog_error(app) -> str:
    return " ".join(str(app.screen.query_one("#dialog-error").render()).split())


async def _link_from(pilot, app, ref: str, target: str) -> None:
    from sms_tui.ui.screens.link_dialog import LinkDialog

    app.screen.action_open_record(ref)
    await settle(pilot)
    await press(pilot, "l")
    assert isinstance(app.screen, LinkDialog)
    await type_text(pilot, target)


async def test_a_link_from_a_problem_that_would_move_an_incident_off_another_asks_first(
        make_app, records):
    # bob pressed l on his problem and picked an incident anna had just linked to hers: the
    # link took it off her problem, said nowhere (his problem's version still matched)
    from sms_tui.ui.screens.link_dialog import LinkDialog

    incident = records.create("incident", title="Mail queue stuck on the relay")
    hers = records.create("problem", title="Mail relay runs out of disk")
    his = records.create("problem", title="Mail relay certificate expired")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _link_from(pilot, app, his.ref, incident.ref)
        records.link(incident.ref, hers.ref)  # anna, meanwhile
        await press(pilot, "enter")
        assert isinstance(app.screen, LinkDialog)  # still open, nothing moved
        said = _dialog_error(app)
        assert f"{incident.ref} is linked to {hers.ref}: linking it to {his.ref} would move " \
               f"it off {hers.ref}" in said
        assert "Enter again moves it" in said and "ctrl+r" not in said
        assert [link.ref for link in records.get(incident.ref).links] == [hers.ref]
        assert [e.action for e in records.get(his.ref).journal] == ["create"]

        await press(pilot, "enter")  # he has read it, and moves it
        assert not isinstance(app.screen, LinkDialog)
    assert [link.ref for link in records.get(incident.ref).links] == [his.ref]
    left = records.get(hers.ref).journal[0]
    assert (left.action, left.changes) == ("unlink", {"linked_incident": (incident.ref, None)})
    assert left.note == f"moved to {his.ref}"


async def test_the_link_list_on_a_problem_says_which_incidents_are_linked_elsewhere(
        make_app, records):
    incident = records.create("incident", title="Mail queue stuck on the relay")
    free = records.create("incident", title="Mail relay slow")
    hers = records.create("problem", title="Mail relay runs out of disk")
    his = records.create("problem", title="Mail relay certificate expired")
    records.link(incident.ref, hers.ref)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await _link_from(pilot, app, his.ref, "relay")
        await press(pilot, "down")
        lines = screen_text(app).splitlines()
        assert any(incident.ref in line and f"linked to {hers.ref}" in line for line in lines)
        assert not any(free.ref in line and "linked to" in line for line in lines)


async def test_a_move_confirmed_after_the_incident_changed_again_is_refused_as_a_conflict(
        make_app, records):
    from sms_tui.ui.screens.link_dialog import LinkDialog

    incident = records.create("incident", title="Mail queue stuck on the relay")
    hers = records.create("problem", title="Mail relay runs out of disk")
    third = records.create("problem", title="Relay power supply")
    his = records.create("problem", title="Mail relay certificate expired")
    records.link(incident.ref, hers.ref)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _link_from(pilot, app, his.ref, incident.ref)
        await press(pilot, "enter")
        assert "Enter again moves it" in _dialog_error(app)
        records.link(incident.ref, third.ref)  # anna moves it on, meanwhile
        await press(pilot, "enter")
        assert isinstance(app.screen, LinkDialog)
        assert f"{incident.ref} was changed by someone else" in _dialog_error(app)
        assert [link.ref for link in records.get(incident.ref).links] == [third.ref]

        await press(pilot, "ctrl+r", "enter")  # asked again, about the link it has now
        assert f"{incident.ref} is linked to {third.ref}" in _dialog_error(app)
    assert [link.ref for link in records.get(incident.ref).links] == [third.ref]


@pytest.mark.parametrize("from_", ["problem", "change"])
async def test_a_change_linked_to_a_problem_is_said_to_be_its_fix(make_app, records, from_):
    """Linking a change to a problem makes it the problem's fix: the problem was resolved with
    it, to the analyst's surprise, when it was implemented. The dialog says so before the
    link, and the link says so when it is made."""
    problem = records.create("problem", title="Mail relay runs out of disk")
    change = records.create("change", title="Grow the relay's disk")
    ref, other = (problem.ref, change.ref) if from_ == "problem" else (change.ref, problem.ref)
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        app.screen.action_open_record(ref)
        await settle(pilot)
        await press(pilot, "l")
        assert ("change (its fix)" if from_ == "problem" else "problem (it fixes)") in \
            screen_text(app)
        await type_text(pilot, other)
        await press(pilot, "enter")
        await settle(pilot)
        told = [n.message for n in app._notifications if n.title == "The problem's fix"]
        assert told == [f"{change.ref} is {problem.ref}'s fix: {problem.ref} is resolved with "
                        "it once it is implemented successfully"]


async def test_words_that_find_nothing_leave_the_focus_on_the_words(make_app, records):
    """↓ after words that found nothing put the focus on the empty list, where no key did
    anything but shift+tab."""
    from textual.widgets import Input

    records.create("incident", title="Mail queue stuck on the relay")
    records.create("problem", title="Mail relay runs out of disk")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "1", "enter", "l")
        await type_text(pilot, "zzyzx")
        await press(pilot, "down")
        await settle(pilot)
        assert isinstance(app.focused, Input) and app.focused.id == "target"
        await press(pilot, *["backspace"] * 5)
        await type_text(pilot, "relay")
        await press(pilot, "down")
        await settle(pilot)
        assert app.focused.id == "candidates"


async def test_link_still_takes_a_typed_reference(make_app, records):
    incident = records.create("incident", title="Wi-Fi drops")
    change = records.create("change", title="Replace access points")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "1", "enter", "l")
        await type_text(pilot, "chg1")
        await press(pilot, "enter")
        assert isinstance(app.screen, RecordScreen)
    assert [link.ref for link in records.get(incident.ref).links] == [change.ref]


async def test_an_incident_is_linked_under_a_parent_incident_from_the_list(make_app, records):
    child = records.create("incident", title="Printer at site B offline")
    parent = records.create("incident", title="Site B network down")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        app.screen.action_open_record(child.ref)
        await settle(pilot)
        await press(pilot, "l")
        assert "links to: parent incident, problem, change" in screen_text(app)
        await type_text(pilot, "site b network")
        await press(pilot, "enter", "enter")
        assert isinstance(app.screen, RecordScreen)
        assert f"parent        {parent.ref}" in screen_text(app)
    assert [(link.relation, link.ref) for link in records.get(parent.ref).links] == [("child", child.ref)]


async def test_a_pasted_title_holding_a_nul_is_refused_in_place_and_nothing_is_written(
        make_app, records):
    """The services' one text rule reaches the TUI as any refusal does (a NUL cannot be typed,
    but a paste or a terminal can deliver one)."""
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "n")
        assert isinstance(app.screen, RecordForm)
        app.screen.query_one("#f-title").value = "Phones\x00 down"
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, RecordForm)  # still open, with what was pasted
        assert "title contains a NUL character (\\x00)" in screen_text(app)
        assert app.screen.query_one("#row-title").has_class("-invalid")
        assert app.screen.query_one("#f-title").value == "Phones\x00 down"
    assert records.count("incident") == 0


async def test_a_hierarchical_escalation_skips_the_group_and_refuses_one_typed_before(
        make_app, records):
    """A hierarchical escalation keeps the assignment: its group field is skipped by Tab
    (the reason typed after the manager lands in the reason), and a group typed before the
    kind was switched is refused with the reason, not silently dropped."""
    from textual.widgets import Input

    from sms_tui.ui.screens.escalate_dialog import EscalateDialog

    incident = records.create("incident", title="Switch port flapping")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "x", "h", "tab")
        await type_text(pilot, "Head of IT")
        await press(pilot, "tab")
        await type_text(pilot, "customer threatens to leave")
        dialog = app.screen
        assert isinstance(dialog, EscalateDialog)
        assert dialog.query_one("#group", Input).value == ""
        assert dialog.query_one("#reason", Input).value == "customer threatens to leave"
        await press(pilot, "escape")
        # functional first, a group typed, then switched to hierarchical
        await press(pilot, "x", "tab", "tab")
        await type_text(pilot, "mgmt")
        await press(pilot, "shift+tab", "shift+tab", "h", "tab")
        await type_text(pilot, "Head of IT")
        await press(pilot, "tab", "tab")
        await type_text(pilot, "customer threatens to leave")
        await press(pilot, "enter")
        assert isinstance(app.screen, EscalateDialog)
        assert "not a group" in screen_text(app)
        assert app.focused is app.screen.query_one("#group")
    assert not [e for e in records.get(incident.ref).journal if e.action.startswith("escalate")]


async def test_enter_on_the_kind_of_an_escalation_saves_as_the_hint_says(make_app, records):
    from sms_tui.ui.screens.escalate_dialog import EscalateDialog

    records.create("incident", title="Switch port flapping")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "x")
        assert isinstance(app.screen, EscalateDialog)
        await press(pilot, "enter")  # on the kind, nothing filled in: refused, with the reason
        assert isinstance(app.screen, EscalateDialog)
        assert "say who to escalate to" in screen_text(app)


async def test_a_record_purged_while_shown_leaves_the_screen_and_says_so(make_app, records, store):
    """Purged by another analyst (an erasure request): the record stayed on the screen, fields
    and all, under a "Not found" toast, and a note typed on it was refused only at ctrl+s."""
    from sms_tui.services.admin.purge import purge

    records.create("incident", title="Keep me")
    gone = records.create("incident", title="Dana's home address in the notes")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        app.screen.action_open_record(gone.ref)
        await settle(pilot)
        assert isinstance(app.screen, RecordScreen) and app.screen.view.ref == gone.ref
        purge(store, gone.ref, reason="erasure request")
        for _ in range(50):  # the desk's poll notices the write (the CLI's, another analyst's)
            app.check_for_changes()
            await settle(pilot)
            if not isinstance(app.screen, RecordScreen):
                break
        await settle(pilot)
        assert not isinstance(app.screen, RecordScreen), [n.message for n in app._notifications]
        said = [n.message for n in app._notifications]
        assert f"{gone.ref} is no longer on the desk (purged since it was opened)." in said
        assert "home address" not in screen_text(app)
