"""What the analyst sees, at 80×24 (usable) and 120×40 (comfortable).

The data, the clock, the actor and the time zone are fixed (see conftest), so
a difference in these pictures is a difference on screen. Look at the SVG
before accepting a new one (``pytest --snapshot-update``).
"""

from __future__ import annotations

import pytest

from .conftest import LARGE, SMALL, press, settle, type_text

SIZES = pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "120x40"])


def steps(*keys: str, text: str = "", then: tuple[str, ...] = ()):
    """A run_before for snap_compare: press keys (settling after each), type ``text``, press ``then``."""

    async def run(pilot) -> None:
        await settle(pilot)
        await press(pilot, *keys)
        if text:
            await type_text(pilot, text)
        await press(pilot, *then)
        await settle(pilot)

    return run


@SIZES
def test_queue_shows_markup_and_escapes_in_titles_literally(snap_compare, make_app, desk, size):
    assert snap_compare(make_app(), terminal_size=size, run_before=steps())


@SIZES
def test_queue_with_a_search_and_quick_filters_shows_the_filter(snap_compare, make_app, desk, size):
    assert snap_compare(make_app(), terminal_size=size, run_before=steps("o", "p", "p", "/", text="vpn", then=("enter",)))


@SIZES
def test_queue_while_a_search_is_typed_the_box_takes_the_section_bars_line(snap_compare, make_app, desk, size):
    # the rows stay where they are; the filter bar counts what the words find
    assert snap_compare(make_app(), terminal_size=size, run_before=steps("/", text="vpn"))


@SIZES
def test_record_detail_with_fields_links_and_journal(snap_compare, make_app, desk, records, size):
    records.link(desk["vpn"].ref, desk["problem"].ref, note="Same concentrator")
    assert snap_compare(make_app(), terminal_size=size, run_before=steps("enter"))


@SIZES
def test_record_detail_scrolled_to_the_journal(snap_compare, make_app, desk, size):
    assert snap_compare(make_app(), terminal_size=size, run_before=steps("enter", "end"))


@SIZES
def test_new_incident_form_with_a_validation_message(snap_compare, make_app, desk, size):
    assert snap_compare(make_app(), terminal_size=size, run_before=steps("n", "tab", "h", "ctrl+s"))


@SIZES
def test_edit_form_of_a_change(snap_compare, make_app, desk, size):
    assert snap_compare(make_app(), terminal_size=size, run_before=steps("5", "e"))


@SIZES
def test_transition_dialog_lists_the_allowed_statuses(snap_compare, make_app, desk, size):
    assert snap_compare(make_app(), terminal_size=size, run_before=steps("t"))


@SIZES
def test_escalate_dialog(snap_compare, make_app, desk, size):
    assert snap_compare(make_app(), terminal_size=size, run_before=steps("x", "h"))


@SIZES
def test_help_lists_every_key(snap_compare, make_app, desk, size):
    assert snap_compare(make_app(), terminal_size=size, run_before=steps("question_mark"))


@SIZES
def test_home_counts_open_records_per_queue_and_priority(snap_compare, make_app, desk, size):
    assert snap_compare(make_app(), terminal_size=size, run_before=steps("0"))


@SIZES
def test_change_queue_shows_when_each_change_is_planned(snap_compare, make_app, desk, records, clock,
                                                      size):
    # this year's window as month-day and time, another year's as its date, none as –
    from datetime import timedelta

    start = clock() + timedelta(days=3, hours=5)
    records.create("change", title="Upgrade the firewall firmware", planned_start=start,
                   planned_end=start + timedelta(hours=2), backout_plan="Reflash the old image.")
    start = clock().replace(year=clock().year + 1, month=1, day=12)
    records.create("change", title="Move the file server to new hardware", planned_start=start,
                   planned_end=start + timedelta(hours=4), backout_plan="Point the share back.")
    assert snap_compare(make_app(), terminal_size=size, run_before=steps("5"))
