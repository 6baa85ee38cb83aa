"""A service request on screen: its fulfilment instructions, ticks, approval and satisfaction."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sms_tui.ui.screens.request_detail import RequestScreen

from .conftest import SMALL, press, screen_text, settle, type_text


@pytest.fixture
def requests(store):
    from sms_tui.services.requests.service import RequestService

    return RequestService(store)


@pytest.fixture
def account(requests):
    """A new-account request, approved, with two of its five steps done."""
    ref = requests.create("new-account", title="Account for Bo Jensen (starts Monday)").record.ref
    requests.approve(ref, "Line manager confirmed by mail", approver="carol")
    requests.tick(ref, 1)
    requests.tick(ref, 2)
    return ref


def test_a_request_shows_its_instructions_ticked_and_its_approval(snap_compare, make_app, account):
    async def open_it(pilot):
        await settle(pilot)
        await press(pilot, "2", "enter")

    assert snap_compare(make_app(), terminal_size=SMALL, run_before=open_it)


async def test_k_ticks_the_next_open_step_and_the_journal_says_so(make_app, account, requests):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "2", "enter")
        assert isinstance(app.screen, RequestScreen)
        await press(pilot, "k")
        assert "[x] 3. Add the account to the groups of its role" in screen_text(app)
        assert "(3/5 done)" in screen_text(app)
    detail = requests.detail(account)
    assert [s.done for s in detail.steps] == [True, True, True, False, False]
    assert detail.record.journal[0].action == "step"


async def test_page_down_on_a_request_scrolls_to_its_fields_and_journal(make_app, account):
    """The steps have the focus (space ticks): PgDn moved their cursor, and the fields and the
    journal could not be reached without Tab, where every other record scrolls."""
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "2", "enter")
        assert isinstance(app.screen, RequestScreen)
        steps = app.screen.query_one("#steps")
        highlighted = steps.highlighted
        await press(pilot, "pagedown", "pagedown")
        assert app.screen.query_one("#body").scroll_y > 0
        assert steps.highlighted == highlighted and app.focused is steps
        await press(pilot, "pageup", "pageup")
        assert app.screen.query_one("#body").scroll_y == 0


async def test_a_request_awaiting_approval_is_approved_with_a_rationale(make_app, requests):
    ref = requests.create("share-access", title="Finance share for Eve").record.ref
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "2", "enter")
        assert "NEEDED before fulfilment" in screen_text(app)
        await press(pilot, "A", "enter")  # nothing typed: refused in place
        assert "write the rationale" in screen_text(app)
        await type_text(pilot, "Data owner agreed")
        await press(pilot, "enter")
        assert isinstance(app.screen, RequestScreen)
        assert app.screen.view.status == "in_progress"
    decision = requests.detail(ref).approvals[-1]
    assert (decision.decision, decision.approver, decision.rationale) == (
        "approved", "tester", "Data owner agreed")


async def test_a_fulfilled_request_is_closed_with_the_customers_score(make_app, requests, records):
    ref = requests.create("information", title="How do I reach the VPN?").record.ref
    requests.tick(ref, 1)
    requests.tick(ref, 2)
    records.transition(ref, "fulfilled")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "2", "o")  # fulfilled is not open: show all
        await press(pilot, "enter", "F", "5")
        await press(pilot, "tab")
        await type_text(pilot, "Clear answer")
        await press(pilot, "enter")
        assert app.screen.view.status == "closed"
    assert records.get(ref).extra["satisfaction_score"] == 5


async def test_no_score_is_saved_as_the_customers_until_one_is_picked(make_app, requests, records):
    """F then Enter closed the request with a score of 4 nobody gave (the picker's default),
    counted in the evidence report's satisfaction figures."""
    ref = requests.create("information", title="How do I reach the VPN?").record.ref
    requests.tick(ref, 1)
    requests.tick(ref, 2)
    records.transition(ref, "fulfilled")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "2", "o")
        await press(pilot, "enter", "F", "enter")
        await settle(pilot)
        assert "pick the score the customer gave" in screen_text(app)
        assert "[4]" not in screen_text(app)
        await press(pilot, "right", "enter")  # the first step picks 1: saved as picked
        await settle(pilot)
        assert app.screen.view.status == "closed"
    assert records.get(ref).extra["satisfaction_score"] == 1


async def test_the_catalogue_opens_from_the_queue_and_a_type_gets_new_instructions(make_app, requests):
    from sms_tui.ui.screens.request_types import RequestTypesScreen

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "2", "T")
        assert isinstance(app.screen, RequestTypesScreen)
        assert "Password reset" in screen_text(app) and "SLA 4h" in screen_text(app)
        assert "Enter raises a request" in screen_text(app)  # whole at 80 columns (was cut)
        await press(pilot, "n")
        await type_text(pilot, "vpn-token")
        await press(pilot, "tab")
        await type_text(pilot, "VPN token")
        app.screen.query_one("#steps").text = "Check the role\nIssue the token"
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, RequestTypesScreen)
        assert "1. Check the role" in screen_text(app)
    assert requests.get_type("vpn-token").steps == ("Check the role", "Issue the token")


async def test_steps_have_the_cursor_and_a_burst_ticks_each_step_once(make_app, account, requests):
    from textual.widgets import OptionList

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "2", "enter")
        steps = app.screen.query_one("#steps", OptionList)
        assert app.focused is steps  # visible without Tab: the first open step
        assert "›[ ] 3. Add the account" in screen_text(app)
        await pilot.press("space", "enter", "k")  # one burst, faster than the writes
        await settle(pilot)
        assert "(5/5 done)" in screen_text(app)
    detail = requests.detail(account)
    assert [s.done for s in detail.steps] == [True] * 5
    assert [e.action for e in detail.record.journal].count("step") == 5  # 2 before, 3 now: no untick


async def test_a_refusal_in_the_tui_names_the_key_not_a_cli_command(make_app, requests):
    from sms_tui.ui.screens.transition_dialog import TransitionDialog

    ref = requests.create("share-access", title="Finance share for Eve").record.ref
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "2", "enter", "t")
        assert isinstance(app.screen, TransitionDialog)
        await press(pilot, "enter")  # in progress, without the decision
        text = screen_text(app)
        assert isinstance(app.screen, TransitionDialog)
        assert "A approves, R rejects" in text
        assert "--rationale" not in text and "requests approve" not in text
    assert requests.detail(ref).record.status == "awaiting_approval"


async def test_enter_on_a_catalogue_type_raises_a_request_with_its_priority_and_sla(make_app, requests):
    from sms_tui.ui.screens.request_form import RequestForm
    from sms_tui.ui.screens.request_types import RequestTypesScreen

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "2", "T")
        assert isinstance(app.screen, RequestTypesScreen)
        names = [t.name for t in app.screen.types]
        await press(pilot, *["down"] * names.index("password-reset"), "enter")
        assert isinstance(app.screen, RequestForm)
        assert "Password reset" in screen_text(app) and "fulfil within 4h" in screen_text(app)
        assert "Priority P2" in screen_text(app)  # the catalogue's P2, not the form's P3
        await type_text(pilot, "Locked out: Dana")
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, RequestScreen)
        ref = app.screen.ref
    detail = requests.detail(ref)
    assert (detail.record.priority, detail.record.extra["request_type"]) == (2, "password-reset")
    assert detail.due_at == detail.record.created_at + timedelta(hours=4)
    assert len(detail.steps) == 4


async def test_the_request_form_picks_its_type_from_the_catalogue_and_takes_its_defaults(make_app,
                                                                                         requests):
    from textual.widgets import Select

    from sms_tui.ui.screens.request_form import RequestForm

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "2", "n")
        assert isinstance(app.screen, RequestForm)
        picker = app.screen.query_one("#f-request_type", Select)
        assert app.focused is picker  # the type first: it decides the rest
        assert "Priority P3" in screen_text(app)
        picker.value = "password-reset"  # as picked from the list
        await settle(pilot)
        assert "Priority P2" in screen_text(app) and "fulfil within 4h" in screen_text(app)
        assert app.screen.query_one("#f-category").value == "access"
        app.screen.query_one("#f-title").focus()
        await type_text(pilot, "Locked out: Eve")
        await press(pilot, "ctrl+s")
        assert not isinstance(app.screen, RequestForm)
    made = [r for r in requests.records.list("request") if r.title == "Locked out: Eve"]
    assert made and made[0].priority == 2


async def test_the_edit_form_of_a_request_shows_its_type_and_closes_on_esc(make_app, account):
    from textual.widgets import Select

    from sms_tui.ui.screens.request_form import RequestForm

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "2", "enter", "e")
        assert isinstance(app.screen, RequestForm)
        assert app.screen.query_one("#f-request_type", Select).value == "new-account"
        assert "New user account" in screen_text(app)
        await press(pilot, "escape")  # nothing changed
        assert isinstance(app.screen, RequestScreen)


async def test_a_request_from_the_catalogue_takes_its_types_service(make_app, requests, store):
    from sms_tui.services.configuration.catalogue import CatalogueService
    from sms_tui.ui.screens.request_form import RequestForm

    CatalogueService(store).add_service("Directory")
    requests.save_type("password-reset", service="Directory")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "2", "T")
        names = [t.name for t in app.screen.types]
        await press(pilot, *["down"] * names.index("password-reset"), "enter")
        assert isinstance(app.screen, RequestForm)
        assert app.screen.query_one("#f-service").value == "Directory"
        await type_text(pilot, "Locked out: Kim")
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, RequestScreen)
        assert app.screen.view.service == "Directory"


async def test_the_type_dialog_sets_the_service_its_requests_are_for(make_app, requests, store):
    from sms_tui.services.configuration.catalogue import CatalogueService
    from sms_tui.ui.screens.request_type_dialog import RequestTypeDialog
    from sms_tui.ui.screens.request_types import RequestTypesScreen

    CatalogueService(store).add_service("Directory")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "2", "T", "e")
        assert isinstance(app.screen, RequestTypeDialog)
        await press(pilot, "tab")
        await type_text(pilot, "Nowhere")
        await press(pilot, "ctrl+s")
        assert "no service named 'Nowhere'" in screen_text(app)
        assert app.focused is app.screen.query_one("#service")  # the field in error
        await press(pilot, *["backspace"] * 7)
        await type_text(pilot, "Directory")
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, RequestTypesScreen)
        assert "Directory" in screen_text(app)
    assert requests.types()[0].service == "Directory"


async def test_a_new_request_type_left_with_esc_is_kept_as_a_draft(make_app, requests):
    # name, title and steps typed, then Esc: the next "n" opened an empty dialog, F2 did nothing
    from sms_tui.ui.screens.request_type_dialog import RequestTypeDialog

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "2", "T", "n")
        assert isinstance(app.screen, RequestTypeDialog)
        await type_text(pilot, "vpn-token")
        await press(pilot, "tab")
        await type_text(pilot, "VPN hardware token")
        await pilot.pause(0.5)  # typing paused: the draft is kept
        await press(pilot, "escape")
        await press(pilot, "n")
        assert "A draft typed here was kept" in screen_text(app)
        await press(pilot, "f2")
        assert app.screen.query_one("#name").value == "vpn-token"
        assert app.screen.query_one("#title").value == "VPN hardware token"
        await press(pilot, "ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, RequestTypeDialog)
        await press(pilot, "n")  # saved: nothing is offered any more
        assert "A draft typed here was kept" not in screen_text(app)
    assert "vpn-token" in [t.name for t in requests.types()]


async def test_a_request_typed_in_one_burst_from_a_record_is_raised_and_the_catalogue_untouched(
        make_app, requests, records, monkeypatch):
    """`2 T Down Enter <title> ctrl+s` in one burst, from an incident's screen: the catalogue
    opened on an empty list while its types were read, Enter did nothing and the title's
    letters ran as the catalogue's commands (its 'e' renamed a type after the word 'request')."""
    import time

    from sms_tui.services.requests.service import RequestService

    read_types = RequestService.types

    def slow_types(self, *args, **kwargs):  # a loaded machine: the read takes a while
        time.sleep(0.3)
        return read_types(self, *args, **kwargs)

    monkeypatch.setattr(RequestService, "types", slow_types)
    records.create("incident", title="Printer jam on floor 2")
    types_before = [(t.name, t.title, t.version) for t in requests.types(include_retired=True)]
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "1", "enter")
        await pilot.press("2", "T", "down", "enter", *"Burst request here", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RequestScreen)
        assert app.screen.view.title == "Burst request here"
    assert [(t.name, t.title, t.version) for t in requests.types(include_retired=True)] == types_before


async def test_the_letter_after_enter_in_the_catalogue_waits_for_the_form_enter_opens(
        make_app, requests, monkeypatch):
    """The catalogue's Enter is the option list's binding, run when the key reaches the app;
    the screen acts on the option picked after that. The gate let the next key go once the
    key had reached the screen (which stops it as it hands it up), so on a loaded machine
    the title's first letter ran on the catalogue: 'urst request here' (seen in CI)."""
    import asyncio

    from sms_tui.ui.screens.request_types import RequestTypesScreen

    picked = RequestTypesScreen.on_option_list_option_selected

    async def slow_pick(self, event):  # the screen's task is late to run (a loaded machine)
        await asyncio.sleep(0.2)
        picked(self, event)

    monkeypatch.setattr(RequestTypesScreen, "on_option_list_option_selected", slow_pick)
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "2", "T")
        assert isinstance(app.screen, RequestTypesScreen)
        await pilot.press("enter", *"Burst", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RequestScreen)
        assert app.screen.view.title == "Burst"


async def test_a_key_handed_as_the_catalogue_arrives_keeps_the_draft_and_its_offer(
        make_app, requests, monkeypatch):
    """The form fills its type picker once the catalogue is read; the Changed messages of
    that filling arrive later. A key handed in between (F2, in the burst "n F2") must not
    make the filling look typed: the kept draft stays whole, and F2 puts it back."""
    from textual.widgets import Select

    from sms_tui.ui.screens.request_form import RequestForm

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "2", "n")
        app.screen.query_one("#f-request_type", Select).value = "password-reset"
        await settle(pilot)
        app.screen.query_one("#f-title").focus()
        await type_text(pilot, "Locked out: Eve")
        await press(pilot, "escape", "escape")
        assert not isinstance(app.screen, RequestForm)

        read = RequestForm._catalogue_read

        def then_a_key(self, types):
            read(self, types)
            app.type_ahead.handed += 1  # a key handed before the filling's messages arrive

        monkeypatch.setattr(RequestForm, "_catalogue_read", then_a_key)
        await press(pilot, "n")
        form = app.screen
        assert isinstance(form, RequestForm)
        assert "A draft typed here was kept" in screen_text(app)
        kept = app.drafts.get(form.draft_key())
        assert kept is not None and kept["fields"].get("f-title") == "Locked out: Eve"
        await press(pilot, "f2")
        assert form.query_one("#f-title").value == "Locked out: Eve"
        assert form.query_one("#f-request_type", Select).value == "password-reset"


async def test_the_request_forms_type_line_is_whole_at_80_columns(make_app, requests):
    # "From the catalogue: P3 · fulfil within 48 h · approval by line" -- manager cut off
    from sms_tui.ui.screens.request_form import RequestForm
    from sms_tui.ui.screens.request_types import RequestTypesScreen

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "2", "n")
        assert isinstance(app.screen, RequestForm)
        await settle(pilot)
        assert "its SLA, approval and steps come with it." in screen_text(app)
        await press(pilot, "escape", "T")
        assert isinstance(app.screen, RequestTypesScreen)
        types = {t.name: t for t in app.screen.types}
        await press(pilot, *["down"] * list(types).index("new-account"), "enter")
        assert isinstance(app.screen, RequestForm)
        await settle(pilot)
        text = " ".join(screen_text(app).split())
    steps = len(types["new-account"].steps)
    assert f"approval by {types['new-account'].approver} · {steps} steps" in text
