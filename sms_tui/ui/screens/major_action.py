"""The base of the major incident dialogs: their write goes to the major incident service."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .action_dialog import ActionDialog
from .service_lookup import major_service

if TYPE_CHECKING:
    from ...services.core.views import RecordView
    from ...services.incidents.rules import MajorIncidentService


class MajorAction(ActionDialog):
    """A dialog whose write goes to the major incident service; returns the record as it is now."""

    def write(self, service: MajorIncidentService, record: RecordView, values: dict[str, Any]) -> None:
        raise NotImplementedError

    def perform(self, records, record, values):
        self.write(major_service(self.backend), record, values)
        return records.get(record.ref)
