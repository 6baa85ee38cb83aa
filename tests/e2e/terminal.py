"""A real terminal for the installed ``sms-tui``: a pseudo-terminal (pexpect) read by a
terminal emulator (pyte), so a test sees the screen as the analyst does.

Keys are written to the pty in one ``write`` when a test sends a burst -- as
SSH, tmux ``send-keys`` and pastes deliver them -- so nothing here paces them
the way Pilot does. The program is the console script installed next to the
test's Python (what ``pip install`` put on the analyst's PATH), not the
package imported in-process.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import pyte

KEYS = {
    "tab": "\t",
    "enter": "\r",
    "escape": "\x1b",
    "ctrl+s": "\x13",
    "ctrl+q": "\x11",
    "f2": "\x1bOQ",
    "down": "\x1b[B",
    "up": "\x1b[A",
    "ctrl+p": "\x10",
    "ctrl+r": "\x12",
    "pageup": "\x1b[5~",
    "pagedown": "\x1b[6~",
}


def installed_program() -> str:
    """The ``sms-tui`` console script of this environment (fails loudly if not installed)."""
    here = Path(sys.executable).with_name("sms-tui")
    found = str(here) if here.exists() else shutil.which("sms-tui")
    assert found, "sms-tui is not installed in this environment: pip install -e '.[test]'"
    return found


def base_env(home: Path, **extra: str) -> dict[str, str]:
    """A clean environment: its own home and XDG folders, a known terminal, no desk settings."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SMS_TUI_", "XDG_", "NO_COLOR", "TEXTUAL", "COLUMNS", "LINES"))}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"),
               XDG_CONFIG_HOME=str(home / "config"), XDG_STATE_HOME=str(home / "state"),
               TERM="xterm-256color", LANG="C.UTF-8", SMS_TUI_USER="tester")
    env.update(extra)
    return env


def cli(env: dict[str, str], *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run the installed program's command line (to seed a desk, or to check what was written)."""
    return subprocess.run([installed_program(), *args], env=env, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


class Terminal:
    """``sms-tui ARGS`` in a ``cols``×``rows`` pseudo-terminal."""

    def __init__(self, args: list[str], env: dict[str, str], *, cols: int = 100, rows: int = 30,
                 program: str | None = None) -> None:
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = bytearray()
        self.child = pexpect.spawn(program or installed_program(), args, env=env,
                                   dimensions=(rows, cols), timeout=5)

    # ------------------------------------------------------------ reading
    def pump(self, wait: float = 0.05) -> None:
        """Feed whatever the program wrote into the emulator."""
        deadline = time.monotonic() + wait
        while True:
            try:
                data = self.child.read_nonblocking(65536, timeout=max(0.0, deadline - time.monotonic()))
            except pexpect.TIMEOUT:
                return
            except pexpect.EOF:
                return
            self.raw += data
            self.stream.feed(data)
            if time.monotonic() >= deadline:
                return

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def wait_for(self, needle: str, timeout: float = 20.0) -> str:
        """Wait until ``needle`` is on the screen; the screen's text."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump(0.05)
            if needle in self.text():
                return self.text()
            if not self.child.isalive():
                self.pump(0.2)
                break
        raise AssertionError(f"{needle!r} never appeared; the screen shows:\n{self.text()}")

    def wait_for_re(self, pattern: str, timeout: float = 20.0) -> str:
        """Wait until the regular expression ``pattern`` matches the screen's text."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump(0.05)
            if re.search(pattern, self.text()):
                return self.text()
        raise AssertionError(f"{pattern!r} never matched; the screen shows:\n{self.text()}")

    def wait_gone(self, needle: str, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump(0.05)
            if needle not in self.text():
                return self.text()
        raise AssertionError(f"{needle!r} is still on the screen:\n{self.text()}")

    def settle(self, seconds: float = 0.5) -> str:
        """Let the program draw for ``seconds``; the screen's text."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.pump(0.05)
        return self.text()

    # ------------------------------------------------------------ writing
    def burst(self, *parts: str) -> None:
        """Send keys in ONE write: each part is text or a name from KEYS."""
        data = "".join(KEYS.get(part, part) for part in parts)
        self.child.send(data)

    def resize(self, cols: int, rows: int) -> None:
        self.screen.resize(rows, cols)
        self.child.setwinsize(rows, cols)

    # ------------------------------------------------------------ ending
    def wait_exit(self, timeout: float = 20.0) -> int:
        """Wait for the program to end; its exit status."""
        deadline = time.monotonic() + timeout
        while self.child.isalive() and time.monotonic() < deadline:
            self.pump(0.1)
        self.pump(0.1)
        assert not self.child.isalive(), f"sms-tui did not exit; the screen shows:\n{self.text()}"
        self.child.close()
        return self.child.exitstatus if self.child.exitstatus is not None else 128 + (
            self.child.signalstatus or 0)

    def close(self) -> None:
        if self.child.isalive():
            self.child.terminate(force=True)
        self.child.close()
