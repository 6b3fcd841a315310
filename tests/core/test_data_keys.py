"""Each person's values are sealed with their own data key, wrapped by a rotatable master key."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.exceptions import InvalidTag
from django.db import connection, models

from haven.core.models import Application, Person
from haven.lib import crypto
from haven.lib.crypto import SELF, Sealed, open_sealed, open_with, seal
from tests.conftest import Network, Personas, make_application
from tests.core.sensitive_records import encrypted_fields, fill_every_encrypted_field

pytestmark = pytest.mark.django_db


def _owner(row: models.Model, field: crypto.EncryptedField) -> Person:
    owner: Any = row
    if field.owner != SELF:
        for name in str(field.owner).split("__"):
            owner = getattr(owner, name)
    assert isinstance(owner, Person)
    return owner


def test_every_encrypted_field_names_a_person_as_its_owner() -> None:
    fields = list(encrypted_fields())
    assert len(fields) >= 11
    for model, field in fields:
        assert field.owner is not None, f"{model.__name__}.{field.name} has no owner"
        target: Any = model
        if field.owner != SELF:
            for name in field.owner.split("__"):
                target = target._meta.get_field(name).related_model
        assert target is Person, f"{model.__name__}.{field.name}"


def test_every_value_opens_with_its_owners_key_and_no_other(
    network: Network, personas: Personas
) -> None:
    vera = make_application(display_name="Vera", contact="@vera 4401", situation="Fled 4401")
    oleg = make_application(display_name="Oleg", contact="@oleg 4402", situation="Fled 4402")
    fill_every_encrypted_field(vera, personas, "4401")
    fill_every_encrypted_field(oleg, personas, "4402")
    keys = {person.pk: person.data_key for person in Person.objects.all()}
    assert len(set(keys.values())) == 2

    checked = 0
    for model, field in encrypted_fields():
        rows = list(model._default_manager.all())
        assert len(rows) >= 2, f"{model.__name__}.{field.name} was not filled"
        tokens = dict(model._default_manager.values_list("pk", field.attname))
        for row in rows:
            owner = _owner(row, field)
            token = tokens[row.pk]
            if token is None:  # an unanswered question has no answer yet
                continue
            assert isinstance(token, Sealed)
            assert token.token.startswith("enc2:")
            plaintext = open_with(keys[owner.pk], token.token)
            marker = "4401" if owner.display_name == "Vera" else "4402"
            if field.name not in {"priority_parts", "parts"}:  # score parts are numbers
                assert marker in plaintext, f"{model.__name__}.{field.name}"
            other = next(key for pk, key in keys.items() if pk != owner.pk)
            with pytest.raises(InvalidTag):
                open_with(other, token.token)
            with pytest.raises(ValueError, match="not a value sealed with a master key"):
                open_sealed(token.token)
            checked += 1
    assert checked >= 22


def test_a_value_is_opened_only_when_read_and_written_back_as_it_was(network: Network) -> None:
    make_application(contact="@lazy")
    application = Application.objects.select_related("person").get()
    with connection.cursor() as cursor:
        cursor.execute("SELECT answers FROM core_application")
        before = cursor.fetchone()[0]
    assert isinstance(application.__dict__["answers"], Sealed)

    application.city = "Astana"
    application.save()

    with connection.cursor() as cursor:
        cursor.execute("SELECT answers FROM core_application")
        assert cursor.fetchone()[0] == before  # not re-sealed: nobody read it
    assert application.answers["draft_notice"] is True
    assert application.person.contact == "@lazy"
    deferred = Application.objects.defer("answers").get()
    deferred.save(update_fields=["answers"])  # loaded, then sealed again: not lost
    assert Application.objects.get().answers == application.answers


def test_writes_that_cannot_find_the_owner_are_refused(network: Network) -> None:
    application = make_application()
    with pytest.raises(TypeError, match="owner's data key"):
        Application.objects.filter(pk=application.pk).update(answers={"situation": "x"})
    application.priority_parts = {"danger.protests": 1}
    with pytest.raises(TypeError, match="owner's data key"):
        Application.objects.bulk_update([application], ["priority_parts"])


def test_values_sealed_with_the_master_key_before_data_keys_still_open(network: Network) -> None:
    application = make_application()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_person SET contact = %s", [seal("@from_2025")])
    assert Person.objects.get().contact == "@from_2025"
    assert Application.objects.get().answers == application.answers


def test_unwrapped_keys_are_forgotten_when_a_request_ends(
    network: Network, personas: Personas
) -> None:
    from tests.conftest import login

    application = make_application()
    client = login(personas.admin)
    page = client.get(f"/en/staff/applications/{application.public_id}/")
    assert "@artem_example" in page.content.decode()
    assert crypto._cached_keys() == {}
