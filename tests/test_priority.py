"""Priority from impact and urgency: the default matrix, a custom one, and the records that use it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sms_tui.config import load_config
from sms_tui.domain.errors import ValidationError
from sms_tui.domain.priority import (
    DEFAULT_MATRIX,
    LEVELS,
    Level,
    PriorityMatrix,
    parse_priority,
    priority_for,
    priority_label,
)

# The brief's table, written out cell by cell so that a change to the matrix is seen here.
DEFAULT_CELLS = [
    ("high", "high", 1),
    ("high", "medium", 2),
    ("medium", "high", 2),
    ("high", "low", 3),
    ("medium", "medium", 3),
    ("low", "high", 3),
    ("medium", "low", 4),
    ("low", "medium", 4),
    ("low", "low", 5),
]


@pytest.mark.parametrize(("impact", "urgency", "expected"), DEFAULT_CELLS)
def test_default_matrix_gives_the_documented_priority_for_each_cell(impact, urgency, expected):
    assert priority_for(impact, urgency) == expected


def test_default_matrix_has_exactly_the_nine_documented_cells():
    assert len(DEFAULT_CELLS) == 9
    assert {(i.value, u.value): p for (i, u), p in DEFAULT_MATRIX.cells.items()} == {
        (i, u): p for i, u, p in DEFAULT_CELLS
    }


RANK = {Level.HIGH: 2, Level.MEDIUM: 1, Level.LOW: 0}


@given(st.sampled_from(LEVELS), st.sampled_from(LEVELS), st.sampled_from(LEVELS), st.sampled_from(LEVELS))
def test_raising_impact_or_urgency_never_lowers_priority(i1, u1, i2, u2):
    # P1 is the most urgent: "higher priority" means a smaller number.
    if RANK[i2] >= RANK[i1] and RANK[u2] >= RANK[u1]:
        assert priority_for(i2, u2) <= priority_for(i1, u1)


@pytest.mark.parametrize("spelling", ["high", "High", "HIGH", "h", " H ", Level.HIGH])
def test_levels_accept_common_spellings(spelling):
    assert Level.parse(spelling) is Level.HIGH


@pytest.mark.parametrize("bad", ["", "critical", "hi", "3", "urgent"])
def test_unknown_level_is_refused_naming_the_allowed_ones(bad):
    with pytest.raises(ValidationError, match="use high, medium or low"):
        priority_for(bad, "high")


@pytest.mark.parametrize(("text", "value"), [("P1", 1), ("p5", 5), ("3", 3), (2, 2)])
def test_priority_accepts_p_names_and_numbers(text, value):
    assert parse_priority(text) == value
    assert priority_label(value) == f"P{value}"


@pytest.mark.parametrize("bad", ["P0", "P6", "0", "high", "", -1])
def test_priority_outside_p1_to_p5_is_refused(bad):
    with pytest.raises(ValidationError, match="P1 to P5"):
        parse_priority(bad)


def test_matrix_with_a_missing_cell_is_refused_naming_it():
    cells = dict(DEFAULT_MATRIX.cells)
    del cells[(Level.LOW, Level.MEDIUM)]
    with pytest.raises(ValidationError, match="low/medium"):
        PriorityMatrix(cells)


CUSTOM_TOML = """
[priority.matrix.high]
high = "P1"
medium = "P1"
low = "P2"
[priority.matrix.medium]
high = "P2"
medium = "P3"
low = "P3"
[priority.matrix.low]
high = 4
medium = "p5"
low = "P5"
"""


def test_custom_matrix_from_config_file_replaces_every_cell(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(CUSTOM_TOML)
    matrix = load_config(path).matrix
    assert matrix.priority_for("high", "medium") == 1
    assert matrix.priority_for("medium", "low") == 3
    assert matrix.priority_for("low", "high") == 4
    assert matrix.priority_for("low", "medium") == 5


def test_records_follow_the_configured_matrix_and_recompute_on_change(tmp_path, clock):
    from sms_tui.services.core.records import RecordService
    from sms_tui.services.core.store import Store

    path = tmp_path / "config.toml"
    path.write_text(CUSTOM_TOML)
    store = Store(tmp_path / "desk.db", config=load_config(path), actor="tester", clock=clock)
    try:
        records = RecordService(store)
        rec = records.create("incident", title="VPN slow", impact="high", urgency="medium")
        assert rec.priority == 1  # P2 under the default matrix
        rec = records.update(rec.ref, urgency="low")
        assert rec.priority == 2
        assert records.get(rec.ref).journal[0].changes["priority"] == ("P1", "P2")
    finally:
        store.close()


def test_stored_priority_is_recomputed_when_impact_or_urgency_change(records):
    rec = records.create("incident", title="Printer", impact="low", urgency="low")
    assert rec.priority == 5
    rec = records.update(rec.ref, impact="high")
    assert rec.priority == 3
    rec = records.update(rec.ref, urgency="high")
    assert rec.priority == 1
    changes = [e.changes.get("priority") for e in records.get(rec.ref).journal if e.action == "update"]
    assert changes[:2] == [("P3", "P1"), ("P5", "P3")]
