"""Every API endpoint x every role's token x a shelter in and out of scope: the exact status,
as on the staff pages (outside scope 404, in scope without the capability 403). Then what
each endpoint shows, and that it never says who sleeps where."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date

import pytest
from django.contrib.auth.models import User
from django.test import RequestFactory
from django.urls import reverse
from django.utils.translation import override

from haven.api.errors import server_error
from haven.api.urls import urlpatterns
from haven.core.models import Application, Offer
from haven.core.services.stays import check_out
from tests.api.conftest import api, post_json, token_of
from tests.conftest import Network, Personas, make_application
from tests.staff.conftest import accepted, resident

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]

PERSONAS = ("admin", "reviewer", "coordinator", "volunteer", "outsider", "nobody", "intake")


def codes(*statuses: int) -> dict[str, int]:
    return dict(zip(PERSONAS, statuses, strict=True))


@dataclass(frozen=True)
class Rule:
    method: str
    # Scope -> persona -> status; scopes as in tests/staff/test_access_matrix.py.
    expected: dict[str, dict[str, int]]
    per_shelter: bool = False


MISSING = codes(*[404] * 7)
# can_place (beds) and can_view_residents (occupancy) there: admins everywhere, coordinators
# in their shelter; reviewers see every shelter but hold neither; intake partners see none.
SHELTER_CAPABILITY = {
    "in": codes(200, 403, 200, 403, 404, 404, 404),
    "out": codes(200, 403, 404, 404, 200, 404, 404),
    "missing": MISSING,
}
RULES = {
    "schema": Rule("get", {"-": codes(*[200] * 7)}),
    "shelters": Rule("get", {"-": codes(*[200] * 7)}),
    "beds": Rule("get", SHELTER_CAPABILITY, per_shelter=True),
    "occupancy": Rule("get", SHELTER_CAPABILITY, per_shelter=True),
    # can_place somewhere, or can_review network-wide.
    "waitlist": Rule("get", {"-": codes(200, 200, 200, 403, 200, 404, 403)}),
    # can_submit_applications network-wide; an empty body is refused (400) and stores nothing.
    "applications": Rule("post", {"-": codes(400, 403, 403, 403, 403, 404, 400)}),
}


def test_every_endpoint_has_a_rule() -> None:
    assert {pattern.name for pattern in urlpatterns} == set(RULES)


@pytest.mark.parametrize("name", list(RULES))
def test_status_codes(name: str, network: Network, personas: Personas, intake: User) -> None:
    rule = RULES[name]
    users = {**personas.all(), "intake": intake}
    shelters = {"in": network.almaty.public_id, "out": network.astana.public_id}
    results, expected = {}, {}
    for scope, by_persona in rule.expected.items():
        kwargs = {}
        if rule.per_shelter:
            kwargs["shelter_id"] = shelters.get(scope, uuid.uuid4())
        url = reverse(f"api:{name}", kwargs=kwargs)
        for persona, user in users.items():
            client = api(token_of(user))
            response = post_json(client, url, {}) if rule.method == "post" else client.get(url)
            assert "json" in response["Content-Type"], (url, persona)
            results[(scope, persona)] = response.status_code
            expected[(scope, persona)] = by_persona[persona]
    assert results == expected
    assert not Application.objects.exists()


def test_shelters_are_listed_in_scope_with_bed_counts(
    network: Network, personas: Personas, intake: User
) -> None:
    resident(network.almaty_beds[0], personas.admin)
    Offer.objects.create(
        application=accepted(personas.admin, display_name="Offered"),
        bed=network.almaty_beds[1],
        priority=10,
    )
    network.almaty_beds[2].in_service = False
    network.almaty_beds[2].save()

    def listed(user: User) -> dict[str, object]:
        response = api(token_of(user)).get("/api/v1/shelters/")
        return {s["name"]: s for s in response.json()["results"]}

    assert set(listed(personas.admin)) == set(listed(personas.reviewer)) == {"Dom 1", "Dom 2"}
    assert set(listed(personas.volunteer)) == {"Dom 1"}
    assert set(listed(personas.outsider)) == {"Dom 2"}
    assert listed(intake) == {}
    assert listed(personas.coordinator) == {
        "Dom 1": {
            "id": str(network.almaty.public_id),
            "name": "Dom 1",
            "city": "Almaty",
            "country": "KZ",
            "beds": {"total": 3, "in_service": 2, "occupied": 1, "free": 0},
        }
    }
    assert listed(personas.admin)["Dom 2"]["beds"] == {  # type: ignore[index]
        "total": 3,
        "in_service": 3,
        "occupied": 0,
        "free": 3,
    }


def test_the_shelter_list_is_paged(network: Network, personas: Personas) -> None:
    client = api(token_of(personas.admin))

    first = client.get("/api/v1/shelters/", {"limit": 1}).json()
    assert first["count"] == 2
    assert [s["name"] for s in first["results"]] == ["Dom 1"]
    second = client.get(first["next"]).json()
    assert [s["name"] for s in second["results"]] == ["Dom 2"]
    assert second["next"] is None
    assert len(client.get("/api/v1/shelters/", {"limit": 10_000}).json()["results"]) == 2


def test_beds_say_occupied_never_by_whom(network: Network, personas: Personas) -> None:
    stay = resident(network.almaty_beds[0], personas.admin, display_name="Very Secret Name")

    response = api(token_of(personas.coordinator)).get(
        f"/api/v1/shelters/{network.almaty.public_id}/beds/"
    )

    beds = response.json()["results"]
    assert [(b["label"], b["occupied"], b["free"]) for b in beds] == [
        ("Bed 1", True, False),
        ("Bed 2", False, True),
        ("Bed 3", False, True),
    ]
    assert beds[0] == {
        "id": str(network.almaty_beds[0].public_id),
        "label": "Bed 1",
        "room": "Room 1",
        "room_gender": "open",
        "accessible": False,
        "in_service": True,
        "occupied": True,
        "held": False,
        "free": False,
    }
    body = response.content.decode()
    assert "Very Secret Name" not in body
    assert str(stay.person.public_id) not in body
    assert str(stay.public_id) not in body


def test_occupancy_counts_nights_per_day(network: Network, personas: Personas) -> None:
    first = resident(network.almaty_beds[0], personas.admin, day=date(2026, 10, 2))
    resident(network.almaty_beds[1], personas.admin, day=date(2026, 10, 3))
    check_out(first, date(2026, 10, 4), "moved_on", actor=personas.admin)

    response = api(token_of(personas.coordinator)).get(
        f"/api/v1/shelters/{network.almaty.public_id}/occupancy/",
        {"start": "2026-10-01", "end": "2026-10-05"},
    )

    assert response.status_code == 200
    assert response.json() == {
        "shelter": str(network.almaty.public_id),
        "start": "2026-10-01",
        "end": "2026-10-05",
        "beds_in_service": 3,
        "days": [
            {"date": "2026-10-01", "occupied": 0},
            {"date": "2026-10-02", "occupied": 1},
            {"date": "2026-10-03", "occupied": 2},
            {"date": "2026-10-04", "occupied": 1},  # the check-out day frees the bed
            {"date": "2026-10-05", "occupied": 1},
        ],
    }


@pytest.mark.parametrize(
    ("query", "language", "errors"),
    [
        (
            {"start": "2025-01-01", "end": "2026-01-02"},
            "en",
            {"start": ["At most 366 days at a time: move the start closer to the end."]},
        ),
        (
            {"start": "2026-10-05", "end": "2026-10-01"},
            "en",
            {"start": ["The start must not be after the end."]},
        ),
        (
            {"start": "1.10.2026"},
            "ru",
            {"start": ["Введите дату в виде ГГГГ-ММ-ДД, например 2026-10-01."]},
        ),
        (
            {"end": "2999-01-01"},
            "en",
            {"end": ["This date is in the future: occupancy is known up to today."]},
        ),
    ],
)
def test_occupancy_ranges_are_checked(
    network: Network,
    personas: Personas,
    query: dict[str, str],
    language: str,
    errors: dict[str, list[str]],
) -> None:
    response = api(token_of(personas.admin), language=language).get(
        f"/api/v1/shelters/{network.almaty.public_id}/occupancy/", query
    )

    assert response.status_code == 400
    assert response.json()["errors"] == errors
    assert response.json()["code"] == "invalid"


def test_a_year_of_occupancy_is_allowed(network: Network, personas: Personas) -> None:
    response = api(token_of(personas.admin)).get(
        f"/api/v1/shelters/{network.almaty.public_id}/occupancy/",
        {"start": "2025-01-01", "end": "2026-01-01"},
    )

    assert response.status_code == 200
    assert len(response.json()["days"]) == 366


def test_waitlist_counts_per_country_in_scope(network: Network, personas: Personas) -> None:
    accepted(personas.admin, display_name="A")
    offered = accepted(personas.admin, display_name="B")
    Offer.objects.create(application=offered, bed=network.almaty_beds[0], priority=10)
    accepted(personas.admin, display_name="C", host_country="AM")
    resident(network.astana_beds[0], personas.admin, display_name="Placed")
    make_application(display_name="Not yet reviewed")  # submitted, not accepted: not waiting

    def counts(user: User) -> list[dict[str, object]]:
        return api(token_of(user)).get("/api/v1/waitlist/").json()["countries"]

    everywhere = [
        {"country": "AM", "waiting": 1, "offered": 0},
        {"country": "KZ", "waiting": 2, "offered": 1},
    ]
    assert counts(personas.admin) == counts(personas.reviewer) == everywhere
    assert counts(personas.coordinator) == [{"country": "KZ", "waiting": 2, "offered": 1}]


def test_a_bad_address_under_the_api_is_a_json_404(network: Network, personas: Personas) -> None:
    client = api(token_of(personas.admin))
    urls = (
        "/api/v1/shelters/not-a-uuid/beds/",
        "/api/v1/nothing/",
        "/api/v2/shelters/",
        "/api/v1/shelters",  # no redirect to the slash
    )
    for url in urls:
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json() == {"detail": "Not found.", "code": "not_found"}, url


def test_a_crash_under_the_api_is_answered_in_json(rf: RequestFactory) -> None:
    with override("en"):
        api_crash = server_error(rf.get("/api/v1/shelters/"))
        page_crash = server_error(rf.get("/en/apply/"))

    assert api_crash.status_code == page_crash.status_code == 500
    assert json.loads(api_crash.content) == {
        "detail": "Something went wrong on our side. Please try again later.",
        "code": "server_error",
    }
    assert page_crash["Content-Type"].startswith("text/html")
