"""Requests are classified when recorded (8.6.2): a type from the catalogue, or explicitly other."""

from __future__ import annotations

import pytest

from sms_tui.domain.errors import DeskError, ValidationError
from sms_tui.services.requests.service import RequestService

from .cli_helpers import Cli, dump


def test_a_request_without_a_type_is_refused_and_nothing_is_written(records, db_path):
    records.create("incident", title="first write")
    before = dump(db_path)
    with pytest.raises(ValidationError, match="needs a request type from the catalogue.*'other'"):
        records.create("request", title="New laptop")
    with pytest.raises(ValidationError):
        records.create("request", title="New laptop", request_type="   ")
    assert dump(db_path) == before


def test_other_is_an_explicit_classification_journaled_as_such(records, store):
    view = records.create("request", title="Odd question", request_type="OTHER")
    assert view.extra["request_type"] == "other"
    entry = next(e for e in view.journal if e.action == "catalogue")
    assert "classified as other" in entry.note
    detail = RequestService(store).create("other", title="Another odd one")
    assert detail.record.extra["request_type"] == "other"


def test_an_unknown_type_is_refused_naming_the_known_ones_and_other(records):
    with pytest.raises(DeskError, match="known types: .*or other"):
        records.create("request", title="x", request_type="bogus")


def test_cli_new_request_needs_a_type(tmp_path):
    cli = Cli(tmp_path / "desk.db")
    refused = cli("new", "request", "--title", "New laptop")
    assert refused.exit_code == 1 and refused.stderr.count("\n") == 1
    assert "request type" in refused.stderr
    assert cli.ok("new", "request", "--title", "New laptop", "--type", "other").startswith("REQ-")
