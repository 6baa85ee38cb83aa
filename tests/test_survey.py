"""Customer satisfaction on a representative sample (issue 17, 8.3.2)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from sms_tui.services.customers.contacts import ContactService
from sms_tui.services.customers.survey import SurveyService, allocate, score_in
from sms_tui.services.mail.mail_in import MailIn
from sms_tui.services.reporting.model import Period
from tests.cli_helpers import Cli, one_error_line


@pytest.fixture
def desk(store, records, clock):
    """Resolved incidents and fulfilled requests of three organisations (6, 3, 1 people)."""
    contacts = ContactService(store)
    people = {"Finance": 6, "Sales": 3, "Legal": 1}
    made = []
    for org, n in people.items():
        for i in range(n):
            email = f"{org.lower()}{i}@example.org"
            contacts.add(name=f"{org} {i}", email=email, organisation=org, role="customer")
            for title in ("VPN", "Mail"):  # two records each: asked once all the same
                ref = records.create("incident", title=title, requester=email).ref
                records.transition(ref, "resolved")
                made.append(ref)
    contacts.add(name="No Mail", email="nomail@example.org", organisation="Legal", mail_opt_out=True)
    ref = records.create("incident", title="x", requester="nomail@example.org").ref
    records.transition(ref, "resolved")
    unresolved = records.create("incident", title="open", requester="legal0@example.org")
    now = clock()
    return Period(now - timedelta(days=1), now + timedelta(days=1)), made, unresolved.ref


def test_allocation_is_proportional_with_one_for_every_organisation():
    assert allocate({"A": 60, "B": 30, "C": 10}, 10) == {"A": 6, "B": 3, "C": 1}
    assert allocate({"A": 98, "B": 1, "C": 1}, 5) == {"A": 3, "B": 1, "C": 1}
    assert allocate({"A": 2, "B": 1}, 50) == {"A": 2, "B": 1}  # never more than there are
    assert sum(allocate({"A": 7, "B": 5, "C": 3}, 9).values()) == 9


def test_a_score_is_read_from_a_reply():
    assert score_in("I would say 4/5, thanks") == 4
    assert score_in("5") == 5
    assert score_in("Version 10.5 is fine; 3") == 3
    assert score_in("A 4, quick") == 4 and score_in("3.") == 3
    assert score_in("no number here") is None and score_in("7 out of 10") is None
    assert score_in("2,5 hours") is None


def test_the_sample_is_stratified_one_per_person_and_skips_opted_out(store, desk):
    period, _made, unresolved = desk
    invited = SurveyService(store).sample(period, size=5, seed=1)
    per_org = {}
    for view in invited:
        per_org[view.organisation] = per_org.get(view.organisation, 0) + 1
    assert per_org == {"Finance": 3, "Sales": 1, "Legal": 1}
    people = [v.contact for v in invited]
    assert len(set(people)) == len(people)  # nobody asked twice
    assert all("nomail@" not in p for p in people) and unresolved not in {v.record_ref for v in invited}
    with pytest.raises(Exception, match="already sampled"):
        SurveyService(store).sample(period, size=5)


def test_answers_by_mail_and_by_hand_give_the_response_rate_and_mean_per_customer(store, desk):
    period, _made, _unresolved = desk
    surveys = SurveyService(store)
    invited = surveys.sample(period, size=10, seed=2)
    finance = [v for v in invited if v.organisation == "Finance"]
    first, second = finance[0], finance[1]
    email = first.contact.split("<")[1].rstrip(">")
    reply = (f"From: {email}\r\nSubject: Re: [{first.record_ref}] How did we do?\r\n"
             "Message-ID: <answer-1@example.org>\r\n\r\nA 4, quick and friendly.\r\n\r\n"
             "On Monday the desk wrote:\r\n> Reply with a score from 1 (poor) to 5\r\n").encode()
    result = MailIn(store).receive(reply)
    assert (result.outcome, result.ref, result.reason) == ("survey", first.record_ref,
                                                           "satisfaction score 4 recorded")
    surveys.answer(second.record_ref, 2, comment="slow")
    results = surveys.results(period)
    by_org = {o.organisation: o for o in results.per_org}
    assert (by_org["Finance"].answered, by_org["Finance"].mean) == (2, 3.0)
    assert by_org["Sales"].answered == 0 and by_org["Sales"].response_rate == 0.0
    assert results.invited == 10 and results.answered == 2 and results.mean == 3.0


def test_the_cli_samples_answers_and_reports(db_path, store, desk):
    store.close()
    cli = Cli(db_path)
    period, _made, _unresolved = desk
    start, end = period.start.date().isoformat(), (period.end + timedelta(days=1)).date().isoformat()
    out = cli.ok("survey", "sample", "--from", start, "--to", end, "--size", "4", "--seed", "3")
    assert out.splitlines()[-1].startswith("4 survey(s) in the outbox")
    outbox = json.loads(cli.ok("outbox", "list", "--format", "json"))
    assert sum(1 for m in outbox if m["purpose"] == "requester:survey") == 4
    ref = out.splitlines()[0].split()[0]
    assert cli.ok("survey", "answer", ref, "5") == f"{ref}: satisfaction 5/5 recorded\n"
    rows = json.loads(cli.ok("survey", "results", "--from", start, "--to", end, "--format",
                             "json"))
    assert sum(r["answered"] for r in rows) == 1 and sum(r["invited"] for r in rows) == 4
    assert "no satisfaction survey was sent about" in one_error_line(
        cli("survey", "answer", "INC-999", "3"))
    from datetime import UTC, datetime

    today = datetime.now(UTC).date()  # the command line samples at the real time
    evidence = cli.ok("evidence", "--from", start, "--to", (today + timedelta(days=1)).isoformat())
    assert "Satisfaction survey (sample stratified by organisation): 4 asked" in evidence


def test_a_reply_by_mail_with_a_score_is_counted_and_one_without_is_kept_as_a_note(db_path, store,
                                                                                 desk):
    """The requester answers the survey mail from their client (quoted history below): the
    score is read from what they wrote, not from the question quoted; once only."""
    store.close()
    cli = Cli(db_path)
    period, _made, _unresolved = desk
    start, end = period.start.date().isoformat(), (period.end + timedelta(days=1)).date().isoformat()
    lines = cli.ok("survey", "sample", "--from", start, "--to", end, "--size", "3",
                   "--seed", "3").splitlines()
    (ref, *_), (other, *_) = lines[0].split(), lines[1].split()
    email = lines[0].split("<")[1].rstrip(">")
    reply = (f"From: {email}\r\nSubject: RE: [{ref}] How did we do?\r\n"
             "Message-ID: <survey-answer-1@example.org>\r\n\r\n5 - thank you!\r\n\r\n"
             "-----Original Message-----\r\nFrom: Service Desk\r\nSent: Monday\r\n"
             "Reply with a score from 1 (poor) to 5 (excellent).\r\n").encode()
    assert cli.ok("mail-in", input=reply) == f"{ref}: satisfaction score 5 recorded\n"
    assert "already handled" in cli.ok("mail-in", input=reply)
    rows = json.loads(cli.ok("survey", "results", "--from", start, "--to", end, "--format",
                             "json"))
    assert sum(r["answered"] for r in rows) == 1
    assert [r["mean_score"] for r in rows if r["answered"]] == [5.0]
    email = lines[1].split("<")[1].rstrip(">")
    no_score = (f"From: {email}\r\nSubject: Re: [{other}] How did we do?\r\n"
                "Message-ID: <survey-answer-2@example.org>\r\n\r\nWho is asking?\r\n").encode()
    assert cli.ok("mail-in", input=no_score) == f"{other}: note added from mail\n"
    rows = json.loads(cli.ok("survey", "results", "--from", start, "--to", end, "--format",
                             "json"))
    assert sum(r["answered"] for r in rows) == 1  # not counted, not lost
