"""The ``[keys]`` section: remap any binding by its id, and refuse ids that do not exist.

Textual's ``set_keymap`` ignores an id it does not know, so a typo (``qiut``)
would silently remap nothing. The ids are collected from every screen and
widget of the UI; loading them all costs a few tens of milliseconds, so it is
done only when the config has a ``[keys]`` section.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any


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
    """The ``[keys]`` table if it can be used (:func:`sms_tui.key_bindings.check_keys_section`:
    ids, keys a terminal sends, no key taken from another binding), else ConfigError."""
    from ..key_bindings import check_keys_section

    return check_keys_section(section, source)
