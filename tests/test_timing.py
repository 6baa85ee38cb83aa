"""Periodic timers: one way to install them, one setting to shorten them (issue 13)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sms_tui import timing
from sms_tui.domain.errors import ConfigError

PACKAGE = Path(timing.__file__).parent


def test_every_periodic_timer_of_the_tui_goes_through_desk_app_every():
    """A bare set_interval would be neither scaled for the soak test nor counted by it --
    and one given a builtin (gc.collect) ended the app at its first tick."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"\.set_interval\(", line):
                offenders.append(f"{path.relative_to(PACKAGE)}:{n}")
    assert offenders == ["ui/app.py:" + str(_line_of_every_set_interval())]


def _line_of_every_set_interval() -> int:
    lines = (PACKAGE / "ui" / "app.py").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if "def every(" in line)
    return next(i for i in range(start, len(lines)) if ".set_interval(" in lines[i]) + 1


def test_the_scale_shortens_every_interval_but_never_below_the_floor(monkeypatch):
    monkeypatch.setenv(timing.ENV, "0.001")
    assert timing.interval(300) == pytest.approx(0.3)
    assert timing.interval(2) == timing.MIN_INTERVAL_S
    monkeypatch.delenv(timing.ENV)
    assert timing.interval(300) == 300


@pytest.mark.parametrize("value", ["0", "-1", "2", "fast", "nan", "inf", "1e400"])
def test_a_bad_scale_is_a_config_error_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv(timing.ENV, value)
    with pytest.raises(ConfigError, match=timing.ENV):
        timing.timer_scale()


def test_ticks_are_counted_per_timer():
    before = timing.fired().get("test timer", 0)
    timing.tick("test timer")
    timing.tick("test timer")
    assert timing.fired()["test timer"] == before + 2
