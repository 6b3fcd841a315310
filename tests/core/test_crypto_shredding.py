"""What is typed into a sensitive field is never stored readable, and erasure shreds it.

A marker goes in through the public form and the staff services. The SQLite database file
(and its write-ahead log) and a PostgreSQL ``pg_dump`` never contain it; after the person is
erased, neither their ciphertexts nor their wrapped data key are anywhere in the database, and
a ciphertext copied beforehand cannot be opened with the master key.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidTag
from django.core.management import call_command
from django.db import connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client
from django.urls import reverse

from haven.core.models import Application, Person
from haven.core.services.erasure import erase_person
from haven.lib import crypto
from haven.lib.crypto import PERSON_PREFIX, Sealed, open_sealed, open_with
from tests.conftest import Network, Personas, login
from tests.core.sensitive_records import encrypted_fields, fill_every_encrypted_field

MARKER = "Zq7Marker4418"

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="reads the bytes of the SQLite database file"
)
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="pg_dump needs PostgreSQL"
)


def _apply_with_marker(client: Client) -> Application:
    """Send the public form with the marker in the contact and in the free text."""
    from tests.public.conftest import valid_post

    response = client.post(
        "/ru/apply/",
        valid_post(contact=f"@{MARKER}", situation=f"Повестка {MARKER}, арест брата"),
    )
    assert response.status_code == 200
    application = Application.objects.select_related("person").get()
    assert application.person.contact == f"@{MARKER}"
    return application


def _secrets_of(person: Person) -> list[str]:
    """The person's wrapped data key and every ciphertext of theirs, as stored."""
    found = [person.data_key]
    for model, field in encrypted_fields():
        path = "pk" if field.owner == crypto.SELF else f"{field.owner}_id"
        values = model._default_manager.filter(**{path: person.pk}).values_list(
            field.attname, flat=True
        )
        found += [value.token for value in values if isinstance(value, Sealed)]
    assert len(found) >= 12  # the key and a value in each of the 11 fields at least
    return found


def _erase_through_the_page(personas: Personas, application: Application) -> None:
    url = reverse("staff:erase", kwargs={"public_id": application.public_id})
    response = login(personas.admin).post(
        url, {"reason": "request", "confirm": application.reference}
    )
    assert response.status_code == 302
    assert not Person.objects.exists()


# --- SQLite: the database file and its write-ahead log ---


@pytest.fixture
def sqlite_file(tmp_path: Path, db: Any) -> Iterator[Path]:
    """Point Django at a fresh SQLite file (WAL, secure_delete: the settings) for one test."""
    original = connections["default"]
    settings_dict = {**original.settings_dict, "NAME": str(tmp_path / "haven.sqlite3")}
    file_connection: BaseDatabaseWrapper = type(original)(settings_dict, "default")
    connections["default"] = file_connection
    try:
        call_command("migrate", verbosity=0)
        yield tmp_path
    finally:
        file_connection.close()
        connections["default"] = original


def _file_bytes(directory: Path) -> bytes:
    """Everything SQLite keeps on disk: the database, the -wal and the -shm files."""
    return b"".join(path.read_bytes() for path in sorted(directory.glob("haven.sqlite3*")))


@sqlite_only
def test_the_sqlite_file_never_holds_the_marker_and_keeps_nothing_after_erasure(
    sqlite_file: Path, network: Network, personas: Personas, client: Client
) -> None:
    application = _apply_with_marker(client)
    fill_every_encrypted_field(application, personas, MARKER)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
    secrets = _secrets_of(application.person)
    stored = _file_bytes(sqlite_file)
    assert (sqlite_file / "haven.sqlite3-wal").stat().st_size > 0

    assert MARKER.encode() not in stored
    for secret in secrets:  # the scan sees what is there
        assert secret.encode() in stored

    _erase_through_the_page(personas, application)

    stored = _file_bytes(sqlite_file)
    assert MARKER.encode() not in stored
    left = [secret for secret in secrets if secret.encode() in stored]
    assert left == []


# --- PostgreSQL: pg_dump ---


def _pg_dump() -> str:
    settings = connection.settings_dict
    executable = shutil.which("pg_dump")
    assert executable is not None, "pg_dump is not installed"
    command = [executable, "--data-only", "--dbname", settings["NAME"]]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings.get(key):
            command += [option, str(settings[key])]
    env = {**os.environ, "PGPASSWORD": str(settings.get("PASSWORD") or "")}
    done = subprocess.run(command, env=env, capture_output=True, check=True, text=True)  # noqa: S603
    return done.stdout


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_pg_dump_never_holds_the_marker_and_nothing_of_an_erased_person(
    network: Network, personas: Personas, client: Client
) -> None:
    application = _apply_with_marker(client)
    fill_every_encrypted_field(application, personas, MARKER)
    secrets = _secrets_of(application.person)
    dump = _pg_dump()

    assert MARKER not in dump
    for secret in secrets:  # committed, so the dump has them
        assert secret in dump

    _erase_through_the_page(personas, application)

    dump = _pg_dump()
    assert MARKER not in dump
    assert [secret for secret in secrets if secret in dump] == []


# --- Either database: the master key alone opens nothing ---


def _every_stored_text() -> str:
    """Every value of every row of every table, as text."""
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            parts += [repr(row) for row in cursor.fetchall()]
    return "\n".join(parts)


@pytest.mark.django_db
def test_after_erasure_the_master_key_cannot_open_a_copied_ciphertext(
    network: Network,
    personas: Personas,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    from tests.conftest import make_application

    application = make_application(contact=f"@{MARKER}", situation=f"Fled {MARKER}")
    fill_every_encrypted_field(application, personas, MARKER)
    person = Person.objects.get()
    wrapped = person.data_key
    with connection.cursor() as cursor:  # a copy of a ciphertext, as a backup would keep it
        cursor.execute("SELECT contact FROM core_person")
        copied = cursor.fetchone()[0]
    assert wrapped in _every_stored_text()

    with django_capture_on_commit_callbacks(execute=True):
        erase_person(person, actor=personas.admin, reason="request")

    stored = _every_stored_text()
    assert wrapped not in stored  # the key row went with the person, no copy anywhere
    assert copied not in stored
    assert wrapped not in crypto._cached_keys()  # nor in this process's memory

    assert copied.startswith(PERSON_PREFIX)
    with pytest.raises(ValueError, match="not a value sealed with a master key"):
        open_sealed(copied)
    body = base64.urlsafe_b64decode(copied[len(PERSON_PREFIX) :])
    for _key_id, master in crypto._master_keys():  # the master key used as the data key
        with pytest.raises(InvalidTag):
            master.decrypt(body[:12], body[12:], PERSON_PREFIX.encode())
    # What made it readable was the wrapped key alone: with a copy of it, it opens.
    assert open_with(wrapped, copied) == f"@{MARKER}"
