"""Periodic checks of the incident feature, run by the background scheduler.

* ``sla_check`` (every minute): marks incidents and requests nearing breach and breached,
  journals each crossing once and escalates per ``[sla]`` (:meth:`SlaService.check`).
* ``outbox_retry`` (every minute): sends communications to top management that
  are due, retrying failed ones with back-off (:meth:`Outbox.deliver`).

Loaded by ``scheduler.CHECK_MODULES``; both checks are short transactions and
return a message for the UI only when something happened.
"""

from __future__ import annotations

from ..core.scheduler import CheckContext, register_periodic
from ..mail.outbox import Outbox
from .sla import SlaService


def sla_check(ctx: CheckContext) -> str | None:
    """Mark SLA threshold crossings; a short summary when any were new."""
    events = SlaService(ctx.store).check(ctx.now)
    if not events:
        return None
    breached = sorted({e.ref for e in events if e.flag.endswith("breached")})
    near = sorted({e.ref for e in events if e.flag.endswith("near")} - set(breached))
    parts = [f"SLA breached: {_refs(breached)}" if breached else "",
             f"nearing breach: {_refs(near)}" if near else ""]
    return "; ".join(p for p in parts if p)


def _refs(refs: list[str]) -> str:
    """A few references by name; many as a count (the first check after a start finds many,
    and its message must stay one short line: the queue shows which)."""
    return ", ".join(refs) if len(refs) <= 3 else f"{len(refs)} records"


def outbox_retry(ctx: CheckContext) -> str | None:
    """Send due communications; say what was sent or why not."""
    report = Outbox(ctx.store).deliver(now=ctx.now)
    warning = "".join(f"; warning: {w}" for w in report.warnings)
    if report.failed:
        return (f"{report.failed} message(s) not sent (will retry): "
                f"{report.errors[0]}{warning}")
    return f"{report.sent} message(s) sent{warning}" if report.sent else None


register_periodic("sla_check", sla_check, seconds=60)
register_periodic("outbox_retry", outbox_retry, seconds=60)
