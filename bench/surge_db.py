"""The Django side of bench/surge.py, run as ``python -m bench.surge_db COMMAND`` in the bench's
environment (its database, keys and settings). Prints one JSON object per command.

* ``setup --tokens N``: a new house of 42 beds (the surge opened one), and N intake partners,
  each with an API token (the API allows 60 applications per partner per 10 minutes).
* ``accept N``: accepts the N oldest submitted applications, so a placement run has a waitlist.
* ``place [--stall-after K]``: a placement run over every shelter by the demo admin. With
  ``--stall-after`` it stops inside the run's transaction once K offers are written, prints
  ``{"halfway": K}`` and waits to be killed: the crash of bench/surge.py's fault run.
* ``state``: what must hold after any crash: runs and their offers, beds and people held twice,
  and the audit chain checked from the first entry to the last.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any

import django


def _setup(tokens: int) -> dict[str, Any]:
    from django.contrib.auth.models import User

    from haven.accounts.models import Membership, Role
    from haven.core.models import Bed, HostCountry, Organisation, Room, Shelter
    from haven.core.services.api_tokens import create_api_token

    admin = User.objects.get(username="admin")
    if not Shelter.objects.filter(name="Surge House").exists():
        shelter = Shelter.objects.create(
            organisation=Organisation.objects.get(),
            country=HostCountry.objects.get(code="KZ"),
            city="Almaty",
            name="Surge House",
        )
        for number in range(1, 4):
            room = Room.objects.create(shelter=shelter, name=f"Room {number}")
            Bed.objects.bulk_create(Bed(room=room, label=f"{number}-{bed}") for bed in range(1, 15))
    secrets = []
    for number in range(tokens):
        user, _ = User.objects.get_or_create(username=f"surge-intake-{number}")
        Membership.objects.get_or_create(user=user, shelter=None, role=Role.INTAKE)
        secrets.append(create_api_token(user, "surge", None, actor=admin).secret)
    return {"tokens": secrets}


def _accept(count: int) -> dict[str, Any]:
    from haven.core.models import Application

    pks = list(
        Application.objects.filter(status=Application.Status.SUBMITTED, beds_needed=1)
        .order_by("submitted_at", "pk")
        .values_list("pk", flat=True)[:count]
    )
    accepted = Application.objects.filter(pk__in=pks).update(status=Application.Status.ACCEPTED)
    return {"accepted": accepted}


def _place(stall_after: int | None) -> dict[str, Any]:
    from django.contrib.auth.models import User
    from django.db.models.signals import post_save

    from haven.core.models import Offer, Shelter
    from haven.core.services.placements import run_placement

    written = 0

    def stall(sender: Any, **kwargs: Any) -> None:
        nonlocal written
        written += 1
        if written == stall_after:
            print(json.dumps({"halfway": written}), flush=True)
            time.sleep(3600)  # killed here, inside the run's transaction

    if stall_after is not None:
        post_save.connect(stall, sender=Offer, weak=False)
    run = run_placement(Shelter.objects.all(), actor=User.objects.get(username="admin"), seed=2022)
    return {"run": str(run.public_id), "offers": run.offers.count(), "free_beds": run.free_beds}


def _state() -> dict[str, Any]:
    from django.db.models import Count

    from haven.core.models import Offer, PlacementRun, Stay
    from haven.core.services.audit import verify_chain

    holding = Offer.objects.filter(status__in=Offer.HOLDING)
    chain = verify_chain()
    return {
        "runs": PlacementRun.objects.count(),
        "offers": Offer.objects.count(),
        "beds_held_twice": holding.values("bed").annotate(n=Count("pk")).filter(n__gt=1).count(),
        # a family holds one offer row per member: a person is held twice when a member is
        "people_held_twice": holding.values("application", "member")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count(),
        "active_stays": Stay.objects.active().count(),
        "audit_entries": chain.entries,
        "audit_ok": chain.ok,
        "audit_broken_at": chain.broken_at,
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.surge_db")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("setup").add_argument("--tokens", type=int, default=10)
    commands.add_parser("accept").add_argument("count", type=int)
    commands.add_parser("place").add_argument("--stall-after", type=int)
    commands.add_parser("state")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haven.settings")
    django.setup()
    if args.command == "setup":
        out = _setup(args.tokens)
    elif args.command == "accept":
        out = _accept(args.count)
    elif args.command == "place":
        out = _place(args.stall_after)
    else:
        out = _state()
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
