"""The 90th percentile computed in SQLite equals the nearest-rank definition."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text
from sqlmodel import Session

from sms_tui.services.reporting.sql import p90_by


def nearest_rank_p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5), st.floats(0, 10_000, allow_nan=False)),
                min_size=1, max_size=60))
def test_p90_per_group_and_overall_match_the_nearest_rank_definition(pairs):
    engine = create_engine("sqlite://")
    with Session(engine) as session:
        session.execute(text("CREATE TABLE t (grp INTEGER, v REAL)"))
        session.execute(text("INSERT INTO t VALUES (:g, :v)"),
                        [{"g": g, "v": v} for g, v in pairs])
        groups, overall = p90_by(session, "v", "FROM t", "grp")
    expected = {g: nearest_rank_p90([v for gg, v in pairs if gg == g]) for g, _ in pairs}
    assert groups == expected
    assert overall == nearest_rank_p90([v for _, v in pairs])


def test_p90_of_ten_values_is_the_ninth():
    engine = create_engine("sqlite://")
    with Session(engine) as session:
        session.execute(text("CREATE TABLE t (grp INTEGER, v REAL)"))
        session.execute(text("INSERT INTO t VALUES (1, :v)"), [{"v": v} for v in range(1, 11)])
        assert p90_by(session, "v", "FROM t", "grp") == ({1: 9.0}, 9.0)
