"""The contact register (8.3.2): who the desk serves, and everything each asked for.

The upper list holds the contacts (by organisation, then name; ``/`` filters
by name, email or organisation). Enter shows the highlighted contact's
incidents, requests and complaints below; ``o`` shows those of the contact's
whole organisation, with its relationship manager. Tab moves to the records;
Enter on one opens it. ``n`` registers a contact, ``e`` edits one, ``M``
designates the organisation's relationship manager. Names, emails and
organisations are user text: shown literally, never as markup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.binding import Binding
from textual.widgets import Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from .. import display
from ..widgets.desk_footer import DeskFooter
from ..widgets.marked_option_list import MarkedOptionList
from ..widgets.section_bar import SectionBar
from .base import DeskScreen
from .reviews_dialogs import Field, ReviewDialog

if TYPE_CHECKING:
    from ...services.customers.contacts import ContactRecords, ContactService, ContactView

ROLE_CHOICES = (("customer", "customer"), ("user", "user"), ("interested-party", "interested party"))


class ContactsScreen(DeskScreen):
    """Contacts, and the records of one contact or one organisation."""

    CSS_PATH = "contacts.tcss"
    BINDINGS = [
        Binding("enter", "records", "Their records", id="contacts.records", show=False),
        Binding("o", "organisation", "Organisation", id="contacts.organisation",
                tooltip="Every record of the contact's organisation"),
        Binding("n", "new", "New contact", id="contacts.new"),
        Binding("e", "edit", "Edit", id="contacts.edit"),
        Binding("M", "manager", "Rel. manager", id="contacts.manager",
                tooltip="Designate who manages the relationship with the organisation"),
        Binding("slash", "search", "Search", id="contacts.search",
                tooltip="Filter by name, email or organisation"),
        Binding("escape", "escape", "Back to list", id="contacts.escape", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(name="contacts")
        self.contacts: list[ContactView] = []
        self.shown: ContactRecords | None = None
        self.text = ""

    def compose(self):
        yield Header()
        yield SectionBar("contacts")
        yield Static(Text("Contacts"), id="contacts-title")
        yield Input(placeholder="name, email or organisation — Enter applies, Esc leaves",
                    id="contact-search", compact=True)
        yield MarkedOptionList(id="contacts")
        yield Static(Text("Enter: the contact's records · o: the organisation's", style="dim"),
                     id="records-title")
        yield MarkedOptionList(id="records")
        yield DeskFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#contacts", OptionList).focus()

    def _service(self) -> ContactService:
        from ...services.customers.contacts import ContactService

        return self.backend.service(ContactService)

    # ------------------------------------------------------------------ data
    def load(self) -> None:
        text = self.text
        self.service(lambda: self._service().list(text=text, limit=2000), self._show,
                     group="contacts", exclusive=True)
        if self.shown is not None:
            self._reload_records()

    def _show(self, contacts: list[ContactView]) -> None:
        self.contacts = contacts
        listing = self.query_one("#contacts", OptionList)
        highlighted = listing.highlighted
        listing.clear_options()
        which = f' matching "{self.text}"' if self.text else ""
        self.query_one("#contacts-title", Static).update(Text.assemble(
            "Contacts", display.line(which), f" — {len(contacts)} shown"))
        if not contacts:
            hint = "No contact matches." if self.text else "No contacts yet: n registers one."
            listing.add_option(Option(Text(hint, style="dim"), disabled=True))
            return
        for contact in contacts:
            listing.add_option(Option(self._prompt(contact), id=contact.ref))
        listing.highlighted = min(highlighted or 0, len(contacts) - 1)

    @staticmethod
    def _prompt(contact: ContactView) -> Text:
        line = Text.assemble(
            (f"{contact.ref} ", "bold"), display.line(contact.name, limit=40), " <",
            display.line(contact.email, limit=60), ">  ",
            display.line(contact.organisation or "–", limit=30),
            f"  {contact.role}", no_wrap=True, overflow="ellipsis")
        if contact.mail_opt_out:
            line.append("  (no mail)", style="italic")
        return line

    def _current(self) -> ContactView | None:
        index = self.query_one("#contacts", OptionList).highlighted
        if not self.contacts or index is None or index >= len(self.contacts):
            return None
        return self.contacts[index]

    # --------------------------------------------------------------- records
    def action_records(self) -> None:
        contact = self._current()
        if contact is not None:
            ref = contact.ref
            self.service(lambda: self._service().records_of(ref), self._show_records,
                         group="contact-records", exclusive=True)

    def action_organisation(self) -> None:
        contact = self._current()
        if contact is None:
            return
        if not contact.organisation:
            self.app.notify("This contact has no organisation (e edits it).", timeout=4,
                            markup=False)
            return
        org = contact.organisation
        self.service(lambda: self._service().records_of_organisation(org), self._show_records,
                     group="contact-records", exclusive=True)

    def _reload_records(self) -> None:
        shown = self.shown
        if shown is None:
            return
        if len(shown.contacts) == 1 and shown.title == shown.contacts[0].label:
            ref = shown.contacts[0].ref
            self.service(lambda: self._service().records_of(ref), self._show_records,
                         group="contact-records", exclusive=True, on_error=lambda _e: True)
        else:
            org = shown.title
            self.service(lambda: self._service().records_of_organisation(org),
                         self._show_records, group="contact-records", exclusive=True,
                         on_error=lambda _e: True)

    def _show_records(self, found: ContactRecords) -> None:
        self.shown = found
        one = len(found.contacts) == 1 and found.title == found.contacts[0].label
        manager = found.contacts[0].relationship_manager if found.contacts else ""
        heading = Text.assemble(("Records of ", "bold"), display.line(found.title, style="bold"),
                                f" — {len(found.records)}")
        if not one:
            heading.append(f" from {len(found.contacts)} contact(s)")
        heading.append_text(Text.assemble("  · relationship manager: ",
                                          display.line(manager or "none designated (M)")))
        self.query_one("#records-title", Static).update(heading)
        listing = self.query_one("#records", OptionList)
        listing.clear_options()
        if not found.records:
            listing.add_option(Option(Text("No incidents, requests or complaints.", style="dim"),
                                      disabled=True))
            return
        for record in found.records:
            prompt = Text.assemble(
                (f"{record.ref:<11}", "bold"), f" {display.status_label(record.status):<13} ",
                display.line(record.title, limit=60), no_wrap=True, overflow="ellipsis")
            if not one:
                prompt.append_text(Text.assemble("  — ", display.line(
                    found.requesters.get(record.ref, ""), style="italic", limit=50)))
            listing.add_option(Option(prompt, id=record.ref))
        listing.highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_list.id == "contacts":
            self.action_records()
        elif event.option.id:
            from ..sections import detail_screen

            self.app.push_screen(detail_screen(event.option.id))

    # --------------------------------------------------------------- search
    def action_search(self) -> None:
        search = self.query_one("#contact-search", Input)
        search.add_class("-shown")
        search.value = self.text
        search.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "contact-search":
            event.stop()
            self.text = event.value.strip()
            self.query_one("#contacts", OptionList).focus()
            self.load_holding_keys()  # Down, Enter, e after the search act on what it found

    def action_escape(self) -> None:
        search = self.query_one("#contact-search", Input)
        if search.has_focus or search.has_class("-shown"):
            search.remove_class("-shown")
            self.query_one("#contacts", OptionList).focus()

    # ----------------------------------------------------------------- edit
    def action_new(self) -> None:
        service = self._service()

        def perform(values: dict[str, Any]) -> Any:
            return service.add(name=values["name"], email=values["email"],
                               organisation=values["organisation"], role=values["role"],
                               phone=values["phone"])

        self.app.push_screen(ReviewDialog(
            "New contact", Text("A customer, user or other interested party (8.3.2)"),
            [Field("name", "Name", required=True), Field("email", "Email", required=True,
                                                         placeholder="name@example.org"),
             Field("organisation", "Org.", placeholder="organisation, e.g. Finance"),
             Field("role", "Role", "user", choices=ROLE_CHOICES),
             Field("phone", "Phone", placeholder="optional")], perform), self._written)

    def action_edit(self) -> None:
        contact = self._current()
        if contact is None:
            return
        service, ref, version = self._service(), contact.ref, contact.version

        def perform(values: dict[str, Any]) -> Any:
            changed = {k: v for k, v in values.items()
                       if k != "mail" and str(getattr(contact, k)) != v}
            opt_out = values["mail"] == "no"
            if opt_out != contact.mail_opt_out:
                changed["mail_opt_out"] = opt_out
            return service.edit(ref, expected_version=version, **changed)

        self.app.push_screen(ReviewDialog(
            f"Edit {ref}", display.line(contact.label),
            [Field("name", "Name", contact.name, required=True),
             Field("email", "Email", contact.email, required=True),
             Field("organisation", "Org.", contact.organisation),
             Field("role", "Role", contact.role, choices=ROLE_CHOICES),
             Field("phone", "Phone", contact.phone),
             Field("mail", "Mail to them", "no" if contact.mail_opt_out else "yes",
                   choices=(("yes", "yes"), ("no", "no")))], perform), self._written)

    def action_manager(self) -> None:
        contact = self._current()
        if contact is None or not contact.organisation:
            self.app.notify("Pick a contact with an organisation first.", timeout=4, markup=False)
            return
        service, org = self._service(), contact.organisation
        self.app.push_screen(ReviewDialog(
            "Relationship manager", Text.assemble("Who manages the relationship with ",
                                                  display.line(org), " (8.3.2)"),
            [Field("manager", "Manager", contact.relationship_manager,
                   placeholder="a name; empty removes it")],
            lambda values: service.set_manager(org, values["manager"])), self._written)

    def _written(self, result: Any) -> None:
        if result is not None:
            self.app.check_for_changes()
            self.load()
