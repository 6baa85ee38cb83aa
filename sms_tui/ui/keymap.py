"""The bindings the desk's screens and widgets declare, read from them.

``[keys]`` is checked against :data:`sms_tui.key_bindings.DEFAULTS`, a table that needs no
Textual (every command checks the config); a test compares that table with
:func:`declared_bindings`, which imports every screen and widget to read them.
"""

from __future__ import annotations

import importlib
import pkgutil


def declared_bindings() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Every binding id declared by the app, its screens and widgets: its default keys and
    the classes that declare it (the shape of ``key_bindings.DEFAULTS``), sorted by id."""
    from textual.binding import Binding
    from textual.dom import DOMNode

    from . import app, screens, widgets

    for package in (screens, widgets):
        for info in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
            importlib.import_module(info.name)
    seen: set[type] = set()
    pending: list[type] = [DOMNode]
    while pending:
        for sub in pending.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                pending.append(sub)
    found: dict[str, tuple[str, set[str]]] = {}
    for cls in [c for c in seen if c.__module__.startswith("sms_tui.")] + [app.DeskApp]:
        for binding in cls.__dict__.get("BINDINGS", []):
            if isinstance(binding, Binding) and binding.id:
                found.setdefault(binding.id, (binding.key, set()))[1].add(cls.__name__)
    return {name: (keys, tuple(sorted(owners))) for name, (keys, owners) in sorted(found.items())}
