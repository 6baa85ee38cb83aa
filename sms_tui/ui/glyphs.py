"""ASCII for terminals that cannot draw box lines and symbols (``TERM=vt100``, ``TERM=linux``).

Textual draws borders, scroll bars and separators with box-drawing and block
characters, and the desk adds its own markers (``▲MAJ``, ``‼ OVERDUE``, ``↑``,
``✓``). A VT100, the Linux console and a terminal whose locale is not UTF-8
show those as garbage. Rather than a second spelling of every widget, the app
passes everything it draws through one line filter (:class:`AsciiFilter`)
that swaps each such character for an ASCII one of the same width, so
layouts and column widths do not move. User text passes through unchanged
except for these symbols.

:func:`ascii_only` decides, from ``SMS_TUI_ASCII`` (``1``/``0`` forces it), then
``TERM`` and the locale's encoding.
"""

from __future__ import annotations

import locale
import os
import unicodedata
from collections.abc import Mapping

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

from ..domain.text import CONTROLS, visible_controls

# Terminals known to lack the line-drawing and symbol glyphs Textual uses.
ASCII_TERMS = frozenset({"vt52", "vt100", "vt102", "vt220", "vt320", "linux", "cons25"})

# "‼" (overdue) is not "!" (due soon, near breach): "! OVERDUE" and "! due soon" had one marker
_SYMBOLS = {
    "▲": "^", "△": "^", "▼": "v", "▽": "v", "↑": "^", "↓": "v", "→": ">", "←": "<",
    "▶": ">", "◀": "<", "▸": ">", "◂": "<", "⏵": ">", "⏴": "<", "‼": "#", "●": "*",
    "○": "o", "•": "*", "◆": "*", "·": ".", "…": "~", "–": "-", "—": "-", "−": "-",
    "✓": "+", "✔": "+", "✗": "x", "✘": "x", "×": "x", "⭘": "O", "░": ".", "▒": ":",
    "▓": "#", "█": "#", "›": ">", "‹": "<", "»": ">", "«": "<", "‖": "|", "‘": "'", "’": "'", "“": '"', "”": '"', "≥": ">", "≤": "<",
}


def _box(char: str) -> str:
    """Box drawing (U+2500-257F) and block elements (U+2580-259F) as ASCII."""
    name = unicodedata.name(char, "")
    if "DIAGONAL" in name:
        return "X" if "CROSS" in name else ("/" if "UPPER RIGHT" in name else "\\")
    if "BLOCK" in name or "SHADE" in name or "QUADRANT" in name:
        if "LEFT" in name or "RIGHT" in name:
            return "|"
        if "LOWER ONE" in name or "LOWER HALF" in name or "LOWER THREE" in name:
            return "_"
        return "-" if "UPPER" in name else "#"
    directions = {w for w in name.split() if w in ("LEFT", "RIGHT", "UP", "DOWN", "HORIZONTAL",
                                                    "VERTICAL")}
    if directions and directions <= {"LEFT", "RIGHT", "HORIZONTAL"}:
        return "-"
    if directions and directions <= {"UP", "DOWN", "VERTICAL"}:
        return "|"
    return "+"  # corners and junctions


def _table() -> dict[int, str]:
    table = {ord(c): _box(c) for c in map(chr, range(0x2500, 0x25A0))}
    table.update({code: "?" for code in range(0x2400, 0x2427)})  # control pictures (␛)
    table.update({ord(k): v for k, v in _SYMBOLS.items()})
    return table


ASCII_TABLE: dict[int, str] = _table()


def to_ascii(text: str) -> str:
    """``text`` with every line-drawing character and desk symbol as one ASCII character."""
    return text.translate(ASCII_TABLE)


def ascii_only(environ: Mapping[str, str] | None = None, encoding: str | None = None) -> bool:
    """True when the terminal cannot draw box lines and symbols: ASCII must do."""
    env = os.environ if environ is None else environ
    forced = env.get("SMS_TUI_ASCII", "").strip().lower()
    if forced in ("1", "yes", "true", "on"):
        return True
    if forced in ("0", "no", "false", "off"):
        return False
    term = env.get("TERM", "").strip().lower()
    if term in ASCII_TERMS or term.startswith(("vt1", "vt2", "vt3")):
        return True
    encoding = encoding if encoding is not None else locale.getpreferredencoding(False)
    return "utf" not in encoding.lower().replace("-", "")


class AsciiFilter(LineFilter):
    """A Textual line filter: what the app draws, in ASCII (same cell widths)."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [segment if segment.control else Segment(to_ascii(segment.text), segment.style)
                for segment in segments]


class ControlFilter(LineFilter):
    """A Textual line filter: no control character in what the app draws reaches the terminal.

    Screens show user text through :func:`~sms_tui.domain.text.visible_controls` already;
    this is the net under every widget that draws text as given -- an edit form's input
    holding a title sent by mail with ``ESC ] 0 ; … BEL`` in it would otherwise retitle the
    analyst's terminal, or write their clipboard (OSC 52). Each control is drawn as its
    visible stand-in (``␛``); the line keeps its width (Textual measured the control as no
    cell), losing as many cells at its end as stand-ins were added.
    """

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        if not any(not s.control and CONTROLS.search(s.text) for s in segments):
            return segments
        width = Segment.get_line_length(segments)
        shown = [s if s.control else Segment(visible_controls(s.text), s.style, s.control)
                 for s in segments]
        return list(Segment.adjust_line_length(shown, width))
