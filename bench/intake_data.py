"""Invented surge data for bench.intake: who applies, and how it gets into PostgreSQL fast.

Rows are generated in Python (statuses, countries, cities, answers and priorities drawn as
described in bench/intake.py) and streamed through COPY in chunks, so memory stays flat at any
count: each person's data key is derived from the seed and their row number, so the pass over
applications finds it again without keeping a million keys. ``load`` TRUNCATEs core_person and
core_application (CASCADE): bench.intake calls it only on a database whose name says it is a
bench database, or with ``--force``.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import sys
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import psycopg
from psycopg import sql

LOAD_MARK = "haven-bench v2"  # table comment that --reuse recognises
REVIEWER = "bench-reviewer"
CHUNK_ROWS = 5000
SPAN = timedelta(days=90)
# A country the network has just opened: a shelter, no applications yet. Filtering the queue
# by it must be as fast as by any other country.
NEW_COUNTRY = ("GE", "Georgia", "Asia/Tbilisi")
NEW_SHELTER = ("GE", "Tbilisi", "Tbilisi Flat")


# --- distributions --------------------------------------------------------------------------


class Weighted:
    """Draws values in proportion to their weights, fast (one table lookup per draw)."""

    def __init__(self, pairs: Sequence[tuple[str, int]]) -> None:
        self.table: list[str] = [value for value, weight in pairs for _ in range(weight)]

    def __call__(self, rng: random.Random) -> str:
        return self.table[int(rng.random() * len(self.table))]


STATUS = Weighted(
    [
        ("submitted", 70),
        ("needs_info", 5),
        ("rejection_proposed", 1),
        ("accepted", 9),
        ("rejected", 8),
        ("placed", 6),
        ("exited", 1),
    ]
)
DECIDED = {"accepted", "rejected", "placed", "exited"}
COUNTRY = Weighted([("KZ", 55), ("TR", 20), ("AM", 15), ("PL", 10)])
CITY = {
    "KZ": Weighted(
        [("Almaty", 50), ("Astana", 25), ("Oral", 10), ("Shymkent", 5), ("Karaganda", 5), ("", 5)]
    ),
    "TR": Weighted([("Istanbul", 70), ("Antalya", 20), ("Izmir", 7), ("", 3)]),
    "AM": Weighted([("Yerevan", 88), ("Gyumri", 9), ("", 3)]),
    "PL": Weighted([("Warsaw", 60), ("Krakow", 25), ("Gdansk", 12), ("", 3)]),
}
GENDER = Weighted([("man", 75), ("woman", 22), ("other", 3)])
LANGUAGE = Weighted([("ru", 9), ("en", 1)])
REGION = Weighted(
    [
        ("", 30),
        ("central", 25),
        ("northwest", 12),
        ("south", 6),
        ("caucasus", 4),
        ("volga", 8),
        ("urals", 6),
        ("siberia", 5),
        ("far_east", 2),
        ("abroad", 2),
    ]
)
# Probability of "yes" for each yes/no answer.
YES = {
    "no_income": 0.6,
    "no_housing": 0.45,
    "protests": 0.3,
    "opposition_member": 0.1,
    "arrested": 0.07,
    "draft_notice": 0.35,
    "prosecution": 0.05,
    "health_condition": 0.1,
}
SAVINGS_DAYS = (0, 3, 7, 14, 30, 60, 120)
DEPENDANTS = Weighted([("0", 70), ("1", 15), ("2", 10), ("3", 5)])


# --- the network and the reviewer -----------------------------------------------------------


@dataclass(frozen=True)
class Network:
    country_ids: dict[str, int]
    reviewer_id: int


def ensure_network() -> Network:
    """Host countries with shelters (the country filter offers only those) and a reviewer."""
    from django.contrib.auth.models import User
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from haven.accounts.models import Membership, Role
    from haven.core.management.commands.load_demo import COUNTRIES, SHELTERS
    from haven.core.models import HostCountry, Organisation, Shelter

    organisation, _ = Organisation.objects.get_or_create(name="Bench network")
    countries = {
        code: HostCountry.objects.get_or_create(
            code=code, defaults={"name": name, "timezone": zone}
        )[0]
        for code, name, zone in [*COUNTRIES, NEW_COUNTRY]
    }
    shelters = [(code, city, name) for code, city, name, _rooms in SHELTERS]
    for code, city, name in [*shelters, NEW_SHELTER]:
        Shelter.objects.get_or_create(
            country=countries[code], city=city, name=name, defaults={"organisation": organisation}
        )
    reviewer, _ = User.objects.get_or_create(username=REVIEWER)
    Membership.objects.get_or_create(user=reviewer, shelter=None, role=Role.REVIEWER)
    # Staff pages need a verified second factor (haven.accounts.middleware), as in production.
    TOTPDevice.objects.get_or_create(user=reviewer, defaults={"name": "default", "confirmed": True})
    return Network({code: c.pk for code, c in countries.items()}, reviewer.pk)


# --- generating rows ------------------------------------------------------------------------

PERSON_COLUMNS = [
    "id",
    "public_id",
    "display_name",
    "gender",
    "birth_year",
    "nationality",
    "contact",
    "created_at",
    "data_key",
]
APPLICATION_COLUMNS = [
    "id",
    "public_id",
    "reference",
    "passphrase_hash",
    "idempotency_hash",
    "person_id",
    "language",
    "status",
    "host_country_id",
    "city",
    "origin_region",
    "answers",
    "priority",
    "priority_parts",
    "rubric_version",
    "priority_static",
    "priority_urgency",
    "priority_waiting",
    "last_legal_day",
    "contact_fingerprint",
    "identity_fingerprint",
    "submitted_at",
    "decided_at",
]
FLAG_COLUMNS = [
    "application_id",
    "other_id",
    "reason",
    "created_at",
    "resolved_by_id",
    "resolved_at",
]
QUESTION_COLUMNS = [
    "public_id",
    "application_id",
    "text",
    "asked_by_id",
    "asked_at",
    "answer",
    "answered_at",
]
NULL = "\\N"


def submitted_at(i: int, count: int, start: datetime) -> datetime:
    """Arrival time of the i-th application: 90 days, arrivals growing towards today."""
    seconds = SPAN.total_seconds() * math.sqrt((i + 0.5) / count)
    return start + timedelta(seconds=seconds)


def reference(i: int, alphabet: str) -> str:
    """A unique reference code for row i that looks random (a bijection of 0..31**8-1)."""
    n = (i * 1_000_003 + 77_777) % len(alphabet) ** 8
    chars = []
    for _ in range(8):
        n, digit = divmod(n, len(alphabet))
        chars.append(alphabet[digit])
    return f"HV-{''.join(chars[:4])}-{''.join(chars[4:])}"


def data_key(seed: int, i: int) -> str:
    """The data key of the i-th person, wrapped by the bench master key (fresh nonce each time).

    Derived, not drawn, so that both passes find it; invented data only.
    """
    from haven.lib.crypto import wrap_data_key

    return wrap_data_key(hashlib.sha256(f"haven-bench-data-key:{seed}:{i}".encode()).digest())


def sealed_json(key: str, value: object) -> str:
    from haven.lib.crypto import seal_with

    # The same serialisation as EncryptedJSONField.
    return seal_with(key, json.dumps(value, ensure_ascii=False, sort_keys=True))


@cache
def static_parts(flags: tuple[bool, ...], savings_days: int, dependants: int) -> dict[str, int]:
    """The answer-only parts of the score, from the real rubric (cached: few combinations)."""
    from haven.rules.scoring import TIME_PARTS, ScoringInput, score

    answers = dict(zip(YES, flags, strict=True))
    result = score(
        ScoringInput(
            **answers,
            savings_days=savings_days,
            dependants=dependants,
            days_left=None,
            days_waiting=0,
        )
    )
    return {part.key: part.points for part in result.parts if part.key not in TIME_PARTS}


def person_lines(count: int, seed: int, start: datetime) -> Iterator[str]:
    from haven.core.management.commands.load_demo import MEN, WOMEN
    from haven.lib.crypto import seal_with

    rng = random.Random(seed)
    for i in range(count):
        gender = GENDER(rng)
        name = rng.choice(WOMEN if gender == "woman" else MEN)
        year = NULL if rng.random() < 0.05 else str(rng.randint(1960, 2006))
        if rng.random() < 0.6:
            contact = f"@{name.lower()}_{i}"
        else:
            contact = f"+7 7{rng.randint(0, 99):02d} {rng.randint(0, 9_999_999):07d}"
        created = submitted_at(i, count, start).isoformat()
        key = data_key(seed, i)
        sealed = seal_with(key, contact)
        yield f"{i + 1}\t{uuid.uuid4()}\t{name}\t{gender}\t{year}\tRU\t{sealed}\t{created}\t{key}\n"


@dataclass
class Extras:
    """Rows that hang off applications, collected while the applications stream past."""

    flags: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)


def application_lines(
    count: int, seed: int, start: datetime, network: Network, extras: Extras
) -> Iterator[str]:
    from django.contrib.auth.hashers import make_password

    from haven.core.management.commands.load_demo import SITUATIONS
    from haven.core.services.applications import CODE_ALPHABET
    from haven.lib.crypto import seal_with
    from haven.rules.scoring import RUBRIC_V1, urgency_points, waiting_points

    rng = random.Random(seed + 1)
    now = start + SPAN
    today = now.date()
    password = make_password("bench-passphrase")
    reviewer = str(network.reviewer_id)
    recent: list[tuple[int, str]] = []  # (id, contact fingerprint) of recent rows
    for i in range(count):
        pk = i + 1
        arrived = submitted_at(i, count, start)
        status = STATUS(rng)
        country = COUNTRY(rng)
        flags = tuple(rng.random() < p for p in YES.values())
        savings = rng.choice(SAVINGS_DAYS)
        dependants = int(DEPENDANTS(rng))
        days_left = None if rng.random() < 0.1 else rng.randint(-5, 150)
        key = data_key(seed, i)
        parts = static_parts(flags, savings, dependants)
        static = sum(parts.values())
        urgency = urgency_points(days_left, RUBRIC_V1)
        waiting = waiting_points((now - arrived).days, RUBRIC_V1)
        answers: dict[str, object] = dict(zip(YES, flags, strict=True))
        answers |= {
            "entered_on": (arrived.date() - timedelta(days=rng.randint(0, 60))).isoformat(),
            "document": "ru_internal_passport" if country == "KZ" else "ru_international_passport",
            "dependants": dependants,
            "savings_days": savings,
            "situation": " ".join(rng.choice(SITUATIONS) for _ in range(rng.randint(1, 3))),
        }
        legal = NULL if days_left is None else (today + timedelta(days=days_left)).isoformat()
        decided = NULL
        if status in DECIDED:
            decided = min(now, arrived + timedelta(hours=rng.randint(2, 240))).isoformat()
        contact_fp = f"{rng.getrandbits(256):064x}"
        if recent and rng.random() < 0.005:
            other, contact_fp = rng.choice(recent)
            resolved = rng.random() < 0.15
            by, at = (reviewer, now.isoformat()) if resolved else (NULL, NULL)
            for a, b in ((pk, other), (other, pk)):
                extras.flags.append(f"{a}\t{b}\tcontact\t{arrived.isoformat()}\t{by}\t{at}\n")
        recent.append((pk, contact_fp))
        if len(recent) > 10_000:
            del recent[:5000]
        if status in {"submitted", "needs_info"} and rng.random() < 0.01:
            asked = arrived + timedelta(hours=rng.randint(1, 48))
            answered = status == "submitted" and rng.random() < 0.5
            extras.questions.append(
                f"{uuid.uuid4()}\t{pk}"
                f"\t{seal_with(key, 'Which document did you cross the border with?')}"
                f"\t{reviewer}\t{asked.isoformat()}"
                + (
                    f"\t{seal_with(key, 'The internal passport.')}"
                    f"\t{(asked + timedelta(hours=5)).isoformat()}"
                    if answered
                    else f"\t{NULL}\t{NULL}"
                )
                + "\n"
            )
        row = (
            str(pk),
            str(uuid.uuid4()),
            reference(i, CODE_ALPHABET),
            password,
            hashlib.sha256(f"bench-key-{i}".encode()).hexdigest(),
            str(pk),
            LANGUAGE(rng),
            status,
            str(network.country_ids[country]),
            CITY[country](rng),
            REGION(rng),
            sealed_json(key, answers),
            str(static + urgency + waiting),
            sealed_json(key, parts),
            RUBRIC_V1.version,
            str(static),
            str(urgency),
            str(waiting),
            legal,
            contact_fp,
            f"{rng.getrandbits(256):064x}",
            arrived.isoformat(),
            decided,
        )
        yield "\t".join(row) + "\n"


# --- loading --------------------------------------------------------------------------------

LOADED_TABLES = ("core_person", "core_application")


@dataclass(frozen=True)
class Saved:
    """A dropped index or constraint and the statement that recreates it."""

    name: str
    recreate: str
    foreign_key: bool


def drop_secondary(cur: psycopg.Cursor[Any]) -> list[Saved]:
    """Drop every index and constraint of the loaded tables but their primary keys."""
    saved: list[Saved] = []
    constraints = cur.execute(
        "SELECT c.conname, t.relname, c.contype, pg_get_constraintdef(c.oid)"
        " FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid"
        " WHERE c.conrelid = ANY(%s::regclass[]) AND c.contype IN ('u', 'f')",
        [list(LOADED_TABLES)],
    ).fetchall()
    indexes = cur.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x"
        " JOIN pg_class i ON i.oid = x.indexrelid"
        " WHERE x.indrelid = ANY(%s::regclass[]) AND NOT EXISTS ("
        "  SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid"
        "  AND c.conrelid = x.indrelid AND c.contype IN ('p', 'u', 'x'))",
        [list(LOADED_TABLES)],
    ).fetchall()
    for name, table, kind, definition in constraints:
        cur.execute(
            sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                sql.Identifier(table), sql.Identifier(name)
            )
        )
        statement = sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
            sql.Identifier(table), sql.Identifier(name), sql.SQL(definition)
        )
        saved.append(Saved(name, statement.as_string(cur), kind == "f"))
    for name, definition in indexes:
        cur.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
        saved.append(Saved(name, definition, False))
    return saved


def copy_lines(
    cur: psycopg.Cursor[Any], table: str, columns: Sequence[str], lines: Iterable[str]
) -> int:
    """Stream ``lines`` (COPY text format) into ``table`` in chunks; returns the row count."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN WITH (FREEZE)").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    rows = 0
    chunk: list[str] = []
    with cur.copy(statement) as copy:
        for line in lines:
            chunk.append(line)
            if len(chunk) == CHUNK_ROWS:
                copy.write("".join(chunk))
                rows += len(chunk)
                chunk.clear()
        if chunk:
            copy.write("".join(chunk))
            rows += len(chunk)
    return rows


def check_not_null_columns(cur: psycopg.Cursor[Any]) -> None:
    """Fail loudly if a migration added a NOT NULL column without default that COPY misses."""
    covered = {
        "core_person": PERSON_COLUMNS,
        "core_application": APPLICATION_COLUMNS,
        "core_duplicateflag": FLAG_COLUMNS,
        "core_question": QUESTION_COLUMNS,
    }
    for table, columns in covered.items():
        missing = [
            name
            for (name,) in cur.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s"
                " AND is_nullable = 'NO' AND column_default IS NULL AND is_identity = 'NO'"
                " AND column_name <> 'id'",
                [table],
            ).fetchall()
            if name not in columns
        ]
        if missing:
            sys.exit(f"bench.intake does not fill {table}.{', '.join(missing)}: update it")


def progress(label: str, lines: Iterable[str], total: int) -> Iterator[str]:
    started = time.perf_counter()
    step = max(total // 10, 1)
    for n, line in enumerate(lines, 1):
        yield line
        if n % step == 0 or n == total:
            elapsed = time.perf_counter() - started
            print(
                f"  {label}: {n:>9,} rows  {elapsed:6.1f} s  {n / elapsed:9,.0f} rows/s", flush=True
            )


def load(cinfo: str, count: int, seed: int, network: Network, *, keep_indexes: bool) -> None:
    """Replace every person and application with ``count`` invented ones, in one transaction."""
    start = datetime.now(UTC) - SPAN
    extras = Extras()
    phases: list[tuple[str, float]] = []
    began = mark = time.perf_counter()

    def phase(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        phases.append((name, now - mark))
        mark = now

    # One transaction: a failure rolls back the TRUNCATE and the dropped indexes too.
    with psycopg.connect(cinfo) as conn, conn.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '512MB'")
        check_not_null_columns(cur)
        cur.execute(
            "TRUNCATE core_duplicateflag, core_question, core_application, core_person"
            " RESTART IDENTITY CASCADE"
        )
        saved = [] if keep_indexes else drop_secondary(cur)
        phase("truncate + drop indexes")
        lines = person_lines(count, seed, start)
        copy_lines(cur, "core_person", PERSON_COLUMNS, progress("people", lines, count))
        phase("COPY core_person")
        lines = application_lines(count, seed, start, network, extras)
        copy_lines(cur, "core_application", APPLICATION_COLUMNS, progress("apps", lines, count))
        phase("COPY core_application")
        copy_lines(cur, "core_duplicateflag", FLAG_COLUMNS, extras.flags)
        copy_lines(cur, "core_question", QUESTION_COLUMNS, extras.questions)
        phase(f"COPY {len(extras.flags):,} flags, {len(extras.questions):,} questions")
        for item in sorted(saved, key=lambda s: s.foreign_key):  # foreign keys last
            cur.execute(item.recreate.encode())
        phase(f"recreate {len(saved)} indexes and constraints")
        for table in (*LOADED_TABLES, "core_duplicateflag", "core_question"):
            cur.execute(
                sql.SQL(
                    "SELECT setval(pg_get_serial_sequence({name}, 'id'), GREATEST(MAX(id), 1))"
                    " FROM {table}"
                ).format(name=sql.Literal(table), table=sql.Identifier(table))
            )
        cur.execute(
            sql.SQL("COMMENT ON TABLE core_application IS {}").format(
                sql.Literal(f"{LOAD_MARK} count={count}")
            )
        )
    phase("commit")
    with psycopg.connect(cinfo, autocommit=True) as conn:
        for table in (*LOADED_TABLES, "core_duplicateflag", "core_question"):
            conn.execute(sql.SQL("VACUUM (ANALYZE) {}").format(sql.Identifier(table)))
    phase("VACUUM ANALYZE")
    total = time.perf_counter() - began
    print(f"\nLoaded {count:,} applications in {total:.1f} s:")
    for name, seconds in phases:
        print(f"  {seconds:7.1f} s  {name}")


def already_loaded(cinfo: str, count: int) -> bool:
    """True if an earlier run loaded ``count`` rows and their tokens open with the bench key."""
    from haven.core.models import Application

    with psycopg.connect(cinfo) as conn:
        row = conn.execute(
            "SELECT obj_description('core_application'::regclass),"
            " (SELECT count(*) FROM core_application)"
        ).fetchone()
    if row is None or tuple(row) != (f"{LOAD_MARK} count={count}", count):
        return False
    sample = Application.objects.select_related("person").order_by("pk").first()
    try:
        return sample is not None and isinstance(sample.priority_parts, dict)
    except ValueError:  # wrapped by another master key
        return False
