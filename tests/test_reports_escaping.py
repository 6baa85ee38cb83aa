"""A service name with Markdown, HTML and table characters, in every format of the service report.

A trial's ``report -o report.md`` read ``| Identity &amp; SSO |``: HTML escaping written into
Markdown. Each format escapes user text its own way, and reads back as the name typed.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from markdown_it import MarkdownIt
from rich.console import Console

from sms_tui.reports import render_service_report
from sms_tui.reports.terminal import report_view
from sms_tui.reports.text import md
from sms_tui.services.reporting.service import ReportService
from sms_tui.storage.models import Service
from tests import report_dataset as data
from tests.report_dataset import MARCH, REPORT_NOW

NAME = "Identity & SSO | <b>HR</b> *x* &amp;\nline two"
SHOWN = "Identity & SSO | <b>HR</b> *x* &amp; line two"  # one line in a table


@pytest.fixture
def report(store, clock):
    clock.set(REPORT_NOW)
    data.build(store)
    with store.write() as session:
        session.get(Service, 1).name = NAME  # Email: it has incidents resolved in March
    return ReportService(store).service_report(MARCH)


def _service_row(tokens) -> list[str]:
    """The cells of the table row of the per-service breakdown, as a reader sees them."""
    rows, cells = [], None
    for tok in tokens:
        if tok.type == "tr_open":
            cells = []
        elif tok.type == "inline" and cells is not None:
            cells.append("".join(c.content for c in tok.children if c.type == "text"))
            assert all(c.type not in ("html_inline", "em_open", "strong_open", "link_open")
                       for c in tok.children), tok.children
        elif tok.type == "tr_close":
            rows.append(cells)
            cells = None
    return next(r for r in rows if r[0].startswith("Identity"))


def test_markdown_keeps_plain_text_plain_and_the_table_whole(report):
    text = render_service_report(report, "md")
    assert "Identity &amp; SSO" not in text and "&lt;" not in text and "&gt;" not in text
    assert "| Identity & SSO \\| \\<b\\>HR\\</b\\> \\*x\\* \\&amp; line two |" in text
    row = _service_row(MarkdownIt("commonmark").enable("table").parse(text))
    assert row[0] == SHOWN
    assert len(row) == 4  # the name's '|' did not make a column


def test_a_lone_ampersand_is_left_as_typed_in_markdown():
    assert md("Identity & SSO") == "Identity & SSO"
    assert md("R&D") == "R\\&D"  # '&D...;' could be read as an entity
    assert md("a\nb|c") == "a b\\|c"


def test_html_escapes_the_name_as_html(report):
    text = render_service_report(report, "html")
    assert "Identity &amp; SSO | &lt;b&gt;HR&lt;/b&gt; *x* &amp;amp; line two" in text
    assert "<b>HR</b>" not in text


def test_csv_and_json_keep_the_name_as_data(report):
    cells = {row[4] for row in csv.reader(io.StringIO(render_service_report(report, "csv")))}
    assert NAME in cells  # CSV quotes the cell: the newline and '|' are kept, read back whole
    doc = json.loads(render_service_report(report, "json"))
    labels = [r["label"] for s in doc["sections"] for b in s["breakdowns"] for r in b["rows"]]
    assert NAME in labels


def test_the_terminal_shows_the_name_as_typed(report):
    console = Console(width=200, record=True, color_system=None)
    console.print(report_view(report))
    shown = console.export_text()
    assert SHOWN in shown and "&amp; line" in shown and "&amp;amp;" not in shown
