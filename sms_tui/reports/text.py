"""Escaping user text for each report format (text is data, never markup)."""

from __future__ import annotations

import html

from ..domain.text import one_line

_MD_SPECIAL = set("\\`*_[]|~#!")


def md(text: object) -> str:
    """Markdown-safe single line: controls visible; emphasis, links, tables and raw HTML inert."""
    out = []
    for ch in one_line(str(text)):
        if ch in _MD_SPECIAL:
            out.append("\\" + ch)
        elif ch == "<":
            out.append("&lt;")
        elif ch == ">":
            out.append("&gt;")
        elif ch == "&":
            out.append("&amp;")
        else:
            out.append(ch)
    return "".join(out)


def h(text: object) -> str:
    """HTML/SVG-safe text (quotes included, so it is safe in attributes too)."""
    return html.escape(one_line(str(text)), quote=True)
