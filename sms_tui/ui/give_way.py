"""Opening the services gives way to the keyboard (issue 20).

The desk shows its first rows before the services are open (SQLAlchemy, SQLModel and the
schema's models: about a second of imports, in a thread). Python runs one thread at a
time, so a key pressed in that second -- a form to open, another queue -- was built at
half speed, sharing the interpreter with the imports.

While the services open, the thread opening them pauses before each module it has yet
to import whenever a key was handed on in the last :data:`AFTER_KEY_S`: the screen that key
opens is built at full speed, and the imports go on once it is. The pauses are bounded
(:data:`EACH_S` per module, :data:`TOTAL_S` in all), so that nothing -- a key whose screen
needs the services, or the interface waiting on a module this thread is importing -- can
hold the services back for long.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

AFTER_KEY_S = 0.35  # a screen opened by a key is built and painted within this, at full speed
EACH_S = 0.4
TOTAL_S = 1.5


class GiveWay:
    """A finder at the head of ``sys.meta_path`` for the one thread it was made for: it
    finds each module as the finders after it do, and has the module's code wait, before
    it runs, while ``busy()`` says the interface has work to do.

    The wait is in the loader, not in the finder: Python looks for modules under its
    global import lock, which every thread's imports need, and runs a module's code under
    that module's own lock only.
    """

    def __init__(self, busy: Callable[[], bool], thread: int) -> None:
        self._busy = busy
        self._thread = thread
        self.waited = 0.0  # seconds given way so far

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if threading.get_ident() != self._thread or self.waited >= TOTAL_S:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                loader = spec.loader
                if type(loader).__name__ in _LOADERS and "exec_module" not in vars(loader):
                    loader.exec_module = self._waiting(loader.exec_module)  # this module's own
                return spec
        return None

    def _waiting(self, exec_module: Callable[[Any], None]) -> Callable[[Any], None]:
        def exec_after_giving_way(module: Any) -> None:
            self.give_way()
            exec_module(module)

        return exec_after_giving_way

    def give_way(self) -> None:
        if self.waited >= TOTAL_S:
            return
        start = time.monotonic()
        with contextlib.suppress(Exception):  # an import must never fail for this
            while self._busy():
                spent = time.monotonic() - start
                if spent >= EACH_S or self.waited + spent >= TOTAL_S:
                    break
                time.sleep(0.005)
        self.waited += time.monotonic() - start


# the loaders of modules in files, one instance per module (a frozen or built-in module is
# left as it is)
_LOADERS = frozenset({"SourceFileLoader", "SourcelessFileLoader", "ExtensionFileLoader"})


@contextlib.contextmanager
def giving_way(busy: Callable[[], bool]) -> Iterator[GiveWay]:
    """Imports made by this thread inside the block give way while ``busy()``."""
    finder = GiveWay(busy, threading.get_ident())
    sys.meta_path.insert(0, finder)
    try:
        yield finder
    finally:
        with contextlib.suppress(ValueError):
            sys.meta_path.remove(finder)
