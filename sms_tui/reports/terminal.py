"""The service report as Rich renderables for the terminal (the TUI's reporting screen).

Pure Rich (no Textual, no services). Every cell is a :class:`rich.text.Text`
(never a markup string: a service name like ``[bold]x[/]`` stays literal), and
trends read as arrow + change + (better/worse) so nothing depends on colour.
The weekly plot is drawn with block characters: opened ``█``, resolved ``░``.
"""

from __future__ import annotations

from rich import box
from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ..domain.text import one_line
from ..services.reporting.model import Breakdown, Figure, Section, ServiceReport, WeekBucket

OPENED, RESOLVED = "█", "░"


def _t(value: object, style: str = "") -> Text:
    return Text(one_line(str(value)), style=style)


def trend(fig: Figure) -> Text:
    """'▲ +3 (worse)' -- bold when worse, but the words carry the meaning."""
    text = fig.trend_text() + (f" ({fig.verdict})" if fig.verdict else "")
    return Text(text, style="bold" if fig.verdict == "worse" else "")


def weekly_chart(weeks: tuple[WeekBucket, ...] | list[WeekBucket], bar_width: int = 22) -> Text:
    """One line per ISO week: opened and resolved as two bars with their numbers."""
    top = max([w.opened for w in weeks] + [w.resolved for w in weeks] + [1])
    out = Text(no_wrap=True, overflow="ellipsis")
    out.append(f"Incidents per week   {OPENED} opened   {RESOLVED} resolved\n", style="bold")
    for w in weeks:
        days = "" if w.days == 7 else f" ({w.days}d)"
        label = f"{w.week[-3:]} {w.start:%d %b}{days}".ljust(16)
        out.append(label)
        for glyph, value in ((OPENED, w.opened), (RESOLVED, w.resolved)):
            bar = glyph * round(bar_width * value / top)
            out.append(f" {bar}".ljust(bar_width + 1))
            out.append(f"{value:>5}")
        out.append("\n")
    out.rstrip()
    return out


def figure_table(figures: tuple[Figure, ...]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, expand=True, pad_edge=False, show_edge=False)
    table.add_column(Text("Figure"), ratio=1, overflow="fold")
    table.add_column(Text("This"), justify="right", no_wrap=True)
    table.add_column(Text("Prev."), justify="right", no_wrap=True)
    table.add_column(Text("Trend"), no_wrap=True)
    for fig in figures:
        label = _t(fig.label)
        if fig.note:
            label.append(f" — {one_line(fig.note)}", style="italic")
        table.add_row(label, _t(fig.value_text()), _t(fig.value_text("previous")), trend(fig))
    return table


def breakdown_table(bd: Breakdown, width: int | None = None) -> Table:
    """A breakdown as a table; ``width``: the columns are fitted into it (see :func:`fit`)."""
    table = Table(title=_t(bd.title, "bold"), title_justify="left", box=box.SIMPLE_HEAD,
                  expand=True, pad_edge=False, show_edge=False)
    texts = [["", *bd.columns], *([row.label, *map(_cell_text, row.cells)] for row in bd.rows)]
    widths = fit(texts, width) if width is not None else None
    if widths is None:  # it fits: the label column takes the room left
        table.add_column(Text(""), ratio=1, overflow="fold")
        for column in bd.columns:
            table.add_column(_t(column), justify="right", overflow="fold")
    else:
        table.add_column(Text(""), width=widths[0], overflow="fold")
        for column, w in zip(bd.columns, widths[1:], strict=True):
            table.add_column(_t(column), justify="right", overflow="fold", width=w)
    for row in bd.rows:
        # no previous value (n/a): the cell is just the value
        cells = [Text.assemble(c.value_text(), " ", trend(c)) if c.delta is not None
                 else Text(c.value_text()) for c in row.cells]
        table.add_row(_t(row.label), *cells)
    return table


GUTTER = 3  # between two columns of a SIMPLE_HEAD table without edge padding


def fit(texts: list[list[str]], width: int) -> list[int] | None:
    """Column widths for rows of ``texts`` in ``width`` cells, or None when they fit as they are.

    Rich shrinks the widest columns first and gives a ratio column what is left: at 80
    columns the five value columns of "Changes by category" left the label column one
    letter ("s / t / a / n / d ..."). Here each column keeps its longest word; the room
    above that goes to the columns in proportion to what they would need to be on one line,
    so headers and trends wrap between words.
    """
    columns = list(zip(*texts, strict=True))
    natural = [max(cell_len(one_line(t)) for t in col) or 1 for col in columns]
    room = width - GUTTER * (len(columns) - 1)
    if sum(natural) <= room:
        return None
    least = [max([cell_len(w) for t in col for w in one_line(t).split()] or [1]) for col in columns]
    spare = room - sum(least)
    if spare < 0:  # too narrow for whole words: the labels keep theirs, the figures fold
        rest = max(room - least[0], len(least) - 1)
        shares = [max(1, rest * m // sum(least[1:])) for m in least[1:]]
        return [least[0], *shares]
    want = [n - m for n, m in zip(natural, least, strict=True)]
    extra = [spare * w // sum(want) for w in want]
    for i in sorted(range(len(want)), key=lambda i: want[i] - extra[i], reverse=True):
        if sum(extra) == spare:
            break
        if extra[i] < want[i]:
            extra[i] += 1
    return [m + e for m, e in zip(least, extra, strict=True)]


class _FittedBreakdown:
    """A breakdown table fitted to the width it is drawn in (the TUI redraws on resize)."""

    def __init__(self, bd: Breakdown) -> None:
        self.bd = bd

    def __rich_console__(self, console, options):
        yield breakdown_table(self.bd, options.max_width)


def _cell_text(fig: Figure) -> str:
    return f"{fig.value_text()} {trend(fig)}" if fig.delta is not None else fig.value_text()


def section_view(sec: Section) -> RenderableType:
    """A section: its heading, figures and breakdowns (or why there is no data)."""
    heading = Text.assemble((one_line(sec.title), "bold underline"), f"  ({one_line(sec.clause)})")
    if not sec.available:
        return Group(heading, _t(sec.note, "italic"), Text(""))
    parts: list[RenderableType] = [heading]
    if sec.figures:
        parts.append(figure_table(sec.figures))
    parts.extend(_FittedBreakdown(bd) for bd in sec.breakdowns)
    parts.append(Text(""))
    return Group(*parts)


def report_view(report: ServiceReport) -> RenderableType:
    """The whole report: the weekly plot first, then every section."""
    return Group(weekly_chart(report.weekly), Text(""),
                 *(section_view(sec) for sec in report.sections))
