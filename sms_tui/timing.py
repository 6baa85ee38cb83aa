"""Every periodic timer of the program, and the one setting that shortens them all.

The TUI and the scheduler install their periodic callbacks through
:func:`interval` (the TUI through ``DeskApp.every``), never with a bare
number, so that one documented environment variable can run a whole shift's
worth of timers in seconds:

``SMS_TUI_TIMER_SCALE``
    a number in (0, 1] that multiplies every periodic interval: the TUI's
    full garbage collection (5 min), its check for other writers (2 s), the
    queue's age refresh (1 min), and the scheduler's jobs (review raising,
    SLA check, outbox retry). ``0.001`` turns five minutes into 0.3 s.
    Intervals never go below :data:`MIN_INTERVAL_S`. Unset: 1 (real time).

The end-to-end soak test runs the installed program with it, and every tick
is counted (:func:`fired`) and, when ``SMS_TUI_LOG`` names a file, logged --
so a test can prove that each timer fired and the program lived through it
(issue 13: a timer's first tick after five minutes used to end the TUI).
Standard library only: the CLI and the first frame import it.
"""

from __future__ import annotations

import logging
import math
import os
import threading
from collections import Counter

from .domain.errors import ConfigError

ENV = "SMS_TUI_TIMER_SCALE"
MIN_INTERVAL_S = 0.05

log = logging.getLogger("sms_tui.timers")

_fired: Counter[str] = Counter()
_lock = threading.Lock()


def timer_scale() -> float:
    """The factor from ``SMS_TUI_TIMER_SCALE`` (1 when unset); a bad value is a ConfigError."""
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        return 1.0
    try:
        scale = float(raw)
    except ValueError:
        scale = math.nan
    if not (0 < scale <= 1):
        raise ConfigError(f"{ENV} must be a number greater than 0 and at most 1, not {raw[:40]!r}")
    return scale


def interval(seconds: float) -> float:
    """``seconds`` as the program should wait it: scaled, never below MIN_INTERVAL_S."""
    scale = timer_scale()
    if scale == 1.0:
        return seconds
    return max(seconds * scale, MIN_INTERVAL_S)


def tick(name: str) -> None:
    """Record that the periodic callback ``name`` ran (called by every timer, both threads)."""
    with _lock:
        _fired[name] += 1
    log.debug("timer fired: %s", name)


def fired() -> dict[str, int]:
    """How many times each periodic callback ran in this process."""
    with _lock:
        return dict(_fired)
