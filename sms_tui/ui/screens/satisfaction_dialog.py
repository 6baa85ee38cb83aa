"""Customer satisfaction with a fulfilled request (8.3.2)."""

from __future__ import annotations

from ...services.core.views import RecordView
from .score_dialog import ScoreDialog

# Enter saves from a choice picker too (an Input saves on Enter by itself).
from .service_lookup import request_service


class SatisfactionDialog(ScoreDialog):
    """The customer's satisfaction (1-5) and comment; closes a fulfilled request."""

    def __init__(self, record: RecordView) -> None:
        super().__init__(record)
        closing = record.status == "fulfilled"
        self.heading = "Close with satisfaction" if closing else "Record satisfaction"

    def perform(self, records, record, values):
        service = request_service(self.backend)
        if record.status == "fulfilled":
            return service.close(record.ref, score=values["score"], comment=values["comment"],
                                 expected_version=record.version).record
        return service.record_satisfaction(record.ref, values["score"], values["comment"]).record
