"""Make user text safe to show in a terminal, without changing what is stored.

C0 and C1 control characters (ESC, BEL, CSI...) would reach the analyst's
terminal and could set the window title, write the clipboard (OSC 52) or clear
the screen; over SSH that is a real attack. For display we replace each with
a visible stand-in (the Unicode control picture, or ``\\xNN``), keeping
newline and tab. Bidirectional overrides and isolates (U+202E...) reorder
what follows them on screen -- a reference or a command can be made to read
as another -- so they are shown as ``\\u202e`` the same way.

The same rules make text safe in the files we write: JSON escapes them
(:func:`json_text`), CSV for spreadsheets gets visible controls and no
formulas (:func:`spreadsheet_cell`).
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

_C0_PICTURES = {code: chr(0x2400 + code) for code in range(0x20)}
_C0_PICTURES[0x7F] = "\u2421"  # DEL


# Bidi marks, embeddings, overrides and isolates; and the Unicode line/paragraph separators.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                          "\u2066\u2067\u2068\u2069")
_SEPARATORS = frozenset("\u2028\u2029")
_UNSAFE_JSON = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _visible(char: str) -> str:
    code = ord(char)
    if code in _C0_PICTURES:
        return _C0_PICTURES[code]
    if code > 0xFF:
        return f"\\u{code:04x}"
    return f"\\x{code:02x}"


# What a terminal would act on in text: C0 controls (but tab and newline), DEL and C1, the
# bidi controls and the Unicode line/paragraph separators.
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f" + "".join(sorted(BIDI_CONTROLS))
                      + "".join(sorted(_SEPARATORS)) + "]")


def visible_controls(text: str) -> str:
    """Replace every C0/C1 control (but newline and tab) and bidi control with a visible stand-in."""
    if not CONTROLS.search(text):
        return text
    return CONTROLS.sub(lambda found: _visible(found.group()), text)


def one_line(text: str, limit: int | None = None) -> str:
    """Safe single-line form for tables: controls visible, newlines and tabs as spaces;
    cut to ``limit`` characters by :func:`clip` (words and references kept whole)."""
    out = visible_controls(text).replace("\r", " ").replace("\n", " ").replace("\t", " ")
    if limit is not None and len(out) > limit:
        out = clip(out, limit)
    return out


def has_visible_text(text: str) -> bool:
    """True if ``text`` has something to see: not only spaces, zero-width, combining or bidi marks."""
    return any(not ch.isspace() and unicodedata.category(ch) not in ("Mn", "Me", "Cf", "Cc", "Zs")
               for ch in text)


def json_text(value: Any, **options: Any) -> str:
    """``json.dumps`` keeping readable UTF-8, but with C1 controls, DEL, bidi controls and
    U+2028/9 escaped (``\\u202e``): JSON escapes only C0, and a terminal or an editor
    showing the file would act on the rest. The document reads back identical."""
    return _UNSAFE_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}",
                            json.dumps(value, ensure_ascii=False, **options))


def spreadsheet_cell(value: Any) -> Any:
    """A CSV cell for people and spreadsheets: controls visible, never a formula.

    A cell starting with = + - @ (or tab, CR) runs as a formula in a spreadsheet
    (``=HYPERLINK(...)``, ``@SUM``): it is written as text, with a leading quote.
    """
    if not isinstance(value, str):
        return value
    if value[:1] in FORMULA_STARTS:
        value = "'" + value
    return visible_controls(value)
# A record reference as people write it in titles: 'CHG-000012', 'REV-7', 'INC-42'.
REF_IN_TEXT = re.compile(r"\b[A-Z]{2,4}-\d{1,9}\b")


def clip(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters, ending in '…' when cut.

    Titles are cut, references never: a reference the cut would lose or split
    ('… review of CHG-000012: …') is kept whole after the ellipsis, and the
    cut falls between words when a word boundary is near, so a reader is not
    left with 'supplier's own rep'.
    """
    if len(text) <= limit:
        return text
    if limit <= 1:
        return "…"[:limit]
    refs: list[str] = []
    for match in REF_IN_TEXT.finditer(text):
        if match.end() > limit - 1 and match.group() not in refs:
            refs.append(match.group())
    while True:
        tail = "".join(f" {ref}" for ref in refs)
        room = limit - 1 - len(tail)
        if room >= 3 or not refs:
            break
        refs.pop()  # not even the references fit: keep the first ones
    room = max(0, room)
    head = text[:room]
    if room < len(text) and text[room:room + 1] not in (" ", ""):
        space = head.rfind(" ")
        if space >= room // 2:  # a word boundary in the second half: cut there
            head = head[:space]
    # never leave part of a reference before the ellipsis
    for match in REF_IN_TEXT.finditer(text):
        if match.start() < len(head) < match.end():
            head = head[:match.start()]
    partial = re.search(r"\b[A-Z]{2,4}-?\d*$", head)
    if partial and any(ref.startswith(partial.group()) for ref in refs):
        head = head[:partial.start()]
    return (head.rstrip(" ,;:-–—·(") + "…" + tail)[:limit]


MAX_ACTOR = 100


def checked_actor(name: str) -> str:
    """Who acts (``--as``, ``SMS_TUI_USER`` or the OS user): a visible name, not a paragraph."""
    from .errors import ValidationError

    name = name.strip()
    if len(name) > MAX_ACTOR:
        raise ValidationError(f"the name to act as (--as or SMS_TUI_USER) is {len(name)} "
                              f"characters; keep it to {MAX_ACTOR}")
    if not has_visible_text(name):
        raise ValidationError("the name to act as (--as or SMS_TUI_USER) has nothing visible in it")
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        # an escape sequence or a line break in the journal's "who": shown as ␛ by the desk,
        # dropped silently by `show`, and a line of its own in an export
        raise ValidationError("the name to act as (--as or SMS_TUI_USER) holds a control "
                              "character (an escape, a tab, a line break); give a plain name")
    return name


# ------------------------------------------------------------------ what a desk can store
NUL = "\x00"


def storable_text(value: str, field: str) -> str:
    """The one rule every piece of user text meets before a desk stores it: no NUL
    character (``\\x00``). PostgreSQL's text cannot hold one at all and SQLite's C
    strings end at it, so it is refused on both, in one line naming the field, rather
    than failing in the driver (team mode) or being stored on one desk only."""
    if NUL in value:
        from .errors import ValidationError

        raise ValidationError(f"{field} contains a NUL character (\\x00), which a desk cannot "
                              "store; remove it (nothing was written)")
    return value


def without_nul(text: str) -> str:
    """``text`` without its NUL characters: for text the desk takes in whole from outside
    (a mail's body), where refusing the whole message for one stray byte helps nobody."""
    return text.replace(NUL, "") if NUL in text else text
