"""The load tool of bench/surge.py: HTTP/1.1 submissions over loopback, closed or open loop.

Each request is a person sending in an application: the public form (``POST /ru/apply/``
with the CSRF cookie and token a browser would carry) or the API (``POST
/api/v1/applications/`` with an intake partner's token), or the bare baseline view. Every
request has its own idempotency key; a request is *acknowledged* when the reply carries the
person's reference code, which is what the person sees. The caller checks afterwards that
every acknowledged key is stored.

Two ways of driving (both bounded by time and by count):

* closed loop (``capacity``): ``concurrency`` clients, each sending its next request when the
  last one is answered: the most the server can do;
* open loop (``at_rate``): requests start on a fixed schedule whatever the server does, and a
  request's latency runs from when it was due, not when it could be sent, so a stalled server
  cannot hide its queue (no "coordinated omission").

The app server (gunicorn, sync workers) closes each connection after one request, as it does
behind the reverse proxy, so every request opens a new connection. Each request carries a
different client address in ``X-Forwarded-For``, as the proxy would for many people, so the
per-client rate limits see many clients and not one.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

REFERENCE = re.compile(rb"HV-[0-9A-Z]{4}-[0-9A-Z]{4}")
NAMES = ["Artem", "Ilya", "Maksim", "Dmitry", "Anna", "Olga", "Sergey", "Pavel", "Nikita", "Egor"]
CITIES = {"KZ": ["Almaty", "Astana"], "AM": ["Yerevan"], "TR": ["Istanbul"]}
DOCUMENTS = ["ru_internal_passport", "ru_international_passport"]


@dataclass(frozen=True)
class Outcome:
    kind: str  # "form", "api" or "bare"
    key: str  # the idempotency key sent
    status: int  # HTTP status, 0 when no answer came (refused, reset, timed out)
    latency: float  # seconds, from when the request was due to the last byte of the reply
    reference: str | None  # the reference code in the reply: the request was acknowledged
    error: str = ""
    request: bytes = b""  # kept when not acknowledged, to be sent again byte for byte


@dataclass
class Target:
    host: str
    port: int
    csrf_cookie: str = ""
    csrf_token: str = ""
    api_tokens: list[str] = field(default_factory=list)
    timeout: float = 15.0
    _api_turn: int = 0

    def next_api_token(self) -> str:
        self._api_turn += 1
        return self.api_tokens[self._api_turn % len(self.api_tokens)]


def answers(rng: random.Random, today: date) -> dict[str, object]:
    """Plausible answers of one person: distinct contact and identity, so no false duplicates."""
    country = rng.choice(["KZ", "KZ", "KZ", "AM", "TR"])
    return {
        "display_name": f"{rng.choice(NAMES)} {rng.randrange(10**6)}",
        "contact": f"@surge_{uuid.uuid4().hex[:16]}",
        "gender": rng.choice(["man", "man", "man", "woman"]),
        "birth_year": rng.randrange(1965, 2006),
        "host_country": country,
        "city": rng.choice(CITIES[country]),
        "entered_on": (today - timedelta(days=rng.randrange(0, 80))).isoformat(),
        "document": rng.choice(DOCUMENTS),
        "dependants": 0,
        "savings_days": rng.choice([0, 3, 14, 45]),
        "no_income": rng.random() < 0.7,
        "no_housing": rng.random() < 0.8,
        "draft_notice": rng.random() < 0.5,
        "protests": rng.random() < 0.3,
        "situation": "Arrived last week, sleeping at a friend's place.",
        "consent": True,
    }


def _client_address(rng: random.Random) -> str:
    return f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


def build(kind: str, target: Target, key: str, rng: random.Random, today: date) -> bytes:
    """The raw bytes of one request of ``kind`` with idempotency key ``key``."""
    headers = [f"Host: {target.host}:{target.port}", f"X-Forwarded-For: {_client_address(rng)}"]
    if kind == "form":
        data = answers(rng, today)
        fields: dict[str, object] = {
            name: ("on" if value is True else value)
            for name, value in data.items()
            if value is not False
        }
        fields["idempotency_key"] = key
        fields["csrfmiddlewaretoken"] = target.csrf_token
        body = urlencode(fields).encode()
        path = "/ru/apply/"
        headers += [
            "Content-Type: application/x-www-form-urlencoded",
            f"Cookie: csrftoken={target.csrf_cookie}",
        ]
    elif kind == "api":
        body = json.dumps(answers(rng, today)).encode()
        path = "/api/v1/applications/"
        headers += [
            "Content-Type: application/json",
            f"Authorization: Bearer {target.next_api_token()}",
            f"Idempotency-Key: {key}",
            "Accept-Language: ru",
        ]
    elif kind == "bare":
        body = urlencode({"key": key}).encode()
        path = "/bench/bare/"
        headers.append("Content-Type: application/x-www-form-urlencoded")
    else:
        raise ValueError(kind)
    head = "\r\n".join(
        [f"POST {path} HTTP/1.1", *headers, f"Content-Length: {len(body)}", "Connection: close"]
    )
    return head.encode() + b"\r\n\r\n" + body


async def exchange(host: str, port: int, request: bytes, timeout: float) -> tuple[int, bytes]:
    """Send one request on a new connection; the status and the whole reply."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    try:
        writer.write(request)
        await writer.drain()
        reply = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    if not reply.startswith(b"HTTP/1."):
        return 0, reply
    return int(reply[9:12]), reply


async def one(kind: str, target: Target, key: str, request: bytes, due: float) -> Outcome:
    try:
        status, reply = await exchange(target.host, target.port, request, target.timeout)
    except (OSError, TimeoutError, asyncio.IncompleteReadError) as exc:
        latency = time.perf_counter() - due
        return Outcome(kind, key, 0, latency, None, type(exc).__name__, request)
    latency = time.perf_counter() - due
    found = REFERENCE.search(reply) if status in (200, 201) else None
    if found:
        return Outcome(kind, key, status, latency, found.group().decode())
    return Outcome(
        kind, key, status, latency, None, reply[:300].decode("utf-8", "replace"), request
    )


def _kinds(mix: dict[str, float], rng: random.Random) -> Callable[[], str]:
    names = list(mix)
    weights = [mix[n] for n in names]
    return lambda: rng.choices(names, weights)[0]


async def capacity(
    target: Target,
    mix: dict[str, float],
    *,
    concurrency: int,
    seconds: float,
    max_requests: int,
    seed: int,
    resend: list[Outcome] | None = None,
) -> tuple[list[Outcome], float]:
    """Closed loop: the outcomes and the elapsed seconds.

    With ``resend``, sends exactly those requests again (same key, same bytes) instead.
    """
    rng = random.Random(seed)
    pick = _kinds(mix, rng) if mix else None
    today = datetime.now(UTC).date()
    todo = list(resend) if resend is not None else None
    outcomes: list[Outcome] = []
    start = time.perf_counter()
    deadline = start + seconds
    sent = 0

    async def client() -> None:
        nonlocal sent
        while time.perf_counter() < deadline and sent < max_requests:
            sent += 1
            if todo is not None:
                if not todo:
                    return
                again = todo.pop()
                kind, key, request = again.kind, again.key, again.request
            else:
                assert pick is not None
                kind, key = pick(), str(uuid.uuid4())
                request = build(kind, target, key, rng, today)
            outcomes.append(await one(kind, target, key, request, time.perf_counter()))

    await asyncio.gather(*(client() for _ in range(concurrency)))
    return outcomes, time.perf_counter() - start


async def at_rate(
    target: Target,
    mix: dict[str, float],
    *,
    rate: float,
    seconds: float,
    max_requests: int,
    seed: int,
    events: dict[float, Callable[[], object]] | None = None,
) -> tuple[list[Outcome], float]:
    """Open loop: one request due every ``1/rate`` s for ``seconds`` (at most ``max_requests``).

    ``events`` maps seconds into the run to a function called then (the fault injections);
    it runs in a thread, so the schedule goes on while it works.
    """
    rng = random.Random(seed)
    pick = _kinds(mix, rng)
    today = datetime.now(UTC).date()
    count = min(max_requests, int(rate * seconds))
    pending: list[asyncio.Task[Outcome]] = []
    start = time.perf_counter()
    timeline = sorted((events or {}).items())
    fired: list[asyncio.Future[object]] = []
    loop = asyncio.get_running_loop()
    for i in range(count):
        due = start + i / rate
        while timeline and time.perf_counter() - start >= timeline[0][0]:
            fired.append(loop.run_in_executor(None, timeline.pop(0)[1]))
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        kind, key = pick(), str(uuid.uuid4())
        request = build(kind, target, key, rng, today)
        pending.append(asyncio.create_task(one(kind, target, key, request, due)))
    for _at, action in timeline:  # events due after the last request was started
        fired.append(loop.run_in_executor(None, action))
    outcomes = list(await asyncio.gather(*pending))
    await asyncio.gather(*fired)
    return outcomes, time.perf_counter() - start
