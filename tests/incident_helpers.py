"""Shared setup for the incident tests: a store with a config file, services, a service catalogue."""

from __future__ import annotations

import textwrap
from pathlib import Path

from sms_tui.config import load_config
from sms_tui.services.core.records import RecordService
from sms_tui.services.core.store import Store
from sms_tui.services.incidents.rules import MajorIncidentService
from sms_tui.services.incidents.sla import SlaService
from sms_tui.services.mail.outbox import Outbox
from sms_tui.storage.models import Service


class Desk:
    """A store on a fresh database with the given config, and the incident services."""

    def __init__(self, tmp_path: Path, clock, toml: str = "", actor: str = "ann",
                 db: Path | str | None = None) -> None:
        path = tmp_path / "config.toml"
        path.write_text(textwrap.dedent(toml), encoding="utf-8")
        self.config_path = path
        self.store = Store(db or tmp_path / "desk.db", load_config(path), actor=actor, clock=clock)
        self.clock = clock
        self.records = RecordService(self.store)
        self.major = MajorIncidentService(self.store)
        self.sla = SlaService(self.store)
        self.outbox = Outbox(self.store)

    def add_service(self, name: str, criticality: str = "medium") -> None:
        with self.store.write() as session:
            session.add(Service(name=name, criticality=criticality, created_at=self.clock()))

    def actions(self, ref: str) -> list[str]:
        """Journal actions, oldest first."""
        return [e.action for e in reversed(self.records.get(ref).journal)]

    def close(self) -> None:
        self.store.close()
