"""Configuration information (ISO/IEC 20000-1 8.2.6): the CI types the organization keeps.

The types are data, set in the config file; a CI of any other type is refused,
so the configuration information stays classified the same way::

    [configuration]
    ci_types = ["server", "application", "database", "network", "service"]
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .errors import ConfigError, ValidationError

DEFAULT_CI_TYPES: tuple[str, ...] = (
    "server", "application", "database", "network", "storage", "workstation", "printer", "phone",
    "cloud_service", "service", "other")
_TYPE_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def normalise_type(value: Any) -> str:
    return str(value if value is not None else "").strip().lower().replace(" ", "_").replace("-", "_")


def parse_ci_type(value: Any, allowed: tuple[str, ...] = DEFAULT_CI_TYPES) -> str:
    """A CI type the organization defined; anything else refused in one line naming them."""
    text = normalise_type(value)
    if not text:
        raise ValidationError(f"CI type must not be empty: use one of {', '.join(allowed)}")
    if text not in allowed:
        shown = str(value)[:40].encode("unicode_escape").decode("ascii")
        raise ValidationError(f"unknown CI type '{shown}': use one of {', '.join(allowed)} "
                              "([configuration] ci_types)")
    return text


def ci_types_from_config(section: Any, source: str = "config") -> tuple[str, ...]:
    """The CI types of ``[configuration]`` (the default set when absent); ConfigError names the key."""
    if section is None or "ci_types" not in section:
        return DEFAULT_CI_TYPES
    value = section["ci_types"]
    key = f"{source}: configuration.ci_types"
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{key}: must be a non-empty list of type names")
    types = []
    for item in value:
        name = normalise_type(item)
        if not _TYPE_RE.match(name):
            raise ConfigError(f"{key}: {item!r} is not a type name (a word of letters, digits or _)")
        if name not in types:
            types.append(name)
    return tuple(types)


def validate_section(raw: Mapping[str, Any], source: str) -> None:
    """Config-load check: refuse a bad ``[configuration]`` section before the app starts."""
    section = raw.get("configuration")
    if section is not None and not isinstance(section, dict):
        raise ConfigError(f"{source}: configuration: must be a table")
    ci_types_from_config(section, source)
