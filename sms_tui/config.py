"""The organization's configuration: one TOML file, validated up front.

A config that cannot be used stops the app with one message naming the file
and the key, rather than guessing: the whole file is checked at start against
one schema (:mod:`sms_tui.config_schema`: unknown sections and keys are refused
with the nearest valid name), then each feature checks its own values. Every
section is optional; a missing default file means the defaults, a missing file
named with ``--config`` is an error.

Example ``config.toml``::

    [priority.matrix.high]     # impact = high
    high = "P1"                # urgency = high
    medium = "P2"
    low = "P3"
    # ... [priority.matrix.medium] and [priority.matrix.low] likewise
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .domain.errors import ConfigError, ValidationError
from .domain.priority import DEFAULT_MATRIX, LEVELS, PriorityMatrix, parse_priority
from .domain.security import SecurityPolicy
from .domain.security import policy_from_config as security_policy_from


def section_validators() -> tuple[Callable[[dict[str, Any], str], None], ...]:
    """The feature modules' checks of their own sections, run when the file is read so
    that a bad value stops the app at start: each module's ``validate_section(raw, source)``.

    Imported here, when a config file is first read (not at import: a desk with no
    config file never loads them), with plain import statements that import-linter sees.
    """
    from . import key_bindings
    from .domain import changes, comms, configuration, major, sla_config, trends

    return (sla_config.validate_section, major.validate_section, comms.validate_section,
            changes.validate_section, trends.validate_section, configuration.validate_section,
            key_bindings.validate_section)
MAX_CONFIG_BYTES = 1 << 20  # a config file is a few kilobytes; /dev/zero is not one


@dataclass(frozen=True)
class Config:
    path: Path | None = None
    matrix: PriorityMatrix = DEFAULT_MATRIX
    # [security_incident]: the priority floor per security risk, handling steps, contacts
    security: SecurityPolicy = field(default_factory=SecurityPolicy)
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


def load_config(path: Path | None, *, required: bool = False) -> Config:
    """Read and check ``path`` whole: structure, every section's values, nothing unknown.

    A missing file gives the defaults, unless ``required`` (named with
    ``--config`` or ``SMS_TUI_CONFIG``): then it is an error.
    """
    if path is None or (not required and not path.exists()):
        return Config(path=path)
    raw = _read(path)
    matrix = DEFAULT_MATRIX
    priority = raw.get("priority", {})
    if not isinstance(priority, dict):
        raise ConfigError(f"{path}: priority must be a table")
    if "matrix" in priority:
        matrix = _matrix_from(priority["matrix"], path)
    from .config_schema import check_schema

    check_schema(raw, str(path))  # unknown sections and keys, types and bounds
    for validate_section in section_validators():
        validate_section(raw, str(path))
    security = security_policy_from(raw.get("security_incident"), str(path))
    return Config(path=path, matrix=matrix, security=security, raw=raw)


def _read(path: Path) -> dict[str, Any]:
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file (named by --config or SMS_TUI_CONFIG)") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):  # a FIFO would block, /dev/zero never ends
        raise ConfigError(f"{path}: not a regular file; a config file is a TOML text file")
    if info.st_size > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: {info.st_size} bytes is too big for a config file")
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_CONFIG_BYTES + 1)
        if len(data) > MAX_CONFIG_BYTES:
            raise ConfigError(f"{path}: too big for a config file")
        return tomllib.loads(data.decode("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None


def config_is_required(config_path: Path | str | None) -> bool:
    """True when the user named the config file (--config or SMS_TUI_CONFIG): it must exist."""
    return config_path is not None or bool(os.environ.get("SMS_TUI_CONFIG"))
