"""Event-driven reviews: raised once per source record, inside the caller's transaction."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from sms_tui.domain.errors import ValidationError
from sms_tui.services.core import journal
from sms_tui.services.reviews.service import raise_event_review_in, review_done_for
from sms_tui.storage.reviews import ReviewTask


def _raise(store, clock, source_ref="INC-000001", activity="major_incident_review"):
    with store.write() as session:
        return raise_event_review_in(
            session, activity=activity, source_ref=source_ref, title=f"Review {source_ref}",
            clause="8.6.1", due=clock() + timedelta(days=5), now=clock(), actor="tester",
        )


def test_event_review_gets_a_rev_reference_and_a_journal_entry(store, clock):
    ref = _raise(store, clock)

    assert ref == "REV-000001"
    with store.read() as session:
        task = session.exec(select(ReviewTask)).one()
        seen = (task.status, task.source, task.source_ref, task.due)
        entries = journal.entries_for(session, ref)
    assert seen == ("open", "event", "INC-000001", clock() + timedelta(days=5))
    assert [e.action for e in entries] == ["create"]


def test_raising_the_same_event_review_twice_returns_the_first_one(store, clock):
    first = _raise(store, clock)
    clock.advance(hours=1)
    second = _raise(store, clock)

    assert first == second
    with store.read() as session:
        assert len(session.exec(select(ReviewTask)).all()) == 1


def test_different_sources_or_activities_get_their_own_reviews(store, clock):
    a = _raise(store, clock, "INC-000001")
    b = _raise(store, clock, "INC-000002")
    c = _raise(store, clock, "CHG-000001", "change_effectiveness_review")
    d = _raise(store, clock, "CHG-000001", "post_release_monitoring")

    assert len({a, b, c, d}) == 4


def test_database_refuses_a_second_review_for_the_same_event(store, clock):
    _raise(store, clock)
    with pytest.raises(IntegrityError), store.write() as session:
        session.add(ReviewTask(ref="REV-999999", source="event", source_ref="INC-000001",
                               activity="major_incident_review", clause="8.6.1", title="dup",
                               due=clock(), raised_at=clock(), created_at=clock(),
                               updated_at=clock()))
        session.flush()


def test_review_is_done_only_once_completed(store, clock):
    with store.read() as session:
        assert not review_done_for(session, activity="major_incident_review", source_ref="INC-000001")
    _raise(store, clock)
    with store.read() as session:
        assert not review_done_for(session, activity="major_incident_review", source_ref="INC-000001")
    with store.write() as session:
        task = session.exec(select(ReviewTask)).one()
        task.status = "done"
    with store.read() as session:
        assert review_done_for(session, activity="major_incident_review", source_ref="INC-000001")


def test_unknown_event_activity_is_refused_naming_the_known_ones(store, clock):
    with pytest.raises(ValidationError, match="major_incident_review"):
        _raise(store, clock, activity="post_mortem")


def test_event_review_rolls_back_with_the_callers_transaction(store, clock):
    class Boom(Exception):
        pass

    with pytest.raises(Boom), store.write() as session:
        raise_event_review_in(session, activity="major_incident_review", source_ref="INC-000009",
                              title="x", clause="8.6.1", due=clock(), now=clock(), actor="t")
        raise Boom
    with store.read() as session:
        assert session.exec(select(ReviewTask)).all() == []
