"""The record under the queue's cursor is read and laid out while the cursor rests on it
(issue 20): Enter on it then shows it without reading it again, and nothing shown is
older than the desk: a write made meanwhile shows, a move just before Enter opens the
row moved to."""

from __future__ import annotations

from sms_tui.ui import ahead, warm
from sms_tui.ui.screens.detail import RecordScreen

from .conftest import press, screen_text, settle, until_shown
from .test_warm import _until_built


async def _until_ready(pilot, ref: str) -> RecordScreen:
    """Until the kept record screen is filled and laid out ahead for ``ref``."""
    app = pilot.app
    for _ in range(400):  # 20 s and more: a loaded machine
        await pilot.pause(0.05)
        kept = next(iter(app._detail_screens.values()), None)
        if kept is not None and kept.ready_for == ref and app.record_ahead.filled[-1:] == [ref]:
            return kept  # filled, and laid out
    raise AssertionError(f"{ref} never read ahead: filled {app.record_ahead.filled}")


def _count_reads(monkeypatch, app) -> list[str]:
    """The references the record screen's reads ask for, from now on."""
    records, reads = app.backend.records, []
    original = records.get

    def get(ref, *args, **kwargs):
        reads.append(ref)
        return original(ref, *args, **kwargs)

    monkeypatch.setattr(records, "get", get)
    return reads


async def _rested_on_the_second_row(pilot) -> tuple[str, RecordScreen]:
    app = pilot.app
    await settle(pilot)
    await _until_built(pilot, "record screen")
    await press(pilot, "down")
    ref = app.screen.current_ref()
    return ref, await _until_ready(pilot, ref)


async def test_enter_on_a_row_rested_on_shows_the_record_read_ahead_without_reading_it_again(
        make_app, desk, monkeypatch) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        ref, kept = await _rested_on_the_second_row(pilot)
        reads = _count_reads(monkeypatch, app)
        await pilot.press("enter")
        assert app.screen is kept  # pushed on the key, not after a read in a thread
        await settle(pilot)
        assert reads == []  # nothing written since: nothing read again
        text = screen_text(app)
        assert ref in text and "Next status" in text and "Created by" in text


async def test_a_write_made_after_the_read_ahead_shows_when_the_record_opens(
        make_app, desk, records) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        ref, kept = await _rested_on_the_second_row(pilot)
        records.add_note(ref, "Rebooted by the night shift")  # another analyst, meanwhile
        await pilot.press("enter")
        written = records.get(ref).version
        text = await until_shown(pilot, f"Version       {written}")
        assert f"Version       {written}" in text
        shown = app.screen.current_view()
        assert shown.version == written
        assert "Rebooted by the night shift" in [entry.note for entry in shown.journal]


async def test_down_and_enter_in_one_burst_open_the_row_moved_to_not_the_one_read_ahead(
        make_app, desk) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        ref, _kept = await _rested_on_the_second_row(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, RecordScreen)
        opened = app.screen.current_view().ref
        assert opened != ref
        assert screen_text(app).splitlines()[2].lstrip().startswith(opened)


async def test_back_on_the_queue_the_record_opens_again_at_its_top(
        make_app, desk, monkeypatch) -> None:
    """Scrolled to the journal's end, then Esc: the screen is made ready again for the next
    Enter -- without reading the record again, nothing having been written -- which shows
    the record from its top, not where the analyst left it."""
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        ref, kept = await _rested_on_the_second_row(pilot)
        await press(pilot, "enter", "end")
        assert kept.query_one("#body").scroll_y > 0
        assert kept.ready_for is None  # shown: no longer as it was laid out ahead
        await press(pilot, "escape")
        reads = _count_reads(monkeypatch, app)
        await _until_ready(pilot, ref)
        assert reads == []
        await pilot.press("enter")
        assert app.screen is kept
        await settle(pilot)
        assert kept.query_one("#body").scroll_y == 0


async def test_nothing_is_read_ahead_while_keys_keep_coming(make_app, desk, monkeypatch) -> None:
    # a rest long enough that a loaded machine's gaps between the test's keys stay under it
    monkeypatch.setattr(ahead, "REST_S", 1.0)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _until_built(pilot, "record screen")
        for key in ("down", "down", "up", "down"):
            await pilot.press(key)
            await pilot.pause(0.05)
        assert app.record_ahead.filled == []
        ref = app.screen.current_ref()
        await _until_ready(pilot, ref)
        assert app.record_ahead.filled == [ref]


async def test_nothing_is_read_ahead_when_turned_off(make_app, desk, monkeypatch) -> None:
    monkeypatch.setenv(warm.WARM_ENV, "0")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "escape", "down")
        await pilot.pause(ahead.REST_S * 5)
        assert app.record_ahead.filled == []
