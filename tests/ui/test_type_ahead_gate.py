"""The type-ahead gate's watchdog (sms_tui.ui.typeahead): a tick that comes after it was
stopped must do nothing. On a loaded machine such a tick reached a stopped watchdog and
ended the app ("'NoneType' object has no attribute 'stop'")."""

from __future__ import annotations

from sms_tui.ui.typeahead import TypeAhead


class _Timer:
    def __init__(self) -> None:
        self.stopped = 0

    def stop(self) -> None:
        self.stopped += 1


class _App:
    def __init__(self) -> None:
        self.timers: list[_Timer] = []

    def every(self, seconds, callback, *, name):
        self.timers.append(_Timer())
        return self.timers[-1]


async def _dispatch(event) -> None:  # pragma: no cover - no key is sent here
    raise AssertionError("nothing to dispatch")


def test_a_tick_after_the_watchdog_stopped_does_nothing() -> None:
    app = _App()
    gate = TypeAhead(app, _dispatch)
    gate._arm_watchdog()
    gate._tick()  # nothing queued: the watchdog stops
    assert app.timers[0].stopped == 1 and gate._watchdog is None
    gate._tick()  # the tick that was already on its way
    assert app.timers[0].stopped == 1 and gate._watchdog is None
