"""Fixtures for the TUI: an app on the test database, a fixed clock and actor, no polling.

Snapshots must not depend on the machine: times are shown in UTC here, the
clock stands still, the data is made through the services in a fixture, and
cursors do not blink.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import time

import pytest

os.environ["TZ"] = "UTC"
time.tzset()

from sms_tui.config import Config  # noqa: E402
from sms_tui.ui.app import DeskApp  # noqa: E402

SMALL = (80, 24)
LARGE = (120, 40)
MARKUP_TITLE = "[bold]x[/] [@click=app.quit]y[/] \x1b]0;pwned\x07 z[/"


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """Run ``async def`` tests (Pilot needs a loop) without a plugin: one asyncio.run each."""
    if inspect.iscoroutinefunction(pyfuncitem.obj):
        names = pyfuncitem._fixtureinfo.argnames
        asyncio.run(pyfuncitem.obj(**{name: pyfuncitem.funcargs[name] for name in names}))
        return True
    return None


@pytest.fixture
def make_app(db_path, clock):
    """A DeskApp factory on the test database, acting as 'tester', on the fake clock."""

    def make(**kwargs) -> DeskApp:
        kwargs.setdefault("config", Config())
        return DeskApp(db_path=db_path, actor="tester", clock=clock, poll_interval=None, **kwargs)

    return make


async def settle(pilot) -> None:
    """Let every worker finish and its result reach the screen; stop cursors blinking."""
    from textual.worker import WorkerCancelled, WorkerFailed

    app = pilot.app
    for _ in range(20):
        await pilot.pause()
        # the app may be exiting (a start-up error) or a worker may have reported its error
        with contextlib.suppress(WorkerCancelled, WorkerFailed):
            await app.workers.wait_for_complete()
        if not app.is_running:
            return
        await pilot.pause()
        if not any(worker.is_running for worker in app.workers):
            break
    for widget in app.screen.query("Input, TextArea"):
        widget.cursor_blink = False
    await pilot.pause()


async def press(pilot, *keys: str) -> None:
    """Press keys one by one, settling after each (screens load in workers)."""
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


async def type_text(pilot, text: str) -> None:
    await pilot.press(*text)
    await settle(pilot)


def slow_down(monkeypatch, cls, name: str, seconds: float) -> None:
    """``cls.name`` takes ``seconds`` longer (a loaded machine, a big desk): keys typed after
    what calls it must still wait for what it reads or writes."""
    import time

    original = getattr(cls, name)

    def slow(self, *args, **kwargs):
        time.sleep(seconds)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(cls, name, slow)


@pytest.fixture
def desk(records, clock):
    """A small desk: incidents of every priority (one with a hostile title), a problem, a change."""
    made = {}
    made["vpn"] = records.create("incident", title="VPN drops every few minutes", impact="medium",
                                 urgency="high", assignee="tester", category="network")
    clock.advance(minutes=40)
    made["printer"] = records.create("incident", title="Printer on floor 2 jams", impact="low",
                                     urgency="low")
    clock.advance(hours=2)
    made["payroll"] = records.create("incident", title="Payroll export fails", impact="high",
                                     urgency="medium", assignee="alice",
                                     description="Export to the bank stops at 80 %.\nSince Monday.")
    clock.advance(hours=3)
    made["markup"] = records.create("incident", title=MARKUP_TITLE, impact="low", urgency="medium")
    clock.advance(days=1)
    made["laptop"] = records.create("incident", title="New laptop will not boot", impact="medium",
                                    urgency="medium")
    made["problem"] = records.create("problem", title="VPN concentrator drops sessions")
    made["change"] = records.create("change", title="Replace VPN concentrator",
                                    backout_plan="Swap the old unit back in.")
    clock.advance(hours=5)
    records.add_note(made["vpn"].ref, "Asked the user for [b]logs[/b] \x1b[2J and a screenshot.")
    records.transition(made["vpn"].ref, "in_progress", note="Looking into it")
    return made


async def until_shown(pilot, text: str, timeout: float = 10.0) -> str:
    """The screen's text once ``text`` is on it: a read that a loaded machine delivers after
    :func:`settle` gave up waiting still counts; one that never comes fails the test."""
    import time

    deadline = time.monotonic() + timeout
    while text not in (shown := screen_text(pilot.app)) and time.monotonic() < deadline:
        await pilot.pause(0.05)
    return shown


def screen_text(app) -> str:
    """What the analyst sees on the active screen, as plain text."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())
