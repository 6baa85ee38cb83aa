"""What the analyst sees of SLAs and major incidents: queue column, checklist, outbox.

Snapshots for the screens (80×24 unless the content needs more), Pilot flows
for the actions. The clock stands still; times show in UTC.
"""

from __future__ import annotations

import socket

import pytest

from sms_tui.config import load_config
from sms_tui.services.core.records import RecordService
from sms_tui.services.core.store import Store
from sms_tui.services.incidents.rules import MajorIncidentService
from sms_tui.services.mail.outbox import Outbox
from sms_tui.ui.screens.detail import RecordScreen
from sms_tui.ui.screens.major import MajorScreen
from sms_tui.ui.screens.outbox import OutboxScreen

from .conftest import LARGE, MARKUP_TITLE, SMALL, press, screen_text, settle, slow_down, type_text


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[major_incident]\ncontacts = ["CIO <cio@example.org>"]\n'
                    f'[smtp]\nhost = "127.0.0.1"\nport = {closed_port()}\ntimeout = 5\n')
    return load_config(path)


@pytest.fixture
def desk(db_path, clock, config):
    """A major incident with no manager (email to management failing), one near breach, one on hold."""
    store = Store(db_path, config, actor="tester", clock=clock)
    records = RecordService(store)
    made = {}
    made["mail"] = records.create("incident", title="Mail down for everyone", impact="high",
                                  urgency="high")
    clock.advance(minutes=10)
    made["vpn"] = records.create("incident", title="VPN drops every few minutes", impact="high",
                                 urgency="medium", assignee="alice")
    records.add_note(made["vpn"].ref, "Looking at the concentrator")
    clock.advance(hours=1)
    made["printer"] = records.create("incident", title="Printer on floor 2 jams", impact="low",
                                     urgency="low")
    records.transition(made["printer"].ref, "on_hold", note="waiting for the toner")
    clock.advance(hours=5)
    MajorIncidentService(store).tick_step(made["mail"].ref, 2, note="bridge 555-0100")
    Outbox(store).deliver()  # the mail server is down: the message stays, FAILED, retrying
    store.close()
    return made


@pytest.fixture
def app(make_app, config, desk):
    return make_app(config=config)


async def _settled(pilot) -> None:
    await settle(pilot)


# ------------------------------------------------------------------ snapshots
def test_incident_queue_shows_the_sla_column_and_the_major_marker(snap_compare, app):
    assert snap_compare(app, terminal_size=SMALL, run_before=_settled)


def test_incident_detail_shows_sla_clocks_and_the_procedure_checklist(snap_compare, app, desk):
    async def open_major(pilot):
        await settle(pilot)
        await press(pilot, "enter")

    assert snap_compare(app, terminal_size=LARGE, run_before=open_major)


def test_major_incident_screen_at_80x24(snap_compare, app):
    async def open_major(pilot):
        await settle(pilot)
        await press(pilot, "enter", "m")

    assert snap_compare(app, terminal_size=SMALL, run_before=open_major)


def test_outbox_shows_a_failed_message_and_why(snap_compare, app):
    async def outbox(pilot):
        await settle(pilot)
        await press(pilot, "8", "enter")

    assert snap_compare(app, terminal_size=SMALL, run_before=outbox)


# ------------------------------------------------------------------ flows
async def test_queue_marks_breach_near_hold_and_missing_manager_in_words(app):
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        text = screen_text(app)
    lines = {line.split()[1] if line.startswith(("›▲", " ▲")) else line.split()[0]: line
             for line in text.splitlines() if "INC-" in line}
    assert "▲MAJ?" in lines["INC-000001"] and "BREACHED" in lines["INC-000001"]
    assert "!2h" in lines["INC-000002"]  # P2 (8 h): 6 h gone, near
    assert "(10d)" in lines["INC-000003"]  # on hold: the clock waits


async def test_the_new_incident_form_says_a_p1_will_be_a_major_incident(app):
    """The form said "Major [no]" for a P1, which was then saved as a major incident: the
    priority line says it will be one, and why, as the levels are chosen."""
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "n")
        await type_text(pilot, "Payroll down")
        await press(pilot, "tab", "h", "tab", "h")
        assert "Priority P1 Critical   ▲ a major incident: priority is P1" in screen_text(app)
        await press(pilot, "m")  # urgency medium: P2, not major by the default criteria
        assert "▲ a major incident" not in screen_text(app)


async def test_ticking_a_step_and_appointing_the_manager_from_the_keyboard(app, desk, records):
    ref = desk["mail"].ref
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "m")
        assert isinstance(app.screen, MajorScreen)
        await press(pilot, "enter")  # step 1 is highlighted
        assert app.screen.view.steps[0].done
        await press(pilot, "a")
        await type_text(pilot, "Dana")
        await press(pilot, "enter")
        assert isinstance(app.screen, MajorScreen)
        assert app.screen.view.manager == "Dana"
        assert "NONE" not in screen_text(app)
        await press(pilot, "escape")
        assert isinstance(app.screen, RecordScreen)
        await press(pilot, "escape")
        assert "▲MAJ?" not in screen_text(app)
        assert "▲MAJ " in screen_text(app)
    actions = [e.action for e in records.get(ref).journal]
    assert actions[:2] == ["major_manager", "major_step"]


async def test_appointing_the_manager_moves_on_from_the_step_it_ticked(app, desk):
    """a appoints the manager, which ticks step 1: the highlight stayed on it, and the next
    Enter, meant for the step to do next, unticked it."""
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "m")
        screen = app.screen
        assert isinstance(screen, MajorScreen) and not screen.view.steps[0].done
        await press(pilot, "a")
        await type_text(pilot, "Dana")
        await press(pilot, "enter")
        await settle(pilot)
        assert screen.view.steps[0].done  # the appointment is step 1
        first_open = next(i for i, step in enumerate(screen.view.steps) if not step.done)
        assert screen.query_one("#steps").highlighted == first_open
        await press(pilot, "enter")
        await settle(pilot)
        assert screen.view.steps[0].done and screen.view.steps[first_open].done


async def test_a_manager_appointed_and_the_next_step_ticked_in_one_burst_are_both_recorded(
        app, desk, store, monkeypatch):
    """a, the name, Enter, Enter in one write: the second Enter ticked with the version from
    before the appointment and was refused as changed by someone else."""
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "m")
        screen = app.screen
        assert isinstance(screen, MajorScreen)
        slow_down(monkeypatch, MajorIncidentService, "get", 0.2)  # the re-read takes a while
        await pilot.press("a", *"Dana", "enter", "enter")
        await settle(pilot)
        assert not any("changed" in n.message for n in app._notifications)
    view = MajorIncidentService(store).get(desk["mail"].ref)
    assert view.manager == "Dana" and view.steps[0].done
    assert sum(step.done for step in view.steps) >= 3  # 1 (the appointment), 2 (done), and the next


async def test_steps_ticked_in_one_burst_are_each_recorded_and_shown(app, desk, store, monkeypatch):
    """Down Enter Down Enter Down Enter in one write: each tick was sent with the version the
    dialog showed when its key came, and replaced the one before it (an exclusive worker), so
    two of three were refused as 'changed by someone else' and the dialog showed the wrong
    state. They are written one after the other, each with the version the last one left."""
    ref = desk["mail"].ref  # step 2 is done already

    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "m")
        assert isinstance(app.screen, MajorScreen)
        # a loaded machine: each write takes a while
        slow_down(monkeypatch, MajorIncidentService, "tick_step", 0.2)
        # a tick moves on to the next step (as the request steps and the review checklist
        # do): tick 1, skip 2 (done already), tick 3, tick 4
        await pilot.press("enter", "down", "enter", "enter")
        await settle(pilot)
        shown = [step.done for step in app.screen.view.steps]
        assert not any("changed" in n.message for n in app._notifications)
    stored = [step.done for step in MajorIncidentService(store).get(ref).steps]
    assert stored[:4] == [True, True, True, True] and stored == shown


@pytest.fixture
def anna(db_path, clock, config):
    """Another analyst on the same desk, as another process would be."""
    store = Store(db_path, config, actor="anna", clock=clock)
    yield MajorIncidentService(store)
    store.close()


async def test_a_tick_refused_as_changed_elsewhere_reloads_and_stays_on_its_step(app, desk, anna):
    """anna and bob both had m open; both ticked step 3. bob's tick was refused as changed by
    someone else, but his dialog went on showing the old version with step 3 open, the cursor
    on step 4 as if his tick had worked; ctrl+r did nothing and every Enter after was refused
    the same way. Now it reads the incident again, the cursor back on the step refused."""
    ref = desk["mail"].ref  # step 2 done already: step 1 is highlighted when it opens
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "m")
        screen = app.screen
        assert isinstance(screen, MajorScreen)
        await press(pilot, "j", "j")
        assert screen.query_one("#steps").highlighted == 2 and not screen.view.steps[2].done
        seen = screen.record.version

        anna.tick_step(ref, 3)  # meanwhile, from her own dialog
        await press(pilot, "enter")
        await settle(pilot)
        assert any("changed by someone else" in n.message for n in app._notifications)
        assert screen.query_one("#steps").highlighted == 2  # on the step refused
        assert screen.record.version == seen + 1  # read again
        assert screen.view.steps[2].done and screen.view.steps[2].done_by == "anna"
        assert f"v{seen + 1}" in screen_text(app) and "[x] 3." in screen_text(app)

        conflicts = sum("changed by someone else" in n.message for n in app._notifications)
        await press(pilot, "down", "enter")  # the next step ticks, not refused again
        await settle(pilot)
        assert sum("changed by someone else" in n.message
                   for n in app._notifications) == conflicts
    done = {step.position: step.done_by for step in anna.get(ref).steps if step.done}
    assert done[3] == "anna" and done[4] == "tester"


async def test_the_major_dialog_shows_a_step_ticked_elsewhere_as_the_record_screen_would(
        app, desk, anna):
    ref = desk["mail"].ref
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "m")
        screen = app.screen
        assert isinstance(screen, MajorScreen) and not screen.view.steps[0].done

        anna.tick_step(ref, 1)
        app.check_for_changes()  # what the poll (or PostgreSQL's notice) does
        await settle(pilot)
        assert screen.view.steps[0].done and "[x] 1." in screen_text(app)
        await press(pilot, "down", "down", "enter")  # step 3, with the version now shown
        await settle(pilot)
        assert not any("changed" in n.message for n in app._notifications)
    assert anna.get(ref).steps[2].done_by == "tester"


async def test_ctrl_r_reads_the_major_incident_again(app, desk, anna):
    ref = desk["mail"].ref
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "m")
        screen = app.screen
        seen = screen.record.version
        anna.tick_step(ref, 1)  # no poll in the tests: only ctrl+r reads it
        await press(pilot, "ctrl+r")
        assert screen.record.version == seen + 1 and screen.view.steps[0].done
        assert any(n.message == f"Reloaded {ref} (version {seen + 1})" for n in app._notifications)


async def test_the_major_dialog_is_read_again_after_a_dialog_over_it_if_anyone_wrote(
        app, desk, anna):
    """DataChanged goes to the screen on top: written while the manager dialog was open over
    it (and cancelled), the checklist went on showing what it showed before."""
    ref = desk["mail"].ref
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "m", "a")
        anna.tick_step(ref, 1)
        app.check_for_changes()
        await settle(pilot)
        await press(pilot, "escape")
        screen = app.screen
        assert isinstance(screen, MajorScreen)
        assert screen.view.steps[0].done


async def test_status_update_to_management_lands_in_the_outbox(app, desk):
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "m", "u")
        await type_text(pilot, "Failover to site B started")
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, MajorScreen)
        assert [c.purpose for c in app.screen.view.communications] == ["update", "declared"]
        await press(pilot, "escape", "escape", "8")
        assert isinstance(app.screen, OutboxScreen)
        assert "update" in screen_text(app)
        await press(pilot, "enter")
        assert "Failover to site B started" in screen_text(app)


async def test_declaring_a_minor_incident_major_needs_a_reason(app, desk, records):
    ref = desk["vpn"].ref
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        app.screen.action_open_record(ref)
        await settle(pilot)
        await press(pilot, "m", "d", "enter")
        assert "say why it is a major incident" in screen_text(app)
        await type_text(pilot, "CEO cannot connect")
        await press(pilot, "enter")
        assert isinstance(app.screen, MajorScreen)
        assert app.screen.view.major
    assert records.get(ref).extra["major"] is True


async def test_outbox_retry_reports_the_failure_and_keeps_the_message(app):
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "8", "r")
        assert "FAILED (2 tries), retrying" in screen_text(app)


async def test_hostile_title_is_shown_literally_in_the_major_screen_and_outbox(make_app, db_path,
                                                                               clock, config):
    store = Store(db_path, config, actor="tester", clock=clock)
    RecordService(store).create("incident", title=MARKUP_TITLE, impact="high", urgency="high")
    store.close()
    app = make_app(config=config)
    async with app.run_test(size=LARGE) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "m")
        assert "[@click=app.quit]y[/]" in screen_text(app)
        await press(pilot, "escape", "escape", "8", "enter")
        text = screen_text(app)
        assert "[@click=app.quit]y[/]" in text
        assert "\x1b" not in text and "␛]0;pwned" in text


async def test_outbox_o_opens_the_incident_in_its_own_screen_with_known_errors(app, desk):
    from sms_tui.ui.screens.incident import IncidentScreen
    from sms_tui.ui.screens.known_error_search import KnownErrorSearchScreen

    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "8", "o")
        assert isinstance(app.screen, IncidentScreen)
        assert app.screen.view.ref == desk["mail"].ref
        await press(pilot, "K")
        assert isinstance(app.screen, KnownErrorSearchScreen)


async def test_the_major_checklist_opens_on_the_first_step_still_to_do(app, desk, store):
    """Enter on opening ticks the highlighted step: it must be one still to do (opened on step
    1, done already, Enter reopened it), as the request steps and review checklists open."""
    ref = desk["mail"].ref
    MajorIncidentService(store).set_manager(ref, "Night Manager")  # ticks step 1
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "m")
        assert isinstance(app.screen, MajorScreen)
        steps = app.screen.view.steps
        assert steps[0].done and steps[1].done and not steps[2].done
        assert app.screen.query_one("#steps").highlighted == 2


async def test_shift_m_assigns_the_record_to_oneself_from_the_queue_and_the_record(make_app, records):
    first = records.create("incident", title="Printer jams", impact="high", urgency="high").ref
    second = records.create("incident", title="VPN slow").ref
    app = make_app()
    async with app.run_test(size=LARGE) as pilot:
        await settle(pilot)
        await press(pilot, "M")  # on the queue's first row
        await settle(pilot)
        assert records.get(first).assignee == "tester"
        assert records.get(first).journal[0].action == "assign"
        await press(pilot, "M")  # again: nothing is written twice
        await settle(pilot)
        assert [e.action for e in records.get(first).journal].count("assign") == 1
        assert any("assigned to you already" in n.message for n in app._notifications)
        await press(pilot, "down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, RecordScreen) and app.screen.ref == second
        await press(pilot, "M")
        await settle(pilot)
        assert records.get(second).assignee == "tester"
        assert "tester" in screen_text(app)


async def test_the_outbox_keeps_the_cursor_and_the_preview_on_the_same_message(app, desk, store):
    """A message written meanwhile (above, the newest first) left the cursor on the row it was
    on -- another message -- while the preview showed the first: r and o act on the cursor's."""
    ref = desk["mail"].ref
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "8", "end", "enter")
        assert isinstance(app.screen, OutboxScreen)
        shown = app.screen._current()
        assert shown is not None and "declared" in screen_text(app)
        MajorIncidentService(store).send_update(ref, "Failover to site B started")
        app.screen.load()
        await settle(pilot)
        assert len(app.screen.messages) == 2
        assert app.screen._current().id == shown.id
        assert "Failover to site B started" not in screen_text(app)
        await press(pilot, "up")  # the preview follows the cursor
        assert "Failover to site B started" in screen_text(app)


async def test_informing_management_with_no_contacts_asks_how_they_were_told(make_app, records):
    """No contacts: no message went to anyone, and Enter on "Inform top management" ticked
    it as done. It now asks how they were told, and the tick carries the answer."""
    from sms_tui.ui.screens.informed_dialog import InformedDialog

    ref = records.create("incident", title="Payroll down", impact="high", urgency="high").ref
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "m")
        assert isinstance(app.screen, MajorScreen)
        app.screen.query_one("#steps").highlighted = 2
        await press(pilot, "enter")
        assert isinstance(app.screen, InformedDialog)
        await press(pilot, "enter")
        assert "say how top management was told" in screen_text(app)
        await type_text(pilot, "Called the CIO")
        await press(pilot, "enter")
        await settle(pilot)
        assert isinstance(app.screen, MajorScreen)
        assert app.screen.view.steps[2].done
    assert "Called the CIO" in records.get(ref).journal[0].note


async def test_without_mail_set_up_the_outbox_says_none_was_sent_not_zero_unsent(make_app,
                                                                                  db_path, clock):
    # "0 not sent yet" over messages only recorded (no SMTP): read as if every one had gone
    store = Store(db_path, load_config(None), actor="tester", clock=clock)
    ref = RecordService(store).create("incident", title="Mail down", impact="high",
                                      urgency="high").ref
    MajorIncidentService(store).tick_step(ref, 2, note="bridge 555-0100")
    store.close()
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "8")
        title = screen_text(app).splitlines()[2]
    assert "not sent yet" not in title
    assert title.strip() == "Outbox — 1 shown (all): none sent, 1 recorded only"
