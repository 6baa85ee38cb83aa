"""The full change record (8.5.1.3): decision inputs, verified and tested before deployment,
back-out tested (yes / no and why not), unsuccessful changes remedied to closure."""

from __future__ import annotations

import pytest

from sms_tui.domain.changes import deployment_missing, deployment_words
from sms_tui.domain.errors import ValidationError
from sms_tui.services.changes.remedial import RemedialService
from sms_tui.services.changes.service import ChangeService
from sms_tui.services.reviews.service import ReviewService

from .cli_helpers import Cli, dump


@pytest.fixture
def changes(store):
    return ChangeService(store)


def _standard(changes, **fields):
    return changes.create(title="Patch the printers", change_type="standard", **fields).ref


@pytest.mark.parametrize(("fields", "missing"), [
    ({}, "verification results"),
    ({"verification_results": "ok"}, "back-out plan was tested"),
    ({"verification_results": "ok", "backout_tested": "no"}, "why the back-out plan was not tested"),
])
def test_a_standard_change_too_starts_only_verified_and_with_its_backout_test_said(
        changes, fields, missing, db_path):
    ref = _standard(changes, **fields)
    before = dump(db_path)
    with pytest.raises(ValidationError, match=missing):
        changes.start(ref)
    assert dump(db_path) == before


@pytest.mark.parametrize("fields", [
    {"verification_results": "ok", "backout_tested": "yes"},
    {"verification_results": "ok", "backout_tested": "no", "backout_untested_reason": "no test rig"},
])
def test_verified_with_the_backout_answered_it_starts(changes, fields):
    assert changes.start(_standard(changes, **fields)).record.status == "implementing"


def test_the_rule_is_pure_and_names_what_is_missing():
    missing = deployment_missing(verification_results="", backout_tested="",
                                 backout_untested_reason="")
    assert deployment_words(missing) == ("before it is deployed, record the verification results "
                                         "and whether the back-out plan was tested")
    assert deployment_missing(verification_results="x", backout_tested="yes",
                              backout_untested_reason="") == []


def test_the_refusal_to_deploy_says_how_each_front_end_records_what_is_missing(changes):
    from sms_tui.services.changes.rules import DEPLOYMENT_LABELS
    from sms_tui.ui.display import field_label

    ref = _standard(changes, backout_tested="no")
    with pytest.raises(ValidationError) as refused:
        changes.start(ref)
    assert "--" not in str(refused.value)  # the words fit both; each adds its own way
    assert refused.value.cli_hint == (f"sms-tui changes assess {ref} --verification … "
                                      "--backout-untested-reason …")
    assert refused.value.tui_hint == "e opens its form: Verification results, Why back-out untested"
    # the form's own labels (a renamed field would leave the hint naming a field not there)
    assert all(field_label(name) == label for name, label in DEPLOYMENT_LABELS.items())


def test_decision_inputs_are_recorded_and_shown(changes, records):
    ref = changes.create(title="Move mail to the cloud", feasibility="Team trained; 3 weeks",
                         impact_customers="Users re-enter passwords once",
                         impact_policies="Data residency policy to update").ref
    extra = records.get(ref).extra
    assert extra["feasibility"] == "Team trained; 3 weeks"
    assert extra["impact_customers"].startswith("Users") and extra["impact_policies"]


def test_an_unknown_backout_answer_is_refused(changes):
    with pytest.raises(ValidationError, match="back-out tested must be yes or no"):
        _standard(changes, backout_tested="maybe")


def _failed(changes, store):
    ref = _standard(changes, verification_results="ok", backout_tested="yes")
    changes.start(ref)
    changes.record_outcome(ref, "failed", investigation_note="driver crashed the spooler")
    return ref


def test_a_failed_changes_review_differs_from_a_successful_ones(changes, store):
    failed = _failed(changes, store)
    ok = _standard(changes, verification_results="ok", backout_tested="yes")
    changes.start(ok)
    changes.record_outcome(ok, "successful")
    service = ReviewService(store)
    reviews = {r.source_ref: service.get(r.ref) for r in service.list_reviews()
               if r.source_ref in (failed, ok)}
    assert reviews[failed].title.startswith("Review of unsuccessful")
    assert "remedial" in reviews[failed].instructions
    assert any("remedial" in str(item) for item in reviews[failed].checklist)
    assert reviews[ok].title.startswith("Effectiveness review")
    assert not any("remedial" in str(item) for item in reviews[ok].checklist)


def test_an_unsuccessful_change_closes_only_with_its_remedial_actions_done(changes, store, records):
    ref = _failed(changes, store)
    reviews = ReviewService(store)
    review = next(r for r in reviews.list_reviews() if r.source_ref == ref)
    reviews.tick(review.ref, all_items=True)
    with pytest.raises(ValidationError, match=f"{ref} is closed once its effectiveness review"):
        records.transition(ref, "closed")
    before = dump(store.path)
    # its checklist says the actions are recorded on the change: ticked without any, the
    # review is not completed (it closed, and left the change unable to close)
    with pytest.raises(ValidationError, match=f"record the remedial actions agreed for {ref}"):
        reviews.complete(review.ref, "cause found; actions agreed")
    assert dump(store.path) == before
    remedial = RemedialService(store)
    remedial.add(ref, "Pin the old driver", owner="ops", agreed_with="print service owner")
    reviews.complete(review.ref, "cause found; actions agreed")
    with pytest.raises(ValidationError, match=r"remedial actions still open \(1\)"):
        records.transition(ref, "closed")
    remedial.complete(ref, "1", note="pinned")
    assert records.transition(ref, "closed").status == "closed"
    actions = [e.action for e in records.get(ref).journal]
    assert "remedial_action" in actions and "remedial_done" in actions


def test_remedial_actions_are_for_unsuccessful_changes_only(changes, store):
    ref = _standard(changes)
    with pytest.raises(ValidationError, match="not an unsuccessful change"):
        RemedialService(store).add(ref, "x")


def test_cli_full_record_and_remedial(tmp_path):
    cli = Cli(tmp_path / "desk.db")
    ref = cli.ok("changes", "new", "--title", "Patch", "--type", "standard",
                 "--feasibility", "easy", "--impact-customers", "none").strip()
    refused = cli("changes", "start", ref)
    assert refused.exit_code == 1 and "--verification" in refused.stderr
    cli.ok("changes", "assess", ref, "--verification", "ok", "--backout-tested", "no",
           "--backout-untested-reason", "no lab")
    cli.ok("changes", "start", ref)
    cli.ok("changes", "outcome", ref, "failed", "--investigation", "broke it")
    assert "remedial action 1 recorded" in cli.ok("changes", "remedial", ref, "--add", "Roll forward")
    assert "[ ] 1. Roll forward" in cli.ok("changes", "remedial", ref)
    assert "remedial action 1 done" in cli.ok("changes", "remedial", ref, "--done", "1",
                                              "--note", "rolled forward to 2.1")
    assert "[x] 1. Roll forward -- done: rolled forward to 2.1" in cli.ok("changes", "remedial", ref)


# ------------------------------------------------------------------ deployment dates told
def test_scheduling_tells_the_service_owners_the_proposed_dates_through_the_outbox(store, clock):
    from datetime import timedelta

    from sms_tui.services.configuration.catalogue import CatalogueService
    from sms_tui.services.mail.outbox import Outbox

    catalogue = CatalogueService(store)
    catalogue.add_service("Payroll", owner="Dana <dana@example.org>")
    catalogue.add_service("Intranet")  # no owner: nobody to tell for it
    changes = ChangeService(store)
    ref = changes.create(title="Patch payroll", change_type="standard",
                         services=["Payroll", "Intranet"]).ref
    start = clock() + timedelta(days=3)
    changes.schedule(ref, start, start + timedelta(hours=2))
    [message] = Outbox(store).list(ref=ref)
    assert message.purpose == "change_dates" and message.recipients == "Dana <dana@example.org>"
    assert f"{start:%Y-%m-%d %H:%M}" in message.subject and "Patch payroll" in message.body
    changes.schedule(ref, start + timedelta(days=1), start + timedelta(days=1, hours=2))
    assert len(Outbox(store).list(ref=ref)) == 2  # moved: told again


def test_a_service_owner_must_be_a_mail_address(store):
    from sms_tui.services.configuration.catalogue import CatalogueService

    with pytest.raises(ValidationError, match="not a mail address"):
        CatalogueService(store).add_service("Payroll", owner="dana\r\nBcc: x@evil")
