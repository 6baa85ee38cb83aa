"""A refusal says how to resolve it in the front end it reached: the command line its
command or option, the TUI its key or field (domain.errors.hinted) -- never the other's."""

from __future__ import annotations

from sms_tui.cli.common import error_message as cli_message
from sms_tui.domain.errors import NotFound, ValidationError, hinted
from sms_tui.ui.hints import error_message as tui_message


def test_each_front_end_adds_its_own_hint_and_only_its_own():
    exc = hinted(ValidationError("CHG-000001 is approved; the outcome is recorded when its "
                                 "implementation ends"),
                 cli="start it with: sms-tui changes start CHG-000001",
                 tui="t moves it to implementing")
    assert cli_message(exc).endswith("ends (start it with: sms-tui changes start CHG-000001)")
    assert tui_message(exc).endswith("ends (t moves it to implementing)")
    assert "sms-tui" not in tui_message(exc) and "t moves" not in cli_message(exc)


def test_a_refusal_without_hints_is_its_message_alone():
    exc = NotFound("no incident INC-000009")
    assert cli_message(exc) == tui_message(exc) == "no incident INC-000009"
    assert hinted(exc, cli="see: sms-tui list") is exc  # raised as it was, with the hint
    assert tui_message(exc) == "no incident INC-000009"



def test_an_unknown_contact_reference_says_where_each_front_end_lists_them(store):
    import pytest

    from sms_tui.services.customers.contacts import ContactService

    with pytest.raises(NotFound) as refused:
        ContactService(store).show("CON-000042")
    assert cli_message(refused.value) == "no contact CON-000042 (see: sms-tui contacts list)"
    assert tui_message(refused.value) == "no contact CON-000042 (@ lists the contacts)"
