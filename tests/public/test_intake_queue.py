"""The intake queue (HAVEN_INTAKE_WORKER): codes at once, the application stored by the worker.

Russian text is what some of these tests check.
"""

from __future__ import annotations

import io
import uuid
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.test import Client

from haven.accounts.models import Role
from haven.core.models import Application, AuditEntry, Person, ReceivedApplication
from haven.core.services import intake
from haven.core.services.applications import (
    find_for_applicant,
    new_reference,
    store_application,
)
from haven.core.services.intake import MAX_FAILURES, process_received
from haven.lib.passphrases import check_passphrase
from tests.api.conftest import token_of
from tests.api.test_applications import body, send
from tests.conftest import Network, make_user
from tests.public.conftest import NOW, codes_in, stored_rows, valid_post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def worker_mode(settings: Any) -> None:
    settings.INTAKE_WORKER = True


def check_status(client: Client, reference: str, passphrase: str) -> str:
    response = client.post("/ru/status/", {"reference": reference, "passphrase": passphrase})
    assert response.status_code == 200
    return response.content.decode()


def test_the_person_gets_codes_before_the_application_is_stored(
    client: Client, network: Network
) -> None:
    response = client.post("/ru/apply/", valid_post(situation="Повестка пришла родителям."))

    assert response.status_code == 200
    reference, passphrase = codes_in(response.content.decode())
    assert Application.objects.count() == 0
    row = ReceivedApplication.objects.get()
    assert row.reference == reference
    # Sealed: neither the answers nor the passphrase are in the stored row as text.
    with connection.cursor() as cursor:
        cursor.execute("SELECT sealed FROM core_receivedapplication")
        (raw,) = cursor.fetchone()
    assert "Повестка" not in raw
    assert passphrase not in raw
    # The status check already finds it, as received.
    html = check_status(client, reference, passphrase)
    assert "Получена, ждёт рассмотрения" in html
    assert f"Заявка {reference}" in html
    assert "25 ноября 2026" in html


def test_the_worker_stores_it_as_if_the_form_had(client: Client, network: Network) -> None:
    reference, passphrase = codes_in(client.post("/ru/apply/", valid_post()).content.decode())
    row = ReceivedApplication.objects.get()

    report = process_received()

    assert (report.stored, report.failed, report.stuck) == (1, 0, 0)
    assert not ReceivedApplication.objects.exists()
    application = Application.objects.select_related("person").get()
    assert application.reference == reference
    assert application.submitted_at == NOW  # when it was received
    assert application.language == "ru"
    assert application.priority > 0
    assert application.beds_needed == 2  # one dependant
    assert application.person.data_key == row.data_key
    assert application.person.display_name == "Артём"
    assert check_passphrase(passphrase, application.passphrase_hash).matches
    entry = AuditEntry.objects.get(action="application.submitted")
    assert entry.object_id == str(application.public_id)
    assert "Получена, ждёт рассмотрения" in check_status(client, reference, passphrase)
    assert find_for_applicant(reference, passphrase) == application


def test_a_resubmission_gets_the_same_codes_queued_or_stored(
    client: Client, network: Network
) -> None:
    form = valid_post()
    first = codes_in(client.post("/ru/apply/", form).content.decode())
    again = codes_in(client.post("/ru/apply/", form).content.decode())
    assert again == first
    assert ReceivedApplication.objects.count() == 1

    process_received()
    after = codes_in(client.post("/ru/apply/", form).content.decode())

    assert after == first
    assert not ReceivedApplication.objects.exists()
    assert Application.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_as_a_request_runs_a_taken_reference_is_drawn_again(
    client: Client, network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a transaction around the request, as in production: the received row is
    committed on its own, and one that repeats a stored or queued application's reference or
    a stored application's key is taken back, so nothing is left behind twice."""
    stored_form = valid_post(contact="@stored_one")
    stored = codes_in(client.post("/ru/apply/", stored_form).content.decode())
    process_received()
    queued = codes_in(client.post("/ru/apply/", valid_post(contact="@queued_one")).content.decode())
    draws = iter([stored[0], queued[0], "HV-2345-6789"])
    monkeypatch.setattr(intake, "new_reference", lambda: next(draws))

    reference, _passphrase = codes_in(
        client.post("/ru/apply/", valid_post(contact="@new_one")).content.decode()
    )

    assert reference == "HV-2345-6789"
    monkeypatch.setattr(intake, "new_reference", new_reference)
    assert codes_in(client.post("/ru/apply/", stored_form).content.decode()) == stored
    queue = ReceivedApplication.objects.values_list("reference", flat=True)
    assert sorted(queue) == sorted([queued[0], "HV-2345-6789"])
    assert list(Application.objects.values_list("reference", flat=True)) == [stored[0]]


def test_wrong_codes_find_nothing_in_the_queue(client: Client, network: Network) -> None:
    reference, passphrase = codes_in(client.post("/ru/apply/", valid_post()).content.decode())
    other = "abcd-efgh-jkmn"

    html = check_status(client, reference, other)

    assert "Получена" not in html
    assert "Не удалось найти заявку" in html
    assert find_for_applicant(reference, other) is None
    assert find_for_applicant("HV-AAAA-AAAA", passphrase) is None


def test_bad_input_queues_nothing(client: Client, network: Network) -> None:
    before = stored_rows()

    response = client.post("/ru/apply/", valid_post(entered_on="2031-01-01"))

    assert response.status_code == 200
    assert "Эта дата ещё не наступила" in response.content.decode()
    assert stored_rows() == before
    assert not ReceivedApplication.objects.exists()


def test_a_row_that_cannot_be_stored_waits_and_the_rest_go_on(
    client: Client, network: Network
) -> None:
    for _ in range(3):
        client.post("/ru/apply/", valid_post(contact=f"@p{uuid.uuid4().hex[:8]}"))
    broken = ReceivedApplication.objects.order_by("pk")[1]
    sealed = broken.sealed
    sealed["answers"]["host_country"] = "XX"  # no such country: storing it fails
    broken.sealed = sealed
    broken.save()

    report = process_received()

    assert (report.stored, report.failed) == (2, 1)
    broken.refresh_from_db()
    assert broken.failures == 1
    assert Application.objects.count() == 2
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("process_intake", stdout=out, stderr=err)
    assert exited.value.code == 1
    assert "1 received application(s) failed 5 times" in err.getvalue()
    broken.refresh_from_db()
    assert broken.failures == MAX_FAILURES  # kept, never dropped
    assert Application.objects.count() == 2


def test_a_worker_killed_mid_batch_leaves_every_row_queued(
    client: Client, network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(3):
        client.post("/ru/apply/", valid_post(contact=f"@p{uuid.uuid4().hex[:8]}"))
    real = store_application
    calls = []

    def dies_on_the_second(*args: Any, **kwargs: Any) -> Application:
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the process dies: nothing catches this
        return real(*args, **kwargs)

    monkeypatch.setattr(intake, "store_application", dies_on_the_second)
    with pytest.raises(KeyboardInterrupt):
        process_received()

    assert ReceivedApplication.objects.count() == 3
    assert Application.objects.count() == 0
    assert Person.objects.count() == 0
    assert not AuditEntry.objects.filter(action="application.submitted").exists()
    monkeypatch.setattr(intake, "store_application", real)
    assert process_received().stored == 3


def test_the_command_empties_the_queue(client: Client, network: Network) -> None:
    for _ in range(3):
        client.post("/ru/apply/", valid_post(contact=f"@p{uuid.uuid4().hex[:8]}"))
    out = io.StringIO()

    call_command("process_intake", "--batch-size", "2", stdout=out)

    assert out.getvalue().strip().endswith("stored 3 failed 0 stuck 0")
    assert Application.objects.count() == 3
    assert not ReceivedApplication.objects.exists()


def test_the_api_answers_from_the_queue_too(network: Network, intake_user: User) -> None:
    secret = token_of(intake_user)
    key = str(uuid.uuid4())

    first = send(secret, body(), key)
    again = send(secret, body(), key)
    reused = send(secret, body(display_name="Someone else"), key)

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["reference"] == first.json()["reference"]
    assert reused.status_code == 409
    row = ReceivedApplication.objects.get()
    assert row.actor == intake_user
    process_received()
    application = Application.objects.get()
    assert application.reference == first.json()["reference"]
    assert AuditEntry.objects.get(action="application.submitted").actor == intake_user
    assert send(secret, body(), key).json()["reference"] == application.reference
    assert send(secret, body(display_name="Someone else"), key).status_code == 409


@pytest.fixture
def intake_user(network: Network) -> User:
    return make_user("intake", Role.INTAKE, None)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL table property")
def test_the_queue_is_crash_safe_and_rate_counts_need_not_be() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, relpersistence FROM pg_class WHERE relname IN "
            "('core_receivedapplication', 'core_ratecount', 'core_application')"
        )
        persistence = dict(cursor.fetchall())
    # p: written to the WAL, survives a crash; u: unlogged, emptied by a crash.
    assert persistence == {
        "core_receivedapplication": "p",
        "core_application": "p",
        "core_ratecount": "u",
    }


def test_the_report_tells_how_many_wait_and_since_when(client: Client, network: Network) -> None:
    out = io.StringIO()
    call_command("process_intake", "--report", stdout=out)
    assert out.getvalue().strip() == "queued 0 oldest 0 s stuck 0"
    client.post("/ru/apply/", valid_post())
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        out = io.StringIO()
        call_command("process_intake", "--report", stdout=out)
    assert out.getvalue().strip() == "queued 1 oldest 300 s stuck 0"
    assert ReceivedApplication.objects.count() == 1  # a report stores nothing
