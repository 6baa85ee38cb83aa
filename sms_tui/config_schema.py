"""The shape of the whole config file, as one pydantic schema checked at start.

Every table refuses keys it does not know (``[smpt]``, ``quit = 5`` under a
section that has no ``quit``), naming the file, the key and the nearest valid
name. Values a feature checks in detail (SLA durations, the priority matrix,
major incident rules, the change policy, trend rules) are left to that
feature's ``validate_section``, which also runs at start; values no feature
checks on load (``[reviews]``, ``[keys]``, the mail flags) are typed and
bounded here. Numbers are finite and bounded: TOML reads ``1e400`` as infinity.
"""

from __future__ import annotations

import difflib
import math
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as SchemaError

from .domain.errors import ConfigError

FINITE = {"allow_inf_nan": False}


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)


class Target(_Table):
    respond: Any = None
    resolve: Any = None


class BusinessHours(_Table):
    days: Any = None
    start: Any = None
    end: Any = None
    timezone: Any = None
    holidays: Any = None


class Sla(_Table):
    default: dict[str, Target] = {}
    services: dict[str, dict[str, Target]] = {}
    near_threshold: Any = None
    escalate_to: Any = None
    escalate_on: Any = None
    business_hours: BusinessHours | None = None
    requests: Target | None = None  # requests whose type names no target, and 'other'


class MajorRule(_Table):
    name: Any = None
    priority: Any = None
    impact: Any = None
    urgency: Any = None
    category: Any = None
    service: Any = None
    service_criticality: Any = None


class MajorIncident(_Table):
    priorities: Any = None
    categories: Any = None
    service_criticality: Any = None
    impact: Any = None
    contacts: Any = None
    update_interval: Any = None
    review_due: Any = None
    procedure: Any = None
    rules: list[MajorRule] = []


class Smtp(_Table):
    host: Any = None
    port: Any = None
    security: Any = None
    username: Any = None
    password: Any = None
    password_env: Any = None
    sender: Any = Field(None, alias="from")
    timeout: Any = None
    allow_plaintext_auth: bool = False


class MailImap(_Table):
    host: Annotated[str, Field(min_length=1, max_length=255)]
    port: Annotated[int, Field(ge=1, le=65535)] = 993
    username: Annotated[str, Field(min_length=1, max_length=255)]
    password_env: Annotated[str, Field(min_length=1, max_length=200)]
    mailbox: Annotated[str, Field(min_length=1, max_length=200)] = "INBOX"
    timeout: Annotated[float, Field(gt=0, le=600, **FINITE)] = 30


class Mail(_Table):
    # mail sent to one of these addresses becomes a service request (else an incident)
    request_addresses: list[Annotated[str, Field(min_length=3, max_length=254)]] = []
    max_bytes: Annotated[int, Field(ge=1024, le=100 * 1024 * 1024)] = 10 * 1024 * 1024
    maildir: Annotated[str, Field(min_length=1, max_length=4096)] | None = None
    notify_requester: bool = True  # mail the requester when a record is recorded, resolved...
    # the content of attachments: kept only when on, each up to the cap (their names always)
    keep_attachments: bool = False
    max_attachment_bytes: Annotated[int, Field(ge=0, le=100 * 1024 * 1024)] = 5 * 1024 * 1024
    imap: MailImap | None = None


class Survey(_Table):
    sample_size: Annotated[int, Field(ge=1, le=10_000)] = 30


class Trends(_Table):
    min_incidents: Annotated[int, Field(ge=2, le=1_000_000)] = 3
    window_days: Annotated[float, Field(gt=0, le=3660, **FINITE)] | None = None
    window_hours: Annotated[float, Field(gt=0, le=87_840, **FINITE)] | None = None
    dimensions: Any = None


class Problems(_Table):
    trends: Trends | None = None


class Category(_Table):
    description: Any = None
    review_within_days: Any = None


class Control(_Table):
    services: Any = None
    ci_types: Any = None


class MajorImpact(_Table):
    risk_level: Any = None
    min_services: Any = None
    service_criticality: Any = None
    categories: Any = None


class Changes(_Table):
    categories: dict[Literal["standard", "normal", "emergency"], Category] = {}
    control: Control | None = None
    major_impact: MajorImpact | None = None


class Reviews(_Table):
    due_soon_days: Annotated[int, Field(ge=0, le=3660)] = 7
    late_after_hours: Annotated[float, Field(ge=0, le=87_840, **FINITE)] = 24
    default_owner: Annotated[str, Field(max_length=100)] = ""
    check_seconds: Annotated[float, Field(ge=1, le=86_400, **FINITE)] = 60
    scheduler_in_tui: bool | None = None


class Journal(_Table):
    key_env: Annotated[str, Field(min_length=1, max_length=200)] | None = None  # checked in store


class Database(_Table):
    # the NAME of an environment variable holding the PostgreSQL password (never the password)
    password_env: Annotated[str, Field(min_length=1, max_length=200)] | None = None


class SecurityIncident(_Table):
    min_priority: Any = None  # checked by domain.security.policy_from_config
    contacts: Any = None
    procedure: Any = None


class Configuration(_Table):
    ci_types: Any = None  # checked by domain.configuration.ci_types_from_config


class Priority(_Table):
    matrix: Any = None  # checked cell by cell by config._matrix_from


class ConfigFile(_Table):
    priority: Priority | None = None
    sla: Sla | None = None
    major_incident: MajorIncident | None = None
    security_incident: SecurityIncident | None = None
    smtp: Smtp | None = None
    mail: Mail | None = None
    survey: Survey | None = None
    problems: Problems | None = None
    changes: Changes | None = None
    configuration: Configuration | None = None
    reviews: Reviews | None = None
    journal: Journal | None = None
    database: Database | None = None
    keys: dict[str, Annotated[str, Field(min_length=1, max_length=100)]] = {}


def check_schema(raw: dict[str, Any], source: str) -> None:
    """Raise ConfigError (one line: file, key, what is wrong, nearest name) unless ``raw`` fits."""
    try:
        ConfigFile.model_validate(raw)
    except SchemaError as exc:
        error = exc.errors()[0]
        raise ConfigError(_describe(error, source)) from None


def _describe(error: dict[str, Any], source: str) -> str:
    loc = [str(part) for part in error["loc"] if part != "[key]"]
    key = ".".join(loc)
    if error["type"] == "extra_forbidden":
        known = _known_names(loc[:-1])
        near = difflib.get_close_matches(loc[-1], known, n=1, cutoff=0.5)
        hint = f"; did you mean '{near[0]}'?" if near else ""
        where = "section" if len(loc) == 1 else "key"
        listing = f" (known: {', '.join(sorted(known))})" if known else ""
        return f"{source}: {key}: unknown {where}{hint}{listing}"
    value = error.get("input")
    if loc[0] == "keys" and isinstance(value, dict):
        return (f"{source}: {key}: binding ids have dots; quote them, "
                f"e.g. \"{key.removeprefix('keys.')}.{next(iter(value), 'x')}\" = \"ctrl+q\"")
    if isinstance(value, float) and not math.isfinite(value):
        return f"{source}: {key}: must be a finite number, not {value}"
    message = error["msg"].replace("Input should be", "must be")
    if error["type"] == "literal_error":
        message = f"is not one of {', '.join(sorted(_known_names(loc[:-1])))}"
        near = difflib.get_close_matches(loc[-1], _known_names(loc[:-1]), n=1, cutoff=0.5)
        if near:
            message += f"; did you mean '{near[0]}'?"
    shown = repr(value) if not isinstance(value, dict | list) else type(value).__name__
    return f"{source}: {key}: {message} (got {shown[:60]})"


def _known_names(loc: list[str]) -> list[str]:
    """The names a table at ``loc`` accepts (for 'did you mean')."""
    annotation: Any = ConfigFile
    for part in loc:
        annotation = _step(annotation, part)
        if annotation is None:
            return []
    model = _model_in(annotation)
    if model is not None:
        return [field.alias or name for name, field in model.model_fields.items()]
    args = get_args(_unwrap(annotation))
    if args and get_origin(args[0]) is Literal:
        return [str(a) for a in get_args(args[0])]
    return []


def _unwrap(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _model_in(annotation: Any) -> type[BaseModel] | None:
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (Union, UnionType):  # X | None
        for arg in get_args(annotation):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                return arg
    return None


def _step(annotation: Any, part: str) -> Any:
    model = _model_in(annotation)
    if model is not None:
        for name, field in model.model_fields.items():
            if part in (name, field.alias):
                return field.annotation
        return None
    annotation = _unwrap(annotation)
    args = get_args(annotation)
    if get_origin(annotation) is dict and len(args) == 2:
        return args[1]
    if get_origin(annotation) is list and args:
        return args[0]
    return None
