"""Backups restore into an empty database with every row and a valid audit chain.

Backup and restore run as an operator runs them, ``manage.py`` in its own process, between
real databases: on SQLite from a database file to a new file, on PostgreSQL from the test
database into a freshly created one (dropped afterwards). Everything else is refused: a
changed file, the wrong key, a database that is not empty.
"""

from __future__ import annotations

import base64
import io
import os
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import replace
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from haven.core.models import AuditEntry, Person
from haven.core.services.backup import Manifest
from haven.lib.sealed_stream import SealedWriter, open_stream, parse_key
from tests.conftest import Network, make_application
from tests.test_settings import run_manage

# Backups run outside any transaction and are read by other processes: tests that make one
# commit their data.
committed = pytest.mark.django_db(transaction=True)
KEY = base64.urlsafe_b64encode(b"b" * 32).decode()
OTHER_KEY = base64.urlsafe_b64encode(b"o" * 32).decode()
Rows = dict[str, list[tuple[Any, ...]]]


def shareable_url(tmp_path: Path) -> str:
    """A URL another process can open that holds what this test wrote to its database."""
    if connection.vendor == "sqlite":
        # The SQLite test database lives in memory; give the backup process a file copy.
        path = tmp_path / "haven.sqlite3"
        connection.ensure_connection()
        copy = sqlite3.connect(path)
        connection.connection.backup(copy)
        copy.close()
        return f"sqlite:///{path}"
    return _postgres_url(str(connection.settings_dict["NAME"]))


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    """A new database with no tables, of the same engine as the test database."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"haven_restore_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {name}")
    try:
        yield _postgres_url(name)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _postgres_url(name: str) -> str:
    return urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}").geturl()


def manage(database_url: str, *args: str, key: str = KEY) -> tuple[int, str]:
    result = run_manage(
        {"HAVEN_ENV": "test", "DATABASE_URL": database_url, "HAVEN_BACKUP_KEY": key}, *args
    )
    return result.returncode, result.stdout + result.stderr


def select_all(table: str) -> str:
    return f'SELECT * FROM "{table}"'  # noqa: S608 - names from the database's own catalogue


def contents(url: str) -> Rows:
    """Every row of every table (and PostgreSQL's sequence positions), read without Django."""
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as lite:
            tables = lite.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            ).fetchall()
            return {t: sorted(lite.execute(select_all(t)), key=repr) for (t,) in tables}
    with psycopg.connect(url) as pg:
        names = pg.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        ).fetchall()
        rows: Rows = {t: sorted(pg.execute(select_all(t)), key=repr) for (t,) in names}
        sequences = pg.execute("SELECT sequencename, last_value FROM pg_sequences")
        rows["(sequences)"] = sorted(sequences)
        return rows


def refuses_audit_update(url: str) -> bool:
    statement = "UPDATE core_auditentry SET action = 'changed.quietly'"
    try:
        if url.startswith("sqlite:///"):
            with sqlite3.connect(url.removeprefix("sqlite:///")) as lite:
                lite.execute(statement)
        else:
            with psycopg.connect(url) as pg:
                pg.execute(statement)
    except (sqlite3.DatabaseError, psycopg.Error) as exc:
        return "append-only" in str(exc)
    return False


def tables_in(url: str) -> int:
    return len(contents(url)) - (0 if url.startswith("sqlite") else 1)


@committed
def test_restore_brings_back_every_row_and_a_valid_audit_chain(
    tmp_path: Path, empty_database: str
) -> None:
    call_command("load_demo", stdout=StringIO())
    source_url = shareable_url(tmp_path)
    folder = tmp_path / "backups"
    folder.mkdir()

    status, output = manage(source_url, "backup", str(folder))
    assert status == 0, output
    [backup] = folder.iterdir()  # named by time, private to its owner
    assert backup.name.startswith("haven-")
    assert backup.name.endswith(".backup")
    assert backup.stat().st_mode & 0o777 == 0o600
    assert f"wrote {backup}" in output
    sealed = backup.read_bytes()
    assert b"core_auditentry" not in sealed  # no table name, no row: all of it is encrypted

    status, output = manage(empty_database, "restore", str(backup))
    assert status == 0, output
    entries = AuditEntry.objects.count()
    assert entries > 50
    assert f"audit log OK with {entries} entries and the same head" in output

    before, after = contents(source_url), contents(empty_database)
    assert after.keys() == before.keys()
    for table, rows in before.items():
        assert after[table] == rows, table
    assert len(after["core_person"]) == Person.objects.count()
    status, output = manage(empty_database, "verify_audit")
    assert (status, output.strip()) == (0, f"Audit log OK: {entries} entries")
    assert refuses_audit_update(empty_database)


def backup_of_one_application(tmp_path: Path, settings: Any) -> Path:
    make_application()
    settings.BACKUP_KEY = KEY
    path = tmp_path / "haven.backup"
    call_command("backup", str(path), stdout=StringIO())
    return path


@committed
def test_a_changed_backup_is_refused_and_nothing_is_restored(
    tmp_path: Path, settings: Any, network: Network, empty_database: str
) -> None:
    path = backup_of_one_application(tmp_path, settings)
    sealed = bytearray(path.read_bytes())
    sealed[len(sealed) // 2] ^= 0x01
    path.write_bytes(bytes(sealed))

    status, output = manage(empty_database, "restore", str(path))
    assert status != 0
    assert "backup refused: the backup was changed or cut short" in output
    assert tables_in(empty_database) == 0


@committed
def test_a_backup_whose_contents_differ_from_its_manifest_fails_the_check(
    tmp_path: Path, settings: Any, network: Network, empty_database: str
) -> None:
    """Re-sealed with the right key but a manifest that lies: the check after loading says so."""
    path = backup_of_one_application(tmp_path, settings)
    plain = b"".join(open_stream(io.BytesIO(path.read_bytes()), parse_key(KEY)))
    size = int.from_bytes(plain[:4], "big")
    manifest = Manifest.from_bytes(plain[4 : 4 + size])
    lying = replace(
        manifest,
        tables={**manifest.tables, "core_person": manifest.tables["core_person"] + 1},
        audit_head="f" * 64,
    ).to_bytes()
    with path.open("wb") as out:
        writer = SealedWriter(out, parse_key(KEY))
        writer.write(len(lying).to_bytes(4, "big") + lying + plain[4 + size :])
        writer.close()

    status, output = manage(empty_database, "restore", str(path))
    assert status != 0
    assert "does NOT match the backup" in output
    assert "table core_person has 1 rows, the backup 2" in output
    assert f"the backup's is {manifest.audit_entries}, {'f' * 64}" in output


@committed
def test_the_wrong_key_and_a_database_that_is_not_empty_are_refused(
    tmp_path: Path, settings: Any, network: Network
) -> None:
    path = backup_of_one_application(tmp_path, settings)
    out = StringIO()
    call_command("restore", str(path), "--check-only", stdout=out)
    assert f"authentic: {connection.vendor} backup made" in out.getvalue()
    assert "audit log 1 entries" in out.getvalue()

    make_application(display_name="Later", contact="@later")
    with pytest.raises(CommandError, match="target database is not empty"):
        call_command("restore", str(path))
    assert Person.objects.count() == 2
    assert AuditEntry.objects.count() == 2

    settings.BACKUP_KEY = OTHER_KEY
    for check_only in ([], ["--check-only"]):
        with pytest.raises(CommandError, match="made with a different backup key"):
            call_command("restore", str(path), *check_only)


def test_backups_need_their_own_key(tmp_path: Path, settings: Any) -> None:
    settings.BACKUP_KEY = ""
    with pytest.raises(CommandError, match="set HAVEN_BACKUP_KEY"):
        call_command("backup", str(tmp_path))
    settings.BACKUP_KEY = settings.FIELD_KEYS[0]
    with pytest.raises(CommandError, match="must differ from the field keys"):
        call_command("backup", str(tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_a_backup_never_overwrites_a_file(tmp_path: Path, settings: Any) -> None:
    settings.BACKUP_KEY = KEY
    existing = tmp_path / "haven.backup"
    existing.write_bytes(b"yesterday")
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup", str(existing))
    assert existing.read_bytes() == b"yesterday"
    assert list(tmp_path.iterdir()) == [existing]
    with pytest.raises(CommandError, match=r"cannot write .*No such file or directory"):
        call_command("backup", str(tmp_path / "missing" / "haven.backup"))
