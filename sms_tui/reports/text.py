"""Escaping user text for each report format (text is data, never markup)."""

from __future__ import annotations

import html

from ..domain.text import one_line

# Backslash escapes (CommonMark 2.4, any ASCII punctuation): emphasis, code, links, tables,
# headings, block quotes and raw HTML stay text. Entities are for HTML: "&amp;" in a Markdown
# file is read as such by anyone looking at the file itself.
_MD_SPECIAL = set("\\`*_[]|~#!<>")


def md(text: object) -> str:
    """Markdown-safe single line: controls visible; emphasis, links, tables and raw HTML inert.

    A ``&`` stays as it is unless it could start an entity reference (``&amp;``, ``&#38;``):
    then it is backslash-escaped, so the text reads back as typed."""
    line = one_line(str(text))
    out = []
    for i, ch in enumerate(line):
        if ch in _MD_SPECIAL:
            out.append("\\" + ch)
        elif ch == "&" and i + 1 < len(line) and (line[i + 1].isalnum() or line[i + 1] == "#"):
            out.append("\\&")
        else:
            out.append(ch)
    return "".join(out)


def h(text: object) -> str:
    """HTML/SVG-safe text (quotes included, so it is safe in attributes too)."""
    return html.escape(one_line(str(text)), quote=True)
