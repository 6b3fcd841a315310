"""Encrypted backups of the whole database, and restoring one into an empty database.

A backup is the database engine's own copy, not a row-by-row export: on PostgreSQL
``pg_dump --format=custom``, on SQLite the online backup API. So the audit log's triggers and
functions, sequences, and every stored byte come back as they were (sensitive fields stay
sealed under the field keys, which the backup job never needs), and the audit chain's hashes
still match. The copy is sealed with the backup key (``HAVEN_BACKUP_KEY``) by
:mod:`haven.lib.sealed_stream`, behind a manifest: format, time, engine, rows per table and
the audit chain's head. Restoring refuses a database that has any table, loads the copy, then
compares the rows and the audit chain with the manifest (docs/deployment.md).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.backends.postgresql.client import DatabaseClient
from django.utils import timezone

from haven.core.models.audit import GENESIS, AuditChainHead
from haven.core.services.audit import verify_chain
from haven.lib.sealed_stream import CHUNK_SIZE, SealedStreamError, SealedWriter, open_stream
from haven.lib.sealed_stream import parse_key as _parse_key

FORMAT = 1
_LENGTH = struct.Struct(">I")


class BackupError(Exception):
    """A backup cannot be made or restored; the message says why, for the operator."""


@dataclass(frozen=True)
class Manifest:
    """What a backup holds, read in the same snapshot as the copy itself."""

    format: int
    created_at: str
    engine: str
    tables: dict[str, int]
    audit_entries: int
    audit_head: str

    @property
    def rows(self) -> int:
        return sum(self.tables.values())

    def to_bytes(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True).encode("utf-8")

    @classmethod
    def from_bytes(cls, raw: bytes) -> Manifest:
        fields = json.loads(raw)
        if fields.get("format") != FORMAT:
            raise BackupError(f"backup format {fields.get('format')} is not supported here")
        return cls(**fields)

    def describe(self) -> str:
        return (
            f"{self.engine} backup made {self.created_at}: {len(self.tables)} tables, "
            f"{self.rows} rows, audit log {self.audit_entries} entries, head {self.audit_head}"
        )


@dataclass(frozen=True)
class RestoreReport:
    manifest: Manifest
    problems: list[str]


def backup_key() -> bytes:
    """The backup key from settings; it must exist and differ from every field key."""
    raw = settings.BACKUP_KEY
    if not raw:
        raise BackupError("set HAVEN_BACKUP_KEY or HAVEN_BACKUP_KEY_FILE (README, Configuration)")
    try:
        key = _parse_key(raw)
    except SealedStreamError as exc:
        raise BackupError(f"HAVEN_BACKUP_KEY: {exc}") from exc
    for field_key in settings.FIELD_KEYS:
        try:
            same = base64.urlsafe_b64decode(field_key) == key
        except (ValueError, binascii.Error):
            same = False
        if same:
            raise BackupError("HAVEN_BACKUP_KEY must differ from the field keys")
    return key


# --- the manifest -------------------------------------------------------------------------


def _quote(name: str) -> str:
    """A quoted identifier; names come from the database's own catalogue, not from users."""
    return '"' + name.replace('"', '""') + '"'


def _census(cursor: Any, tables: list[str], engine: str) -> Manifest:
    """Rows per table and the audit chain head, as ``cursor``'s transaction sees them."""
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608 - see _quote
        counts[table] = int(cursor.fetchone()[0])
    entries, head = 0, GENESIS
    head_table = AuditChainHead._meta.db_table
    if head_table in counts:
        sql = f"SELECT entries, last_hash FROM {_quote(head_table)} WHERE id = 1"  # noqa: S608
        cursor.execute(sql)
        row = cursor.fetchone()
        if row is not None:
            entries, head = int(row[0]), str(row[1])
    created = timezone.now().isoformat(timespec="seconds")
    return Manifest(FORMAT, created, engine, counts, entries, head)


def _split(chunks: Iterator[bytes]) -> tuple[Manifest, Iterator[bytes]]:
    """The manifest at the front of a backup's plaintext, and the database copy after it."""
    buffer = bytearray()
    size = None
    for chunk in chunks:
        buffer += chunk
        if size is None and len(buffer) >= _LENGTH.size:
            (size,) = _LENGTH.unpack(buffer[: _LENGTH.size])
        if size is not None and len(buffer) >= _LENGTH.size + size:
            break
    else:
        raise BackupError("the backup holds no manifest")
    end = _LENGTH.size + size
    manifest = Manifest.from_bytes(bytes(buffer[_LENGTH.size : end]))
    rest = bytes(buffer[end:])

    def payload() -> Iterator[bytes]:
        if rest:
            yield rest
        yield from chunks

    return manifest, payload()


# --- making a backup ----------------------------------------------------------------------


def write_backup_file(target: Path) -> tuple[Path, Manifest]:
    """Write a sealed backup to ``target`` (a directory gets a time-stamped file name).

    The file appears under its name only once it is complete and synced to disk; it is
    readable by its owner only. An existing file is never overwritten.
    """
    key = backup_key()
    if target.is_dir():
        target = target / f"haven-{timezone.now():%Y%m%dT%H%M%SZ}.backup"
    if target.exists():
        raise BackupError(f"{target} exists already; not overwriting it")
    partial = target.with_name(target.name + ".partial")
    try:
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise BackupError(f"cannot write {partial}: {exc.strerror}") from exc
    try:
        with os.fdopen(descriptor, "wb") as out:
            manifest = write_backup(out, key)
            out.flush()
            os.fsync(out.fileno())
        os.rename(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return target, manifest


def write_backup(out: IO[bytes], key: bytes) -> Manifest:
    """Seal a consistent copy of the default database, with its manifest, into ``out``."""
    if connection.in_atomic_block:
        raise BackupError("a backup must run outside any transaction")
    writer = SealedWriter(out, key)
    if connection.vendor == "postgresql":
        manifest = _dump_postgresql(writer)
    elif connection.vendor == "sqlite":
        manifest = _dump_sqlite(writer)
    else:
        raise BackupError(f"backups of {connection.vendor} databases are not supported")
    writer.close()
    return manifest


def _frame(manifest: Manifest) -> bytes:
    raw = manifest.to_bytes()
    return _LENGTH.pack(len(raw)) + raw


def _dump_postgresql(writer: SealedWriter) -> Manifest:
    # pg_dump reads the snapshot this transaction exported, so the manifest's counts describe
    # exactly the rows in the dump even while Haven keeps writing.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        tables = connection.introspection.table_names(cursor)
        manifest = _census(cursor, tables, "postgresql")
        writer.write(_frame(manifest))
        with _pg_tool("pg_dump", ["--format=custom", f"--snapshot={snapshot}"]) as dump:
            assert dump.stdout is not None
            while chunk := dump.stdout.read(CHUNK_SIZE):
                writer.write(chunk)
    return manifest


def _dump_sqlite(writer: SealedWriter) -> Manifest:
    connection.ensure_connection()
    live: sqlite3.Connection = connection.connection
    with _scratch_file() as path:
        copy = sqlite3.connect(path)
        try:
            # One step: the whole file is copied under one read lock, a consistent snapshot.
            live.backup(copy)
            names = copy.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
            manifest = _census(copy.cursor(), [row[0] for row in names], "sqlite")
        finally:
            copy.close()
        writer.write(_frame(manifest))
        with open(path, "rb") as copied:
            while chunk := copied.read(CHUNK_SIZE):
                writer.write(chunk)
    return manifest


@contextmanager
def _scratch_file() -> Iterator[str]:
    """A private temporary file beside the SQLite database (same disk, same protection)."""
    name = str(connection.settings_dict["NAME"])
    folder = Path(name).parent if Path(name).is_file() else None
    descriptor, path = tempfile.mkstemp(prefix=".haven-backup-", dir=folder)
    os.close(descriptor)
    try:
        yield path
    finally:
        for leftover in (path, f"{path}-wal", f"{path}-shm", f"{path}-journal"):
            Path(leftover).unlink(missing_ok=True)


@contextmanager
def _pg_tool(
    tool: str, options: list[str], *, feed: bool = False
) -> Iterator[subprocess.Popen[bytes]]:
    """Run pg_dump or pg_restore against the default database; fail with its own message.

    With ``feed`` the caller writes to the tool's standard input, otherwise reads its output.
    If the caller stops with an error, the tool is killed, so a restore in a single
    transaction leaves nothing behind.
    """
    executable = shutil.which(tool)
    if executable is None:
        raise BackupError(f"{tool} is not installed (Debian: apt-get install postgresql-client)")
    args, env = DatabaseClient.settings_to_cmd_args_env(connection.settings_dict, options)
    with tempfile.TemporaryFile() as errors:
        # The arguments are the configured database's and fixed options, not user input.
        process = subprocess.Popen(  # noqa: S603
            [executable, *args[1:]],
            stdin=subprocess.PIPE if feed else subprocess.DEVNULL,
            stdout=errors if feed else subprocess.PIPE,
            stderr=errors,
            env={**os.environ, **(env or {})},
        )
        try:
            yield process
            if feed:
                assert process.stdin is not None
                process.stdin.close()
        except BrokenPipeError:
            pass  # the tool stopped reading; its exit status and message below say why
        except BaseException:
            process.kill()
            process.wait()
            raise
        finally:
            if process.stdout is not None:
                process.stdout.close()
        if process.wait() != 0:
            errors.seek(0)
            message = errors.read().decode("utf-8", "replace").strip()
            raise BackupError(f"{tool} failed (exit {process.returncode}): {message}")


# --- restoring ----------------------------------------------------------------------------


def check_backup(path: Path, key: bytes) -> Manifest:
    """Authenticate the whole file and return its manifest; raise if anything is off."""
    with _open(path) as source:
        manifest, payload = _split(_authentic(source, key))
        for _ in payload:
            pass
    return manifest


@contextmanager
def _open(path: Path) -> Iterator[IO[bytes]]:
    try:
        source = open(path, "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise BackupError(f"cannot read {path}: {exc.strerror}") from exc
    with source:
        yield source


def _authentic(source: IO[bytes], key: bytes) -> Iterator[bytes]:
    try:
        yield from open_stream(source, key)
    except SealedStreamError as exc:
        raise BackupError(f"backup refused: {exc}") from exc


def restore_backup(path: Path) -> RestoreReport:
    """Load the backup at ``path`` into the empty default database and check the result.

    The file is authenticated in full before the database is touched; a file that changes
    during the restore stops it. Problems found after loading are returned, not raised: the
    restored database is then not to be trusted (the command exits non-zero).
    """
    key = backup_key()
    manifest = check_backup(path, key)
    if manifest.engine != connection.vendor:
        raise BackupError(
            f"this is a {manifest.engine} backup; restore it into {manifest.engine}, "
            f"not {connection.vendor}"
        )
    try:
        existing = connection.introspection.table_names()
    except DatabaseError as exc:
        raise BackupError(f"cannot open the target database: {exc}") from exc
    if existing:
        raise BackupError(
            f"the target database is not empty ({len(existing)} tables, e.g. {existing[0]}); "
            "restore only into a new, empty database"
        )
    with _open(path) as source:
        again, payload = _split(_authentic(source, key))
        if again != manifest:
            raise BackupError(f"{path} changed while it was being restored")
        if connection.vendor == "postgresql":
            _load_postgresql(payload)
        else:
            _load_sqlite(payload)
    return RestoreReport(manifest, _compare(manifest))


def _load_postgresql(payload: Iterator[bytes]) -> None:
    options = ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
    with _pg_tool("pg_restore", [*options, "--dbname"], feed=True) as load:
        assert load.stdin is not None
        for chunk in payload:
            load.stdin.write(chunk)


def _load_sqlite(payload: Iterator[bytes]) -> None:
    connection.ensure_connection()
    with _scratch_file() as path:
        with open(path, "wb") as copy:
            for chunk in payload:
                copy.write(chunk)
        source = sqlite3.connect(path)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
    connection.close()  # the next query sees the restored schema afresh


def _compare(manifest: Manifest) -> list[str]:
    """Every difference between the restored database and the backup's manifest."""
    problems = []
    with connection.cursor() as cursor:
        found = _census(cursor, connection.introspection.table_names(cursor), manifest.engine)
    for table in sorted(manifest.tables.keys() | found.tables.keys()):
        expected, got = manifest.tables.get(table), found.tables.get(table)
        if expected is None:
            problems.append(f"table {table} is not in the backup")
        elif got is None:
            problems.append(f"table {table} is missing")
        elif got != expected:
            problems.append(f"table {table} has {got} rows, the backup {expected}")
    try:
        chain = verify_chain()
    except DatabaseError as exc:
        problems.append(f"audit log cannot be read: {exc}")
    else:
        if not chain.ok:
            problems.append(f"audit log broken at entry {chain.broken_at}: {chain.reason}")
    if (found.audit_entries, found.audit_head) != (manifest.audit_entries, manifest.audit_head):
        problems.append(
            f"audit chain head is {found.audit_entries} entries, {found.audit_head}; "
            f"the backup's is {manifest.audit_entries}, {manifest.audit_head}"
        )
    return problems
