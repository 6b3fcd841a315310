"""Surge benchmark: load a million applications into PostgreSQL, then time the review queue.

Run it as ``python -m bench.intake`` (``make bench-intake``); it is a script, not a test.
``--count 20000`` gives a quick run; ``--reuse`` skips the load when that count is already
there. The data and the load live in bench/intake_data.py, the timing in bench/intake_timing.py.

What it does
------------
1. Picks the database: ``DATABASE_URL`` if set, else
   ``postgres://postgres@127.0.0.1:5432/haven_bench`` (created through the ``postgres``
   maintenance database when missing). It refuses SQLite always, and any database whose name
   does not contain "bench" unless ``--force``: loading TRUNCATEs ``core_person`` and
   ``core_application`` (CASCADE), so pointing it at real data would destroy that data.
2. Starts Django in development mode with production-like switches (``HAVEN_DEBUG`` off, so
   no query log and no debug pages), a fixed bench-only field key (so ``--reuse`` can open
   what an earlier run sealed) and a data dir in the system temp dir; runs migrations.
3. Loads ``--count`` applications (default 1,000,000), one person each, about 0.5 % of them
   in duplicate pairs (``DuplicateFlag`` both ways) and about 1 % with a reviewer's question
   (half answered), so every filter of the queue has something to find. Rows are generated
   in Python and streamed in chunks through ``COPY ... WITH (FREEZE)`` in one transaction
   (TRUNCATE, drop secondary indexes and constraints, COPY, recreate them, set the
   sequences), so a failure leaves the previous data and schema as they were. Dropping the
   indexes pays at scale: 1M rows loaded in 65 s this way against 262 s with the 13 indexes
   and 3 constraints kept (``--keep-indexes``), on 2 cores; at 200k rows it was 14 s
   against 18 s. ``VACUUM ANALYZE`` follows, as autovacuum would on a live system.
4. Times each page of ``SCENARIOS`` as a network reviewer past the second factor (who may
   see score parts, so every row's ``priority_parts`` is decrypted) through
   ``django.test.Client`` with ``force_login``: the whole Django stack, templates included,
   no HTTP server. Next to each page, in the same repetition (order rotated):

   * "page DB": the exact SQL statements one request of the page ran (captured with
     ``CaptureQueriesContext``: session, user, OTP device, memberships, country choices,
     the list), re-executed on a raw psycopg connection; "main" is the list query alone;
   * "plain SQL": a hand-written indexed query for the same rows (the displayed columns,
     ``ORDER BY priority DESC, submitted_at, id LIMIT 26 OFFSET ...``: 26 because the page
     fetches one row more than it shows to know if there is a next page; the country as
     an id, as a caller that knew it would pass it). "ok" checks the page shows its rows.

   A page stops after ``--repeat`` repetitions or ``--budget`` seconds, whichever comes first.
   The report ends with EXPLAIN (ANALYZE, BUFFERS) of every page's list query (``--explain``
   prints the full plans of both queries).

The data
--------
Statuses 70 % submitted, 9 % accepted, 8 % rejected, 6 % placed, 5 % needs_info, the rest
rejection_proposed/exited. Host countries KZ 55 %, TR 20 %, AM 15 %, PL 10 %, each with its
cities (a few percent blank); GE has a shelter and no applications (a country just opened).
``submitted_at`` spans 90 days, denser towards today (a surge). Priorities come from the real
rubric (``haven.rules.scoring``) on random answers: 0..179, skewed low, with the answers'
``priority_parts`` and the calendar's ``priority_urgency`` and ``priority_waiting`` adding up
to ``priority``. Each person has their own data key, wrapped by the bench master key, and
every encrypted value is sealed one by one with it (``haven.lib.crypto.seal_with``, three per
row: contact, answers, score parts), so tokens have their real sizes and distinct nonces and
the queue page unwraps one key per row, as in production. Blind-index
fingerprints are random hex (HMACs look alike to the database); all rows share one real
password hash, as the queue never checks passphrases.

Acceptance targets (printed as PASS/FAIL, exit status 1 on a FAIL): the first queue page
p95 < 100 ms, and the first page's database work p95 < 3x the plain SQL p95.
"""

from __future__ import annotations

import argparse
import base64
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dj_database_url
import psycopg
from psycopg import sql

from bench.intake_data import already_loaded, ensure_network, load
from bench.intake_timing import PAGE_SIZE, SCENARIOS, describe, measure, report

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/haven_bench"
# Bench-only keys: the data is invented, and a fixed key lets --reuse open earlier tokens.
BENCH_FIELD_KEY = base64.urlsafe_b64encode(b"haven-bench-field-key-not-secret").decode()
BENCH_SECRET_KEY = "haven-bench-only-secret-key-" + "b" * 40


# --- command line and target database -------------------------------------------------------


@dataclass(frozen=True)
class Options:
    count: int
    repeat: int
    reuse: bool
    force: bool
    explain: bool
    keep_indexes: bool
    budget: float
    seed: int


def parse_options(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m bench.intake", description=__doc__.split("\n", 1)[0]
    )
    parser.add_argument("--count", type=int, default=1_000_000, help="applications to load")
    parser.add_argument("--repeat", type=int, default=50, help="timed repetitions per page")
    parser.add_argument(
        "--reuse", action="store_true", help="skip loading if this count is already loaded"
    )
    parser.add_argument(
        "--force", action="store_true", help="allow a database whose name lacks 'bench'"
    )
    parser.add_argument("--explain", action="store_true", help="print the full EXPLAIN plans")
    parser.add_argument(
        "--keep-indexes", action="store_true", help="COPY with every index in place (slower)"
    )
    parser.add_argument(
        "--budget", type=float, default=30.0, help="seconds at most per page (default 30)"
    )
    parser.add_argument("--seed", type=int, default=2022)
    args = parser.parse_args(argv)
    if args.count < 1 or args.repeat < 1:
        parser.error("--count and --repeat must be at least 1")
    return Options(
        count=args.count,
        repeat=args.repeat,
        reuse=args.reuse,
        force=args.force,
        explain=args.explain,
        keep_indexes=args.keep_indexes,
        budget=args.budget,
        seed=args.seed,
    )


def target_database(force: bool) -> tuple[str, dict[str, Any]]:
    """The database URL to load into, refusing anything that might hold real data."""
    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    config: dict[str, Any] = dict(dj_database_url.parse(url))
    if "postgresql" not in str(config["ENGINE"]):
        sys.exit(f"bench.intake needs PostgreSQL (COPY); DATABASE_URL is {config['ENGINE']}")
    name = str(config["NAME"] or "")
    if "bench" not in name and not force:
        sys.exit(
            f"Refusing to load into database {name!r}: its name lacks 'bench' and loading "
            "TRUNCATEs core_person and core_application. Use a bench database or --force."
        )
    return url, config


def conninfo(config: dict[str, Any], dbname: str | None = None) -> str:
    return psycopg.conninfo.make_conninfo(
        **{
            key: str(value)
            for key, value in {
                "host": config.get("HOST"),
                "port": config.get("PORT"),
                "user": config.get("USER"),
                "password": config.get("PASSWORD"),
                "dbname": dbname or config.get("NAME"),
            }.items()
            if value
        }
    )


def ensure_database(config: dict[str, Any]) -> None:
    name = str(config["NAME"])
    with psycopg.connect(conninfo(config, "postgres"), autocommit=True) as maintenance:
        exists = maintenance.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if exists.fetchone() is None:
            maintenance.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def start_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["HAVEN_ENV"] = "development"
    os.environ["HAVEN_DEBUG"] = "false"
    for name, value in (("HAVEN_FIELD_KEYS", BENCH_FIELD_KEY), ("HAVEN_SECRET_KEY", "")):
        os.environ.pop(f"{name}_FILE", None)
        os.environ[name] = value or BENCH_SECRET_KEY
    os.environ.setdefault("HAVEN_DATA_DIR", str(Path(tempfile.gettempdir()) / "haven-bench"))
    os.environ.setdefault("HAVEN_LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "haven.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from haven.staff.views import queue

    assert queue.PAGE_SIZE == PAGE_SIZE, "the queue's page size changed: update bench.intake"


def main(argv: Sequence[str] | None = None) -> int:
    opts = parse_options(argv)
    url, config = target_database(opts.force)
    ensure_database(config)
    cinfo = conninfo(config)
    started = time.perf_counter()
    start_django(url)
    network = ensure_network()
    print(f"Database {config['NAME']} on {config.get('HOST') or 'localhost'}, migrated.")
    if opts.reuse and already_loaded(cinfo, opts.count):
        print(f"Reusing the {opts.count:,} applications already loaded.")
    else:
        load(cinfo, opts.count, opts.seed, network, keep_indexes=opts.keep_indexes)
    describe(cinfo)
    results = []
    # Client-side binding, as Django does: the server plans the same literal statements.
    with (
        psycopg.connect(cinfo, autocommit=True, cursor_factory=psycopg.ClientCursor) as conn,
        conn.cursor() as cur,
    ):
        for scenario in SCENARIOS:
            print(f"timing {scenario.url} ...", flush=True)
            results.append(
                measure(
                    scenario,
                    network,
                    cur,
                    repeat=opts.repeat,
                    budget=opts.budget,
                    explain=opts.explain,
                )
            )
    passed = report(results, explain=opts.explain)
    print(f"\nbench.intake took {time.perf_counter() - started:.0f} s in all.")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
