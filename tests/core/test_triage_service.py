"""Duplicate flags, the rubric in force, and the daily priority refresh."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from haven.core.models import Application, DuplicateFlag, RubricVersion
from haven.core.services.triage import current_rubric, normalise_contact, refresh_priorities
from haven.rules.scoring import RUBRIC_V1, rubric_to_dict
from tests.conftest import Network, make_application

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 1, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "same_as"),
    [
        ("@Artem_Example", "artem_example"),
        ("https://t.me/artem_example", "artem_example"),
        (" Artem_Example ", "@artem_example"),
        ("8 (701) 123-45-67", "+7 701 123 45 67"),
    ],
)
def test_contacts_typed_differently_normalise_alike(typed: str, same_as: str) -> None:
    assert normalise_contact(typed) == normalise_contact(same_as)


def test_same_contact_is_flagged_both_ways_never_merged(network: Network) -> None:
    first = make_application(contact="@same_person")
    second = make_application(contact="@Same_Person ", display_name="Someone else")
    third = make_application(contact="@another", display_name="Nikita")

    assert Application.objects.count() == 3
    flagged = {(f.application_id, f.other_id, f.reason) for f in DuplicateFlag.objects.all()}
    assert flagged == {(first.pk, second.pk, "contact"), (second.pk, first.pk, "contact")}
    assert not third.duplicate_flags.exists()


def test_same_identity_is_flagged(network: Network) -> None:
    make_application(contact="@a1", display_name="Артём", birth_year=1990)
    make_application(contact="@a2", display_name="артем ", birth_year=1990)
    make_application(contact="@a3", display_name="Артём", birth_year=1991)
    assert set(DuplicateFlag.objects.values_list("reason", flat=True)) == {"identity"}
    assert DuplicateFlag.objects.count() == 2


def test_new_applications_use_the_newest_rubric(network: Network) -> None:
    assert current_rubric() == RUBRIC_V1
    definition = rubric_to_dict(RUBRIC_V1) | {"version": "2026.2"}
    definition["weights"] = dict(definition["weights"]) | {"danger.protests": 30}  # type: ignore[call-overload]
    RubricVersion.objects.create(version="2026.2", definition=definition)

    application = make_application()

    assert application.rubric_version == "2026.2"
    assert application.priority_parts["danger.protests"] == 30


@time_machine.travel(NOW, tick=False)
def test_daily_refresh_adds_waiting_and_urgency_and_is_idempotent(network: Network) -> None:
    # Entered 60 days ago: 30 days left on Kazakhstan's 90-day clock.
    application = make_application(entered_on=date(2026, 11, 1) - timedelta(days=59))
    start_priority = application.priority
    start_urgency = application.score_parts["urgency.days_left"]

    assert refresh_priorities().changed == 0
    with time_machine.travel(NOW + timedelta(days=22), tick=False):
        report = refresh_priorities()
        assert report.changed == 1
        assert refresh_priorities().changed == 0
        out = StringIO()
        call_command("refresh_priorities", stdout=out)
        assert "changed 0" in out.getvalue()

    application.refresh_from_db()
    parts = application.score_parts
    assert parts["waiting.days_waiting"] == 3  # three full weeks
    assert parts["urgency.days_left"] > start_urgency  # 8 days left now
    assert application.priority == sum(parts.values()) > start_priority
