"""Export and import: identical round trips, and all-or-nothing imports with problems by line."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from sms_tui.domain.errors import ValidationError
from sms_tui.services.core.records import RecordService
from sms_tui.services.core.store import Store
from sms_tui.services.transfer.service import FORMAT_VERSION, ImportRefused, TransferService
from tests import report_dataset as data
from tests.cli_helpers import Cli, dump
from tests.conftest import FakeClock

SKIP = {"sms_meta", "sqlite_sequence", "alembic_version", "journal_head"}


def contents(path: Path) -> dict[str, list[tuple]]:
    """Every row of every data table, in primary-key order (but the journal of an import
    forced past verify's checks: it is the import's own, not the desk's)."""
    con = sqlite3.connect(path)
    try:
        names = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%fts%'")]
        found = {n: con.execute(f'SELECT * FROM "{n}" ORDER BY rowid').fetchall()
                 for n in names if n not in SKIP}
        found["journal_entry"] = [r for r in found["journal_entry"] if r[1] != "SYS:integrity"]
        return found
    finally:
        con.close()


@pytest.fixture
def source(tmp_path) -> Store:
    """A desk with every kind of row: the fixed data set plus records made through the services
    (so journals carry real hash chains and feature tables get rows too).

    The fixed data set writes its rows directly, not through the services: its records do not
    match their journals, so importing its export needs ``force`` (verify's checks refuse it,
    as they should; see the tests at the end)."""
    store = Store(tmp_path / "source.db", actor="ann", clock=FakeClock(data.REPORT_NOW))
    data.build(store)
    records = RecordService(store)
    inc = records.create("incident", title="Mail down for [bold]everyone[/]", impact="high",
                         urgency="high", service="Email", description="line 1\nline 2\x1b[2J")
    records.add_note(inc.ref, "restarted postfix ✓")
    records.transition(inc.ref, "in_progress", note="on it")
    records.create("problem", title="Postfix queue fills up")
    yield store
    store.close()


def empty(tmp_path: Path, name: str = "target.db") -> Store:
    return Store(tmp_path / name, actor="bob", clock=FakeClock(data.REPORT_NOW))


def test_json_round_trip_into_an_empty_database_gives_identical_records(source, tmp_path):
    path = tmp_path / "export.json"
    with open(path, "w", encoding="utf-8") as fh:
        exported = TransferService(source).export_json(fh)
    target = empty(tmp_path)
    imported = TransferService(target).import_path(path, force=True)
    assert imported.counts == {k: v for k, v in exported.counts.items() if v}
    assert contents(target.path) == contents(source.path)
    assert contents(target.path)["incident"], "the data set has incidents"


def test_csv_round_trip_into_an_empty_database_gives_identical_records(source, tmp_path):
    TransferService(source).export_csv(tmp_path / "csv")
    assert (tmp_path / "csv" / "incident.csv").exists()
    assert json.loads((tmp_path / "csv" / "manifest.json").read_text())["format"] == (
        "sms-tui-export")
    target = empty(tmp_path)
    TransferService(target).import_path(tmp_path / "csv", force=True)
    assert contents(target.path) == contents(source.path)


def test_the_json_export_has_one_row_per_line_with_its_table(source, tmp_path):
    path = tmp_path / "export.json"
    with open(path, "w", encoding="utf-8") as fh:
        TransferService(source).export_json(fh)
    document = json.loads(path.read_text(encoding="utf-8"))  # still one valid JSON document
    assert document["format"] == "sms-tui-export" and document["version"] == FORMAT_VERSION
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(document["records"]) + 2
    first_incident = next(r for r in document["records"] if r["_table"] == "incident")
    assert first_incident["created_at"] == "2026-02-10T10:00:00.000000+00:00"
    assert first_incident["major"] is False


def _export_lines(source: Store, tmp_path: Path) -> list[str]:
    path = tmp_path / "export.json"
    with open(path, "w", encoding="utf-8") as fh:
        TransferService(source).export_json(fh)
    return path.read_text(encoding="utf-8").splitlines()


def _edit(lines: list[str], table: str, ref: str, **changes) -> int:
    """Change a row in the exported lines; returns its line number (1-based)."""
    for i, line in enumerate(lines):
        if f'"_table": "{table}"' in line and f'"{ref}"' in line:
            row = json.loads(line.rstrip(","))
            row.update(changes)
            for key, value in changes.items():
                if value is ...:
                    del row[key]
            lines[i] = json.dumps(row) + ("," if line.endswith(",") else "")
            return i + 1
    raise AssertionError(f"{table} {ref} not in the export")


def test_import_reports_every_bad_row_by_line_and_writes_nothing(source, tmp_path):
    lines = _export_lines(source, tmp_path)
    bad_status = _edit(lines, "incident", "INC-000003", status="fixed")
    bad_date = _edit(lines, "incident", "INC-000004", created_at="yesterday")
    no_title = _edit(lines, "problem", "PRB-000002", title=...)
    bad_service = _edit(lines, "incident", "INC-000005", service_id=99)
    unknown = _edit(lines, "service_request", "REQ-000001", colour="red")
    path = tmp_path / "bad.json"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    target = empty(tmp_path)
    before = dump(target.path)
    with pytest.raises(ImportRefused) as refused:
        TransferService(target).import_path(path)
    found = {p.where: (p.record, p.message) for p in refused.value.problems}
    assert found[f"line {bad_status}"] == (
        "incident INC-000003",
        "status: 'fixed' is not a valid incident status (use new, in_progress, on_hold, resolved, "
        "closed, cancelled)")
    assert found[f"line {bad_date}"][1].startswith("created_at: 'yesterday' is not an ISO 8601")
    assert found[f"line {no_title}"] == ("problem PRB-000002", "title: a value is required")
    assert found[f"line {bad_service}"] == (
        "incident INC-000005", "service_id: no service with id 99 in the file or the database")
    assert found[f"line {unknown}"][1].startswith("unknown column 'colour'")
    assert refused.value.total == 5
    assert str(refused.value) == "import refused: 5 problem(s) found; nothing was written"
    assert dump(target.path) == before


def test_a_journal_entry_edited_after_export_is_refused(source, tmp_path):
    lines = _export_lines(source, tmp_path)
    index = next(i for i, line in enumerate(lines) if "restarted postfix" in line)
    lines[index] = lines[index].replace("restarted postfix", "nothing to see")
    path = tmp_path / "tampered.json"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ImportRefused) as refused:
        TransferService(empty(tmp_path)).import_path(path)
    [problem] = refused.value.problems
    assert problem.where == f"line {index + 1}"
    assert problem.message.startswith("hash: does not match the entry's content")


def test_importing_records_that_already_exist_names_each_line(source, tmp_path):
    path = tmp_path / "export.json"
    with open(path, "w", encoding="utf-8") as fh:
        TransferService(source).export_json(fh)
    before = dump(source.path)
    with pytest.raises(ImportRefused) as refused:
        TransferService(source).import_path(path)  # into the same desk: everything collides
    first = refused.value.problems[0]
    assert first.where == "line 2" and "already exists" in first.message
    assert refused.value.total == sum(len(rows) for rows in contents(source.path).values())
    assert dump(source.path) == before


def test_csv_problems_name_the_file_and_line(source, tmp_path):
    TransferService(source).export_csv(tmp_path / "csv")
    incident_csv = tmp_path / "csv" / "incident.csv"
    rows = incident_csv.read_text(encoding="utf-8").splitlines()
    rows[2] = rows[2].replace(",medium,medium,", ",huge,medium,", 1)
    incident_csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "csv" / "tickets.csv").write_text("id\n1\n", encoding="utf-8")
    with pytest.raises(ImportRefused) as refused:
        TransferService(empty(tmp_path)).import_path(tmp_path / "csv")
    lines = [p.line() for p in refused.value.problems]
    assert lines[0].startswith("tickets.csv: row: no table named 'tickets'")
    assert lines[1] == ("incident.csv line 3: incident INC-000002: impact: 'huge' is not one "
                        "of high, medium, low")


def test_rows_from_another_tool_get_references_and_an_import_journal_entry(tmp_path):
    rows = [
        {"_table": "service", "id": 1, "name": "Printing", "created_at": "2025-01-01T00:00:00Z"},
        {"_table": "incident", "title": "Printer jam", "status": "new", "priority": 3,
         "service_id": 1, "created_at": "2025-02-01 08:00:00",
         "updated_at": "2025-02-01 08:00:00"},
        {"_table": "incident", "title": "Toner empty", "status": "closed", "priority": 5,
         "impact": "low", "urgency": "low", "created_at": "2025-02-02T09:00:00+01:00",
         "updated_at": "2025-02-03T09:00:00+01:00", "closed_at": "2025-02-03T09:00:00+01:00"},
    ]
    path = tmp_path / "other-tool.json"
    path.write_text(json.dumps({"records": rows}), encoding="utf-8")
    target = empty(tmp_path)
    TransferService(target).import_path(path)
    records = RecordService(target)
    jam = records.get("INC-000001")
    assert (jam.title, jam.service, jam.created_at.isoformat()) == (
        "Printer jam", "Printing", "2025-02-01T08:00:00+00:00")
    toner = records.get("INC-000002")
    assert toner.created_at.isoformat() == "2025-02-02T08:00:00+00:00"  # converted to UTC
    assert [(e.action, e.actor, e.note) for e in toner.journal] == [
        ("import", "bob", "imported from other-tool.json")]


def test_progress_reaches_the_end(source, tmp_path):
    calls: list[tuple[int, int]] = []
    path = tmp_path / "export.json"
    with open(path, "w", encoding="utf-8") as fh:
        TransferService(source).export_json(fh, lambda done, total: calls.append((done, total)))
    assert calls[-1][0] == calls[-1][1] > 0
    calls.clear()
    TransferService(empty(tmp_path)).import_path(path, lambda d, t: calls.append((d, t)),
                                                  force=True)
    assert calls[-1][0] == calls[-1][1] == path.stat().st_size


def test_dry_run_checks_but_writes_nothing(source, tmp_path):
    path = tmp_path / "export.json"
    with open(path, "w", encoding="utf-8") as fh:
        TransferService(source).export_json(fh)
    target = empty(tmp_path)
    before = dump(target.path)
    summary = TransferService(target).import_path(path, dry_run=True, force=True)
    assert summary.counts["incident"] == 11
    assert dump(target.path) == before


def test_a_newer_export_format_is_refused_before_any_row(tmp_path):
    path = tmp_path / "future.json"
    path.write_text('{"format": "sms-tui-export", "version": 99, "records": [\n]}\n',
                    encoding="utf-8")
    with pytest.raises(Exception, match="export format version 99 is newer"):
        TransferService(empty(tmp_path)).import_path(path)


# ------------------------------------------------------------------ CLI
def test_cli_export_to_stdout_and_import_with_problems_on_stderr(source, tmp_path):
    source.close()
    out = Cli(source.path).ok("export")
    assert out.startswith('{"format": "sms-tui-export"')
    bad = out.replace('"status": "on_hold"', '"status": "paused"', 1)
    path = tmp_path / "bad.json"
    path.write_text(bad, encoding="utf-8")
    result = Cli(tmp_path / "new.db")("import", str(path))
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("bad.json: line ") and "status: 'paused'" in lines[0]
    assert lines[-1] == "sms-tui: error: import refused: 1 problem(s) found; nothing was written"


def test_cli_csv_export_needs_a_directory_and_import_reports_counts(source, tmp_path):
    source.close()
    cli = Cli(source.path)
    result = cli("export", "--format", "csv")
    assert result.exit_code == 2 and "give --output DIR" in result.stderr
    out = cli.ok("export", "--format", "csv", "--output", str(tmp_path / "dump"))
    assert out.startswith("exported ") and out.rstrip().endswith(str(tmp_path / "dump"))
    out = Cli(tmp_path / "new.db").ok("import", "--force", str(tmp_path / "dump"))
    assert out.startswith("imported ") and " rows into " in out


# ---------------------------------------------------------------- issue 16: what an export says
def test_an_export_cut_at_a_row_boundary_is_refused(source, tmp_path):
    lines = _export_lines(source, tmp_path)
    cut = [line for line in lines[:-6] if line.strip()]
    cut[-1] = cut[-1].rstrip(",")
    path = tmp_path / "cut.json"
    path.write_text("\n".join(cut) + "\n]}\n", encoding="utf-8")
    target = empty(tmp_path)
    before = dump(target.path)
    with pytest.raises(ImportRefused) as refused:
        TransferService(target).import_path(path)
    assert any("cut short or edited" in p.message for p in refused.value.problems)
    assert dump(target.path) == before


@pytest.mark.parametrize("field, value, message", [
    ("format", "other-tool-export", "is not an sms-tui export"),
    ("schema", "0001", "exported from schema '0001'"),
])
def test_a_header_of_another_format_or_schema_is_refused(source, tmp_path, field, value,
                                                         message):
    lines = _export_lines(source, tmp_path)
    header = json.loads(lines[0] + "]}")
    header[field] = value
    lines[0] = json.dumps(header)[:-3] + "["
    path = tmp_path / "other.json"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    target = empty(tmp_path)
    before = dump(target.path)
    with pytest.raises(ValidationError, match=message):
        TransferService(target).import_path(path)
    assert dump(target.path) == before


def test_journal_entries_of_a_record_that_does_not_exist_are_refused(source, tmp_path):
    lines = _export_lines(source, tmp_path)
    header = json.loads(lines[0] + "]}")
    # the incident recorded through the services: it has a journal
    index = next(i for i, line in enumerate(lines) if '"_table": "incident"' in line
                 and "Mail down for" in line)
    ref = json.loads(lines[index].rstrip(","))["ref"]
    del lines[index]
    header["counts"]["incident"] -= 1  # a consistent header: only the record is missing
    lines[0] = json.dumps(header)[:-3] + "["
    if lines[index - 1].endswith(",") and not lines[index].strip().startswith("{"):
        lines[index - 1] = lines[index - 1][:-1]
    path = tmp_path / "orphan.json"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ImportRefused) as refused:
        TransferService(empty(tmp_path)).import_path(path)
    assert any(ref in p.message and "neither in the file" in p.message
               for p in refused.value.problems), refused.value.problems


# ------------------------------------------- issue 16: import runs verify's checks (or --force)
@pytest.fixture
def desk(tmp_path) -> Store:
    """A desk written only through the services: it verifies."""
    store = Store(tmp_path / "desk.db", actor="ann", clock=FakeClock(data.REPORT_NOW))
    records = RecordService(store)
    inc = records.create("incident", title="Mail down", impact="high", urgency="high",
                         category="email")
    records.add_note(inc.ref, "restarted postfix")
    records.transition(inc.ref, "in_progress", note="on it")
    records.create("problem", title="Postfix queue fills up")
    yield store
    store.close()


def _imported_refs(path: Path) -> list[str]:
    con = sqlite3.connect(path)
    try:
        return [r[0] for r in con.execute("SELECT ref FROM incident")]
    finally:
        con.close()


def test_an_export_of_a_sound_desk_imports_without_force_and_verifies(desk, tmp_path):
    desk.close()
    cli = Cli(tmp_path / "new.db")
    cli.ok("--db", str(desk.path), "export", "-o", str(tmp_path / "desk.json"))
    assert cli.ok("import", str(tmp_path / "desk.json")).startswith("imported ")
    assert cli.ok("verify").startswith("ok: 2 records")


def test_import_refuses_a_record_edited_behind_its_journal_and_names_it(desk, tmp_path):
    lines = _export_lines(desk, tmp_path)
    _edit(lines, "incident", "INC-000001", title="forged")
    path = tmp_path / "forged.json"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cli = Cli(tmp_path / "new.db")
    refused = cli("import", str(path))
    assert refused.exit_code == 1
    assert "INC-000001: record does not match its journal" in refused.stderr
    assert "title is 'forged' but its journal says 'Mail down'" in refused.stderr
    assert _imported_refs(tmp_path / "new.db") == []  # nothing written


def test_import_force_takes_it_in_and_journals_the_override(desk, tmp_path):
    lines = _export_lines(desk, tmp_path)
    _edit(lines, "incident", "INC-000001", title="forged")
    path = tmp_path / "forged.json"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cli = Cli(tmp_path / "new.db")
    forced = cli("import", "--force", str(path))
    assert forced.exit_code == 0
    assert "imported despite 1 verification problem(s)" in forced.stderr
    assert _imported_refs(tmp_path / "new.db") == ["INC-000001"]
    con = sqlite3.connect(tmp_path / "new.db")
    try:
        action, changes, note = con.execute(
            "SELECT action, changes, note FROM journal_entry "
            "WHERE record_ref = 'SYS:integrity'").fetchone()
    finally:
        con.close()
    assert action == "import_forced" and str(path) in changes
    assert "INC-000001: record does not match its journal" in note
    assert "INC-000001" in cli("verify").stdout  # verify still names it afterwards


def test_import_refuses_an_entry_inserted_into_a_chain(desk, tmp_path):
    lines = _export_lines(desk, tmp_path)
    _edit(lines, "journal_entry", "INC-000001", note="a note nobody wrote")
    path = tmp_path / "forged.json"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    refused = Cli(tmp_path / "new.db")("import", "--force", str(path))
    assert refused.exit_code == 1, "a broken hash is a row problem: --force does not take it"
    assert "does not match the entry's content" in refused.stderr


@pytest.mark.parametrize(("version", "shown"), [("true", "true"), ('"4"', '"4"'), ("0", "0"),
                                                ("null", "null")])
def test_an_export_whose_version_is_not_one_is_refused(tmp_path, version, shown):
    # true was read as version 1 ("imported 0 rows"), "4" was "newer than this sms-tui (4)"
    source = tmp_path / "odd.json"
    source.write_text('{"format": "sms-tui-export", "version": ' + version
                      + ', "schema": "x", "records": []}')
    result = Cli(tmp_path / "desk.db")("import", str(source))
    assert result.exit_code == 1
    assert f"export format version {shown} is not a version" in result.stderr


def test_a_file_nested_too_deeply_is_refused_in_one_line(tmp_path):
    source = tmp_path / "deep.json"
    source.write_text("[" * 100_000)
    result = Cli(tmp_path / "desk.db")("import", str(source))
    assert result.exit_code == 1
    assert "deep.json is nested too deeply to be an export" in result.stderr
    assert "internal error" not in result.stderr
