"""The background scheduler: raises due reviews and runs the periodic checks of other features.

One piece of code serves the TUI (started in ``on_mount``, shut down in
``on_unmount``), the headless ``sms-tui scheduler run`` (systemd) and
``sms-tui scheduler run --once`` (cron: :meth:`DeskScheduler.run_once`).

Design (see PITFALLS.md):

* APScheduler 3 ``BackgroundScheduler`` with the **memory** job store only:
  job definitions live in code, *what is due* lives in our own tables, where
  UNIQUE constraints make raising a review exactly-once even when the TUI and
  a headless scheduler run at the same time. No pickles are ever loaded.
* One worker thread, ``coalesce=True``, ``max_instances=1``: a check never
  runs twice at once, and a burst of missed runs (laptop asleep) collapses
  into one. ``misfire_grace_time=None`` runs a late job instead of dropping it
  (missed *review periods* are caught up from the tables regardless).
* Jobs check a stop flag and return quickly, so shutdown never waits long.
* The clock is injectable: jobs ask the clock, not APScheduler, what time it
  is, so tests drive everything through :meth:`DeskScheduler.run_once`.
* The scheduler talks to its host only through the callbacks it was given
  (the TUI passes functions that use ``app.call_from_thread``); it never
  imports Textual.

Other features add periodic checks (e.g. the SLA breach check)::

    # in sms_tui/services/<feature>.py
    from sms_tui.services.core.scheduler import CheckContext, register_periodic

    def _sla_check(ctx: CheckContext) -> str | None:
        events = SlaService(ctx.store).check(ctx.now)
        return f"{len(events)} SLA threshold(s) crossed" if events else None

    register_periodic("sla_check", _sla_check, seconds=60)

and give it a loader in :data:`CHECK_MODULES` (or in ``hooks.RULE_MODULES``,
which is loaded too). A check gets a :class:`CheckContext`, runs its own
transactions through the store, should look at ``ctx.stopping()`` between
chunks of work, and returns a short message for the UI or None.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ... import timing
from ...domain.errors import DeskError

if TYPE_CHECKING:
    from .store import Clock, Store

log = logging.getLogger(__name__)


def _incident_checks() -> None:
    from ..incidents import checks as incident_checks  # noqa: F401


def _mail_fetch() -> None:
    from ..mail import fetch as mail_fetch  # noqa: F401


# Loaders of the modules that call register_periodic when imported (plain import
# statements, so that import-linter's contracts see them).
CHECK_MODULES: tuple[Callable[[], None], ...] = (_incident_checks, _mail_fetch)

REVIEW_JOB = "raise_due_reviews"


@dataclass
class CheckContext:
    """What a periodic check gets: the store, the clock's now, and the stop flag."""

    store: Store
    now: datetime
    stop: threading.Event = field(default_factory=threading.Event)

    def stopping(self) -> bool:
        """True once shutdown began: return as soon as possible."""
        return self.stop.is_set()


CheckFn = Callable[[CheckContext], "str | None"]


@dataclass(frozen=True)
class PeriodicCheck:
    name: str
    fn: CheckFn
    seconds: float


_CHECKS: dict[str, PeriodicCheck] = {}
_loaded = False


def register_periodic(name: str, fn: CheckFn, seconds: float) -> None:
    """Run ``fn(ctx)`` every ``seconds`` on the scheduler (re-registering a name replaces it)."""
    if seconds <= 0:
        raise ValueError(f"periodic check {name!r} needs a positive interval, not {seconds}")
    _CHECKS[name] = PeriodicCheck(name, fn, float(seconds))


def unregister_periodic(name: str) -> None:
    """Remove a check (tests use this to clean up)."""
    _CHECKS.pop(name, None)


def load_checks() -> None:
    """Import every module that registers checks (once)."""
    global _loaded
    if _loaded:
        return
    from . import hooks

    hooks.load()
    for load_module in CHECK_MODULES:
        load_module()
    _loaded = True


def raise_due_reviews(ctx: CheckContext) -> str | None:
    """The built-in job: raise every review that has fallen due (catching up missed periods)."""
    from ..reviews.service import ReviewService

    result = ReviewService(ctx.store).raise_due(ctx.now, should_stop=ctx.stopping)
    if not result.raised:
        return None
    late = f", {len(result.late)} raised late" if result.late else ""
    which = f": {', '.join(result.raised)}" if len(result.raised) <= 3 else " (key 6 lists them)"
    return f"{len(result.raised)} review(s) raised{late}{which}"


def _read_only(exc: BaseException) -> bool:
    from ...storage.engine import ReadOnlyDesk

    return isinstance(exc, ReadOnlyDesk)


class DeskScheduler:
    """The review job plus every registered check, on an APScheduler BackgroundScheduler.

    ``on_result(name, message)`` is called (from the worker thread) when a
    check returns a message; ``on_error(name, exc)`` when one fails. A failing
    check is logged and retried at its next run; it never stops the others.
    ``before_check()`` is called (from the worker thread) before each background run:
    the TUI's waits while the analyst types (a check at a million records holds the
    interpreter for a second or more).
    """

    def __init__(self, store: Store, *, clock: Clock | None = None,
                 on_result: Callable[[str, str], None] | None = None,
                 on_error: Callable[[str, BaseException], None] | None = None,
                 review_seconds: float | None = None,
                 before_check: Callable[[], None] | None = None,
                 lease_s: float | None = None) -> None:
        from ..reviews.settings import review_settings

        load_checks()
        self.store = store
        self.clock: Clock = clock or store.now
        self.on_result = on_result
        self.on_error = on_error
        self.before_check = before_check
        self.stop = threading.Event()
        seconds = review_seconds or review_settings(store.config).check_seconds
        self.checks = [PeriodicCheck(REVIEW_JOB, raise_due_reviews, seconds),
                       *(c for c in _CHECKS.values() if c.name != REVIEW_JOB)]
        self._scheduler: Any = None
        self._busy = threading.Lock()  # run_once and the background jobs never overlap
        # Team mode: any number of TUIs and cron jobs run a scheduler; one leads (an advisory
        # lock held as a lease, see Leadership) and runs the checks, one at a time. The unique
        # constraint still makes each review once.
        self._leader: Any = None
        self.not_run: str | None = None  # why the last check did not run here (another leads)
        if getattr(store, "on_server", False):
            import os
            import socket

            from ...storage.server import Leadership

            self._leader = Leadership(store.engine, store.url or "",
                                      who=f"{store.actor} on {socket.gethostname()}, "
                                          f"pid {os.getpid()}",
                                      **({"lease_s": lease_s} if lease_s else {}))

    @property
    def leads(self) -> bool:
        """True when this scheduler runs the checks (always on SQLite)."""
        return self._leader is None or self._leader.held()

    # ------------------------------------------------------------ running the checks
    def _run(self, check: PeriodicCheck) -> str | None:
        if self.before_check is not None:
            try:
                self.before_check()
            except Exception:  # waiting is a courtesy: the check runs regardless
                log.debug("before_check failed", exc_info=True)
        if self.stop.is_set():
            return None
        timing.tick(f"scheduler: {check.name}")
        with self._busy, self._leading() as leads:
            if not leads:
                self.not_run = self._why_not()
                return None  # another process leads: it runs the checks
            self.not_run = None
            ctx = CheckContext(self.store, self.clock(), self.stop)
            try:
                message = check.fn(ctx)
            except Exception as exc:  # one failing check must not stop the scheduler
                if self._leader is not None and _read_only(exc):
                    # this program cannot do the work: another one that can should lead
                    self._leader.refused = str(exc)
                    self._leader.release()
                if self.on_error is not None:
                    # the owner reports it (one line); the traceback only for debugging
                    log.debug("periodic check %s failed", check.name, exc_info=True)
                    self.on_error(check.name, exc)
                elif isinstance(exc, DeskError):  # read-only, full disk...: said in words
                    log.warning("periodic check %s failed: %s", check.name, exc)
                else:
                    log.exception("periodic check %s failed", check.name)
                return None
        if message and self.on_result is not None:
            self.on_result(check.name, message)
        return message

    @property
    def refused(self) -> bool:
        """True when this program may not lead at all (its role cannot write the desk)."""
        return self._leader is not None and self._leader.refused is not None

    def _leading(self) -> contextlib.AbstractContextManager[bool]:
        """True for the time of one check if this scheduler runs it (always on SQLite)."""
        if self._leader is None:
            return contextlib.nullcontext(True)
        return self._leader.checking()

    def _why_not(self) -> str:
        if self._leader.refused is not None:
            return f"{self._leader.refused}; checks not run here"
        return f"another scheduler leads: {self._leader.leader()}, checks not run here"

    def run_once(self) -> dict[str, str | None]:
        """Run every check now, in this thread (cron's ``--once``, and tests).

        In team mode only if no other scheduler leads (:attr:`not_run` then says which
        does); the lead is let go after."""
        self.not_run = None
        try:
            return {check.name: self._run(check) for check in self.checks}
        finally:
            if self._leader is not None and not self.running:
                self._leader.release()

    # ------------------------------------------------------------ background
    @property
    def running(self) -> bool:
        return self._scheduler is not None and self._scheduler.running

    def start(self, first_after: float = 0.0) -> None:
        """Start the background thread; every check runs once ``first_after`` seconds from now
        (at once by default), then at its interval."""
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.jobstores.memory import MemoryJobStore
        from apscheduler.schedulers.background import BackgroundScheduler
        from apscheduler.triggers.interval import IntervalTrigger

        if self.running:
            return
        self.stop.clear()
        scheduler = BackgroundScheduler(
            jobstores={"default": MemoryJobStore()},
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone=UTC,
        )
        first = datetime.now(UTC) + timedelta(seconds=first_after)
        for n, check in enumerate(self.checks):
            seconds = timing.interval(check.seconds)  # SMS_TUI_TIMER_SCALE shortens it for tests
            scheduler.add_job(self._run, IntervalTrigger(seconds=seconds, timezone=UTC),
                              args=[check], id=check.name, name=check.name,
                              next_run_time=first + timedelta(milliseconds=n))
        scheduler.start()
        self._scheduler = scheduler

    def shutdown(self, wait: bool = True) -> None:
        """Ask running checks to stop, then stop the thread (waiting for a check in progress).

        Checks look at the stop flag between units of work, so waiting is short.
        """
        self.stop.set()
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=wait)
        if self._leader is not None:
            self._leader.release()

    def __enter__(self) -> DeskScheduler:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
