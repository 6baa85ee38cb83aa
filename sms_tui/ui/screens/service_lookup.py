"""The services a screen asks for, looked up on the app's backend (one place for each).

Each call imports its service lazily: call its methods in a worker (they load SQLAlchemy).
Asked for before the database is open (a key pressed in the first half second, a form
opened at once), a lookup gives a stand-in that finds the service when first used -- in
the worker, which waits for the database (:func:`~sms_tui.ui.work.run_service`) -- instead
of failing on the UI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ...services.changes.remedial import RemedialService
    from ...services.changes.service import ChangeService
    from ...services.incidents.rules import MajorIncidentService
    from ...services.problems.service import ProblemService
    from ...services.requests.service import RequestService
    from ...services.reviews.service import ReviewService


class _WhenOpen:
    """A service looked up before the database was open: found on first use."""

    def __init__(self, backend: Any, cls: Callable[[], type]) -> None:
        self._where = (backend, cls)

    def __getattr__(self, attr: str) -> Any:
        backend, cls = self._where
        return getattr(backend.service(cls()), attr)


def _service(backend: Any, cls: Callable[[], type]) -> Any:
    if not getattr(backend, "ready", True):
        return _WhenOpen(backend, cls)
    return backend.service(cls())


def problem_service(backend: Any) -> ProblemService:
    def cls() -> type:
        from ...services.problems.service import ProblemService

        return ProblemService

    return _service(backend, cls)


def request_service(backend: Any) -> RequestService:
    def cls() -> type:
        from ...services.requests.service import RequestService

        return RequestService

    return _service(backend, cls)


def change_service(backend: Any) -> ChangeService:
    def cls() -> type:
        from ...services.changes.service import ChangeService

        return ChangeService

    return _service(backend, cls)


def remedial_service(backend: Any) -> RemedialService:
    def cls() -> type:
        from ...services.changes.remedial import RemedialService

        return RemedialService

    return _service(backend, cls)


def major_service(backend: Any) -> MajorIncidentService:
    def cls() -> type:
        from ...services.incidents.rules import MajorIncidentService

        return MajorIncidentService

    return _service(backend, cls)


def review_service(backend: Any) -> ReviewService:
    def cls() -> type:
        from ...services.reviews.service import ReviewService

        return ReviewService

    return _service(backend, cls)
