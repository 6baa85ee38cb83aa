"""Communications to top management about major incidents: settings and wording (pure).

Every communication is first a record in the database (the outbox); sending it
by email is a second, optional step, configured here::

    [smtp]
    host = "mail.example.org"
    port = 587
    security = "starttls"          # none | starttls | ssl
    username = "desk"
    password_env = "SMS_TUI_SMTP_PASSWORD"   # read from the environment, not the file
    from = "Service Desk <desk@example.org>"
    timeout = 10                   # seconds

Without ``[smtp]`` (or without a host) communications are only recorded.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import getaddresses
from typing import Any

from .addresses import config_address
from .errors import ConfigError, check_table
from .text import one_line

PURPOSES = {
    "declared": "declared",
    "update": "status update",
    "resolved": "resolved",
    "undeclared": "no longer major",
    "reopened": "reopened",
    "security": "information security incident",
    "change_dates": "proposed deployment dates",
}
# The messages to top management about a major incident (the others go to the security
# manager, the CAB, or a requester): what "top management informed" is counted from.
MAJOR_PURPOSES = ("declared", "update", "resolved", "undeclared", "reopened")


def informs_management(purpose: str, recipients: str | None) -> bool:
    """Whether a message informed top management: one about the major incident, addressed to
    someone (recorded "to nobody", with no contacts configured, it informed nobody)."""
    return purpose in MAJOR_PURPOSES and bool((recipients or "").strip())
def sending_tally(statuses: Iterable[str]) -> str:
    """How far messages got, by their statuses (recorded | pending | sending | sent), in words
    true whatever is configured: '2 sent, 1 to send', 'none sent, 4 recorded only'. Without
    mail set up, messages are only recorded: "0 not sent yet" read as if all had gone."""
    counts = Counter(statuses)
    sent, recorded = counts["sent"], counts["recorded"]
    waiting = counts["pending"] + counts["sending"]
    if not (sent or recorded or waiting):
        return "none"
    parts = [f"{sent} sent" if sent else "none sent"]
    if waiting:
        parts.append(f"{waiting} to send")
    if recorded:
        parts.append(f"{recorded} recorded only")
    return ", ".join(parts)


SECURITY = ("none", "starttls", "ssl")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    security: str = "none"
    username: str = ""
    password: str = ""
    password_env: str = ""
    sender: str = "sms-tui@localhost"
    timeout: float = 10.0
    allow_plaintext_auth: bool = False  # AUTH without TLS sends the password readable on the wire

    @property
    def plaintext_auth(self) -> bool:
        """True when the password would cross the network unencrypted."""
        return bool(self.username) and self.security == "none"


PLAINTEXT_REFUSED = ("refusing to send the SMTP password unencrypted (security = \"none\" with a "
                     "username): use security = \"starttls\" or \"ssl\", or set "
                     "allow_plaintext_auth = true in [smtp] if you accept the risk")
PLAINTEXT_WARNING = ("the SMTP password was sent unencrypted (security = \"none\", "
                     "allow_plaintext_auth = true)")


def smtp_from_config(section: Any, source: str = "config") -> SmtpSettings | None:
    """The ``[smtp]`` settings, or None when email is not configured."""
    if section is None:
        return None
    check_table(section, "smtp", {"host", "port", "security", "username", "password", "password_env",
                                  "from", "timeout", "allow_plaintext_auth"}, source)
    host = section.get("host", "")
    if not isinstance(host, str):
        raise ConfigError(f"{source}: smtp.host: must be a host name")
    if not host.strip():
        return None
    port = section.get("port", 25)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise ConfigError(f"{source}: smtp.port: must be a port number 1..65535, got {port!r}")
    security = str(section.get("security", "none")).lower()
    if security not in SECURITY:
        raise ConfigError(f"{source}: smtp.security: use one of {', '.join(SECURITY)}, got {security!r}")
    sender = config_address(str(section.get("from", "sms-tui@localhost")), f"{source}: smtp.from")
    timeout = section.get("timeout", 10)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise ConfigError(f"{source}: smtp.timeout: must be a number of seconds above zero")
    for key in ("username", "password", "password_env"):
        if not isinstance(section.get(key, ""), str):
            raise ConfigError(f"{source}: smtp.{key}: must be a string")
    allow_plain = section.get("allow_plaintext_auth", False)
    if not isinstance(allow_plain, bool):
        raise ConfigError(f"{source}: smtp.allow_plaintext_auth: must be true or false")
    return SmtpSettings(host.strip(), port, security, section.get("username", ""),
                        section.get("password", ""), section.get("password_env", ""), sender,
                        float(timeout), allow_plain)


def validate_section(raw: Mapping[str, Any], source: str) -> None:
    """Config-load check: refuse a bad ``[smtp]`` section before the app starts."""
    smtp_from_config(raw.get("smtp"), source)


@dataclass(frozen=True)
class IncidentBrief:
    """What management reads about the incident."""

    ref: str
    title: str
    status: str
    priority: int
    service: str
    manager: str
    reason: str


def compose(purpose: str, brief: IncidentBrief, message: str, at: datetime,
            next_update: datetime | None = None) -> tuple[str, str]:
    """Subject and body of a communication. The subject is one safe line (no header injection)."""
    what = PURPOSES[purpose]
    subject = one_line(f"[Major incident] {brief.ref} {what}: {brief.title}", 200)
    lines = [f"Major incident {brief.ref} - {what}", ""]
    if message.strip():  # what management reads first
        lines += [message.strip(), ""]
    lines += [
        f"Title:    {brief.title}",
        f"Status:   {brief.status}",
        f"Priority: P{brief.priority}",
        f"Service:  {brief.service or '-'}",
        f"Manager:  {brief.manager or 'not yet appointed'}",
        f"Time:     {at:%Y-%m-%d %H:%M} UTC",
    ]
    if brief.reason:
        lines.append(f"Why major: {brief.reason}")
    if next_update is not None:
        lines += ["", f"Next update by {next_update:%Y-%m-%d %H:%M} UTC."]
    return subject, "\n".join(lines) + "\n"


def retry_delay(attempts: int) -> timedelta:
    """Wait before the next try after ``attempts`` failures: 1, 2, 4 ... minutes, at most 1 hour."""
    return timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


def recipients_text(contacts: tuple[str, ...] | list[str]) -> str:
    return ", ".join(contacts)


def split_recipients(text: str) -> list[str]:
    """Addresses from the stored recipient list (display names kept out of SMTP's envelope)."""
    return [address for _, address in getaddresses([text]) if address]
