"""Contacts, the requester field and complaints in the TUI (issue 17)."""

from __future__ import annotations

import pytest

from sms_tui.services.customers.contacts import ContactService
from sms_tui.ui.screens.complaint_detail import ComplaintScreen
from sms_tui.ui.screens.contacts import ContactsScreen
from sms_tui.ui.screens.form import RecordForm
from sms_tui.ui.screens.incident import IncidentScreen as IncidentRecord

from .conftest import LARGE, MARKUP_TITLE, SMALL, press, screen_text, settle, slow_down, type_text


@pytest.fixture
def people(store, records):
    contacts = ContactService(store)
    contacts.add(name="Dana Weber", email="dana@example.org", organisation="Finance",
                 role="customer")
    contacts.add(name="Dana Weber", email="dana@other.org", organisation="Ops")
    contacts.add(name=MARKUP_TITLE.replace("\x1b", "").replace("\x07", ""),
                 email="mark@example.org", organisation="Finance")
    contacts.set_manager("Finance", "Sam Lead")
    made = {
        "vpn": records.create("incident", title="VPN down", requester="dana@example.org"),
        "laptop": records.create("request", title="New laptop", requester="mark@example.org",
                                  request_type="other"),
        "other": records.create("incident", title="Ops printer", requester="dana@other.org"),
        "complaint": records.create("complaint", title="Nobody called back",
                                    requester="dana@example.org"),
    }
    return made


async def test_contacts_show_the_records_of_a_contact_and_of_its_organisation(make_app, people):
    app = make_app()
    async with app.run_test(size=LARGE) as pilot:
        await settle(pilot)
        await press(pilot, "@")
        assert isinstance(app.screen, ContactsScreen)
        text = screen_text(app)
        assert "Contacts — 3 shown" in text
        assert "[bold]x[/] [@click=app.quit]y[/]" in text  # a name with markup, shown literally
        await press(pilot, "enter")  # Dana Weber <dana@example.org>, first in Finance
        text = screen_text(app)
        assert "Records of Dana Weber <dana@example.org> — 2" in text
        assert people["vpn"].ref in text and people["complaint"].ref in text
        assert people["other"].ref not in text
        await press(pilot, "o")
        text = screen_text(app)
        assert "Records of Finance — 3 from 2 contact(s)" in text
        assert "relationship manager: Sam Lead" in text
        assert people["laptop"].ref in text and people["other"].ref not in text
        await press(pilot, "tab", "enter")  # the highlighted record of Finance opens
        opened = app.screen.ref
        assert opened in {people[k].ref for k in ("vpn", "laptop", "complaint")}
        assert opened in screen_text(app) and "Requester" in screen_text(app)


async def test_j_and_k_move_through_the_contacts_and_the_cursor_reads_without_colour(make_app,
                                                                                     people):
    """As in the queues: j/k move the cursor, which is a '›' (NO_COLOR and monochrome
    terminals lose a highlight drawn in colour only)."""
    app = make_app()
    async with app.run_test(size=LARGE) as pilot:
        await settle(pilot)
        await press(pilot, "@")
        marked = [line for line in screen_text(app).splitlines() if line.startswith("›")]
        assert len(marked) == 1 and "Dana Weber" in marked[0]
        await press(pilot, "j")
        marked = [line for line in screen_text(app).splitlines() if line.startswith("›")]
        assert len(marked) == 1 and "Dana Weber" not in marked[0]
        await press(pilot, "k")
        marked = [line for line in screen_text(app).splitlines() if line.startswith("›")]
        assert len(marked) == 1 and "Dana Weber" in marked[0]
        await press(pilot, "k")  # at the top it stays: no wrapping round to the last
        marked = [line for line in screen_text(app).splitlines() if line.startswith("›")]
        assert len(marked) == 1 and "Dana Weber" in marked[0]
        await press(pilot, "end")
        last = [line for line in screen_text(app).splitlines() if line.startswith("›")]
        await press(pilot, "j")
        assert [line for line in screen_text(app).splitlines() if line.startswith("›")] == last


async def test_a_contact_is_registered_and_a_bad_address_is_refused_in_place(make_app, people):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "@", "n")
        await type_text(pilot, "Eve Newman")
        await press(pilot, "tab")
        await type_text(pilot, "eve@@bad")
        await press(pilot, "enter")
        assert "'eve@@bad' is not an email address" in screen_text(app)
        await press(pilot, *["backspace"] * 8)
        await type_text(pilot, "dana@example.org")
        await press(pilot, "enter")
        assert "already CON-000001" in screen_text(app)
        await press(pilot, *["backspace"] * 16)
        await type_text(pilot, "eve@example.org")
        await press(pilot, "enter")
        assert "Contacts — 4 shown" in screen_text(app)
        assert "Eve Newman <eve@example.org>" in screen_text(app)


async def test_the_requester_field_completes_a_contact_and_the_record_shows_it(make_app, people):
    app = make_app()
    async with app.run_test(size=LARGE) as pilot:
        await settle(pilot)
        await press(pilot, "n")
        assert isinstance(app.screen, RecordForm)
        await type_text(pilot, "Mail bounces")
        app.screen.query_one("#f-requester").focus()
        await settle(pilot)
        field = app.screen.query_one("#f-requester")
        await type_text(pilot, "mar")  # the start of an address completes to the address
        for _ in range(10):  # the suggestion is read in a thread
            await pilot.pause(0.05)
        await press(pilot, "right")
        assert field.value == "mark@example.org"
        field.value = ""
        await type_text(pilot, "[bo")  # the start of a name, to "Name <address>"
        for _ in range(10):
            await pilot.pause(0.05)
        await press(pilot, "right")
        assert field.value.startswith("[bold]x[/]") and field.value.endswith("<mark@example.org>")
        await press(pilot, "ctrl+s")
        text = screen_text(app)
        assert "Requester" in text and "<mark@example.org>" in text
        assert "[bold]x[/] [@click=app.quit]y[/]" in text


async def test_an_ambiguous_requester_is_refused_on_the_requester_field(make_app, people):
    app = make_app()
    async with app.run_test(size=LARGE) as pilot:
        await settle(pilot)
        await press(pilot, "C", "n")
        await type_text(pilot, "Slow")
        await press(pilot, "ctrl+s")
        assert "a complaint needs its requester" in screen_text(app)
        await type_text(pilot, "Dana Weber")
        await press(pilot, "ctrl+s")
        assert "names 2 contacts" in screen_text(app)
        assert app.focused is app.screen.query_one("#f-requester")  # the field concerned
        await press(pilot, "ctrl+u")
        await type_text(pilot, "ghost@example.org")
        await press(pilot, "ctrl+s")  # nobody: the desk's key to add one, not the CLI's command
        text = screen_text(app)
        assert "no contact with email ghost@example.org" in text
        assert "@ opens the contacts, where n adds one" in text and "contacts add" not in text
        await press(pilot, "ctrl+u")
        await type_text(pilot, "dana@other.org")
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, ComplaintScreen)
        assert "Dana Weber <dana@other.org>" in screen_text(app)


async def test_a_complaint_is_escalated_and_resolved_with_its_outcome(make_app, people):
    ref = people["complaint"].ref
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "C")
        assert ref in screen_text(app) and "Dana Weber" in screen_text(app)
        await press(pilot, "enter")
        assert isinstance(app.screen, ComplaintScreen)
        await press(pilot, "x", "h", "tab")
        await type_text(pilot, "Head of Service")
        await press(pilot, "tab")  # hierarchical: the group is skipped, on to the reason
        await type_text(pilot, "not settled by the desk")
        await press(pilot, "enter")
        assert "escalated" in screen_text(app)
        await press(pilot, "t", "down", "enter")  # resolved, without an outcome
        assert "o records the outcome" in screen_text(app)
        await press(pilot, "escape", "o")
        await type_text(pilot, "Apologised; call-backs tracked")
        await press(pilot, "ctrl+s")
        assert app.backend.records.get(ref).status == "resolved"
        assert app.backend.records.get(ref).extra["outcome"] == "Apologised; call-backs tracked"


async def test_a_complaint_is_not_offered_a_link_it_cannot_have(make_app, people):
    """A complaint's screen said "Press l to link a record"; l opened a dialog saying it
    "links to: nothing", and the words typed there went nowhere. l is not offered; typed
    anyway (on the record or the queue) it says why, and what to do instead."""
    ref = people["complaint"].ref
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "C")
        await press(pilot, "l")
        assert "not linked to other records: name them in a note (c)" in " ".join(
            n.message for n in app._notifications)
        assert not isinstance(app.screen, ComplaintScreen) and "links to" not in screen_text(app)
        await press(pilot, "enter")
        assert isinstance(app.screen, ComplaintScreen) and ref in screen_text(app)
        shown = screen_text(app)
        assert "Press l to link" not in shown and "l Link" not in shown
        assert "A complaint is not linked to other records" in shown
        await press(pilot, "l")
        assert isinstance(app.screen, ComplaintScreen) and "links to" not in screen_text(app)


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "120x40"])
def test_contacts_screen(snap_compare, make_app, people, size):
    from .test_snapshots import steps

    assert snap_compare(make_app(), terminal_size=size, run_before=steps("@", "o"))


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "120x40"])
def test_complaint_queue(snap_compare, make_app, people, size):
    from .test_snapshots import steps

    assert snap_compare(make_app(), terminal_size=size, run_before=steps("C"))


async def test_a_survey_answer_given_by_phone_is_recorded_from_the_record(make_app, store, records,
                                                                          clock):
    from datetime import timedelta

    from sms_tui.services.customers.survey import SurveyService
    from sms_tui.services.reporting.model import Period

    ContactService(store).add(name="Dana Weber", email="dana@example.org", organisation="Finance",
                              role="customer")
    ref = records.create("incident", title="VPN down", requester="dana@example.org").ref
    records.transition(ref, "resolved")
    period = Period(clock() - timedelta(days=1), clock() + timedelta(days=1))
    surveys = SurveyService(store)
    assert [i.record_ref for i in surveys.sample(period, size=5)] == [ref]
    app = make_app()
    async with app.run_test(size=LARGE) as pilot:
        await settle(pilot)
        await app.push_screen(IncidentRecord(ref))
        await settle(pilot)
        # score 5 and the requester's words, typed in one go as the analyst hears them
        await press(pilot, "V", "5", "tab")
        await type_text(pilot, "Quick [bold]fix[/], thanks")
        await press(pilot, "enter")
        await settle(pilot)
    (answer,) = surveys.invitations(period)
    assert (answer.score, answer.comment, answer.answered_via) == (5, "Quick [bold]fix[/], thanks",
                                                                   "tui")
    results = surveys.results(period)
    assert (results.invited, results.answered, results.mean) == (1, 1, 5.0)
    journal = records.get(ref).journal
    assert any(e.action == "satisfaction" and "Quick [bold]fix[/]" in e.note for e in journal)


async def test_a_survey_answer_without_a_survey_is_refused_in_the_dialog(make_app, store, records):
    ref = records.create("incident", title="Printer jam").ref
    app = make_app()
    async with app.run_test(size=LARGE) as pilot:
        await settle(pilot)
        await app.push_screen(IncidentRecord(ref))
        await settle(pilot)
        await press(pilot, "V", "3", "enter")
        await settle(pilot)
        assert f"no satisfaction survey was sent about {ref}" in screen_text(app)
    assert records.get(ref).version == 1  # nothing written


@pytest.fixture
def mailed(db_path, clock) -> str:
    """A request made from mail with an attachment over the cap, then a reply on it bringing
    one kept under a name made of markup; returns its reference."""
    from pathlib import Path

    from sms_tui.config import Config
    from sms_tui.services.core.store import Store
    from sms_tui.services.mail.mail_in import MailIn

    corpus = Path(__file__).parent.parent / "mail_corpus"
    config = Config(raw={"mail": {"keep_attachments": True, "max_attachment_bytes": 3000,
                                  "request_addresses": ["requests@example.org"]}})
    store = Store(db_path, config=config, actor="mail", clock=clock)
    try:
        mail = (corpus / "10_attachment_mixed.eml").read_bytes()
        ref = MailIn(store).receive(mail).ref
        small = mail.replace(b"<attach-1@", b"<attach-2@").replace(
            b'filename="approval form.pdf"', b'filename="[@click=app.quit]x[/].txt"').replace(
            b"Subject: Need", b"Subject: Re: [" + ref.encode() + b"] Need")
        cut = small.index(b"Content-Transfer-Encoding: base64")
        small = small[:cut] + b"Content-Transfer-Encoding: base64\n\naGVsbG8=\n\n--mix--\n"
        assert MailIn(store).receive(small).outcome == "noted"
    finally:
        store.close()
    return ref


async def test_the_record_detail_lists_the_attachments_of_its_mail(make_app, mailed):
    """What came with the mail: name, size, type, kept or not and why; names shown literally."""
    app = make_app()
    async with app.run_test(size=LARGE) as pilot:
        await settle(pilot)
        app.screen.action_open_record(mailed)
        await settle(pilot)
        text = screen_text(app)
        assert "Attachments by mail" in text
        assert ("1. approval form.pdf (3009 bytes, application/pdf): not kept: over the "
                "3000-byte cap") in text
        assert "2. [@click=app.quit]x[/].txt (5 bytes, application/pdf): kept" in text
        assert app.is_running


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "120x40"])
def test_request_detail_with_attachments(snap_compare, make_app, mailed, size):
    from .test_snapshots import steps

    assert snap_compare(make_app(), terminal_size=size,
                        run_before=steps("2", "enter", *(("pagedown",) if size == SMALL else ())))


async def test_a_contact_opted_out_in_the_tui_is_not_mailed_about_their_complaint(
        make_app, people, store, records):
    from sms_tui.services.mail.outbox import Outbox

    app = make_app()
    async with app.run_test(size=LARGE) as pilot:
        await settle(pilot)
        await press(pilot, "@", "e")  # Dana Weber <dana@example.org>, first in Finance
        await press(pilot, *["tab"] * 5, "right", "ctrl+s")  # Mail to them: yes -> no
        await settle(pilot)
        assert "Dana Weber <dana@example.org>  Finance  customer  (no mail)" in screen_text(app)
    assert ContactService(store).show("CON-000001").mail_opt_out is True
    ref = people["complaint"].ref
    records.escalate(ref, to="Head of Service", hierarchical=True, reason="unsettled")
    told = [m.purpose for m in Outbox(store).list() if m.record_ref == ref]
    assert told == ["requester:recorded"]  # from before the opt-out; the escalation went unmailed


async def test_e_pressed_with_the_search_edits_the_contact_it_found(make_app, people, monkeypatch):
    """`/ words Enter e` on a slow desk: e edited the contact highlighted before the search."""
    from textual.widgets import Input

    app = make_app()
    async with app.run_test(size=LARGE) as pilot:
        await settle(pilot)
        await press(pilot, "@")
        assert isinstance(app.screen, ContactsScreen)
        slow_down(monkeypatch, ContactService, "list", 0.3)
        await press(pilot, "slash")
        await type_text(pilot, "dana@other")
        await pilot.press("enter", "e")
        await settle(pilot)
        emails = [w.value for w in app.screen.query(Input) if "@" in w.value]
        assert emails == ["dana@other.org"], emails


async def test_the_service_and_ci_fields_complete_names_of_the_catalogue(make_app, store, records):
    # a wrong name was refused with the field underlined, and nothing said which names exist
    from sms_tui.services.configuration.catalogue import CatalogueService

    catalogue = CatalogueService(store)
    catalogue.add_service("Email", criticality="high")
    catalogue.add_service("ERP", criticality="medium")
    catalogue.add_ci("mx-relay-01", ci_type="server", service="Email")
    app = make_app()
    async with app.run_test(size=LARGE) as pilot:
        await settle(pilot)
        await press(pilot, "n")
        await type_text(pilot, "Mail bounces")
        for name, typed, completed in (("service", "em", "Email"), ("ci", "MX-", "mx-relay-01")):
            app.screen.query_one(f"#f-{name}").focus()
            await settle(pilot)
            await type_text(pilot, typed)  # any case
            for _ in range(10):  # the names are read in a thread
                await pilot.pause(0.05)
            await press(pilot, "right")
            assert app.screen.query_one(f"#f-{name}").value == completed
        await press(pilot, "ctrl+s")
        text = screen_text(app)
        assert "Email" in text and "mx-relay-01" in text
