"""The HTML report opened in a real headless browser (Debian's chromium at /usr/bin/chromium).

This test REQUIRES chromium (``apt-get install -y chromium``); it is never
skipped. It checks that the charts are in the DOM the browser built and that
they are really painted: the screenshot holds the bars' solid blue.
"""

from __future__ import annotations

import re
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from sms_tui.reports import render_service_report
from sms_tui.services.reporting.service import ReportService
from tests import report_dataset as data
from tests.report_dataset import MARCH, REPORT_NOW

CHROMIUM = Path("/usr/bin/chromium")
BAR_BLUE = (0x1D, 0x4E, 0xD8)  # the "opened" bars (sms_tui.reports.svg.SOLID)


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    assert CHROMIUM.exists(), (
        "this test needs Debian's chromium at /usr/bin/chromium: apt-get install -y chromium")
    return subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", "--hide-scrollbars", f"--user-data-dir={tmp_path / 'profile'}",
         *args],
        capture_output=True, text=True, timeout=180, check=True,
    )


def png_pixels(path: Path) -> tuple[int, int, list[bytes]]:
    """Width, height and unfiltered RGB(A) rows of an 8-bit PNG (no imaging library needed)."""
    blob = path.read_bytes()
    assert blob[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    height = channels = 0
    while pos < len(blob):
        length, kind = struct.unpack(">I4s", blob[pos:pos + 8])
        body = blob[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            assert depth == 8, depth
            channels = {2: 3, 6: 4}[color]
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, corner = prev[i], prev[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + pred) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, channels, rows


@pytest.fixture
def html_file(store, clock, tmp_path) -> Path:
    clock.set(REPORT_NOW)
    data.build(store)
    path = tmp_path / "report.html"
    path.write_text(render_service_report(ReportService(store).service_report(MARCH), "html"),
                    encoding="utf-8")
    return path


def test_the_html_report_needs_nothing_from_the_network(html_file):
    text = html_file.read_text(encoding="utf-8")
    assert "<script" not in text and "<link" not in text and " src=" not in text
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", text))
    assert urls <= {"http://www.w3.org/2000/svg"}


def test_the_browser_builds_the_charts_into_the_page(html_file, tmp_path):
    dom = chromium(tmp_path, "--dump-dom", html_file.as_uri()).stdout
    weekly = re.search(r'<svg[^>]*id="chart-weekly".*?</svg>', dom, re.S)
    assert weekly, "the weekly chart is missing from the DOM"
    # six ISO weeks in March 2026, one opened and one resolved bar each
    assert len(re.findall(r'<rect class="bar opened"', weekly.group(0))) == 6
    assert len(re.findall(r'<rect class="bar resolved"', weekly.group(0))) == 6
    assert "2026-W10: 2 resolved" in weekly.group(0)
    assert 'id="chart-incidents-backlog_age"' in dom
    assert 'id="chart-changes-by_outcome"' in dom
    assert "▲ +3 (worse)" in dom


def test_the_browser_paints_the_bars(html_file, tmp_path):
    shot = tmp_path / "shot.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=820,700", html_file.as_uri())
    width, channels, rows = png_pixels(shot)
    blue = sum(
        1
        for row in rows
        for x in range(0, width * channels, channels)
        if all(abs(row[x + i] - BAR_BLUE[i]) <= 12 for i in range(3))
    )
    # five solid 'opened' bars of the weekly chart fit in the first 700 pixels
    assert blue > 2000, f"only {blue} bar-coloured pixels: the chart was not painted"
