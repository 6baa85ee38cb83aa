"""sms-tui's terminal driver (``sms_tui.ui.driver``) in a real pseudo-terminal: a bare Esc is
delivered on its own, and escape sequences that arrive in pieces -- as over SSH, split at
any byte -- are never misread as Esc followed by letters (issue 20).

The app under test is ``keyecho.py``: a bare Textual app on the desk's driver that writes
every key it is told to a file. No timing is asserted: the pieces are written a few
milliseconds apart (well inside the escape delay) and the test checks what arrived.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pexpect
import pytest

from sms_tui.ui import driver as desk_driver

from .terminal import base_env

HERE = Path(__file__).parent
SENTINEL, SENTINEL_KEY = ".", "full_stop"
GAP_S = 0.003
# a gap this long may reach the escape delay (15 ms) once the pty and the app's input thread
# have had their share of a loaded machine: such a case is written again, not failed
LATE_S = 0.010

SEQUENCES = {
    "up": "\x1b[A",
    "f5": "\x1b[15~",
    "f1": "\x1bOP",
    "ctrl+right": "\x1b[1;5C",
    "shift+tab": "\x1b[Z",
    "paste:two words\\nand a line": "\x1b[200~two words\nand a line\x1b[201~",
    # a log's colour codes in a paste: left out, the text in order (they came as keys, first)
    "paste:L1 red end\\nL2 (2 left out)": "\x1b[200~L1 \x1b[31mred\x1b[0m end\nL2\x1b[201~",
}


class Echo:
    def __init__(self, tmp_path: Path, *extra: str) -> None:
        self.log = tmp_path / "keys.log"
        self.log.touch()
        env = base_env(tmp_path)
        env.pop("ESCDELAY", None)  # the desk's own delay is under test
        self.child = pexpect.spawn(sys.executable, [str(HERE / "keyecho.py"), str(self.log), *extra],
                                   env=env, dimensions=(24, 80), timeout=20)
        self.child.delaybeforesend = None  # pexpect sleeps 50 ms before each write by default
        self.child.expect("READY")

    def write(self, *pieces: str) -> float:
        """Each piece in its own write, GAP_S apart; returns the longest gap there was (a
        loaded machine can make this process sleep far longer than asked)."""
        longest, last = 0.0, None
        for i, piece in enumerate(pieces):
            if i:
                time.sleep(GAP_S)
            now = time.monotonic()
            if last is not None:
                longest = max(longest, now - last)
            self.child.send(piece)
            last = time.monotonic()
        return longest

    def keys(self, until: str, count: int = 1, timeout: float = 20.0) -> list[str]:
        """The keys logged so far, once ``until`` has been logged ``count`` times."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            lines = self.log.read_text().splitlines()
            if lines.count(until) >= count:
                return lines
            time.sleep(0.02)
        raise AssertionError(f"{until!r} ×{count} never arrived; got {self.log.read_text()!r}")

    def keys_after(self, until: str, count: int, timeout: float = 20.0) -> None:
        """Wait until a key has been logged after the ``count``-th ``until``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            lines = self.log.read_text().splitlines()
            seen = [i for i, line in enumerate(lines) if line == until]
            if len(seen) >= count and len(lines) > (seen[count - 1] + 1 if count else 0):
                return
            time.sleep(0.005)
        raise AssertionError(f"nothing arrived after {until!r} ×{count}: {self.log.read_text()!r}")

    def close(self) -> None:
        self.child.send("\x11")  # ctrl+q
        try:
            self.child.expect(pexpect.EOF, timeout=5)
        except pexpect.TIMEOUT:  # stuck (in a paste that never ended): the test says why
            self.child.terminate(force=True)
        self.child.close()


@pytest.fixture
def echo(tmp_path: Path):
    e = Echo(tmp_path)
    yield e
    e.close()


def cases() -> list[tuple[str, list[str]]]:
    """Every sequence whole, cut once at every byte boundary, and byte by byte."""
    out = []
    for name, seq in SEQUENCES.items():
        out.append((name, [seq]))
        out += [(name, [seq[:k], seq[k:]]) for k in range(1, len(seq))]
        out.append((name, list(seq)))
    return out


def test_sequences_split_at_every_byte_are_read_as_the_key_not_as_esc(echo: Echo) -> None:
    sentinels = 0
    misread = []
    for name, pieces in cases():
        for _attempt in range(3):
            longest = echo.write(*pieces)
            # Textual's parser tells Alt+x from Esc-then-x only when the escape delay has
            # passed with nothing after the x: the sentinel waits until the key is in
            echo.keys_after(SENTINEL_KEY, sentinels)
            echo.child.send(SENTINEL)
            sentinels += 1
            got = _since_sentinel(echo.keys(SENTINEL_KEY, count=sentinels), sentinels)
            # a piece that came later than the escape delay is a bare Esc, rightly: the
            # writer was descheduled (a loaded machine), and the case is written again
            if got == [name] or longest < LATE_S:
                break
        if got != [name]:
            misread.append((pieces, got, f"{longest * 1000:.0f} ms"))
    assert not misread, f"{len(misread)} of {len(cases())} split sequences misread, e.g. {misread[:5]}"


def _since_sentinel(lines: list[str], count: int) -> list[str]:
    """The keys logged between the ``count - 1``-th and the ``count``-th sentinel."""
    marks = [i for i, line in enumerate(lines) if line == SENTINEL_KEY]
    start = marks[count - 2] + 1 if count >= 2 else 0
    return lines[start:marks[count - 1]]


@pytest.mark.parametrize("pieces", [["\x1bx"], ["\x1b", "x"], ["\x1bnew"], ["\x1b\r"],
                                    ["\x1bP23"], ["\x1bO23"], ["\x1b_x"], ["\x1bO"], ["\x1b["]],
                         ids=["one-read", "split", "esc-then-text", "esc-then-enter",
                              "esc-then-shift-p", "esc-then-shift-o", "esc-then-underscore",
                              "esc-then-shift-o-last", "esc-then-bracket-last"])
def test_esc_and_a_plain_key_are_esc_then_the_key_however_they_arrive(echo: Echo, pieces) -> None:
    """ESC x is also what Alt+x sends; nothing in the desk binds Alt, and a burst over SSH
    (Esc, then the next key) must not lose both keys as one Alt+x, nor turn a longer
    burst into "^" and text."""
    echo.write(*pieces)
    wanted = {"\x1bx": ["escape", "x"], "\x1bnew": ["escape", "n", "e", "w"],
              "\x1b\r": ["escape", "enter"], "\x1bP23": ["escape", "P", "2", "3"],
              "\x1bO23": ["escape", "O", "2", "3"],
              "\x1b_x": ["escape", "underscore", "x"], "\x1bO": ["escape", "O"],
              "\x1b[": ["escape", "left_square_bracket"]}["".join(pieces)]
    assert echo.keys(wanted[-1]) == wanted


def test_option_arrows_of_a_mac_terminal_are_esc_then_the_letter_outside_a_text_field(
        echo: Echo) -> None:
    echo.write("\x1bb")
    assert echo.keys("b") == ["escape", "b"]


def test_a_bare_esc_is_delivered_without_another_key_behind_it(echo: Echo) -> None:
    echo.child.send("\x1b")
    assert echo.keys("escape") == ["escape"]


def test_esc_then_a_letter_typed_after_a_pause_is_esc_then_the_letter(echo: Echo) -> None:
    echo.child.send("\x1b")
    echo.keys("escape")
    echo.child.send("x")
    assert echo.keys("x") == ["escape", "x"]


def test_two_esc_presses_are_two_escapes(echo: Echo) -> None:
    echo.child.send("\x1b")
    echo.keys("escape")
    echo.child.send("\x1b")
    assert echo.keys("escape", count=2) == ["escape", "escape"]


def test_the_desk_runs_on_the_prompt_driver_when_textual_is_the_known_version() -> None:
    from textual.drivers.linux_driver import LinuxDriver

    chosen = desk_driver.desk_driver_class()
    assert chosen is not LinuxDriver and issubclass(chosen, LinuxDriver)
    assert chosen.run_input_thread is desk_driver.run_input_thread


def test_the_app_picks_the_prompt_driver(tmp_path: Path) -> None:
    from sms_tui.ui.app import DeskApp

    app = DeskApp(db_path=tmp_path / "desk.db", actor="tester")
    assert app.driver_class.run_input_thread is desk_driver.run_input_thread


def test_a_textual_whose_input_loop_differs_gets_its_own_driver_back() -> None:
    class OtherLoop:
        def run_input_thread(self) -> None:
            while True:
                break  # not the loop this driver replaces

    assert desk_driver.desk_driver_class(OtherLoop) is OtherLoop


def test_a_textual_whose_loop_waits_otherwise_gets_its_own_driver_back() -> None:
    """The loop replaced is the one that waits in ``selector.select(0.1)``: a loop that reads
    keys through the same parser but waits another way is not replaced."""
    import selectors

    from textual._xterm_parser import XTermParser

    class WaitsLonger:
        def run_input_thread(self) -> None:
            parser = XTermParser(False)

            def wait() -> None:
                selectors.SelectSelector().select(0.25)

            wait()
            parser.tick()

    assert desk_driver.desk_driver_class(WaitsLonger) is WaitsLonger


def test_a_textual_whose_parser_has_no_pending_timeout_gets_its_own_driver_back(monkeypatch) -> None:
    import textual._xterm_parser as xterm
    from textual.drivers.linux_driver import LinuxDriver

    class Parser:
        def __init__(self, debug: bool) -> None:
            self.tick = lambda: ()

    monkeypatch.setattr(xterm, "XTermParser", Parser)
    assert desk_driver.desk_driver_class(LinuxDriver) is LinuxDriver


def test_escdelay_set_by_the_user_is_kept(monkeypatch) -> None:
    from textual import constants

    monkeypatch.setattr(constants, "ESCAPE_DELAY", 0.4)
    monkeypatch.setenv("ESCDELAY", "400")
    desk_driver.use_escape_delay()
    assert constants.ESCAPE_DELAY == 0.4
    monkeypatch.delenv("ESCDELAY")
    desk_driver.use_escape_delay()
    assert constants.ESCAPE_DELAY == desk_driver.ESCAPE_DELAY_MS / 1000
