"""The service report in the terminal (the TUI's reports screen) at the widths analysts use.

At 80x24 the "Changes by category" table printed its category one letter a line
(s / t / a / n / d ...): the value columns took the room and the label column got what was left.
"""

from __future__ import annotations

import pytest
from rich.console import Console

from sms_tui.reports.terminal import fit, report_view
from sms_tui.services.reporting.service import ReportService
from tests import report_dataset as data
from tests.report_dataset import MARCH, REPORT_NOW


@pytest.fixture
def report(store, clock):
    clock.set(REPORT_NOW)
    data.build(store)
    return ReportService(store).service_report(MARCH)


def _lines(report, width: int) -> list[str]:
    console = Console(width=width, record=True, color_system=None)
    console.print(report_view(report))
    return console.export_text().splitlines()


def _labels(report):
    return [(bd.title, row.label) for sec in report.sections for bd in sec.breakdowns
            for row in bd.rows]


@pytest.mark.parametrize("width", [40, 60])
def test_narrower_still_a_label_wraps_between_words(report, width):
    tokens = {word for line in _lines(report, width) for word in line.split()}
    for title, label in _labels(report):
        assert set(label.split()) <= tokens, (title, label)


@pytest.mark.parametrize("width", [76, 78, 100, 120])
def test_every_breakdown_row_starts_with_its_whole_label(report, width):
    firsts = {line.split("  ")[0].strip() for line in _lines(report, width) if line.strip()}
    for sec in report.sections:
        for bd in sec.breakdowns:
            for row in bd.rows:
                assert row.label in firsts, (bd.title, row.label)


@pytest.mark.parametrize("width", [76, 78])
def test_at_80_columns_no_figure_is_cut(report, width):
    lines = _lines(report, width)
    assert max(len(line.rstrip()) for line in lines) <= width
    words = " ".join(lines).split()
    for sec in report.sections:
        for bd in sec.breakdowns:
            for row in bd.rows:
                for cell in row.cells:
                    for word in f"{cell.value_text()} {cell.trend_text()}".split():
                        assert word in words, (bd.title, row.label, word)


def test_fit_keeps_every_longest_word_and_uses_the_width():
    texts = [["", "raised", "failed/backed out", "success rate"],
             ["emergency", "0 ▼ −2", "2 ▲ +1 (worse)", "33.3 % ▼ −16.7 pp (worse)"]]
    widths = fit(texts, 50)
    assert widths is not None and sum(widths) + 3 * 3 == 50
    assert widths[0] >= len("emergency") and widths[2] >= len("failed/backed")
    assert fit(texts, 200) is None  # it fits: left to Rich
