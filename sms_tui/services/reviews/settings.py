"""The ``[reviews]`` section of the config: due-soon and late thresholds, the default owner,
how often the scheduler looks, whether it runs in the TUI. A bad value names the file and key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from ...config import Config
from ...domain.errors import ConfigError


@dataclass(frozen=True)
class ReviewSettings:
    """The ``[reviews]`` config section (every key optional)::

        [reviews]
        due_soon_days = 7        # an open review this close to its deadline is "due soon"
        late_after_hours = 24    # raised this long after falling due = "raised late"
        default_owner = "alice"  # owner of seeded schedules and event reviews
        check_seconds = 60       # how often the scheduler looks for due reviews
        scheduler_in_tui = true  # run the scheduler inside the TUI (default: yes, unless headless)
    """

    due_soon_days: int = 7
    late_after: timedelta = timedelta(hours=24)
    default_owner: str = ""
    check_seconds: int = 60
    scheduler_in_tui: bool | None = None  # None: on, except in headless (test) apps


def review_settings(config: Config) -> ReviewSettings:
    """Read and check the ``[reviews]`` section; a bad value names the file and key."""
    raw = config.section("reviews")
    where = f"{config.path or 'config'}: reviews"

    def number(key: str, default: float, minimum: float) -> float:
        value = raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
            raise ConfigError(f"{where}.{key} must be a number ≥ {minimum:g}, not {value!r}")
        return value

    owner = raw.get("default_owner", "")
    if not isinstance(owner, str):
        raise ConfigError(f"{where}.default_owner must be a name in quotes")
    in_tui = raw.get("scheduler_in_tui")
    if in_tui is not None and not isinstance(in_tui, bool):
        raise ConfigError(f"{where}.scheduler_in_tui must be true or false, not {in_tui!r}")
    return ReviewSettings(
        scheduler_in_tui=in_tui,
        due_soon_days=int(number("due_soon_days", 7, 0)),
        late_after=timedelta(hours=number("late_after_hours", 24, 0)),
        default_owner=owner.strip(),
        check_seconds=int(number("check_seconds", 60, 1)),
    )
