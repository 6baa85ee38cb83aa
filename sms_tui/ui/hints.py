"""A service's refusal as the TUI says it: the key that resolves it, never a CLI command.

Services refuse in words that fit every front end; an
:class:`~sms_tui.domain.errors.ActionRequired` also names the action that
resolves it, and here it gets the key that does it on the record's screen (the
CLI adds its command instead, in :mod:`sms_tui.cli.common`).
"""

from __future__ import annotations

from ..domain.errors import ActionRequired

# action -> what to press on the record's own screen
ACTION_KEYS = {
    "approve": "A approves, R rejects",
    "reject": "R rejects",
    "outcome": "o records the outcome",  # a change's, or a complaint's (and resolves it)
}


def error_message(exc: BaseException) -> str:
    """What to show for ``exc``: its message, and for an ActionRequired the key to press."""
    message = str(exc)
    if isinstance(exc, ActionRequired):
        keys = ACTION_KEYS.get(exc.action)
        if keys:
            message += f" — on {exc.ref}'s screen, {keys}"
    hint = getattr(exc, "tui_hint", "")  # the key or field that resolves it (domain.errors.hinted)
    return f"{message} ({hint})" if hint else message
