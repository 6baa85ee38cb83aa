"""The incident queue's own columns: the major marker and the SLA clock (requests have the
SLA clock too, :func:`request_columns`).

The incident queue reads its rows through :class:`IncidentQueue`, which adds
each page's SLA readings (one extra query per page, see
``SlaService.sla_for_rows``) to the rows as :class:`IncidentRow`. Meaning is
never carried by colour alone: a breach reads ``BREACHED``, nearing breach
carries ``!``, a late first response alone reads ``resp.BRCH`` (the resolution
clock still runs), time on hold is in parentheses (the status column says on hold),
and a major incident without a responsible manager is flagged ``▲MAJ?``. The
column shows what is left of the most urgent clock ('2h05m'); the detail view
has both clocks in full.

Labels are computed when a page is fetched; the queue reloads whenever the
database changes, and the background SLA check writes at every threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text

from ...services.core.views import RecordRow, with_sla
from .. import display
from .queue_columns import Column, before_age
from .queue_table import RecordQueue

if TYPE_CHECKING:
    from ...services.incidents.sla import SlaService


@dataclass(frozen=True)
class IncidentQueue(RecordQueue):
    """The incident queue source: records under a filter, with their SLA readings."""

    sla: SlaService

    def rows(self, offset: int, limit: int) -> list[RecordRow]:
        rows = super().rows(offset, limit)
        facts = self.sla.sla_for_rows([r.ref for r in rows])
        return [row if (info := facts.get(row.ref)) is None else with_sla(row, info)
                for row in rows]


def _flag(row: RecordRow, _now: datetime) -> Text:
    mark = display.flags(row.priority, row.major, row.escalation_level)
    if getattr(row, "needs_manager", False):
        mark = "▲MAJ?"  # major, and nobody is responsible yet
    return Text(mark, style="bold")


def _sla(row: RecordRow, _now: datetime) -> Text:
    state = getattr(row, "sla_state", "")
    style = {"breached": "bold reverse", "near": "bold"}.get(state, "") if row.is_open else ""
    return Text(getattr(row, "sla_short", "") or "–", style=style)


SLA_COLUMN = Column("sla", "SLA", 9, _sla)  # 'resp.BRCH' (sla.SHORT_WIDTH)


def incident_columns() -> list[Column]:
    """The default columns with the incident flag (room for '▲MAJ?') and SLA before the age."""
    return [Column("flag", "", 5, _flag),
            *(column for column in before_age(SLA_COLUMN) if column.key != "flag")]


def request_columns() -> list[Column]:
    """The default columns with the request's SLA clock before the age (8.6.2)."""
    return before_age(SLA_COLUMN)
