"""Publishing rubric versions, and re-scoring the applications still waiting."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils.functional import Promise

from haven.core.models import Application, Assessment, AuditEntry, RubricVersion
from haven.core.services.rubrics import RubricError, publish_rubric, suggested_version
from haven.core.services.triage import current_rubric, rescore_pending
from haven.rules.scoring import RUBRIC_V1, max_score, rubric_to_dict
from tests.conftest import Personas, make_application

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 1, 9, tzinfo=UTC)
NOTE = "Protests weigh more: people detained after protests are now charged."


def definition(version: str = "2026.2", **changes: Any) -> dict[str, Any]:
    """Rubric 2026.1 with ``changes``; by default protests weigh 30 instead of 12."""
    weights = dict(RUBRIC_V1.weights) | {"danger.protests": 30}
    return rubric_to_dict(RUBRIC_V1) | {"version": version, "weights": weights} | changes


def test_publishing_makes_the_version_current_and_audits_it(
    personas: Personas, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        row = publish_rubric(definition(), f"  {NOTE}  ", actor=personas.admin)

    assert (row.version, row.note, row.created_by) == ("2026.2", NOTE, personas.admin)
    assert current_rubric().weights["danger.protests"] == 30
    entry = AuditEntry.objects.get(action="rubric.published")
    assert entry.actor == personas.admin
    assert entry.object_id == str(row.pk)
    assert entry.data == {"version": "2026.2", "previous": "2026.1", "max_score": 197}
    assert max_score(current_rubric()) == 197
    assert len(callbacks) == 1  # the re-scoring, once the version is committed


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"savings_bands": [[30, 5], [7, 8]]},
            "Savings bands: each band must cover more days than the one before it and give no "
            "more points than it; points cannot be below 0.",
        ),
        (
            {"savings_bands": [[7, 2], [30, 5]]},
            "Savings bands: each band must cover more days than the one before it and give no "
            "more points than it; points cannot be below 0.",
        ),
        (
            {"urgency_bands": [[7, 25], [7, 18]]},
            "Days-left bands: each band must cover more days than the one before it and give no "
            "more points than it; points cannot be below 0.",
        ),
        ({"weights": {"danger.protests": 12}}, "Every yes/no factor needs points, 0 or more."),
        ({"waiting_cap": -1}, "Points and caps cannot be below 0."),
        ({"version": "  "}, "Give the new version a name."),
        (
            {"version": "2026 autumn"},
            "A version name has at most 20 letters, digits, dots, dashes or underscores.",
        ),
    ],
)
def test_invalid_rubrics_are_refused_with_a_translated_message(
    personas: Personas, changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(RubricError) as refused:
        publish_rubric(definition(**changes), NOTE, actor=personas.admin)

    assert isinstance(refused.value.message, Promise)  # gettext_lazy: shown in the user's language
    assert str(refused.value.message) == message
    assert not RubricVersion.objects.exists()
    assert not AuditEntry.objects.filter(action="rubric.published").exists()


def test_version_names_are_never_reused(personas: Personas) -> None:
    with pytest.raises(RubricError, match=r"Version 2026\.1 exists already"):
        publish_rubric(definition("2026.1"), NOTE, actor=personas.admin)
    publish_rubric(definition("2026.2"), NOTE, actor=personas.admin)
    with pytest.raises(RubricError, match=r"Version 2026\.2 exists already"):
        publish_rubric(definition("2026.2", per_dependant=5), NOTE, actor=personas.admin)
    assert RubricVersion.objects.count() == 1


def test_a_note_and_a_change_are_required(personas: Personas) -> None:
    with pytest.raises(RubricError, match="Say what changed and why"):
        publish_rubric(definition(), "   ", actor=personas.admin)
    unchanged = rubric_to_dict(RUBRIC_V1) | {"version": "2026.2"}
    with pytest.raises(RubricError, match=r"numbers of version 2026\.1, the one in force"):
        publish_rubric(unchanged, NOTE, actor=personas.admin)
    assert not RubricVersion.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_suggested_version_counts_on_within_the_year(personas: Personas) -> None:
    assert suggested_version() == "2026.2"  # 2026.1 is the built-in rubric
    publish_rubric(definition("2026.2"), NOTE, actor=personas.admin)
    assert suggested_version() == "2026.3"
    assert suggested_version(date(2027, 1, 5)) == "2027.1"


def test_new_applications_are_scored_with_the_published_version(personas: Personas) -> None:
    before = make_application()
    publish_rubric(definition(), NOTE, actor=personas.admin)

    after = make_application()

    assert (before.rubric_version, after.rubric_version) == ("2026.1", "2026.2")
    assert after.priority_parts["danger.protests"] == 30
    assert after.priority == before.priority + 18


def _decided(status: str, actor: User) -> Application:
    """An application in ``status`` with the reviewer's assessment of it."""
    application = make_application(display_name=status)
    Application.objects.filter(pk=application.pk).update(status=status)
    Assessment.objects.create(
        application=application,
        rubric_version=application.rubric_version,
        total=application.priority,
        parts=application.score_parts,
        decision="reject" if status == "rejected" else "accept",
        reason="Recorded for the test.",
        reviewer=actor,
    )
    return application


def _with_status(status: str) -> Application:
    application = make_application(display_name=status)
    Application.objects.filter(pk=application.pk).update(status=status)
    return application


@time_machine.travel(NOW, tick=False)
def test_rescoring_updates_pending_priorities_and_leaves_decisions_alone(
    personas: Personas, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    reviewer = personas.reviewer
    pending = [_with_status(status) for status in ("submitted", "needs_info", "rejection_proposed")]
    pending.append(_decided("accepted", reviewer))  # on the waitlist: its place follows the rubric
    decided = [_decided(status, reviewer) for status in ("rejected", "placed", "exited")]
    before = {a.pk: (a.priority, a.priority_static, a.priority_parts) for a in pending + decided}
    assessments = list(Assessment.objects.values_list("pk", "total", "rubric_version"))
    assessment_parts = [a.parts for a in Assessment.objects.order_by("pk")]

    with django_capture_on_commit_callbacks(execute=True):
        publish_rubric(definition(), NOTE, actor=personas.admin)

    for application in pending:
        application.refresh_from_db()
        priority, static, parts = before[application.pk]
        assert application.rubric_version == "2026.2"
        assert application.priority == priority + 18
        assert application.priority_static == static + 18
        assert application.priority_parts == parts | {"danger.protests": 30}
    for application in decided:
        application.refresh_from_db()
        assert application.rubric_version == "2026.1"
        assert (
            application.priority,
            application.priority_static,
            application.priority_parts,
        ) == before[application.pk]
    assert list(Assessment.objects.values_list("pk", "total", "rubric_version")) == assessments
    assert [a.parts for a in Assessment.objects.order_by("pk")] == assessment_parts
    entry = AuditEntry.objects.get(action="applications.rescored")
    assert entry.data == {"version": "2026.2", "rescored": 4, "complete": True}
    assert entry.actor == personas.admin

    # Idempotent: nothing is left under an older version.
    assert rescore_pending(actor=None).rescored == 0
    assert AuditEntry.objects.filter(action="applications.rescored").count() == 1


@time_machine.travel(NOW, tick=False)
def test_rescoring_works_in_batches_and_from_the_command(personas: Personas) -> None:
    applications = [make_application(display_name=f"P{i}") for i in range(5)]
    RubricVersion.objects.create(version="2026.2", definition=definition())

    out = StringIO()
    call_command("rescore_pending", "--batch-size", "2", stdout=out)

    assert out.getvalue().strip() == "rubric 2026.2: rescored 5"
    versions = Application.objects.filter(pk__in=[a.pk for a in applications])
    assert set(versions.values_list("rubric_version", flat=True)) == {"2026.2"}
    assert AuditEntry.objects.get(action="applications.rescored").actor is None


def test_nothing_to_rescore_before_a_version_is_published(personas: Personas) -> None:
    make_application()
    report = rescore_pending(actor=personas.admin)
    assert (report.version, report.rescored) == ("2026.1", 0)
    assert not AuditEntry.objects.filter(action="applications.rescored").exists()
