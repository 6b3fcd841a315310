"""Every staff URL x every persona x an object in and out of scope: the exact status code.

Rules: anonymous -> 302 to the sign-in page (which is itself public); outside a user's scope
-> 404; in scope without the capability -> 403; allowed -> 200. POST views get an empty form,
so an allowed user sees the form again with its errors (200) and nothing changes.
Adding a URL to haven/staff/urls.py without a rule here fails ``test_every_url_has_a_rule``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from haven.accounts.models import ApiToken, Membership
from haven.core.models import Assessment, Consent, Offer, Shelter, Stay
from haven.core.services.api_tokens import create_api_token
from haven.core.services.consent import ConsentFacts, record_consent
from haven.staff.urls import urlpatterns
from tests.conftest import Network, Personas, login, make_application
from tests.staff.clock_objects import legal_objects
from tests.staff.conftest import accepted, resident

PERSONAS = ("admin", "reviewer", "coordinator", "volunteer", "outsider", "nobody")


def codes(
    admin: int, reviewer: int, coordinator: int, volunteer: int, outsider: int, nobody: int
) -> dict[str, int]:
    return dict(
        zip(PERSONAS, (admin, reviewer, coordinator, volunteer, outsider, nobody), strict=True)
    )


def everyone(code: int) -> dict[str, int]:
    return dict.fromkeys(PERSONAS, code)


@dataclass(frozen=True)
class Rule:
    methods: tuple[str, ...]
    # Scope -> persona -> status. Scopes: "-" (no object), "in" (in Almaty, the coordinator's
    # and volunteer's shelter), "out" (in Astana, the outsider's), "any" (network-wide
    # objects), "missing" (a UUID that matches nothing).
    expected: dict[str, dict[str, int]]
    kind: str | None = None  # which object the URL's public_id names
    public: bool = False


MISSING = everyone(404)
# A shelter's people: can_view_residents there (admin: network-wide; coordinator: Almaty;
# outsider: Astana). The reviewer reaches every shelter but holds no such capability.
SEE_PEOPLE = {
    "in": codes(200, 403, 200, 403, 404, 404),
    "out": codes(200, 403, 404, 404, 200, 404),
    "missing": MISSING,
}
# Placing and checking out: can_place there (same personas as above).
PLACE = SEE_PEOPLE
# House life: can_manage_house_life there (coordinators and volunteers of the shelter, admins).
HOUSE_LIFE = {
    "in": codes(200, 403, 200, 200, 404, 404),
    "out": codes(200, 403, 404, 404, 200, 404),
    "missing": MISSING,
}
REVIEW = codes(200, 200, 403, 403, 403, 404)
# Network admins only (can_manage_rubric, can_view_fairness): staff with some other role get
# 403, staff with no membership 404 (access.require_network).
ADMIN_ONLY = codes(200, 403, 403, 403, 403, 404)
# A person's consents and file: can_view_sensitive for them (admin and reviewer network-wide,
# coordinators for the people of their shelter).
SENSITIVE_PEOPLE = {
    "in": codes(200, 200, 200, 403, 404, 404),
    "out": codes(200, 200, 404, 404, 200, 404),
    "missing": MISSING,
}
# Staff roles: network admins, who are sent to confirm it is them first (302, tests/staff/
# test_roles.py follows them through).
MANAGE_ROLES = codes(302, 403, 403, 403, 403, 404)

RULES: dict[str, Rule] = {
    "home": Rule(("get",), {"-": everyone(302)}),
    "login": Rule(("get",), {"-": everyone(200)}, public=True),
    "logout": Rule(("post",), {"-": everyone(302)}),
    # Confirming it is you: any signed-in staff member (an empty form is shown again).
    "reauth": Rule(("get", "post"), {"-": everyone(200)}),
    "queue": Rule(("get",), {"-": REVIEW}),
    "application": Rule(("get", "post"), {"any": REVIEW, "missing": MISSING}, kind="application"),
    # Questions and the vetting checklist: can_review and can_view_sensitive.
    "ask_question": Rule(("post",), {"any": REVIEW, "missing": MISSING}, kind="application"),
    "record_evidence": Rule(("post",), {"any": REVIEW, "missing": MISSING}, kind="application"),
    # Erasing a person: network admins only (can_erase_people).
    "erase": Rule(("post",), {"any": ADMIN_ONLY, "missing": MISSING}, kind="application"),
    "shelters": Rule(("get",), {"-": everyone(200)}),
    "shelter": Rule(("get",), SEE_PEOPLE, kind="shelter"),
    "place": Rule(("post",), PLACE, kind="shelter"),
    "check_out": Rule(("post",), PLACE, kind="stay"),
    "resident": Rule(("get",), SEE_PEOPLE, kind="person"),
    # Placement: can_place in some shelter (the run covers those); an offer with its bed's
    # shelter. An empty POST names no shelter or action: the page again, nothing changes.
    "placement": Rule(("get", "post"), {"-": codes(200, 403, 200, 403, 200, 404)}),
    "offer": Rule(("get", "post"), PLACE, kind="offer"),
    # House life: can_manage_house_life there (coordinators and volunteers, admins).
    "house": Rule(("get", "post"), HOUSE_LIFE, kind="shelter"),
    "rota": Rule(("get", "post"), HOUSE_LIFE, kind="shelter"),
    "rubrics": Rule(("get",), {"-": ADMIN_ONLY}),
    "rubric_new": Rule(("get", "post"), {"-": ADMIN_ONLY}),
    "fairness": Rule(("get",), {"-": ADMIN_ONLY}),
    # Stay rules: can_manage_stay_rules (network admins).
    "stay_rules": Rule(("get",), {"-": ADMIN_ONLY}),
    "stay_rules_edit": Rule(("get", "post"), {"-": ADMIN_ONLY}),
    # The legal clock and pathways. Recording and ticking need can_do_casework for the
    # resident, reading a case can_view_residents: the same personas as SEE_PEOPLE.
    "record_crossing": Rule(("post",), SEE_PEOPLE, kind="person"),
    "record_exit": Rule(("post",), SEE_PEOPLE, kind="person"),
    "record_document": Rule(("post",), SEE_PEOPLE, kind="person"),
    "edit_document": Rule(("get", "post"), SEE_PEOPLE, kind="document"),
    "remove_document": Rule(("post",), SEE_PEOPLE, kind="document"),
    "complete_task": Rule(("post",), SEE_PEOPLE, kind="task"),
    "shelter_clock": Rule(("get",), SEE_PEOPLE, kind="shelter"),
    # The network board: a network role with can_view_residents (access.require_network).
    "clock_board": Rule(("get",), {"-": ADMIN_ONLY}),
    # Destinations are network-wide information for every role; verifying needs
    # can_manage_pathways (network admins).
    "destinations": Rule(("get",), {"-": codes(200, 200, 200, 200, 200, 404)}),
    "destination": Rule(
        ("get",),
        {"any": codes(200, 200, 200, 200, 200, 404), "missing": MISSING},
        kind="destination",
    ),
    "verify_destination": Rule(
        ("get", "post"), {"any": ADMIN_ONLY, "missing": MISSING}, kind="destination"
    ),
    "open_case": Rule(("post",), SEE_PEOPLE, kind="person"),
    "case": Rule(("get",), SEE_PEOPLE, kind="case"),
    "update_case": Rule(("post",), SEE_PEOPLE, kind="case"),
    "add_appointment": Rule(("post",), SEE_PEOPLE, kind="case"),
    # Calendar settings: can_view_residents in some shelter; the feed itself needs only its
    # secret token (the coordinator's here), whoever asks (wrong tokens: tests/staff).
    "calendar": Rule(("get", "post"), {"-": codes(200, 403, 200, 403, 200, 404)}),
    "calendar_feed": Rule(("get",), {"in": everyone(200)}, kind="feed", public=True),
    # Consent and sharing (sharing itself also needs a recent re-authentication, which an
    # empty form never reaches).
    "consents": Rule(("get", "post"), SENSITIVE_PEOPLE, kind="person"),
    "share": Rule(("post",), SENSITIVE_PEOPLE, kind="person"),
    "withdraw_consent": Rule(("post",), SENSITIVE_PEOPLE, kind="consent"),
    # The dashboard and its downloads: can_view_dashboard (network admins). An empty download
    # form shows the page again with errors before any re-authentication is asked for.
    "dashboard": Rule(("get",), {"-": ADMIN_ONLY}),
    "dashboard_download": Rule(("post",), {"-": ADMIN_ONLY}),
    # A shelter's rent: can_manage_rent (network admins); everyone else who sees the shelter
    # gets 403.
    "rent": Rule(
        ("get", "post"),
        {
            "in": codes(200, 403, 403, 403, 404, 404),
            "out": codes(200, 403, 404, 404, 403, 404),
            "missing": MISSING,
        },
        kind="shelter",
    ),
    "roles": Rule(("get", "post"), {"-": MANAGE_ROLES}),
    "revoke_role": Rule(("post",), {"any": MANAGE_ROLES, "missing": MISSING}, kind="membership"),
    # API tokens: everyone's own, behind re-authentication (302 to confirm first; tests/staff/
    # test_api_tokens.py follows it through); someone else's token does not exist for them.
    "api_tokens": Rule(("get", "post"), {"-": everyone(302)}),
    "revoke_api_token": Rule(
        ("post",),
        {"in": codes(404, 404, 302, 404, 404, 404), "missing": MISSING},
        kind="api_token",
    ),
}


@pytest.fixture
def objects(network: Network, personas: Personas) -> dict[str, dict[str, uuid.UUID]]:
    almaty = resident(network.almaty_beds[0], personas.admin, display_name="In Almaty")
    astana = resident(network.astana_beds[0], personas.admin, display_name="In Astana")
    offers = {
        scope: Offer.objects.create(
            application=accepted(personas.admin, display_name=f"Offered {scope}"),
            bed=bed,
            priority=100,
        ).public_id
        for scope, bed in (("in", network.almaty_beds[1]), ("out", network.astana_beds[1]))
    }
    facts = ConsentFacts(Consent.Scope.UNHCR, "UNHCR Almaty", date(2024, 1, 10), "in_person")
    consents = {
        scope: record_consent(stay.person, facts, actor=personas.admin).public_id
        for scope, stay in (("in", almaty), ("out", astana))
    }
    return {
        "consent": consents,
        "membership": {"any": Membership.objects.get(user=personas.volunteer).public_id},
        "api_token": {
            "in": create_api_token(
                personas.coordinator, "tool", None, actor=personas.coordinator
            ).token.public_id
        },
        "application": {"any": make_application().public_id},
        "shelter": {"in": network.almaty.public_id, "out": network.astana.public_id},
        "stay": {"in": almaty.public_id, "out": astana.public_id},
        "person": {"in": almaty.person.public_id, "out": astana.person.public_id},
        "offer": offers,
        **legal_objects(almaty.person, astana.person, personas.coordinator, personas.admin),
    }


def _url(name: str, rule: Rule, scope: str, objects: dict[str, dict[str, uuid.UUID]]) -> str:
    if rule.kind is None:
        return reverse(f"staff:{name}")
    public_id = uuid.uuid4() if scope == "missing" else objects[rule.kind][scope]
    if rule.kind == "feed":  # a secret token, not a public id
        return reverse(f"staff:{name}", kwargs={"token": str(public_id)})
    return reverse(f"staff:{name}", kwargs={"public_id": public_id})


def _request(client: Client, method: str, url: str) -> Any:
    return client.post(url, {}) if method == "post" else client.get(url)


def test_every_url_has_a_rule() -> None:
    assert {pattern.name for pattern in urlpatterns} == set(RULES)


@pytest.mark.parametrize("name", [pattern.name for pattern in urlpatterns])
def test_status_codes(
    name: str, personas: Personas, objects: dict[str, dict[str, uuid.UUID]]
) -> None:
    rule = RULES[name]
    login_url = reverse("staff:login")
    stays_before = list(Stay.objects.values_list("pk", "check_out").order_by("pk"))
    assessments_before = Assessment.objects.count()
    offers_before = list(Offer.objects.values_list("pk", "status").order_by("pk"))
    consents_before = Consent.objects.current().count()
    memberships_before = Membership.objects.count()
    rents_before = list(Shelter.objects.values_list("pk", "monthly_rent").order_by("pk"))
    tokens_before = list(ApiToken.objects.values_list("pk", "revoked_at").order_by("pk"))
    results: dict[tuple[str, str, str], int] = {}
    expected: dict[tuple[str, str, str], int] = {}
    for method in rule.methods:
        for scope, by_persona in rule.expected.items():
            url = _url(name, rule, scope, objects)
            anonymous = _request(Client(), method, url)
            if rule.public:
                assert anonymous.status_code == 200, url
            else:
                assert anonymous.status_code == 302, url
                assert anonymous["Location"].startswith(login_url), url
            for persona in PERSONAS:
                response = _request(login(getattr(personas, persona)), method, url)
                results[(method, scope, persona)] = response.status_code
                assert b"INVALID[" not in response.content, (url, persona)
                expected[(method, scope, persona)] = by_persona[persona]
    assert results == expected
    # Empty forms change nothing, whoever posts them.
    assert list(Stay.objects.values_list("pk", "check_out").order_by("pk")) == stays_before
    assert Assessment.objects.count() == assessments_before
    assert list(Offer.objects.values_list("pk", "status").order_by("pk")) == offers_before
    assert Consent.objects.current().count() == consents_before
    assert Membership.objects.count() == memberships_before
    assert list(Shelter.objects.values_list("pk", "monthly_rent").order_by("pk")) == rents_before
    assert list(ApiToken.objects.values_list("pk", "revoked_at").order_by("pk")) == tokens_before


@pytest.mark.parametrize(
    "name", [name for name, rule in RULES.items() if rule.methods == ("post",)]
)
def test_post_only_urls_refuse_get(
    name: str, personas: Personas, objects: dict[str, dict[str, uuid.UUID]]
) -> None:
    rule = RULES[name]
    scope = next(iter(rule.expected))
    response = login(personas.admin).get(_url(name, rule, scope, objects))
    assert response.status_code == 405
