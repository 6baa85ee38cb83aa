"""Undeclare a major incident, with the reason."""

from __future__ import annotations

from .declare_dialog import DeclareDialog


class UndeclareDialog(DeclareDialog):
    heading = "Not a major incident after all"
    hint = "Top management is told · Enter saves · Esc cancels"

    def write(self, service, record, values):
        service.undeclare(record.ref, values["reason"], expected_version=record.version)
