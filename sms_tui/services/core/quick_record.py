"""``sms-tui new incident`` written with the standard library (issue 20).

Recording an incident through the services costs most of a second before any
work is done: SQLAlchemy, SQLModel and the schema's models load first. This
module records the common incident -- the one the rules only stamp -- in one
``BEGIN IMMEDIATE`` transaction through :func:`sms_tui.storage.quick.write_current`,
as :meth:`sms_tui.services.core.records.RecordService.create` would: the same
validation and priority, the same row (every column as the model's defaults
give it, the SLA clock started), the same ``create`` journal entry chained by
the same hash, and nothing else, because the rules on a new incident do nothing
else for it (tests compare both paths row by row and journal by journal, and pin
the list of rules on a new incident, so a new rule cannot be skipped silently).

It writes only what it can write exactly. Anything else gives None with nothing
written, and the caller records the incident through the services, which also
report every refusal in their own words:

* a requester (a contact to resolve, a message to the requester to queue);
* an information security risk (handling steps, the security manager told);
* an incident that meets the major incident criteria (procedure, management told);
* a [journal] key (an HMAC chain and its marker), ``SMS_TUI_BUSY_TIMEOUT`` (the
  services check it), a team desk on a server;
* any value the services would refuse or change (a title, a name, a level, a
  service or configuration item that does not exist, text SQLite cannot hold);
* a database that is missing, older or newer than this schema, locked past the
  wait, or unusable: the services create, migrate and explain.

This module imports neither SQLAlchemy nor SQLModel.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ...config import Config
from ...domain.errors import DeskError
from ...domain.fields import MAX_NAME, clean_name, clean_title
from ...domain.kinds import Kind, format_ref
from ...domain.lifecycle import lifecycle_for
from ...domain.major import IncidentFacts, policy_from_config
from ...domain.priority import Level
from ...domain.security import is_security, parse_risk
from ...domain.text import storable_text
from ...storage.quick import write_current
from ..incidents.sla_readings import RUNNING

BUSY_TIMEOUT_ENV = "SMS_TUI_BUSY_TIMEOUT"  # storage.engine's (that module loads SQLAlchemy)

# The rules that run when an incident is recorded (hooks "after_create"), as
# "module:function"; what each does for the incidents written here:
#   incidents._after_create: starts the SLA clock (below); declares it major when the
#       criteria are met (left to the services);
#   security._after_create: handling steps for a security incident (left to the services);
#   requester_mail._after_create: mails the requester (no requester here).
# A test compares this with the hooks the services register: a new rule must be
# added here (and done, or left to the services) before this path may skip it.
RULES_ON_CREATE = (
    "sms_tui.services.incidents.rules:_after_create",
    "sms_tui.services.mail.requester:_after_create",
    "sms_tui.services.incidents.security:_after_create",
)


def _stored(at: datetime) -> str:
    """A time as SQLAlchemy stores it in SQLite: UTC, no zone, microseconds."""
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return at.strftime("%Y-%m-%d %H:%M:%S.%f")


# services.journal's hash of an entry (json.dumps of its fields, compact, not ASCII-only;
# SHA-256): the same function, or verify would report the entry (a test checks both agree).
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _entry_hash(fields: list[Any]) -> str:
    return hashlib.sha256(_ENCODE(fields).encode("utf-8", "surrogatepass")).hexdigest()


def record_incident(db_path: Path | str, config: Config, actor: str, now: datetime, *,
                    title: str, impact: str | None = None, urgency: str | None = None,
                    description: str = "", service: str | None = None, ci: str | None = None,
                    category: str = "", assignee: str = "",
                    security_risk: str | None = None) -> str | None:
    """Record an incident as the services would and return its reference, or None (nothing
    written) when only the services can record it exactly (see the module's docstring)."""
    if not isinstance(db_path, Path) or config.section("journal") \
            or os.environ.get(BUSY_TIMEOUT_ENV, "").strip():
        return None
    try:
        for name, text in (("title", title), ("description", description), ("service", service),
                           ("configuration item", ci), ("category", category),
                           ("assignee", assignee), ("actor", actor)):
            storable_text(str(text or ""), name)  # the rule every write session applies
        values = _checked(config, title=title, impact=impact, urgency=urgency,
                          category=category, assignee=assignee, security_risk=security_risk)
    except DeskError:
        return None  # refused: the services refuse it in their words
    if values is None:
        return None

    def write(con: sqlite3.Connection) -> str | None:
        return _write(con, config, actor, now, values, description=description,
                      service=service, ci=ci)

    return write_current(db_path, write)


def _checked(config: Config, *, title: str, impact: str | None, urgency: str | None,
             category: str, assignee: str, security_risk: str | None) -> dict[str, Any] | None:
    """The row's own values as RecordService.create normalises them (raises as it refuses)."""
    risk = parse_risk(security_risk) if security_risk is not None else "none"
    if is_security(risk):
        return None  # handling steps and the security manager: the services' rules
    if category is not None and len(str(category)) > MAX_NAME:
        return None
    impact_value = Level.parse((impact or "medium").lower(), "impact").value
    urgency_value = Level.parse((urgency or "medium").lower(), "urgency").value
    priority = config.security.priority(config.matrix.priority_for(impact_value, urgency_value),
                                        risk)
    return {"title": clean_title(title), "impact": impact_value, "urgency": urgency_value,
            "priority": priority, "category": category or "", "security_risk": risk,
            "assignee": clean_name(assignee, "assignee")}


def _write(con: sqlite3.Connection, config: Config, actor: str, now: datetime,
           values: dict[str, Any], *, description: str, service: str | None,
           ci: str | None) -> str | None:
    service_id = criticality = ci_id = None
    if service:
        found = con.execute("SELECT id, criticality FROM service WHERE name = ?", (service,)
                            ).fetchone()
        if found is None:
            return None  # the services name the known services
        service_id, criticality = found
    if ci:
        found = con.execute("SELECT id FROM configuration_item WHERE name = ?", (ci,)).fetchone()
        if found is None:
            return None
        ci_id = found[0]
    facts = IncidentFacts(values["priority"], values["impact"], values["urgency"],
                          values["category"], service or "", criticality or "")
    try:
        if policy_from_config(config.raw.get("major_incident"),
                              str(config.path or "config")).reason_text(facts):
            return None  # declared major when recorded: procedure, management told
    except DeskError:
        return None
    status = lifecycle_for(Kind.INCIDENT).initial
    at = _stored(now)
    row = {
        "ref": "pending", "title": values["title"], "description": description or "",
        "status": status, "category": values["category"], "assignee": values["assignee"],
        "assignment_group": "", "escalated_to": "", "escalation_level": 0,
        "impact": values["impact"], "urgency": values["urgency"], "priority": values["priority"],
        "service_id": service_id, "ci_id": ci_id, "created_by": actor, "created_at": at,
        "updated_at": at, "resolved_at": None, "closed_at": None, "version": 1,
        "problem_id": None, "change_id": None, "parent_id": None, "major": 0,
        "security_risk": values["security_risk"], "major_reason": "", "major_declared_by": "",
        "major_declared_at": None, "major_manager": "", "first_response_at": None,
        # the SLA clock starts at creation (services.sla.start_clock)
        "sla_counted_s": 0.0, "sla_running_since": at if status in RUNNING else None,
        "sla_response_s": None, "sla_flags": "", "requester_id": None,
    }
    names = ", ".join(row)
    number = con.execute(f"INSERT INTO incident ({names}) VALUES ({', '.join('?' * len(row))})",
                         list(row.values())).lastrowid
    ref = format_ref(Kind.INCIDENT, number or 0)
    con.execute("UPDATE incident SET ref = ? WHERE id = ?", (ref, number))
    changes = {"title": (None, row["title"]), "status": (None, status),
               "impact": (None, row["impact"]), "urgency": (None, row["urgency"]),
               "priority": (None, f"P{row['priority']}")}
    for key in ("assignee", "category", "assignment_group"):
        if row[key]:
            changes[key] = (None, row[key])
    if service:
        changes["service"] = (None, service)
    if ci:
        changes["ci"] = (None, ci)
    _journal(con, ref, actor, now, changes)
    return ref


def _journal(con: sqlite3.Connection, ref: str, actor: str, now: datetime,
             changes: dict[str, tuple[Any, Any]]) -> None:
    """Append the ``create`` entry to ``ref``'s journal, chained as services.journal chains it."""
    last = con.execute("SELECT hash FROM journal_entry WHERE record_ref = ? ORDER BY id DESC "
                       "LIMIT 1", (ref,)).fetchone()
    prev_hash = last[0] if last else ""
    utc = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
    text = json.dumps({k: [a, b] for k, (a, b) in changes.items()}, ensure_ascii=False,
                      sort_keys=True)
    kind, action, note = Kind.INCIDENT.value, "create", ""
    digest = _entry_hash([prev_hash, ref, kind, utc.isoformat(), actor, action, text, note])
    con.execute("INSERT INTO journal_entry (record_ref, record_kind, at, actor, action, changes, "
                "note, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (ref, kind, _stored(utc), actor, action, text, note, prev_hash, digest))
