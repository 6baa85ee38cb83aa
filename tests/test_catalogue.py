"""The service catalogue and configuration items (8.2.6): unique names, journaled changes."""

from __future__ import annotations

import pytest

from sms_tui.domain.errors import NotFound, ValidationError
from sms_tui.services.configuration.catalogue import CatalogueService


@pytest.fixture
def catalogue(tmp_path, clock):
    """The catalogue with nothing under change control: these tests are about the catalogue
    itself (tests/test_change_control.py holds it under control)."""
    from sms_tui.config import load_config
    from sms_tui.services.core.store import Store

    path = tmp_path / "config.toml"
    path.write_text("[changes.control]\nservices = []\nci_types = []\n")
    store = Store(tmp_path / "catalogue.db", load_config(path), actor="tester", clock=clock)
    yield CatalogueService(store)
    store.close()


def test_added_service_is_listed_most_critical_first(catalogue):
    catalogue.add_service("Website", criticality="low")
    catalogue.add_service("Email", criticality="high", description="Mail for everyone")
    catalogue.add_service("Payroll", criticality="High")

    services = catalogue.list_services()

    assert [(s.name, s.criticality) for s in services] == [
        ("Email", "high"), ("Payroll", "high"), ("Website", "low"),
    ]
    assert services[0].description == "Mail for everyone"


def test_service_names_are_unique_ignoring_case(catalogue):
    catalogue.add_service("Email")

    with pytest.raises(ValidationError, match="a service named 'Email' already exists"):
        catalogue.add_service("email")
    assert len(catalogue.list_services()) == 1


def test_unknown_criticality_is_refused_naming_the_allowed_ones(catalogue):
    with pytest.raises(ValidationError, match="unknown criticality 'vital': use high, medium or low"):
        catalogue.add_service("Email", criticality="vital")
    assert catalogue.list_services() == []


def test_empty_service_name_is_refused(catalogue):
    with pytest.raises(ValidationError, match="service name must not be empty"):
        catalogue.add_service("   ")


def test_service_change_is_journaled_with_old_and_new_values(catalogue, clock):
    catalogue.add_service("VPN", criticality="medium")
    clock.advance(hours=1)

    updated = catalogue.update_service("VPN", criticality="high", note="Remote staff depend on it")

    assert updated.criticality == "high"
    latest = catalogue.history("VPN")[0]
    assert latest.action == "update"
    assert latest.changes == {"criticality": ("medium", "high")}
    assert latest.note == "Remote staff depend on it"
    assert latest.actor == "tester"
    assert latest.at == clock()


def test_renamed_service_keeps_its_trail_under_both_names(catalogue):
    catalogue.add_service("Wifi")

    catalogue.update_service("Wifi", new_name="Wi-Fi")

    assert catalogue.get_service("Wi-Fi").name == "Wi-Fi"
    assert [e.action for e in catalogue.history("Wi-Fi")] == ["update"]
    with pytest.raises(NotFound):
        catalogue.get_service("Wifi")


def test_ci_belongs_to_a_service_and_counts_towards_it(catalogue):
    catalogue.add_service("Email", criticality="high")

    ci = catalogue.add_ci("srv-mail-01", ci_type="server", service="Email",
                          description="Exchange mailbox server")

    assert (ci.name, ci.ci_type, ci.status, ci.service) == ("srv-mail-01", "server", "active", "Email")
    assert catalogue.get_service("Email").ci_count == 1
    assert [c.name for c in catalogue.list_cis(service="Email")] == ["srv-mail-01"]
    assert catalogue.history("srv-mail-01", ci=True)[0].action == "create"


def test_ci_for_an_unknown_service_is_refused_and_names_the_known_ones(catalogue):
    catalogue.add_service("Email")

    with pytest.raises(NotFound, match="no service named 'Mail'; known services: Email"):
        catalogue.add_ci("srv-mail-01", service="Mail")
    assert catalogue.list_cis() == []


def test_ci_names_are_unique_and_status_must_be_known(catalogue):
    catalogue.add_ci("srv-01")

    with pytest.raises(ValidationError, match="already exists"):
        catalogue.add_ci("SRV-01")
    with pytest.raises(ValidationError, match="use planned, active, retired"):
        catalogue.add_ci("srv-02", status="broken")


def test_retiring_a_ci_is_journaled(catalogue):
    catalogue.add_ci("pbx-old", ci_type="phone")

    catalogue.update_ci("pbx-old", status="retired", note="Replaced by cloud telephony")

    assert catalogue.get_ci("pbx-old").status == "retired"
    assert catalogue.list_cis(status="retired")[0].name == "pbx-old"
    entry = catalogue.history("pbx-old", ci=True)[0]
    assert entry.changes == {"status": ("active", "retired")}


def test_relationships_are_seen_from_both_ends(catalogue):
    for name in ("app-payroll", "srv-app-01", "db-payroll"):
        catalogue.add_ci(name)
    catalogue.relate("app-payroll", "srv-app-01", "runs_on")
    catalogue.relate("app-payroll", "db-payroll")

    from_app = catalogue.get_ci("app-payroll").relationships
    from_server = catalogue.relationships("srv-app-01")

    assert [r.describe() for r in from_app] == [
        "app-payroll runs_on srv-app-01", "app-payroll depends_on db-payroll",
    ]
    assert {r.direction for r in from_app} == {"out"}
    assert [(r.describe(), r.direction) for r in from_server] == [
        ("app-payroll runs_on srv-app-01", "in"),
    ]
    assert catalogue.history("srv-app-01", ci=True)[0].action == "relate"


def test_duplicate_or_self_relationship_is_refused(catalogue):
    catalogue.add_ci("a")
    catalogue.add_ci("b")
    catalogue.relate("a", "b", "runs-on")

    with pytest.raises(ValidationError, match="already recorded"):
        catalogue.relate("a", "b", "runs_on")
    with pytest.raises(ValidationError, match="cannot relate to itself"):
        catalogue.relate("a", "a")
    with pytest.raises(ValidationError, match="must be one word"):
        catalogue.relate("b", "a", "is; drop table")


def test_unrelate_removes_the_relationship_and_journals_both_ends(catalogue):
    catalogue.add_ci("a")
    catalogue.add_ci("b")
    catalogue.relate("a", "b", "runs_on")

    assert catalogue.unrelate("a", "b") == 1

    assert catalogue.relationships("a") == []
    assert catalogue.history("b", ci=True)[0].changes == {"relationship": ("a runs_on b", None)}
    with pytest.raises(NotFound, match="there is no relationship from 'a' to 'b'"):
        catalogue.unrelate("a", "b")


def test_unknown_ci_in_a_relationship_is_refused(catalogue):
    catalogue.add_ci("a")

    with pytest.raises(NotFound, match="no configuration item named 'ghost'"):
        catalogue.relate("a", "ghost")


def test_a_record_names_its_service_and_ci_in_any_case(store, records):
    # the form completes names in any case; a name typed in another case was refused on save
    catalogue = CatalogueService(store)
    catalogue.add_service("Wi-Fi", criticality="medium")
    catalogue.add_ci("ap-floor2", ci_type="network", service="Wi-Fi")
    view = records.create("incident", title="No signal", service="wi-fi", ci="AP-FLOOR2")
    assert (view.service, view.ci) == ("Wi-Fi", "ap-floor2")
    assert records.get(view.ref).journal[0].changes["service"] == (None, "Wi-Fi")
    with pytest.raises(NotFound, match="no service named 'wifi'"):
        records.create("incident", title="x", service="wifi")


def test_the_catalogues_own_commands_find_a_service_and_ci_in_any_case(catalogue):
    # a record's fields took `wi-fi` for the Wi-Fi service, but `sms-tui service show wi-fi`
    # said there was none: one name, two rules
    catalogue.add_service("Wi-Fi", criticality="medium")
    catalogue.add_ci("ap-floor2", ci_type="network", service="wi-fi")
    assert catalogue.get_service("wi-fi").name == "Wi-Fi"
    assert catalogue.get_ci("AP-Floor2").name == "ap-floor2"
    catalogue.update_ci("AP-FLOOR2", description="Second floor")
    assert [e.changes for e in catalogue.history("ap-floor2", ci=True)][0] == {
        "description": ("", "Second floor")}
    assert catalogue.history("WI-FI") == catalogue.history("Wi-Fi")
    with pytest.raises(NotFound, match="no service named 'wifi'"):
        catalogue.get_service("wifi")
