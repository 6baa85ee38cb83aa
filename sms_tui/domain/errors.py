"""Errors raised by domain rules and services, each with a message fit for an analyst."""

from typing import TypeVar


class DeskError(Exception):
    """Base class: an error whose message can be shown to the user as is."""


class ValidationError(DeskError):
    """Input that breaks a rule (empty title, unknown impact...)."""


class ActionRequired(ValidationError):
    """A refusal that one action of the desk resolves: record a decision, an outcome...

    The message says what is missing in words that fit every front end; ``action``
    (``approve``, ``reject``, ``outcome``) and ``ref`` say which, so that each front
    end adds how it is done there: the CLI its command, the TUI its key.
    """

    def __init__(self, message: str, *, action: str, ref: str) -> None:
        super().__init__(message)
        self.action, self.ref = action, ref


E = TypeVar("E", bound=BaseException)


def hinted(exc: E, *, cli: str = "", tui: str = "") -> E:
    """``exc`` with how each front end resolves it, where that differs: the CLI adds ``cli``
    (a command, an option), the TUI ``tui`` (a key, a field), each in brackets after the
    message -- which itself stays in words that fit both."""
    if cli:
        exc.cli_hint = cli  # type: ignore[attr-defined]
    if tui:
        exc.tui_hint = tui  # type: ignore[attr-defined]
    return exc


class InvalidTransition(DeskError):
    """A status change the record's lifecycle does not allow."""

    def __init__(self, kind: str, current: str, target: str, allowed: list[str]):
        self.kind, self.current, self.target, self.allowed = kind, current, target, allowed
        allowed_text = ", ".join(allowed) if allowed else "none (the record is final)"
        super().__init__(
            f"{kind} cannot move from '{current}' to '{target}'; allowed from '{current}': {allowed_text}"
        )


class NotFound(DeskError):
    """A reference or name that matches no record."""


class ConflictError(DeskError):
    """A write made against a stale version of a record (optimistic concurrency)."""


class LinkWouldMove(ConflictError):
    """A link made from the far side (a problem taking an incident) would move the record
    that holds the link off the one it is linked to, which the caller has not seen.

    ``holder_ref`` and ``holder_version`` say which record, at which version it was
    refused, and ``linked_to`` what it is linked to: a front end shows them and, once the
    analyst confirms, makes the link again with ``move`` and that version."""

    def __init__(self, message: str, *, holder_ref: str, holder_version: int,
                 linked_to: str) -> None:
        super().__init__(message)
        self.holder_ref, self.holder_version, self.linked_to = holder_ref, holder_version, linked_to


class ConfigError(DeskError):
    """A configuration file that cannot be used; the message names the file and key."""


def check_table(section: object, prefix: str, known: set[str], source: str) -> None:
    """Refuse a config section that is not a table, or that has a key outside ``known``:
    the ConfigError names the file, the section and the first unknown key."""
    if not isinstance(section, dict):
        raise ConfigError(f"{source}: {prefix}: must be a table")
    unknown = set(section) - known
    if unknown:
        raise ConfigError(f"{source}: {prefix}.{sorted(unknown)[0]}: unknown key; "
                          f"use {', '.join(sorted(known))}")
