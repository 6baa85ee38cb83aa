"""The services a screen asks for, looked up on the app's backend (one place for each).

Each call imports its service lazily: call them in a worker (they load SQLAlchemy).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ...services.changes.service import ChangeService
    from ...services.incidents.rules import MajorIncidentService
    from ...services.problems.service import ProblemService
    from ...services.requests.service import RequestService
    from ...services.reviews.service import ReviewService


def problem_service(backend: Any) -> ProblemService:
    from ...services.problems.service import ProblemService

    return backend.service(ProblemService)


def request_service(backend: Any) -> RequestService:
    from ...services.requests.service import RequestService

    return backend.service(RequestService)


def change_service(backend: Any) -> ChangeService:
    from ...services.changes.service import ChangeService

    return backend.service(ChangeService)


def major_service(backend: Any) -> MajorIncidentService:
    from ...services.incidents.rules import MajorIncidentService

    return backend.service(MajorIncidentService)


def review_service(backend: Any) -> ReviewService:
    from ...services.reviews.service import ReviewService

    return backend.service(ReviewService)
