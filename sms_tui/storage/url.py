"""Where the desk lives: an SQLite file (the default) or a PostgreSQL URL (team mode).

Standard library only: the TUI's start-up path and the command line's option
parsing use it before SQLAlchemy is imported. A URL's password is never shown:
:func:`mask_url` is what every message, log line and journal entry gets.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from ..domain.errors import ConfigError

SERVER_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")


def is_server_url(value: object) -> bool:
    """True for ``postgresql://…`` (and ``postgres://…``): a desk on a PostgreSQL server."""
    if not isinstance(value, str):
        return False
    scheme, sep, _rest = value.partition("://")
    return bool(sep) and scheme.lower() in SERVER_SCHEMES


_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]+):")
FILE_SCHEMES = ("file", "sqlite", "sqlite3")


def desk_location(value: str | Path) -> str | Path:
    """A ``--db``/``SMS_TUI_DB`` value: the URL kept as text, anything else a file path.

    Another URL (``mysql://…``, SQLAlchemy's ``sqlite:///…``, SQLite's ``file:…?mode=ro``)
    is refused (:class:`ConfigError`): read as a path, it made an empty desk in folders
    named ``mysql:`` or ``file:`` under the current one, and ``list`` answered ``(none)``.
    """
    if isinstance(value, str) and is_server_url(value.strip()):
        return value.strip()
    if isinstance(value, str) and (scheme := _SCHEME.match(value.strip())) and (
            value.strip()[scheme.end():].startswith("/") or scheme[1].lower() in FILE_SCHEMES):
        hint = ("for an SQLite file give its path, e.g. /srv/desk.db"
                if scheme[1].lower() in FILE_SCHEMES else "the desk is an SQLite file or on PostgreSQL")
        shown = mask_url(value.strip()) if "@" in value else value.strip()  # no password shown
        raise ConfigError(f"{shown!r} is not a desk sms-tui can open: give a file "
                          f"path or a postgresql:// URL ({hint})")
    return Path(value).expanduser()


def mask_url(url: str) -> str:
    """``url`` with its password replaced by ``***`` (what a message may show)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<the PostgreSQL URL>"
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        user, colon, _password = userinfo.partition(":")
        netloc = f"{user}:***@{hostport}" if colon else f"{user}@{hostport}"
    query = "&".join(
        f"{k}=***" if k.lower() == "password" else f"{k}{'=' if sep else ''}{v}"
        for k, sep, v in (item.partition("=") for item in parts.query.split("&") if item))
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def display_name(location: str | Path) -> str:
    """How messages name the desk: the file path, or the URL without its password."""
    return mask_url(location) if isinstance(location, str) and is_server_url(location) else str(location)
