"""The ``[keys]`` section: remap any binding by its id, and refuse ids that do not exist.

Textual's ``set_keymap`` ignores an id it does not know, so a typo (``qiut``)
would silently remap nothing. The ids are collected from every screen and
widget of the UI; loading them all costs a few tens of milliseconds, so it is
done only when the config has a ``[keys]`` section.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
from typing import Any

from ..domain.errors import ConfigError


def binding_ids() -> set[str]:
    """Every binding id declared by the app, its screens and widgets."""
    from textual.binding import Binding
    from textual.dom import DOMNode

    from . import app, screens, widgets

    for package in (screens, widgets):
        for info in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
            importlib.import_module(info.name)
    ids: set[str] = set()
    seen: set[type] = set()
    pending: list[type] = [DOMNode]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                pending.append(sub)
    for cls in seen:
        if not cls.__module__.startswith("sms_tui."):
            continue
        for binding in cls.__dict__.get("BINDINGS", []):
            if isinstance(binding, Binding) and binding.id:
                ids.add(binding.id)
    ids.update(b.id for b in app.DeskApp.BINDINGS if isinstance(b, Binding) and b.id)
    return ids


def check_keys(section: dict[str, Any], source: str) -> dict[str, str]:
    """The ``[keys]`` table if every id is a binding of the app, else ConfigError naming the
    nearest id."""
    if not section:
        return {}
    known = binding_ids()
    for name, keys in section.items():
        if name not in known:
            near = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.5)
            hint = f"; did you mean '{near[0]}'?" if near else ""
            raise ConfigError(f"{source}: keys.{name}: no key binding has this id{hint} "
                              "(the help screen, '?', lists them)")
        if not isinstance(keys, str) or not keys.strip():
            raise ConfigError(f"{source}: keys.{name}: must be a key name in quotes, e.g. \"ctrl+q\"")
    return dict(section)
