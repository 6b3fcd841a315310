"""Timing the review queue for bench.intake: each page next to its own SQL and a plain query.

For every scenario one request is captured (``CaptureQueriesContext``); then, interleaved in
each repetition, the page is fetched through ``django.test.Client``, the captured statements
are re-executed on a raw psycopg connection ("page DB"; "main" is the list query alone), and a
hand-written indexed query for the same rows is run ("plain SQL").
"""

from __future__ import annotations

import math
import os
import platform
import re
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import psycopg
from psycopg import sql

from bench.intake_data import LOADED_TABLES, Network

QUEUE_URL = "/en/staff/queue/"
PAGE_SIZE = 25  # haven.staff.views.queue.PAGE_SIZE (bench.intake checks it at start-up)
WARMUP = 5


# --- measuring ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    label: str
    status: str = "submitted"
    country: str = ""
    city: str = ""
    flag: str = ""
    page: int = 1

    @property
    def url(self) -> str:
        query = {
            "status": self.status if self.status != "submitted" else "",
            "country": self.country,
            "city": self.city,
            "flag": self.flag,
            "page": str(self.page) if self.page > 1 else "",
        }
        query = {key: value for key, value in query.items() if value}
        return QUEUE_URL + ("?" + urlencode(query) if query else "")


SCENARIOS = (
    Scenario("first page"),
    Scenario("country=KZ", country="KZ"),
    Scenario("country=PL", country="PL"),
    Scenario("country=GE (new)", country="GE"),
    Scenario("city=Almaty", city="Almaty"),
    Scenario("city=Gyumri", city="Gyumri"),
    Scenario("city=Nowhere", city="Nowhere"),
    Scenario("status=accepted", status="accepted"),
    Scenario("flag=duplicates", flag="duplicates"),
    Scenario("flag=answered", flag="answered"),
    Scenario("page=200", page=200),
    Scenario("KZ, page=200", country="KZ", page=200),
    Scenario("page=4000", page=4000),
)


def plain_sql(scenario: Scenario, network: Network) -> tuple[sql.Composed, dict[str, object]]:
    """The indexed query a person would write by hand for the rows this page shows."""
    where = ["a.status = %(status)s"]
    params: dict[str, object] = {
        "status": scenario.status,
        "offset": (scenario.page - 1) * PAGE_SIZE,
        "limit": PAGE_SIZE + 1,
    }
    if scenario.country:
        where.append("a.host_country_id = %(country)s")
        params["country"] = network.country_ids[scenario.country]
    if scenario.city:
        where.append("UPPER(a.city) = UPPER(%(city)s)")
        params["city"] = scenario.city
    if scenario.flag == "duplicates":
        where.append(
            "EXISTS (SELECT 1 FROM core_duplicateflag f"
            " WHERE f.application_id = a.id AND f.resolved_at IS NULL)"
        )
    elif scenario.flag == "answered":
        where.append(
            "EXISTS (SELECT 1 FROM core_question q"
            " WHERE q.application_id = a.id AND q.answered_at IS NOT NULL)"
        )
    query = sql.SQL(
        "SELECT a.public_id, a.reference, p.display_name, c.name, a.city, a.submitted_at,"
        " a.priority, a.priority_parts, a.priority_urgency, a.priority_waiting, p.data_key"
        " FROM core_application a"
        " JOIN core_person p ON p.id = a.person_id"
        " JOIN core_hostcountry c ON c.id = a.host_country_id"
        " WHERE {where}"
        " ORDER BY a.priority DESC, a.submitted_at, a.id LIMIT %(limit)s OFFSET %(offset)s"
    ).format(where=sql.SQL(" AND ").join(sql.SQL(part) for part in where))
    return query, params


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def percentile(samples: Sequence[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[max(math.ceil(fraction * len(ordered)) - 1, 0)]


@dataclass
class Result:
    scenario: Scenario
    queries: int
    rows: int
    same_rows: bool
    full: list[float] = field(default_factory=list)
    db: list[float] = field(default_factory=list)
    main: list[float] = field(default_factory=list)
    plain: list[float] = field(default_factory=list)
    statements: list[tuple[str, list[float]]] = field(default_factory=list)
    plan: list[str] = field(default_factory=list)
    plain_plan: str = ""
    plan_text: list[str] = field(default_factory=list)


def plan_nodes(node: dict[str, Any], depth: int = 0) -> Iterator[tuple[int, dict[str, Any]]]:
    yield depth, node
    for child in node.get("Plans", []):
        yield from plan_nodes(child, depth + 1)


def node_label(node: dict[str, Any]) -> str:
    label = str(node["Node Type"])
    if "Index Name" in node:
        label += f" using {node['Index Name']}"
    elif "Relation Name" in node:
        label += f" on {node['Relation Name']}"
    return label


def plan_timing(document: dict[str, Any]) -> str:
    timing = (
        f"planning {document['Planning Time']:.2f} ms,"
        f" execution {document['Execution Time']:.2f} ms"
    )
    if jit := document.get("JIT"):
        timing += f", JIT {jit['Timing']['Total']:.1f} ms"
    top = document["Plan"]
    return f"{timing}; shared hit={top['Shared Hit Blocks']} read={top['Shared Read Blocks']}"


def summarise_plan(document: dict[str, Any]) -> list[str]:
    """One line per plan node: what it is, which index, rows, rows thrown away."""
    lines = [plan_timing(document)]
    for depth, node in plan_nodes(document["Plan"]):
        details = [f"rows={node['Actual Rows']}x{node['Actual Loops']}"]
        for key, short in (("Rows Removed by Filter", "filtered out"), ("Heap Fetches", "heap")):
            if node.get(key):
                details.append(f"{short}={node[key]}")
        if "Presorted Key" in node:
            details.append(f"presorted={','.join(node['Presorted Key'])}")
        elif "Sort Key" in node:
            details.append(f"sort={','.join(node['Sort Key'])}")
        if node.get("Workers Launched"):
            details.append(f"workers={node['Workers Launched']}")
        lines.append("  " * depth + f"{node_label(node)}  ({', '.join(details)})")
    return lines


def outline_plan(document: dict[str, Any]) -> str:
    """The scans and sorts of a plan on one line, with its timing."""
    steps = [
        node_label(node)
        for _, node in plan_nodes(document["Plan"])
        if "Scan" in node["Node Type"] or "Sort" in node["Node Type"]
    ]
    return f"{plan_timing(document)}: {'; '.join(steps)}"


def statement_label(statement: str, main: bool) -> str:
    """What a captured statement reads, by its first table: enough to tell them apart."""
    match = re.search(r'FROM "(\w+)"', statement)
    table = match.group(1) if match else statement[:30]
    return f"{table} (list)" if main else table


def measure(
    scenario: Scenario,
    network: Network,
    cur: psycopg.Cursor[Any],
    *,
    repeat: int,
    budget: float,
    explain: bool,
) -> Result:
    """Time one page, its captured SQL and the plain query; EXPLAIN the page's list query."""
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client(HTTP_HOST="localhost")
    reviewer = User.objects.get(pk=network.reviewer_id)
    client.force_login(reviewer)
    session = client.session  # past the second factor, as tests/conftest.py login() does
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=reviewer).persistent_id
    session.save()
    url = scenario.url

    def page() -> None:
        response = client.get(url)
        if response.status_code != 200:
            sys.exit(f"{url} answered {response.status_code}")

    page()  # sessions, templates and caches warm before the capture
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    html = response.content.decode()
    statements = [q["sql"] for q in captured.captured_queries]
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    mains = [s for s in selects if 'FROM "core_application"' in s]
    # The queue reads a page's ids from the index, then those rows: both are its list work.
    if not 1 <= len(mains) <= 2 or len(selects) != len(statements):
        sys.exit(f"{url}: expected one or two list queries and only SELECTs, got {statements}")
    main = mains[0]  # the one that walks the queue index (EXPLAINed below)
    query, params = plain_sql(scenario, network)
    expected = [row[1] for row in cur.execute(query, params).fetchall()][:PAGE_SIZE]
    positions = [html.find(f">{reference}<") for reference in expected]
    same = -1 not in positions and positions == sorted(positions)
    same = same and html.count('<li class="card">') == len(expected)

    result = Result(scenario, len(selects), len(expected), same)
    result.statements = [(statement_label(s, s in mains), []) for s in selects]

    def replay() -> None:
        for statement, (_, samples) in zip(selects, result.statements, strict=True):
            started = time.perf_counter()
            cur.execute(statement.encode()).fetchall()
            samples.append((time.perf_counter() - started) * 1000)

    def main_only() -> None:
        for statement in mains:
            cur.execute(statement.encode())
            cur.fetchall()

    def plain() -> None:
        cur.execute(query, params)
        cur.fetchall()

    for _ in range(WARMUP):
        page()
        replay()
        plain()
    for _, samples in result.statements:
        samples.clear()
    series = (
        (page, result.full),
        (replay, result.db),
        (main_only, result.main),
        (plain, result.plain),
    )
    started = time.perf_counter()
    for n in range(repeat):
        # Rotate the order so that no measurement always runs right after another.
        for action, samples in series[n % 4 :] + series[: n % 4]:
            samples.append(timed(action))
        if n >= 4 and time.perf_counter() - started > budget:
            break
    document = cur.execute(b"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + main.encode()).fetchone()
    plain_explain = sql.SQL("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {}").format(query)
    plain_document = cur.execute(plain_explain, params).fetchone()
    assert document is not None
    assert plain_document is not None
    result.plan = summarise_plan(document[0][0])
    result.plain_plan = outline_plan(plain_document[0][0])
    if explain:
        for label, statement in (("page's list query", main), ("plain SQL", None)):
            if statement is None:
                plain_explain = sql.SQL("EXPLAIN (ANALYZE, BUFFERS) {}").format(query)
                rows = cur.execute(plain_explain, params).fetchall()
            else:
                rows = cur.execute(b"EXPLAIN (ANALYZE, BUFFERS) " + statement.encode()).fetchall()
            result.plan_text += [f"-- {label}:", *(r[0] for r in rows)]
        result.plan_text.insert(1, main)
    return result


# --- reporting ------------------------------------------------------------------------------


def describe(cinfo: str) -> None:
    with psycopg.connect(cinfo) as conn:
        version = conn.execute("SHOW server_version").fetchone()
        settings = conn.execute(
            "SELECT name, current_setting(name) FROM pg_settings WHERE name IN"
            " ('shared_buffers', 'work_mem', 'jit', 'random_page_cost', 'effective_cache_size')"
            " ORDER BY name"
        ).fetchall()
        sizes = conn.execute(
            "SELECT relname, pg_size_pretty(pg_total_relation_size(oid)) FROM pg_class"
            " WHERE relname = ANY(%s) ORDER BY relname",
            [list(LOADED_TABLES)],
        ).fetchall()
        statuses = conn.execute(
            "SELECT status, count(*) FROM core_application GROUP BY status ORDER BY 2 DESC"
        ).fetchall()
        started = time.perf_counter()
        for _ in range(200):
            conn.execute("SELECT 1").fetchone()
        round_trip = (time.perf_counter() - started) / 200 * 1000
    print(
        f"\nPostgreSQL {version[0] if version else '?'}; "
        + ", ".join(f"{name}={value}" for name, value in settings)
    )
    print(
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs; tables: "
        + ", ".join(f"{name} {size}" for name, size in sizes)
    )
    print("Applications by status: " + ", ".join(f"{s} {n:,}" for s, n in statuses))
    print(f"One SELECT 1 round trip: {round_trip:.3f} ms (the floor for each query of a page)")


def report(results: Sequence[Result], *, explain: bool) -> bool:
    """Print the table, the plans and the acceptance checks; True if every check passed."""

    def ms(samples: Sequence[float]) -> str:
        return f"{percentile(samples, 0.5):6.1f} {percentile(samples, 0.95):6.1f}"

    def ratio(top: Sequence[float], bottom: Sequence[float]) -> str:
        p50 = percentile(top, 0.5) / percentile(bottom, 0.5)
        p95 = percentile(top, 0.95) / percentile(bottom, 0.95)
        return f"{p50:5.1f} {p95:5.1f}"

    print(
        "\nAll times in ms, p50 and p95; ratios p50 and p95. 'page DB' = every SQL statement one"
        "\nrequest ran (q = how many), re-executed; 'main' = the list query alone; 'plain SQL'"
        "\n= the hand-written indexed query for the same rows; ok = the page shows those rows."
    )
    header = (
        f"{'page':<16}{'n':>4} {'full page':>13} {'page DB':>13} {'q':>2} {'main':>13}"
        f" {'plain SQL':>13} {'DB/SQL':>11} {'full/SQL':>11} {'rows':>4} ok"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.scenario.label:<16}{len(r.full):>4} {ms(r.full)} {ms(r.db)} {r.queries:>2}"
            f" {ms(r.main)} {ms(r.plain)} {ratio(r.db, r.plain)} {ratio(r.full, r.plain)}"
            f" {r.rows:>4} {'yes' if r.same_rows else 'NO'}"
        )
    first = results[0]
    print(f"\nThe {first.scenario.label}'s statements, p50 and p95 in ms:")
    for label, samples in first.statements:
        print(f"  {label:<32} {ms(samples)}")
    print("\nEXPLAIN (ANALYZE, BUFFERS) of each page's list query:")
    for r in results:
        print(f"\n{r.scenario.label} ({r.scenario.url})")
        for line in r.plan:
            print(f"  {line}")
        print(f"  plain SQL: {r.plain_plan}")
    if explain:
        for r in results:
            print(f"\n==== {r.scenario.label} ({r.scenario.url})")
            print("\n".join(r.plan_text))
    full_p95 = percentile(first.full, 0.95)
    main_p95, plain_p95 = percentile(first.main, 0.95), percentile(first.plain, 0.95)
    db_p95 = percentile(first.db, 0.95)
    # The target compares the queue's own queries with plain SQL for the same rows. The
    # page's other statements (session, user, second-factor device, memberships, country
    # list) are the same on every staff page; they are reported, not judged.
    checks = [
        (full_p95 < 100, f"first page p95 {full_p95:.1f} ms < 100 ms"),
        (
            main_p95 < 3 * plain_p95,
            f"first page's queue queries p95 {main_p95:.2f} ms < 3 x plain SQL p95"
            f" {plain_p95:.2f} ms (ratio {main_p95 / plain_p95:.1f})",
        ),
        (all(r.same_rows for r in results), "every page shows the rows of its plain SQL"),
    ]
    print(
        f"\n(For the record: all of the first page's SQL, sign-in lookups included, p95"
        f" {db_p95:.2f} ms = {db_p95 / plain_p95:.1f} x plain SQL.)"
    )
    print("\nAcceptance:")
    for passed, text in checks:
        print(f"  {'PASS' if passed else 'FAIL'}  {text}")
    return all(passed for passed, _ in checks)
