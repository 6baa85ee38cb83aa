"""The organization's configuration: one TOML file, validated up front.

A config that cannot be used stops the app with one message naming the file
and the key, rather than guessing. Every section is optional; a missing file
means the defaults.

Example ``config.toml``::

    [priority.matrix.high]     # impact = high
    high = "P1"                # urgency = high
    medium = "P2"
    low = "P3"
    # ... [priority.matrix.medium] and [priority.matrix.low] likewise
"""

from __future__ import annotations

import importlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .domain.errors import ConfigError, ValidationError
from .domain.priority import DEFAULT_MATRIX, LEVELS, PriorityMatrix, parse_priority

# Feature modules that check their own sections when the file is read, so that a bad
# value stops the app at start. Each has validate_section(raw, source) -> None.
SECTION_VALIDATORS: tuple[str, ...] = (
    "sms_tui.domain.sla",
    "sms_tui.domain.major",
    "sms_tui.domain.comms",
)


@dataclass(frozen=True)
class Config:
    path: Path | None = None
    matrix: PriorityMatrix = DEFAULT_MATRIX
    # every other section as read, for the features that own them
    raw: dict[str, Any] = field(default_factory=dict)

    def section(self, name: str) -> dict[str, Any]:
        value = self.raw.get(name, {})
        return value if isinstance(value, dict) else {}


def _matrix_from(table: Any, path: Path) -> PriorityMatrix:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: priority.matrix must be a table of impact -> urgency -> priority")
    cells = {}
    for impact in LEVELS:
        row = table.get(impact.value)
        if not isinstance(row, dict):
            raise ConfigError(f"{path}: priority.matrix.{impact.value} is missing")
        for urgency in LEVELS:
            key = f"priority.matrix.{impact.value}.{urgency.value}"
            if urgency.value not in row:
                raise ConfigError(f"{path}: {key} is missing")
            try:
                cells[(impact, urgency)] = parse_priority(row[urgency.value])
            except ValidationError as exc:
                raise ConfigError(f"{path}: {key}: {exc}") from None
    unknown = set(table) - {lv.value for lv in LEVELS}
    if unknown:
        raise ConfigError(f"{path}: priority.matrix.{sorted(unknown)[0]} is not an impact level")
    return PriorityMatrix(cells)


def load_config(path: Path | None) -> Config:
    """Read and validate ``path``; a missing file gives the defaults."""
    if path is None or not path.exists():
        return Config(path=path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    matrix = DEFAULT_MATRIX
    priority = raw.get("priority", {})
    if not isinstance(priority, dict):
        raise ConfigError(f"{path}: priority must be a table")
    if "matrix" in priority:
        matrix = _matrix_from(priority["matrix"], path)
    for module in SECTION_VALIDATORS:
        importlib.import_module(module).validate_section(raw, str(path))
    return Config(path=path, matrix=matrix, raw=raw)
