"""A survey answer entered for a customer of the satisfaction sample (8.3.2)."""

from __future__ import annotations

from .score_dialog import ScoreDialog

# Enter saves from a choice picker too (an Input saves on Enter by itself).


class SurveyAnswerDialog(ScoreDialog):
    """The requester's answer (1-5) to the satisfaction survey sent about a record (8.3.2),
    given by phone or in person; answers by mail are recorded by ``mail-in``."""

    heading = "Satisfaction survey: the requester's answer"
    comment_placeholder = "the requester's words"

    def perform(self, records, record, values):
        from ...services.customers.survey import SurveyService

        self.backend.service(SurveyService).answer(record.ref, values["score"],
                                                   comment=values["comment"], via="tui")
        return records.get(record.ref)
