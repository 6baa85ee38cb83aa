"""A terminal driver that delivers a bare Esc at the escape delay, not up to 200 ms later.

Textual's Linux driver reads the terminal in a loop that waits in
``selector.select(0.1)`` and only then asks the input parser whether its
escape timeout has passed. A bare Esc (which cannot be told from the start of
an escape sequence until the delay has passed) therefore reached the app
100-200 ms after the key: Esc back to the queue took ~120 ms and Esc out of a
dialog ~175 ms where a letter key took ~25 ms.

:class:`PromptEscapeDriver` runs the same loop but waits in ``select`` only
until the parser's pending timeout, so an Esc is delivered at the escape delay.

**The escape delay** is :data:`ESCAPE_DELAY_MS` (15 ms) unless ``ESCDELAY`` is set
in the environment (the ncurses convention, in milliseconds, which Textual
honours). What decides whether a delay is safe is whether the bytes of one
escape sequence (an arrow ``ESC [ A``, Alt+x ``ESC x``, F5 ``ESC [ 1 5 ~``, the
end of a bracketed paste ``ESC [ 2 0 1 ~``) can arrive more than the delay
apart. A terminal writes a key's sequence in one write; ssh sends it in one
packet and sshd writes it to the pty in one write, so the app reads it in one
``read``. A sequence is split only when a read boundary falls inside it (a
paste or a burst bigger than a packet), and then the rest follows in the next
packet of the same burst, back to back: the round-trip time is paid once for
the whole burst, not between its packets, so the gap is the time the slowest
link takes to carry one packet -- 12 ms for 1,500 bytes at 1 Mbit/s, 1.2 ms at
10 Mbit/s. Only a lost packet (a TCP retransmission takes 200 ms or more) would
split it for longer, and no delay a user would accept covers that. 15 ms covers
a link of 1 Mbit/s; it is 1.5 times tmux's default ``escape-time`` (10 ms since
tmux 3.5, which reads keys over the same path: sshd, a pty, a program on the
remote host), and under Neovim's ``ttimeoutlen`` (50 ms). Keys typed one at a
time are never split, whatever the link. On a link that splits sequences more than
that (a serial line, a lossy or very slow mobile link), set ``ESCDELAY=100``
(Textual's own default) or more.

**Esc and a key in one read** (a burst over SSH, a fast typist, a script) are the bytes an
Alt+key sends (``ESC n``). Textual reads them as ``alt+n``, which nothing in the desk binds,
so both keys were lost; a longer burst (``ESC`` then a title) became ``^`` and the title, typed
as commands. :class:`DeskParser` reads ``ESC`` followed by a character that cannot start an
escape sequence as Esc, then that key -- as vim and less do, and as the keys were typed.
The one exception is the pair a Mac terminal sends for Option+arrow (``ESC b``/``ESC f``,
word left/right): in a text field they still move by word. Which of the two they are is
decided when the key is handed on (:func:`resolve_key`, from the type-ahead gate), with the
focus the keys before it left: the input thread reads a burst before the app has handled
any of it, so the focus it could see was the focus before the burst (a CI run typed
``Printer jams`` and ``ESC b`` into a form that had just opened, and got ``jamsb``).

**A paste holding escape sequences** (a log's colour codes) came out of Textual's parser
as keys, ahead of the paste: the field got the text reordered and each code as ``^``.
:class:`PasteFilter` takes them out of a bracketed paste before the parser reads it, and
the app says how many it left out.

**Robust to the installed Textual.** The loop is Textual's own (8.x) with
one line changed; if the installed Textual's loop is not the one this was
written against (its source no longer waits in ``select(0.1)``, or the parser
has no pending-timeout attribute), :func:`desk_driver_class` returns the stock
driver: Esc is slower, nothing else changes.
"""

from __future__ import annotations

import functools
import os
import re
import selectors
from codecs import getincrementaldecoder
from types import CodeType
from typing import Any

ESCAPE_DELAY_MS = 15
"""The escape delay when ``ESCDELAY`` is not set (see the module's docstring for why)."""

_STOCK_WAIT = ("select", 0.1)
"""The call of the stock loop this driver changes, ``selector.select(0.1)``, as its code holds
it (a name and a constant): if it is gone, the stock driver is used."""


def desk_driver_class(stock: type | None = None) -> type:
    """The driver for the desk's terminal: :class:`PromptEscapeDriver` when the installed
    Textual's input loop is the one it replaces, else ``stock`` (Textual's ``LinuxDriver``)."""
    from textual.drivers.linux_driver import LinuxDriver

    stock = stock or LinuxDriver
    if not _loop_is_known(stock):
        return stock
    return _prompt_driver(stock)


def _loop_is_known(stock: type) -> bool:
    from textual._xterm_parser import XTermParser

    # read from the loop's code, not its source: reading the source (linecache, tokenize)
    # cost the desk's start a few milliseconds before its first frame
    try:
        names, consts = _names_and_constants(stock.run_input_thread.__code__)
        parser = XTermParser(False)
    except (AttributeError, TypeError):
        return False
    name, wait = _STOCK_WAIT
    return (name in names and wait in consts and "XTermParser" in names
            and hasattr(parser, "_timeout_time") and hasattr(parser, "tick"))


def _names_and_constants(code: CodeType) -> tuple[set[str], set[object]]:
    """The names and constants a function's code uses, its nested functions' included."""
    names, consts = set(code.co_names), set()
    for const in code.co_consts:
        if isinstance(const, CodeType):
            more_names, more_consts = _names_and_constants(const)
            names |= more_names
            consts |= more_consts
        elif isinstance(const, (int, float, str)):
            consts.add(const)
    return names, consts


_classes: dict[type, type] = {}


def _prompt_driver(stock: type) -> type:
    """``stock`` with :func:`run_input_thread` as its input loop and the desk's escape delay."""
    if stock not in _classes:
        def start_application_mode(self: Any) -> None:
            use_escape_delay()
            stock.start_application_mode(self)

        _classes[stock] = type("PromptEscapeDriver", (stock,), {
            "__doc__": "Textual's Linux driver whose input loop wakes when the escape delay ends.",
            "__module__": __name__,
            "start_application_mode": start_application_mode,
            "run_input_thread": run_input_thread,
        })
    return _classes[stock]


def use_escape_delay() -> None:
    """Textual's escape delay becomes :data:`ESCAPE_DELAY_MS` unless ``ESCDELAY`` is set."""
    from textual import constants

    if "ESCDELAY" not in os.environ:
        constants.ESCAPE_DELAY = ESCAPE_DELAY_MS / 1000.0  # type: ignore[misc]


_SEQUENCE_STARTS = frozenset("[O]")
"""What may follow ESC to begin an escape sequence a terminal sends as input: CSI (keys,
mouse, paste, reports), SS3 (F1-F4, arrows in application mode) and OSC (replies). DCS,
APC, PM and SOS (``ESC P``, ``_``, ``^``, ``X``) only answer queries Textual never makes:
typed, they are Esc then the key (Esc then shift+P waited for a string's end that never
came, and swallowed the keys after it)."""
_SS3_FINALS = frozenset("ABCDEFHPQRSMXjklmnopqrstuvwxy")
"""What ends an SS3 sequence (``ESC O`` and one of these); ``ESC O`` then anything else was
Esc, then shift+O, then that key."""

_WORD_KEYS = frozenset("bf")
"""``ESC b``/``ESC f``: Option+left/right in a Mac terminal; word movement in a text field."""


_WORD_KEY_DOC = """``ESC b``/``ESC f`` in one read: Option+left/right in a text field, else Esc then the
letter. A Textual ``Key`` (``ctrl+left``/``ctrl+right``, as stock Textual reads them) that
carries the letter (``escape_then``), for :func:`resolve_key` to decide at dispatch."""

@functools.cache
def _word_key_class() -> type:
    from textual import events

    cls = type("WordOrEscapeKey", (events.Key,), {"__doc__": _WORD_KEY_DOC, "__module__": __name__})
    cls.handler_name = events.Key.handler_name  # handled as the key it stands for
    return cls


def resolve_key(event: Any, text_focused: bool) -> list[Any]:
    """The keys ``event`` stands for, given whether a text field has the focus now: an
    ``ESC b``/``ESC f`` key (:data:`_WORD_KEY_DOC`) is word movement in a text field, else
    Esc then its letter; any other event is itself."""
    from textual import events

    letter = getattr(event, "escape_then", None)
    if letter is None or text_focused:
        return [event]
    return [events.Key("escape", "\x1b"), events.Key(letter, letter)]


def desk_parser_class() -> type:
    """Textual's input parser, reading ESC and a plain key as Esc, then the key."""
    from textual import events
    from textual._xterm_parser import XTermParser

    word_key = _word_key_class()

    def split(self: Any, sequence: str, alt: bool = False) -> Any:
        key = None
        if alt and len(sequence) == 1:  # ESC then a key, read after the escape delay
            if sequence == "\r" or sequence.isprintable():  # whatever it is (O and [ too:
                yield events.Key("escape", "\x1b")  # no sequence ends after one character)
                yield from XTermParser._sequence_to_key_events(self, sequence)
                return
            key = sequence
        elif len(sequence) == 2 and sequence[0] == "\x1b":  # ESC then a key in one read
            key = sequence[1]
            if key in _WORD_KEYS:
                event = word_key("ctrl+left" if key == "b" else "ctrl+right", None)
                event.escape_then = key
                yield event
                return
        if key is not None and (key == "\r" or (key.isprintable() and key not in _SEQUENCE_STARTS)):
            yield events.Key("escape", "\x1b")
            yield from XTermParser._sequence_to_key_events(self, key)
            return
        if len(sequence) == 3 and sequence.startswith("\x1bO") and sequence[2] not in _SS3_FINALS:
            yield events.Key("escape", "\x1b")
            for char in sequence[1:]:
                yield from XTermParser._sequence_to_key_events(self, char)
            return
        yield from XTermParser._sequence_to_key_events(self, sequence, alt)

    return type("DeskParser", (XTermParser,), {
        "__doc__": "Textual's XTermParser; ESC and a plain key are Esc, then the key.",
        "__module__": __name__, "_sequence_to_key_events": split,
    })


PASTE_START = "\x1b[200~"
PASTE_END = "\x1b[201~"
_CSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")
_CSI_OPEN = re.compile(r"\x1b\[[0-?]*[ -/]*")
_OSC = re.compile(r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
_OSC_OPEN = re.compile(r"\x1b\][^\x07\x1b]*\x1b?")
_LONGEST_HELD = 256


class PasteFilter:
    """Takes the escape sequences out of what is pasted, before the parser reads it.

    Text copied from a log or a terminal capture holds colour codes (``ESC [ 3 1 m``). Inside
    a bracketed paste Textual's parser sent each as keys, ahead of the paste: the pasted text
    was stored reordered (what came before the first code moved to the end), its codes as
    ``^``, and a long paste took a minute as keys. Between the paste's start and end markers
    this leaves out every escape sequence (CSI, OSC, or ESC and one character) and counts
    them, so the parser reads the paste as the text it is, in order. Outside a paste it
    changes nothing. An escape sequence cut by a read is held until the next read (a paste
    comes in one burst); the end marker is never held back longer than that.
    """

    def __init__(self) -> None:
        self.in_paste = False
        self._seen = ""  # outside a paste: the last characters read (a start marker cut by a read)
        self._held = ""  # inside: an escape sequence not yet whole
        self._left_out = 0
        self.finished: list[int] = []  # sequences left out of each paste ended, in order

    def feed(self, text: str) -> str:
        out: list[str] = []
        while text:
            if not self.in_paste:
                seen = self._seen + text
                at = seen.find(PASTE_START)
                if at < 0:
                    self._seen = seen[-(len(PASTE_START) - 1):]
                    out.append(text)
                    break
                start_ends = at + len(PASTE_START) - len(self._seen)
                out.append(text[:start_ends])
                text, self.in_paste, self._seen, self._left_out = text[start_ends:], True, "", 0
                continue
            held, self._held = self._held, ""
            text = self._in_paste(held + text, out)
        return "".join(out)

    def _in_paste(self, text: str, out: list[str]) -> str:
        """Copy ``text`` to ``out`` up to the paste's end; what follows it (to read as keys)."""
        pos = 0
        while True:
            esc = text.find("\x1b", pos)
            if esc < 0:
                out.append(text[pos:])
                return ""
            out.append(text[pos:esc])
            rest = text[esc:]
            if rest.startswith(PASTE_END):
                out.append(PASTE_END)
                self.in_paste = False
                self.finished.append(self._left_out)
                return text[esc + len(PASTE_END):]
            whole = _CSI.match(text, esc) or _OSC.match(text, esc)
            if whole:
                pos = whole.end()
            elif (len(rest) <= _LONGEST_HELD and (
                    PASTE_END.startswith(rest) or rest == "\x1b"
                    or (m := _CSI_OPEN.match(rest)) and m.end() == len(rest)
                    or (m := _OSC_OPEN.match(rest)) and m.end() == len(rest))):
                self._held = rest  # cut by the read: decided when the rest comes
                return ""
            elif rest[1] in "[]":  # a sequence never ended: the ESC goes, the rest is text
                pos = esc + 1
            else:
                pos = esc + 2  # ESC and one character (ESC ESC: the first one only)
                if rest[1] == "\x1b":
                    pos = esc + 1
            self._left_out += 1


def run_input_thread(self: Any) -> None:
    """Textual 8's loop, but ``select`` waits only until the parser's pending timeout."""
    from textual import events
    from textual._loop import loop_last
    from textual._parser import ParseError
    from textual._time import get_time

    selector = selectors.SelectSelector()
    selector.register(self.fileno, selectors.EVENT_READ)
    fileno = self.fileno
    EVENT_READ = selectors.EVENT_READ
    parser = desk_parser_class()(self._debug)
    pastes = PasteFilter()

    def told(event: Any) -> Any:
        if isinstance(event, events.Paste) and pastes.finished:
            event.left_out = pastes.finished.pop(0)  # told by the app (DeskApp.on_event)
        return event

    def feed(text: str) -> Any:
        kept = pastes.feed(text)
        if text and not kept:  # all held back: "" would tell the parser the input has ended
            return
        for event in parser.feed(kept):
            yield told(event)

    def tick() -> Any:
        # a paste the parser ends on its timeout, not in a read, is told too (once, under
        # load, a paste's "2 left out" was lost: it came from here)
        for event in parser.tick():
            yield told(event)

    decode = getincrementaldecoder("utf-8")().decode
    read = os.read
    typed = (events.Key, events.Paste)  # stamped with the time of their read (_stamp)

    def wait() -> float:
        """Up to 0.1 s, as the stock loop, but no later than the escape delay's end."""
        due = parser._timeout_time
        if due is None:
            return 0.1
        return min(0.1, max(0.0, due - get_time()))

    def process_selector_events(selector_events: list[tuple[Any, int]], final: bool = False) -> None:
        for last, (_key, mask) in loop_last(selector_events):
            if mask & EVENT_READ:
                unicode_data = decode(read(fileno, 1024 * 4), final=final and last)
                if not unicode_data:
                    break
                read_at = get_time()
                for event in feed(unicode_data):
                    _stamp(event, read_at, typed)
                    self.process_message(event)
        for event in tick():
            self.process_message(event)

    # Keys typed before the terminal was put in raw mode (over SSH, right after "sms-tui⏎")
    # went through its line discipline, which turned Enter's \r into \n (ICRNL): read as
    # ctrl+j, that Enter was lost. What is already waiting when reading starts is theirs.
    if selector.select(0):
        typed_before = read(fileno, 1024 * 4)
        if typed_before:
            read_at = get_time()
            for event in feed(decode(typed_before).replace("\n", "\r")):
                _stamp(event, read_at, typed)
                self.process_message(event)

    try:
        while not self.exit_event.is_set():
            process_selector_events(selector.select(wait()))
        selector.unregister(self.fileno)
        process_selector_events(selector.select(0.1), final=True)
    finally:
        selector.close()
        try:
            for _event in feed(""):
                pass
        except (EOFError, ParseError):
            pass


def _stamp(event: Any, read_at: float, typed: tuple[type, ...]) -> None:
    """A key or paste (``typed``) carries the time its bytes were read, not the time the
    parser made it: the keys of one read are one burst, and a key refused drops the rest of
    its burst (``TypeAhead.drop_waiting``), however the parsing thread and the app's took
    turns."""
    if isinstance(event, typed):
        event.time = read_at
