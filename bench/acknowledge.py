"""What one acknowledgement costs, in-process: the bare view, the public form and the API.

Run it as ``python -m bench.acknowledge`` (``make bench-acknowledge``); it is a script, not a
test. bench/surge.py measures the whole server under load and takes about twenty minutes,
with figures that move with whatever else the machine does; this takes about a minute and
measures one request at a time, so a change to the acknowledgement's path can be judged
before the surge is run again.

In a test database of its own (``test_`` + the name in ``DATABASE_URL``, PostgreSQL
recommended; created, migrated, given the demo data and dropped at the end) with the intake
queue on, each kind's requests go through Django's whole request handling (middleware, CSRF
enforced, rate limits) with ``django.test.Client``, with ``DEBUG`` off as in production (no
debug cursor timing and logging every statement). Kinds are interleaved in each round.
Printed per kind: the median CPU time of this process and the median wall time of a request
(which also holds the database's work and the round trips), the statements it sends, and
both as a ratio to the bare view of the same run.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import statistics
import time
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import django

KINDS = ("bare", "form", "api")
WARM_UP = 20  # requests per kind before any is timed
APPLICATIONS_PER_TOKEN = 50  # under the API's 60 applications per partner per 10 minutes


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.acknowledge", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--requests", type=int, default=300, help="per kind and round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.surge_settings"
    os.environ["HAVEN_INTAKE_WORKER"] = "true"
    django.setup()

    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment(debug=False)  # as in production: no debug cursor
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        call_command("load_demo", verbosity=0, stdout=io.StringIO())
        run(args)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(args: argparse.Namespace) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.surge_db import _setup
    from bench.surge_load import answers

    per_kind = WARM_UP + 1 + args.requests * args.rounds  # the warm-up and the captured one too
    tokens: list[str] = _setup(per_kind // APPLICATIONS_PER_TOKEN + 1)["tokens"]
    client = Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1")
    page = client.get("/ru/apply/").content.decode()
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if found is None:
        raise SystemExit("the form has no CSRF token")
    csrf = found.group(1)
    rng = random.Random(7)
    today = datetime.now(UTC).date()
    sent = {kind: 0 for kind in KINDS}

    def send(kind: str) -> None:
        sent[kind] += 1
        number = sum(sent.values())
        key = str(uuid.uuid4())
        # Another client address each time, as in a surge: no per-client limit is reached.
        address = f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"
        headers: dict[str, str] = {}
        if kind == "bare":
            body, path = urlencode({"key": key}), "/bench/bare/"
            content_type = "application/x-www-form-urlencoded"
        elif kind == "form":
            fields: dict[str, Any] = {
                name: ("on" if value is True else value)
                for name, value in answers(rng, today).items()
                if value is not False
            }
            fields |= {"idempotency_key": key, "csrfmiddlewaretoken": csrf}
            body, path = urlencode(fields), "/ru/apply/"
            content_type = "application/x-www-form-urlencoded"
        else:
            token = tokens[sent[kind] // APPLICATIONS_PER_TOKEN]
            body, path = json.dumps(answers(rng, today)), "/api/v1/applications/"
            headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
            content_type = "application/json"
        response = client.post(
            path, body, content_type=content_type, headers=headers, REMOTE_ADDR=address
        )
        if response.status_code not in (200, 201):
            raise SystemExit(f"{kind}: {response.status_code} {response.content[:500]!r}")

    statements = {}
    for kind in KINDS:
        for _ in range(WARM_UP):  # caches, connections, translations
            send(kind)
        with CaptureQueriesContext(connection) as captured:
            send(kind)
        statements[kind] = len(captured.captured_queries)
    cpu: dict[str, list[float]] = {kind: [] for kind in KINDS}
    wall: dict[str, list[float]] = {kind: [] for kind in KINDS}
    for round_ in range(args.rounds):
        order = KINDS[round_ % 3 :] + KINDS[: round_ % 3]
        for kind in order:
            for _ in range(args.requests):
                started_cpu, started = time.process_time(), time.perf_counter()
                send(kind)
                cpu[kind].append(time.process_time() - started_cpu)
                wall[kind].append(time.perf_counter() - started)
    print(
        f"{connection.vendor}, {args.rounds} rounds of {args.requests} requests per kind "
        "(medians; ratio to bare in brackets)"
    )
    base_cpu, base_wall = statistics.median(cpu["bare"]), statistics.median(wall["bare"])
    for kind in KINDS:
        c, w = statistics.median(cpu[kind]), statistics.median(wall[kind])
        print(
            f"  {kind:<5} CPU {c * 1000:6.2f} ms ({c / base_cpu:4.1f}x)   "
            f"wall {w * 1000:6.2f} ms ({w / base_wall:4.1f}x)   {statements[kind]} statements"
        )


if __name__ == "__main__":
    main()
