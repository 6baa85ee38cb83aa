"""Findable screens (issue 14): one screen or dialog per module, its styles in a .tcss file.

A new screen added beside another in one module, or with its CSS inline, fails
here: the next engineer looks for ``IncidentScreen`` in ``incident.py`` and for
its styles in ``incident.tcss``.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

from textual.screen import Screen

import sms_tui.ui.screens as screens_pkg


def _screen_classes() -> dict[str, list[type]]:
    found: dict[str, list[type]] = {}
    for info in pkgutil.iter_modules(screens_pkg.__path__):
        module = importlib.import_module(f"{screens_pkg.__name__}.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and issubclass(cls, Screen):
                found.setdefault(info.name, []).append(cls)
    return found


def test_each_module_of_screens_holds_one_screen_or_dialog():
    crowded = {name: [c.__name__ for c in classes]
               for name, classes in _screen_classes().items()
               if name != "base" and len(classes) > 1}
    assert crowded == {}


def test_no_screen_keeps_its_css_inline():
    inline = sorted(f"{cls.__module__}.{cls.__name__}"
                    for classes in _screen_classes().values() for cls in classes
                    if cls.__dict__.get("DEFAULT_CSS", "").strip())
    assert inline == []


def test_every_css_file_a_screen_names_exists_beside_it():
    missing = []
    for classes in _screen_classes().values():
        for cls in classes:
            paths = cls.__dict__.get("CSS_PATH") or []
            for name in [paths] if isinstance(paths, str) else paths:
                if not (Path(inspect.getfile(cls)).parent / name).is_file():
                    missing.append(f"{cls.__name__}: {name}")
    assert missing == []


def test_no_module_outside_a_screen_lives_among_the_screens():
    # helpers of screens may live here (base classes, service lookups, shared widgets of
    # the review screens); a background service such as the scheduler may not
    names = {info.name for info in pkgutil.iter_modules(screens_pkg.__path__)}
    assert not any("scheduler" in name for name in names)
