"""make run loads the demo network once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

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
    assert Application.objects.count() == 48
    assert Stay.objects.active().count() > 10
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
