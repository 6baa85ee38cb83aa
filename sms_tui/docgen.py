"""Keep generated parts of README.md in step with the code.

    python -m sms_tui.docgen          # rewrite the generated sections
    python -m sms_tui.docgen --check  # exit 1 if README.md is stale (a test runs this)

A generated section sits between ``<!-- generated:NAME -->`` and
``<!-- /generated:NAME -->`` markers.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from .domain.kinds import KINDS
from .domain.lifecycle import LIFECYCLES

README = Path(__file__).resolve().parent.parent / "README.md"


def lifecycles_markdown() -> str:
    out: list[str] = []
    for kind, lc in LIFECYCLES.items():
        info = KINDS[kind]
        out.append(
            f"**{info.label}** (`{info.prefix}-…`, clause {info.clause}) starts as `{lc.initial}`; "
            f"open while {', '.join(f'`{s}`' for s in lc.states if s in lc.open_states)}."
        )
        out.append("")
        out.append("| from | may move to |")
        out.append("|---|---|")
        for state, targets in lc.transitions.items():
            moves = ", ".join(f"`{t}`" for t in targets) or "— (final)"
            out.append(f"| `{state}` | {moves} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


SECTIONS = {"lifecycles": lifecycles_markdown}


def render(text: str) -> str:
    for name, fn in SECTIONS.items():
        pattern = re.compile(
            rf"(<!-- generated:{name} -->\n).*?(<!-- /generated:{name} -->)", re.DOTALL
        )
        text = pattern.sub(lambda m, fn=fn: m.group(1) + fn() + m.group(2), text)
    return text


def main(argv: list[str]) -> int:
    current = README.read_text(encoding="utf-8")
    fresh = render(current)
    if "--check" in argv:
        if fresh != current:
            print("README.md is stale: run python -m sms_tui.docgen", file=sys.stderr)
            return 1
        return 0
    README.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
