"""Erasure on request and by the retention job: everything of the person goes, the log stays."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from haven.core.models import (
    Application,
    Assessment,
    AuditEntry,
    BorderCrossing,
    Person,
    ResidentClock,
    ResidentTask,
    Stay,
)
from haven.core.services.applications import decide_application
from haven.core.services.audit import verify_chain
from haven.core.services.erasure import apply_retention, erase_person
from haven.core.services.review import confirm_rejection
from haven.core.services.stays import check_in, check_out
from tests.conftest import Network, Personas, make_application

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


def _rejected(personas: Personas, name: str) -> Application:
    application = make_application(display_name=name, contact=f"@{name}")
    decide_application(application, "reject", "Has housing", actor=personas.reviewer)
    confirm_rejection(application, "Agreed", actor=personas.admin)
    application.refresh_from_db()
    return application


def _moved_out(network: Network, personas: Personas, name: str, out: date) -> Application:
    application = make_application(display_name=name, contact=f"@{name}")
    decide_application(application, "accept", "Eligible", actor=personas.reviewer)
    stay = check_in(
        application, network.astana_beds[0], out - timedelta(days=30), actor=personas.admin
    )
    check_out(stay, out, "moved_on", actor=personas.admin)
    application.refresh_from_db()
    return application


def test_erasing_a_resident_removes_all_their_rows(network: Network, personas: Personas) -> None:
    with time_machine.travel(NOW, tick=False):
        application = make_application(display_name="Vera", contact="@vera")
        decide_application(application, "accept", "Eligible", actor=personas.reviewer)
        check_in(application, network.almaty_beds[0], date(2026, 11, 20), actor=personas.admin)
    person = application.person
    assert ResidentClock.objects.filter(person=person).exists()
    assert ResidentTask.objects.filter(person=person).exists()

    erase_person(person, actor=personas.admin, reason="request")

    for model in (Person, Application, Assessment, BorderCrossing, Stay, ResidentClock):
        assert not model.objects.exists(), model.__name__
    assert not ResidentTask.objects.exists()
    entry = AuditEntry.objects.get(action="person.erased")
    assert entry.object_id == str(person.public_id)
    assert entry.actor == personas.admin
    assert entry.data == {"reason": "request"}
    assert verify_chain().ok  # the log keeps the earlier entries about them, chain intact


def test_retention_erases_only_who_is_due_and_is_idempotent(
    network: Network, personas: Personas
) -> None:
    with time_machine.travel(NOW - timedelta(days=100), tick=False):
        old_rejection = _rejected(personas, "Old")
    with time_machine.travel(NOW - timedelta(days=10), tick=False):
        recent_rejection = _rejected(personas, "Recent")
    with time_machine.travel(NOW - timedelta(days=400), tick=False):
        long_gone = _moved_out(network, personas, "Gone", (NOW - timedelta(days=400)).date())
    with time_machine.travel(NOW - timedelta(days=40), tick=False):
        recently_left = _moved_out(network, personas, "Left", (NOW - timedelta(days=40)).date())
    waiting = make_application(display_name="Waiting", contact="@waiting")

    with time_machine.travel(NOW, tick=False):
        dry = apply_retention(dry_run=True)
        assert (dry.rejected, dry.moved_out) == (1, 1)
        assert Person.objects.count() == 5
        report = apply_retention()
        again = apply_retention()

    assert (report.rejected, report.moved_out) == (1, 1)
    assert again.erased == 0
    remaining = set(Application.objects.values_list("pk", flat=True))
    assert remaining == {recent_rejection.pk, recently_left.pk, waiting.pk}
    assert old_rejection.pk not in remaining
    assert long_gone.pk not in remaining
    reasons = sorted(
        AuditEntry.objects.filter(action="person.erased").values_list("data__reason", flat=True)
    )
    assert reasons == ["retention.moved_out", "retention.rejected"]


def test_retention_command_reports(network: Network, personas: Personas) -> None:
    with time_machine.travel(NOW - timedelta(days=100), tick=False):
        _rejected(personas, "Old")
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("apply_retention", "--dry-run", stdout=out)
        call_command("apply_retention", stdout=out)
    assert out.getvalue() == (
        "due: 1 rejected applicants, 0 moved-out residents\n"
        "erased: 1 rejected applicants, 0 moved-out residents\n"
    )
