"""Opening the services gives way to the keyboard (sms_tui.ui.give_way): the thread opening
them pauses before each module it imports while a key's screen is being built, never for
long, never for another thread, and the modules it imports are as usual."""

from __future__ import annotations

import importlib
import inspect
import sys
import threading

import pytest

from sms_tui.ui import give_way


@pytest.fixture
def modules(tmp_path, monkeypatch):
    """Fresh modules to import: ``pkg_gw`` (a package importing its ``inner``) and ``other_gw``."""
    (tmp_path / "pkg_gw").mkdir()
    (tmp_path / "pkg_gw" / "__init__.py").write_text("from . import inner\nVALUE = inner.VALUE\n")
    (tmp_path / "pkg_gw" / "inner.py").write_text("def answer():\n    return 42\n\nVALUE = answer()\n")
    (tmp_path / "other_gw.py").write_text("VALUE = 'other'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    yield
    for name in ("pkg_gw", "pkg_gw.inner", "other_gw"):
        sys.modules.pop(name, None)


def test_each_module_waits_while_busy_and_is_imported_as_usual(modules, monkeypatch):
    monkeypatch.setattr(give_way, "EACH_S", 5.0)
    monkeypatch.setattr(give_way, "TOTAL_S", 10.0)
    asked = []

    def busy() -> bool:  # busy for the first two questions of each module, then free
        asked.append(1)
        return len(asked) % 3 != 0

    with give_way.giving_way(busy) as finder:
        import pkg_gw
    assert pkg_gw.VALUE == 42
    assert len(asked) == 6  # two modules, three questions each
    assert finder.waited > 0
    assert finder not in sys.meta_path
    # the module's loader is Python's own: its source can be read, tracebacks show it
    assert type(pkg_gw.inner.__loader__).__name__ == "SourceFileLoader"
    assert "return 42" in inspect.getsource(pkg_gw.inner.answer)


def test_a_busy_interface_holds_the_imports_back_only_so_long(modules, monkeypatch):
    monkeypatch.setattr(give_way, "EACH_S", 0.05)
    monkeypatch.setattr(give_way, "TOTAL_S", 0.08)
    with give_way.giving_way(lambda: True) as finder:  # never free: the imports go on all the same
        import other_gw
        import pkg_gw
    assert pkg_gw.VALUE == 42 and other_gw.VALUE == "other"
    assert finder.waited < 0.08 + 0.05


def test_another_threads_imports_do_not_wait(modules):
    asked = []
    imported = []

    with give_way.giving_way(lambda: asked.append(1) or True):
        thread = threading.Thread(target=lambda: imported.append(importlib.import_module("other_gw")))
        thread.start()
        thread.join(10)
    assert imported and imported[0].VALUE == "other"
    assert asked == []
