"""Shared fixtures: a small network of shelters and one persona per staff role."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from haven.accounts.models import Membership, Role
from haven.core.models import Application, Bed, HostCountry, Organisation, Room, Shelter
from haven.core.services.applications import ApplicantAnswers, submit_application
from haven.public.forms import forget_offered_countries

_keys = itertools.count()
PASSWORD = "correct horse battery staple"  # every persona's


@dataclass
class Network:
    kazakhstan: HostCountry
    armenia: HostCountry
    almaty: Shelter  # "our" shelter: the coordinator and volunteer personas work here
    astana: Shelter  # another shelter: the outsider persona coordinates it
    almaty_beds: list[Bed]
    astana_beds: list[Bed]


@pytest.fixture(autouse=True)
def fresh_country_list() -> None:
    """Each test starts with no cached country list: a rolled-back test's shelters send no
    signal, so a list kept from one test would show another test countries it lacks."""
    forget_offered_countries()


@pytest.fixture
def network(db: Any) -> Network:
    org = Organisation.objects.create(name="Test network")
    kz = HostCountry.objects.create(code="KZ", name="Kazakhstan", timezone="Asia/Almaty")
    am = HostCountry.objects.create(code="AM", name="Armenia", timezone="Asia/Yerevan")
    almaty = Shelter.objects.create(organisation=org, country=kz, city="Almaty", name="Dom 1")
    astana = Shelter.objects.create(organisation=org, country=kz, city="Astana", name="Dom 2")
    beds: dict[int, list[Bed]] = {}
    for shelter in (almaty, astana):
        room = Room.objects.create(shelter=shelter, name="Room 1")
        beds[shelter.pk] = [Bed.objects.create(room=room, label=f"Bed {i}") for i in (1, 2, 3)]
    return Network(kz, am, almaty, astana, beds[almaty.pk], beds[astana.pk])


def make_user(username: str, role: str | None, shelter: Shelter | None) -> User:
    """A staff user with an authenticator app set up (a confirmed TOTP device)."""
    user = User.objects.create_user(username, password=PASSWORD)
    TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    if role is not None:
        Membership.objects.create(user=user, shelter=shelter, role=role)
    return user


def totp_code(user: User) -> str:
    """The code the user's authenticator app shows right now."""
    device = TOTPDevice.objects.get(user=user)
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code:0{device.digits}d}"


@dataclass
class Personas:
    admin: User
    reviewer: User
    coordinator: User
    volunteer: User
    outsider: User  # coordinator of another shelter
    nobody: User  # a staff account with no membership at all

    def all(self) -> dict[str, User]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@pytest.fixture
def personas(network: Network) -> Personas:
    return Personas(
        admin=make_user("admin", Role.ADMIN, None),
        reviewer=make_user("reviewer", Role.REVIEWER, None),
        coordinator=make_user("coordinator", Role.COORDINATOR, network.almaty),
        volunteer=make_user("volunteer", Role.VOLUNTEER, network.almaty),
        outsider=make_user("outsider", Role.COORDINATOR, network.astana),
        nobody=make_user("nobody", None, None),
    )


def login(user: User, *, verified: bool = True, client: Client | None = None) -> Client:
    """A client (new unless given) signed in as ``user``, past the second factor unless
    ``verified`` is False."""
    client = client or Client()
    client.force_login(user)
    if verified:
        device = TOTPDevice.objects.get(user=user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def reauthenticate(client: Client, user: User, *, next_url: str = "") -> Any:
    """Confirm it is ``user`` again on the re-authentication page, with the current code."""
    url = reverse("staff:reauth") + (f"?{urlencode({'next': next_url})}" if next_url else "")
    return client.post(url, {"password": PASSWORD, "otp_token": totp_code(user)})


ANSWERS = ApplicantAnswers(
    display_name="Artem",
    contact="@artem_example",
    gender="man",
    birth_year=1994,
    host_country="KZ",
    city="Almaty",
    entered_on=date(2026, 10, 1),
    document="ru_internal_passport",
    dependants=0,
    health_condition=False,
    no_income=True,
    no_housing=True,
    savings_days=3,
    protests=True,
    opposition_member=False,
    arrested=False,
    draft_notice=True,
    prosecution=False,
    situation="Left after the notice came to my parents' address.",
)


def make_application(**changes: Any) -> Application:
    """Submit an application through the real service (with a fresh idempotency key)."""
    answers = replace(ANSWERS, **changes)
    return submit_application(
        answers, idempotency_key=f"test-key-{next(_keys)}", language="ru"
    ).application
