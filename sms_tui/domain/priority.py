"""Priority from impact and urgency (ISO/IEC 20000-1 8.6.1, 8.6.2, 8.6.3).

The matrix is data, so an organization can tune it in its config file; the
default is the common one from the domain brief.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from .bounds import whole_number
from .errors import ValidationError


class Level(StrEnum):
    """Impact or urgency level."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @classmethod
    def parse(cls, value: str | Level, what: str = "level") -> Level:
        """Accept 'high', 'High', 'H', 'h' (and the enum itself); refuse anything else."""
        if isinstance(value, Level):
            return value
        text = str(value).strip().lower()
        for level in cls:
            if text in (level.value, level.value[0]):
                return level
        raise ValidationError(f"unknown {what} '{value}': use high, medium or low")


LEVELS: tuple[Level, ...] = (Level.HIGH, Level.MEDIUM, Level.LOW)

PRIORITY_NAMES = {
    1: "Critical",
    2: "High",
    3: "Moderate",
    4: "Low",
    5: "Planning",
}


def priority_label(priority: int) -> str:
    """'P1'...'P5'."""
    return f"P{priority}"


def parse_priority(value: str | int) -> int:
    """Accept 1, '1', 'P1', 'p1'; refuse anything outside P1..P5."""
    text = str(value).strip().upper().removeprefix("P")
    if whole_number(text, 1, 5) is not None:
        return int(text)
    raise ValidationError(f"unknown priority '{value}': use P1 to P5")


@dataclass(frozen=True)
class PriorityMatrix:
    """Maps (impact, urgency) to a priority 1 (critical) .. 5 (planning)."""

    cells: Mapping[tuple[Level, Level], int]

    def __post_init__(self) -> None:
        missing = [(i, u) for i in LEVELS for u in LEVELS if (i, u) not in self.cells]
        if missing:
            names = ", ".join(f"{i.value}/{u.value}" for i, u in missing)
            raise ValidationError(f"priority matrix is missing cells: {names}")
        for key, value in self.cells.items():
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
                raise ValidationError(
                    f"priority matrix cell {key[0].value}/{key[1].value} must be P1..P5, got {value!r}"
                )

    def priority_for(self, impact: Level | str, urgency: Level | str) -> int:
        """Priority for an impact and urgency."""
        return self.cells[(Level.parse(impact, "impact"), Level.parse(urgency, "urgency"))]


DEFAULT_MATRIX = PriorityMatrix(
    {
        (Level.HIGH, Level.HIGH): 1,
        (Level.HIGH, Level.MEDIUM): 2,
        (Level.MEDIUM, Level.HIGH): 2,
        (Level.HIGH, Level.LOW): 3,
        (Level.MEDIUM, Level.MEDIUM): 3,
        (Level.LOW, Level.HIGH): 3,
        (Level.MEDIUM, Level.LOW): 4,
        (Level.LOW, Level.MEDIUM): 4,
        (Level.LOW, Level.LOW): 5,
    }
)


def priority_for(
    impact: Level | str, urgency: Level | str, matrix: PriorityMatrix = DEFAULT_MATRIX
) -> int:
    """Priority (1..5) from impact and urgency under ``matrix``."""
    return matrix.priority_for(impact, urgency)
