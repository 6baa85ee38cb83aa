"""Renderers of the service report and the evidence report: Markdown, HTML, CSV, JSON.

Pure functions from the plain dataclasses of
:mod:`sms_tui.services.reporting.model` to text. No I/O, no Textual. User text
(service names, CI names, categories...) is escaped for the target format:
HTML-escaped in HTML and SVG, backslash-escaped in Markdown, and control
characters made visible everywhere except JSON (which keeps data as is).
"""

from __future__ import annotations

from ..services.reporting.model import EvidenceReport, ServiceReport

SERVICE_FORMATS = ("md", "html", "csv", "json")
EVIDENCE_FORMATS = ("md", "html", "json")


def render_service_report(report: ServiceReport, fmt: str) -> str:
    """The service report as ``fmt`` (md, html, csv or json)."""
    if fmt == "md":
        from .markdown import service_markdown

        return service_markdown(report)
    if fmt == "html":
        from .html import service_html

        return service_html(report)
    if fmt == "csv":
        from .tabular import service_csv

        return service_csv(report)
    if fmt == "json":
        from .tabular import to_json

        return to_json(report.to_dict())
    raise ValueError(f"unknown report format '{fmt}': use {', '.join(SERVICE_FORMATS)}")


def render_evidence_report(report: EvidenceReport, fmt: str) -> str:
    """The evidence report as ``fmt`` (md, html or json)."""
    if fmt == "md":
        from .markdown import evidence_markdown

        return evidence_markdown(report)
    if fmt == "html":
        from .html import evidence_html

        return evidence_html(report)
    if fmt == "json":
        from .tabular import to_json

        return to_json(report.to_dict())
    raise ValueError(f"unknown evidence format '{fmt}': use {', '.join(EVIDENCE_FORMATS)}")
