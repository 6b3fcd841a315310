"""The review queue and an application's page: access, order, score parts, decisions."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from haven.accounts.models import ROLE_CAPABILITIES, Capability, Role
from haven.core.models import Application, Assessment, AuditEntry, Question, Shelter
from haven.rules.scoring import PART_KEYS
from haven.staff.labels import PART_LABELS
from tests.conftest import Network, Personas, login, make_application

QUEUE = "/en/staff/queue/"  # reverse("staff:queue") under the english fixture


def _application_url(application: Application) -> str:
    return reverse("staff:application", kwargs={"public_id": application.public_id})


def test_every_rubric_part_has_a_label() -> None:
    assert tuple(PART_LABELS) == PART_KEYS


def test_queue_access(personas: Personas) -> None:
    assert login(personas.reviewer).get(QUEUE).status_code == 200
    assert login(personas.coordinator).get(QUEUE).status_code == 403
    assert login(personas.nobody).get(QUEUE).status_code == 404


def test_queue_orders_by_priority_and_shows_parts(personas: Personas) -> None:
    low = make_application(display_name="Low", protests=False, draft_notice=False, no_income=False)
    high = make_application(display_name="High", arrested=True, prosecution=True)
    middle = make_application(display_name="Middle")
    assert high.priority > middle.priority > low.priority
    decided = make_application(display_name="Decided")
    decided.status = Application.Status.REJECTED
    decided.save()

    html = login(personas.reviewer).get(QUEUE).content.decode()

    names = re.findall(r'<p class="who">(\w+)</p>', html)
    assert names == ["High", "Middle", "Low"]
    assert f'<strong class="priority">{high.priority}</strong>' in html
    assert "Arrested or detained" in html
    assert "Criminal or administrative case" in html
    assert f"+{high.priority_parts['danger.arrested']}" in html


def test_queue_filters_by_status(personas: Personas) -> None:
    make_application(display_name="Waiting")
    accepted = make_application(display_name="Accepted")
    accepted.status = Application.Status.ACCEPTED
    accepted.save()
    client = login(personas.reviewer)

    html = client.get(QUEUE, {"status": "accepted"}).content.decode()
    assert re.findall(r'<p class="who">(\w+)</p>', html) == ["Accepted"]
    # An unknown status shows the review queue rather than an error.
    html = client.get(QUEUE, {"status": "bogus"}).content.decode()
    assert re.findall(r'<p class="who">(\w+)</p>', html) == ["Waiting"]


def test_queue_query_count_does_not_grow_with_applications(
    personas: Personas, django_assert_max_num_queries: object
) -> None:
    for i in range(30):
        make_application(display_name=f"Person{i}", dependants=i % 4)
    client = login(personas.reviewer)
    # session, user, second-factor device, memberships, countries, the page's ids, its rows:
    # 7 whatever the number of applications
    # (no COUNT(*): at a million rows it would cost more than the page itself).
    with django_assert_max_num_queries(7):  # type: ignore[operator]
        response = client.get(QUEUE)
    html = response.content.decode()
    assert len(re.findall(r'<p class="who">', html)) == 25
    assert 'rel="next" href="?page=2"' in html
    assert 'rel="prev"' not in html
    second = client.get(QUEUE, {"page": 2}).content.decode()
    assert len(re.findall(r'<p class="who">', second)) == 5
    assert 'rel="prev" href="?page=1"' in second
    assert 'rel="next"' not in second


def test_score_parts_hidden_without_view_sensitive(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(ROLE_CAPABILITIES, Role.REVIEWER, frozenset({Capability.REVIEW}))
    application = make_application(arrested=True)
    client = login(personas.reviewer)

    queue = client.get(QUEUE).content.decode()
    assert application.reference in queue
    assert "Arrested or detained" not in queue

    page = client.get(_application_url(application)).content.decode()
    assert "Hidden: you may not see sensitive answers." in page
    assert "Left after the notice" not in page
    assert "@artem_example" not in page
    assert not AuditEntry.objects.filter(action="application.answers.viewed").exists()


def test_application_page_shows_answers_and_audits_the_read(personas: Personas) -> None:
    application = make_application(situation="Police came twice.")
    html = login(personas.reviewer).get(_application_url(application)).content.decode()
    assert "Police came twice." in html
    assert "@artem_example" in html
    assert "domestic passport" in html
    assert "Draft notice received" in html
    entry = AuditEntry.objects.get(action="application.answers.viewed")
    assert entry.actor == personas.reviewer
    assert entry.object_id == str(application.public_id)


@pytest.mark.parametrize(
    ("decision", "status", "action"),
    [
        ("accept", Application.Status.ACCEPTED, "application.accepted"),
        # One reviewer's "reject" only proposes it (tests/staff/test_review.py: the second).
        ("reject", Application.Status.REJECTION_PROPOSED, "application.rejection.proposed"),
    ],
)
def test_decision_records_assessment_and_audit_entry(
    personas: Personas, decision: str, status: str, action: str
) -> None:
    application = make_application()
    client = login(personas.reviewer)

    response = client.post(
        _application_url(application), {"decision": decision, "reason": "Checked the notice."}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("staff:queue")
    application.refresh_from_db()
    assert application.status == status
    assessment = Assessment.objects.get(application=application)
    assert assessment.decision == decision
    assert assessment.reason == "Checked the notice."
    assert assessment.reviewer == personas.reviewer
    assert assessment.total == application.priority
    assert AuditEntry.objects.filter(
        action=action,
        object_id=str(application.public_id),
        actor=personas.reviewer,
    ).exists()
    queue = client.get(response["Location"]).content.decode()
    assert application.reference in queue  # named in the confirmation message


def test_second_decision_is_refused(personas: Personas) -> None:
    application = make_application()
    client = login(personas.reviewer)
    url = _application_url(application)
    client.post(url, {"decision": "accept", "reason": "Urgent."})

    response = client.post(url, {"decision": "reject", "reason": "Changed my mind."})

    assert response.status_code == 200
    assert "This application has already been decided." in response.content.decode()
    application.refresh_from_db()
    assert application.status == Application.Status.ACCEPTED
    assert Assessment.objects.filter(application=application).count() == 1
    assert "Urgent." in response.content.decode()  # the first assessment is listed


def test_decision_needs_a_reason(personas: Personas) -> None:
    application = make_application()
    response = login(personas.reviewer).post(
        _application_url(application), {"decision": "accept", "reason": "  "}
    )
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert not Assessment.objects.exists()


def _names(html: str) -> list[str]:
    return re.findall(r'<p class="who">(\w+)</p>', html)


def test_queue_filters_by_country_and_city(personas: Personas, network: Network) -> None:
    Shelter.objects.create(
        organisation=network.almaty.organisation,
        country=network.armenia,
        city="Yerevan",
        name="Yerevan House",
    )
    make_application(display_name="Almaty", city="Almaty")
    make_application(display_name="Astana", city="Astana")
    make_application(display_name="Yerevan", host_country="AM", city="Yerevan")
    client = login(personas.reviewer)

    assert sorted(_names(client.get(QUEUE, {"country": "AM"}).content.decode())) == ["Yerevan"]
    kz = client.get(QUEUE, {"country": "KZ", "city": "almaty"}).content.decode()
    assert _names(kz) == ["Almaty"]
    # Filters survive paging links; an unknown country drops only that filter.
    assert sorted(_names(client.get(QUEUE, {"country": "ZZ"}).content.decode())) == [
        "Almaty",
        "Astana",
        "Yerevan",
    ]


def test_queue_filters_by_flag(personas: Personas) -> None:
    make_application(display_name="First", contact="@twice")
    make_application(display_name="Second", contact="@TWICE")
    make_application(display_name="Single", contact="@once")
    answered = make_application(display_name="Answered", contact="@answered")
    Question.objects.create(
        application=answered,
        text="Which city?",
        asked_by=personas.reviewer,
        answer="Almaty",
        answered_at=timezone.now(),
    )
    client = login(personas.reviewer)

    duplicates = _names(client.get(QUEUE, {"flag": "duplicates"}).content.decode())
    assert sorted(duplicates) == ["First", "Second"]
    assert _names(client.get(QUEUE, {"flag": "answered"}).content.decode()) == ["Answered"]


def test_paging_links_keep_the_filters(personas: Personas) -> None:
    for i in range(26):
        make_application(display_name=f"P{i}", city="Almaty")
    html = login(personas.reviewer).get(QUEUE, {"city": "Almaty", "page": "x"}).content.decode()
    assert 'rel="next" href="?city=Almaty&amp;page=2"' in html
