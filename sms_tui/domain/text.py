"""Make user text safe to show in a terminal, without changing what is stored.

C0 and C1 control characters (ESC, BEL, CSI...) would reach the analyst's
terminal and could set the window title, write the clipboard (OSC 52) or clear
the screen; over SSH that is a real attack. For display we replace each with
a visible stand-in (the Unicode control picture, or ``\\xNN``), keeping
newline and tab.
"""

from __future__ import annotations

_C0_PICTURES = {code: chr(0x2400 + code) for code in range(0x20)}
_C0_PICTURES[0x7F] = "\u2421"  # DEL


def _visible(char: str) -> str:
    code = ord(char)
    if code in _C0_PICTURES:
        return _C0_PICTURES[code]
    return f"\\x{code:02x}"


def _is_control(char: str) -> bool:
    code = ord(char)
    return (code < 0x20 and char not in "\n\t") or 0x7F <= code <= 0x9F


def visible_controls(text: str) -> str:
    """Replace every C0/C1 control (but newline and tab) with a visible stand-in."""
    if not any(_is_control(ch) for ch in text):
        return text
    return "".join(_visible(ch) if _is_control(ch) else ch for ch in text)


def one_line(text: str, limit: int | None = None) -> str:
    """Safe single-line form for tables: controls visible, newlines and tabs as spaces."""
    out = visible_controls(text).replace("\r", " ").replace("\n", " ").replace("\t", " ")
    if limit is not None and len(out) > limit:
        out = out[: max(0, limit - 1)] + "…"
    return out
