"""The registries that features extend load their modules with plain import statements.

Issue 14: seven lists named modules by string (``importlib.import_module``), which
import-linter cannot see, so a screen importing the ORM or a CLI module importing
Textual through such a list broke no contract. Each registry now holds loaders
(functions with an ``import`` statement) or imports inside a function: lazy as
before, and visible to the layer contracts.
"""

from __future__ import annotations

import re
from pathlib import Path

import sms_tui
from sms_tui.domain.kinds import Kind

SOURCE = Path(sms_tui.__file__).parent
# The one module that imports by name: the key map walks every screen and widget
# module of the UI package to collect binding ids (no list of names to keep).
WALKS_A_PACKAGE = {"ui/keymap.py"}


def test_no_module_is_imported_by_a_string_name():
    by_name = re.compile(r"import_module\(|__import__\(")
    offenders = sorted(
        str(path.relative_to(SOURCE)) for path in SOURCE.rglob("*.py")
        if by_name.search(path.read_text()) and str(path.relative_to(SOURCE)) not in WALKS_A_PACKAGE
    )
    assert offenders == []


def test_every_section_and_detail_screen_loads_a_screen():
    from textual.screen import Screen

    from sms_tui.ui.sections import DETAIL_SCREENS, SECTIONS, detail_screen_class

    assert all(issubclass(sec.load(), Screen) for sec in SECTIONS)
    assert all(issubclass(load(), Screen) for load in DETAIL_SCREENS.values())
    assert detail_screen_class("KE-000001").__name__ == "RecordScreen"  # no screen of its own


def test_every_help_target_loads_a_class_with_keys():
    from sms_tui.ui.screens.help import HELP_TARGETS

    assert all(load().BINDINGS for _title, load in HELP_TARGETS)


def test_every_command_module_registers_commands():
    from sms_tui.cli import command_modules, main

    modules = command_modules()
    assert all(callable(module.register) for module in modules)
    assert {"list", "new", "show", "evidence", "documents", "demo"} <= set(main.list_commands(None))


def test_every_rule_and_check_loader_imports_its_module():
    import sys

    from sms_tui.services.core import hooks, scheduler

    hooks.load()
    scheduler.load_checks()
    assert set(hooks.RULE_MODULES) == {Kind.REQUEST, Kind.INCIDENT, Kind.CHANGE, Kind.COMPLAINT,
                                      Kind.PROBLEM}
    assert {"sms_tui.services.requests.service", "sms_tui.services.incidents.rules", "sms_tui.services.changes.rules",
            "sms_tui.services.customers.complaints", "sms_tui.services.mail.requester",
            "sms_tui.services.incidents.security", "sms_tui.services.problems.rules",
            "sms_tui.services.incidents.checks", "sms_tui.services.mail.fetch"} <= set(sys.modules)


def test_every_config_section_has_its_validator():
    from sms_tui.config import section_validators

    owners = {fn.__module__ for fn in section_validators()}
    assert owners == {"sms_tui.domain.sla_config", "sms_tui.domain.major", "sms_tui.domain.comms",
                      "sms_tui.domain.changes", "sms_tui.domain.trends",
                      "sms_tui.domain.configuration", "sms_tui.key_bindings"}
