"""Shared fixtures: a fresh database per test, a controllable clock, the services.

Tests never sleep: time moves only when a test calls ``clock.advance(...)``.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

# Nothing a test does may touch the real user's data or config.
os.environ.pop("SMS_TUI_DB", None)
os.environ.pop("SMS_TUI_CONFIG", None)
os.environ.pop("SMS_TUI_STATE_DIR", None)
os.environ.pop("SMS_TUI_TIMER_SCALE", None)
os.environ.pop("SMS_TUI_LOG", None)
os.environ.setdefault("SMS_TUI_USER", "tester")


class FakeClock:
    """A clock that stands still until told to move."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **kwargs: float) -> datetime:
        self.current += timedelta(**kwargs)
        return self.current

    def set(self, when: datetime) -> None:
        self.current = when


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory, monkeypatch):
    """Point platformdirs' data/config dirs at a temporary home for every test."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))  # crash logs, drafts
    monkeypatch.setenv("HOME", str(home))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "desk.db"


@pytest.fixture
def store(db_path, clock):
    from sms_tui.services.store import Store

    s = Store(db_path, actor="tester", clock=clock)
    yield s
    s.close()


@pytest.fixture
def records(store):
    from sms_tui.services.records import RecordService

    return RecordService(store)
