"""make run loads the demo network once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from haven.core.management.commands.load_demo import FORMER_RESIDENTS
from haven.core.models import Application, Bed, Shelter, Stay

pytestmark = pytest.mark.django_db


def test_demo_network_matches_the_seed_and_loads_once() -> None:
    out = StringIO()
    call_command("load_demo", stdout=out)
    call_command("load_demo", stdout=out)

    by_country = {
        code: Shelter.objects.filter(country__code=code).count()
        for code in ("KZ", "TR", "AM", "PL")
    }
    assert by_country == {"KZ": 4, "TR": 1, "AM": 1, "PL": 1}
    assert Shelter.objects.filter(country__code="KZ", city="Almaty").count() == 2
    house = Shelter.objects.get(name="Almaty House")
    assert house.rooms.count() == 3
    assert Bed.objects.filter(room__shelter=house).count() == 14
    assert Application.objects.count() == 48 + FORMER_RESIDENTS
    assert Stay.objects.active().count() > 10
    # History for the dashboard: former residents moved out with an outcome, each accepted
    # before they came in.
    assert Stay.objects.filter(check_out__isnull=False).exclude(outcome="").count() > 20
    for stay in Stay.objects.select_related("person__application"):
        decided_at = stay.person.application.decided_at
        assert decided_at is not None
        assert decided_at.date() <= stay.check_in
    # Invented rents in each house's own currency.
    assert Shelter.objects.filter(monthly_rent__isnull=True).count() == 0
    assert house.monthly_rent == 45_000_000
    assert house.rent_currency == "KZT"
    assert Shelter.objects.get(name="Warsaw Flat").rent_currency == "PLN"
    assert Application.objects.waitlist().exists()
    assert Application.objects.review_queue().exists()
    assert "Demo data already loaded." in out.getvalue()
    assert "http://127.0.0.1:8000/" in out.getvalue()


def test_demo_staff_have_a_second_factor_and_a_code_command() -> None:
    call_command("load_demo", stdout=StringIO())
    out = StringIO()
    call_command("demo_code", "admin", stdout=out)
    code = out.getvalue().split()[0]
    assert len(code) == 6
    assert code.isdigit()


def test_demo_code_is_only_for_demo_staff() -> None:
    call_command("load_demo", stdout=StringIO())
    someone = User.objects.create_user("someone")
    TOTPDevice.objects.create(user=someone, name="default", confirmed=True)
    with pytest.raises(CommandError, match="No demo authenticator"):
        call_command("demo_code", "someone", stdout=StringIO())
