"""Each person's values are sealed with their own data key, wrapped by a rotatable master key."""

from __future__ import annotations

import base64
from dataclasses import replace
from io import StringIO
from typing import Any

import pytest
from cryptography.exceptions import InvalidTag
from django.core.management import CommandError, call_command
from django.db import connection, models

from haven.core.models import Application, Person, Question, ReceivedApplication
from haven.core.services import review
from haven.core.services.intake import process_received, receive_application
from haven.lib import crypto
from haven.lib.crypto import SELF, Sealed, open_sealed, open_with, seal, wrapped_by
from tests.conftest import ANSWERS, Network, Personas, make_application
from tests.core.sensitive_records import encrypted_fields, fill_every_encrypted_field

pytestmark = pytest.mark.django_db

OLD_KEY = base64.urlsafe_b64encode(b"o" * 32).decode()
NEW_KEY = base64.urlsafe_b64encode(b"n" * 32).decode()


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
        # A queued application is sealed with the key its person will get (services/intake.py).
        assert target in (Person, ReceivedApplication), f"{model.__name__}.{field.name}"


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
        if model is ReceivedApplication:
            continue  # its own key: test_a_queued_application_is_sealed_with_its_own_key
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


# --- Master key rotation ---


def _readable() -> list[str]:
    crypto.forget_data_keys()
    return sorted(person.contact for person in Person.objects.all())


def test_rotating_the_master_key_rewraps_every_data_key(
    network: Network, personas: Personas, settings: Any
) -> None:
    settings.FIELD_KEYS = [OLD_KEY]
    first = make_application(display_name="Anna", contact="@anna")
    fill_every_encrypted_field(first, personas, "7001")
    make_application(display_name="Boris", contact="@boris")
    old_id = crypto.master_key_id()
    question = Question.objects.get()
    sealed_before = {row.pk: row.__dict__["text"] for row in Question.objects.all()}

    settings.FIELD_KEYS = [NEW_KEY, OLD_KEY]  # step 1: the new key first, the old one kept
    make_application(display_name="Clara", contact="@clara")
    assert {wrapped_by(p.data_key) for p in Person.objects.all()} == {
        old_id,
        crypto.master_key_id(),
    }
    assert _readable() == ["@anna", "@boris", "@clara"]

    out = StringIO()
    call_command("rewrap_keys", stdout=out)  # step 2
    call_command("rewrap_keys", stdout=out)
    new_id = crypto.master_key_id()
    assert out.getvalue() == (
        f"master key {new_id}: rewrapped 2, already current 1\n"
        f"master key {new_id}: rewrapped 0, already current 3\n"
    )

    settings.FIELD_KEYS = [NEW_KEY]  # step 3: the old key is gone
    assert _readable() == ["@anna", "@boris", "@clara"]
    question.refresh_from_db()
    assert question.text == "Which court? 7001"
    # Only the wrapping changed: the values are the same ciphertexts as before.
    assert {row.pk: row.__dict__["text"] for row in Question.objects.all()} == sealed_before
    review.ask_question(make_application(), "Still works?", actor=personas.reviewer)


def test_without_rewrapping_dropping_the_old_key_locks_people_out(
    network: Network, settings: Any
) -> None:
    settings.FIELD_KEYS = [OLD_KEY]
    make_application(contact="@anna")
    settings.FIELD_KEYS = [NEW_KEY]
    with pytest.raises(ValueError, match="no configured master key"):
        _readable()
    with pytest.raises(CommandError, match="1 data keys were wrapped by a master key"):
        call_command("rewrap_keys", stdout=StringIO())
    settings.FIELD_KEYS = [NEW_KEY, OLD_KEY]  # put back, as the message says
    out = StringIO()
    call_command("rewrap_keys", stdout=out)
    assert "rewrapped 1, already current 0" in out.getvalue()


def test_rotation_covers_applications_still_in_the_intake_queue(
    network: Network, settings: Any
) -> None:
    settings.FIELD_KEYS = [OLD_KEY]
    settings.INTAKE_WORKER = True
    receipt = receive_application(
        replace(ANSWERS, contact="@queued"), idempotency_key="rotation", language="ru"
    )
    settings.FIELD_KEYS = [NEW_KEY, OLD_KEY]
    out = StringIO()
    call_command("rewrap_keys", stdout=out)
    assert "rewrapped 1, already current 0" in out.getvalue()

    settings.FIELD_KEYS = [NEW_KEY]  # the old key is gone before the worker stored it
    assert process_received().stored == 1
    application = Application.objects.get(reference=receipt.reference)
    assert application.person.contact == "@queued"
    assert wrapped_by(application.person.data_key) == crypto.master_key_id()


def test_a_queued_application_is_sealed_with_its_own_key(network: Network, settings: Any) -> None:
    settings.INTAKE_WORKER = True
    for marker in ("4401", "4402"):
        receive_application(
            replace(ANSWERS, contact=f"@{marker}"), idempotency_key=marker, language="ru"
        )
    rows = list(ReceivedApplication.objects.order_by("pk"))
    tokens = dict(ReceivedApplication.objects.values_list("pk", "sealed"))
    assert rows[0].data_key != rows[1].data_key
    for row, other in ((rows[0], rows[1]), (rows[1], rows[0])):
        token = tokens[row.pk].token
        assert token.startswith("enc2:")
        plaintext = open_with(row.data_key, token)
        assert ("@4401" if row == rows[0] else "@4402") in plaintext
        with pytest.raises(InvalidTag):
            open_with(other.data_key, token)
        with pytest.raises(ValueError, match="not a value sealed with a master key"):
            open_sealed(token)
