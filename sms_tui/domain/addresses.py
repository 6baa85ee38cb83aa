"""An address as a config file gives it: checked at start, with nothing heavier than the
standard library's parser (the config is read before the desk's first frame)."""

from __future__ import annotations

from email.utils import parseaddr

from .errors import ConfigError


def config_address(value: str, where: str) -> str:
    """An address as a config file gives it (``Name <name@example.org>``); refused, naming
    ``where``, unless it is one address on one line: a line break in a contact's name passed
    the check, and every mail to top management then failed at each try ("Header values may
    not contain linefeed"), to the valid contacts too."""
    if any(ch < " " or ch == "\x7f" for ch in value):
        raise ConfigError(f"{where}: {value!r} holds a line break or another control "
                          "character; an address is one line")
    if "@" not in parseaddr(value)[1]:
        raise ConfigError(f"{where}: {value!r} is not an email address")
    return value
