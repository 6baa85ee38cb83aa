"""Services and configuration items (8.2.6), edited under change control (8.5.1.2).

Key ``G`` from anywhere. The upper list holds every service, then every CI;
``[controlled]`` marks those under change control. Enter shows the highlighted
item's relationships (services in the graph included), what its failure would
affect, and the incidents, problems and changes recorded against it (Tab moves
there; Enter opens one). ``e`` edits it: the form asks for the change the way
``--change CHG-…`` does on the command line, offering the changes that may
authorise the edit (approved, scheduled or implementing, listing it). Without
one, an item under change control is refused in one line naming the policy,
and nothing is written: the services enforce it, for the TUI as for the CLI.
Names and descriptions are user text, shown literally.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.binding import Binding
from textual.widgets import Header, OptionList, Static
from textual.widgets.option_list import Option

from .. import display
from ..widgets.desk_footer import DeskFooter
from ..widgets.marked_option_list import MarkedOptionList
from .base import DeskScreen
from .reviews_dialogs import Field, ReviewDialog

if TYPE_CHECKING:
    from ...services.configuration.desk import ConfigDetail, ConfigItem, ConfigurationDesk

HINT = "Enter: details · e: edit (asks for the change) · Tab: records · Esc: back"
CI_STATUS_CHOICES = (("planned", "planned"), ("active", "active"), ("retired", "retired"))
CRITICALITY_CHOICES = (("high", "high"), ("medium", "medium"), ("low", "low"))


class ConfigurationScreen(DeskScreen):
    """Every service and CI; one item's relationships, impact and records; edits."""

    HOLD_KEYS_ON_FIRST_LOAD = True  # G Down Enter: the keys move in the list once it is read

    CSS_PATH = "configuration.tcss"

    BINDINGS = [
        Binding("enter", "details", "Details", id="configuration.details", show=False),
        Binding("e", "edit", "Edit", id="configuration.edit",
                tooltip="Edit the service or CI; under change control, name the change"),
        Binding("escape", "back", "Back", id="configuration.back"),
    ]

    def __init__(self) -> None:
        super().__init__(name="configuration")
        self.items: list[ConfigItem] = []
        self.shown: ConfigDetail | None = None

    def compose(self):
        yield Header()
        yield Static(Text("Services and configuration items"), id="config-title")
        yield MarkedOptionList(id="config-items")
        yield Static(Text("Enter shows an item's relationships, impact and records", style="dim"),
                     id="config-detail")
        yield MarkedOptionList(id="config-records")
        yield Static(Text(HINT), id="config-hint")
        yield DeskFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#config-items", OptionList).focus()

    def _desk(self) -> ConfigurationDesk:
        from ...services.configuration.desk import ConfigurationDesk

        return self.backend.service(ConfigurationDesk)

    # ------------------------------------------------------------------ data
    def load(self) -> None:
        self.service(lambda: self._desk().items(), self._show, group="configuration", exclusive=True)

    def _show(self, items: list[ConfigItem]) -> None:
        self.items = items
        listing = self.query_one("#config-items", OptionList)
        highlighted = listing.highlighted
        listing.clear_options()
        services = sum(1 for i in items if i.kind == "service")
        self.query_one("#config-title", Static).update(Text(
            f"Services and configuration items — {services} service{'' if services == 1 else 's'}, "
            f"{len(items) - services} CI{'' if len(items) - services == 1 else 's'}"))
        if not items:
            listing.add_option(Option(Text("No services or CIs yet (sms-tui service add, ci add).",
                                           style="dim"), disabled=True))
            return
        for item in items:
            listing.add_option(Option(self._prompt(item), id=item.key))
        listing.highlighted = min(highlighted or 0, len(items) - 1)
        if self.shown is not None:
            self._load_detail(self.shown.item.key)

    @staticmethod
    def _prompt(item: ConfigItem) -> Text:
        if item.kind == "service":
            facts = f"{item.criticality} criticality"
        else:
            facts = f"{item.ci_type}, {item.status}" + (f", {item.service}" if item.service else "")
        line = Text.assemble(("SVC " if item.kind == "service" else "CI  ", "bold"),
                             display.line(item.name, limit=40), "  ", display.line(facts, limit=50),
                             no_wrap=True, overflow="ellipsis")
        if item.controlled:
            line.append("  [controlled]", style="italic")
        return line

    def _current(self) -> ConfigItem | None:
        index = self.query_one("#config-items", OptionList).highlighted
        if not self.items or index is None or index >= len(self.items):
            return None
        return self.items[index]

    def _load_detail(self, key: str) -> None:
        item = next((i for i in self.items if i.key == key), None)
        if item is None:
            return
        self.service(lambda: self._desk().detail(item), self._show_detail, group="configuration-detail",
                     exclusive=True, on_error=lambda _e: False)

    def action_details(self) -> None:
        item = self._current()
        if item is not None:
            self._load_detail(item.key)

    def _show_detail(self, detail: ConfigDetail) -> None:
        self.shown = detail
        item = detail.item
        out = Text()
        out.append_text(Text.assemble(("SVC " if item.kind == "service" else "CI ", "bold"),
                                      display.line(item.name, style="bold")))
        if item.controlled:
            out.append_text(Text.assemble("  under change control: ", display.line(item.controlled)))
        out.append("\n")
        out.append_text(Text.assemble(("Relationships ", "bold"),
                                      display.line("; ".join(detail.relationships) or "none"), "\n"))
        impact = detail.impact
        if impact is not None:
            out.append_text(Text.assemble(
                ("If it fails ", "bold"), "services: ", display.line(", ".join(impact.services) or "none"),
                " · CIs: ", display.line(", ".join(impact.cis) or "none")))
        self.query_one("#config-detail", Static).update(out)
        records = self.query_one("#config-records", OptionList)
        records.clear_options()
        if not detail.records:
            records.add_option(Option(Text("No incidents, problems or changes recorded against it.",
                                           style="dim"), disabled=True))
            return
        for link in detail.records:
            records.add_option(Option(Text.assemble(
                (f"{link.ref:<11}", "bold"), f" {link.relation:<9}",
                f" {display.status_label(link.status):<13} ", display.line(link.title, limit=60),
                no_wrap=True, overflow="ellipsis"), id=link.ref))
        records.highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_list.id == "config-items":
            self.action_details()
        elif event.option.id:
            from ..sections import detail_screen

            self.app.push_screen(detail_screen(event.option.id))

    def action_back(self) -> None:
        self.dismiss()

    # ----------------------------------------------------------------- edit
    def action_edit(self) -> None:
        item = self._current()
        if item is None:
            return
        desk = self._desk()
        if item.kind == "ci":
            fields = [Field("ci_type", "Type", item.ci_type, required=True),
                      Field("status", "Status", item.status, choices=CI_STATUS_CHOICES),
                      Field("service", "Service", item.service, placeholder="empty: none"),
                      Field("description", "Descr.", item.description)]
        else:
            fields = [Field("name", "Name", item.name, required=True),
                      Field("criticality", "Critical.", item.criticality, choices=CRITICALITY_CHOICES),
                      Field("owner", "Owner", item.owner, placeholder="Dana <dana@example.org>"),
                      Field("description", "Descr.", item.description)]
        changes = tuple((ref, ref) for ref, _title in item.changes)
        fields.append(Field("change", "Change", changes[0][0] if changes and item.controlled else "",
                            choices=(*changes, ("", "none"))))
        if item.controlled:  # one line: the dialog's subject line is not wrapped
            subject = Text.assemble(display.line(item.name, style="bold"), " · under ",
                                    display.line(item.controlled), no_wrap=True, overflow="ellipsis")
        else:
            subject = Text.assemble(display.line(item.name, style="bold"),
                                    " · not under change control")

        def perform(values: dict[str, Any]) -> Any:
            change = values.pop("change")
            return desk.edit(item, values, change)

        what = "service" if item.kind == "service" else "CI"
        self.app.push_screen(ReviewDialog(f"Edit {what}", subject, fields, perform,
                                          hint="Enter or ctrl+s saves · Esc cancels · ←/→ pick the change"),
                             self._written)

    def _written(self, result: Any) -> None:
        if result is not None:
            self.app.notify(f"{result.name} updated", timeout=3, markup=False)
            self.app.check_for_changes()
            self.load()
