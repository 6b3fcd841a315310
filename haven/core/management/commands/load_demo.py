"""Load a realistic, invented demo network so a fresh checkout has something to look at.

Modelled on the founding network: four shelters in Kazakhstan (two in Almaty), one each in
Turkey, Armenia and Poland; one house with 3 rooms and 14 mattresses. Every name is invented,
and so are the rents (in the range of what such houses cost there) and the history: former
residents who stayed in the last four months and moved out, so that the dashboard has weeks
and months to show. Running it again changes nothing. It refuses to run in production.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from haven.accounts.models import Membership, Role
from haven.core.models import Application, Bed, HostCountry, Organisation, Room, Shelter, Stay
from haven.core.services.applications import ApplicantAnswers, submit_application
from haven.core.services.placements import confirm_offer, run_placement
from haven.core.services.review import (
    accept_application,
    ask_question,
    confirm_rejection,
    propose_rejection,
)
from haven.core.services.stays import check_in, check_out
from haven.rules.money import to_minor

DEMO_PASSWORD = "haven-demo-2026"  # noqa: S105 - printed for the demo; refused in production
DEMO_STAFF = ("admin", "reviewer", "coordinator")

COUNTRIES = [
    ("KZ", "Kazakhstan", "Asia/Almaty"),
    ("TR", "Turkey", "Europe/Istanbul"),
    ("AM", "Armenia", "Asia/Yerevan"),
    ("PL", "Poland", "Europe/Warsaw"),
]
# Invented monthly rents (amount in major units, currency), about what such houses cost.
RENTS: dict[str, tuple[int, str]] = {
    "Almaty House": (450_000, "KZT"),
    "Almaty Flat": (320_000, "KZT"),
    "Astana House": (380_000, "KZT"),
    "Oral House": (220_000, "KZT"),
    "Istanbul Flat": (60_000, "TRY"),
    "Yerevan House": (700_000, "AMD"),
    "Warsaw Flat": (9_000, "PLN"),
}
# Former residents (who moved out) and how their stays ended, as a share of them.
FORMER_RESIDENTS = 30
OUTCOMES = [
    (Stay.Outcome.MOVED_ON, 8),
    (Stay.Outcome.VISA, 5),
    (Stay.Outcome.HOUSING, 6),
    (Stay.Outcome.RETURNED, 2),
    (Stay.Outcome.RULES, 1),
    (Stay.Outcome.UNKNOWN, 3),
]
HISTORY_DAYS = 125  # the first former resident came in this many days ago
# (country, city, name, rooms as (name, gender, beds))
SHELTERS: list[tuple[str, str, str, list[tuple[str, str, int]]]] = [
    (
        "KZ",
        "Almaty",
        "Almaty House",
        [("Big room", "men", 6), ("Middle room", "men", 5), ("Small room", "women", 3)],
    ),
    ("KZ", "Almaty", "Almaty Flat", [("Room A", "open", 3), ("Room B", "open", 3)]),
    ("KZ", "Astana", "Astana House", [("Room 1", "men", 4), ("Room 2", "women", 2)]),
    ("KZ", "Oral", "Oral House", [("Room 1", "open", 4), ("Room 2", "open", 2)]),
    ("TR", "Istanbul", "Istanbul Flat", [("Room 1", "open", 4), ("Room 2", "open", 2)]),
    ("AM", "Yerevan", "Yerevan House", [("Room 1", "men", 4), ("Room 2", "open", 4)]),
    ("PL", "Warsaw", "Warsaw Flat", [("Room 1", "open", 3), ("Room 2", "open", 3)]),
]
MEN = [
    "Artyom",
    "Dmitry",
    "Ilya",
    "Kirill",
    "Maksim",
    "Nikita",
    "Pavel",
    "Roman",
    "Sergey",
    "Timur",
    "Vadim",
    "Yegor",
    "Anton",
    "Gleb",
    "Lev",
    "Mark",
    "Oleg",
    "Stepan",
    "Fyodor",
    "Zakhar",
    "Denis",
    "Igor",
    "Konstantin",
    "Mikhail",
]
WOMEN = [
    "Alina",
    "Darya",
    "Yelena",
    "Irina",
    "Kseniya",
    "Mariya",
    "Nadezhda",
    "Olga",
    "Polina",
    "Sofya",
    "Vera",
    "Yuliya",
]
SITUATIONS = [
    "Received a call-up notice at my registered address, left the next day.",
    "Was detained at a protest in 2022, have a pending administrative case.",
    "Volunteered for an independent media project; my friends were searched.",
    "Came with my partner and our daughter, we have money for about a week.",
    "I have a chronic illness and need regular medication.",
    "",
]


class Command(BaseCommand):
    help = "Load invented demo data (shelters, staff, applicants, residents) once."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--seed", type=int, default=2022)
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="where Haven is served")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("Demo data is never loaded in production.")
        if Organisation.objects.exists():
            self.stdout.write("Demo data already loaded.")
        else:
            with transaction.atomic():
                self._load(random.Random(options["seed"]))
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        url = options["url"].rstrip("/")
        self.stdout.write(
            f"\nHaven is starting at {url}/ru/apply/ (public form)\n"
            f"Staff pages: {url}/ru/staff/\n"
            f"Demo staff logins (password {DEMO_PASSWORD}):\n"
            "  admin        network admin\n"
            "  reviewer     reviews applications network-wide\n"
            "  coordinator  coordinates Almaty House and Almaty Flat\n"
            "Staff sign in with a second factor. For the current 6-digit code of a demo user run\n"
            "  make code STAFF=admin\n"
            "(development only), or add the key that command prints to an authenticator app.\n"
        )

    def _load(self, rng: random.Random) -> None:
        org = Organisation.objects.create(name="Haven demo network")
        countries = {
            code: HostCountry.objects.create(code=code, name=name, timezone=tz)
            for code, name, tz in COUNTRIES
        }
        shelters: list[Shelter] = []
        for code, city, name, rooms in SHELTERS:
            rent, currency = RENTS[name]
            shelter = Shelter.objects.create(
                organisation=org,
                country=countries[code],
                city=city,
                name=name,
                monthly_rent=to_minor(Decimal(rent), currency),
                rent_currency=currency,
            )
            shelters.append(shelter)
            for room_name, gender, beds in rooms:
                room = Room.objects.create(shelter=shelter, name=room_name, gender=gender)
                for n in range(1, beds + 1):
                    Bed.objects.create(room=room, label=f"Mattress {n}", accessible=n == 1)
        admin = self._user("admin", Role.ADMIN, [None])
        reviewer = self._user("reviewer", Role.REVIEWER, [None])
        self._user("coordinator", Role.COORDINATOR, shelters[:2])

        today = timezone.localdate()
        self._former_residents(rng, today, countries, admin, reviewer)
        applications = [self._apply(rng, today, countries) for _ in range(48)]
        # Decide on about two thirds, then place most of the accepted ones. A rejection needs
        # a second reviewer: the admin confirms all but the first, which stays proposed.
        rejections = 0
        for application in applications[:32]:
            accept = rng.random() < 0.8
            if accept:
                accept_application(
                    application,
                    "Meets the criteria: danger if returned, no housing.",
                    actor=reviewer,
                )
                continue
            propose_rejection(
                application, "Has housing with relatives in Almaty for now.", actor=reviewer
            )
            rejections += 1
            if rejections > 1:
                confirm_rejection(application, "Agreed: housed for now.", actor=admin)
        # One undecided application waits for the applicant's answer to a question, asked in
        # the applicant's language (Russian).
        question = "В каком городе вы сейчас живёте и до какого числа?"  # noqa: RUF001
        ask_question(applications[32], question, actor=reviewer)
        accepted = list(Application.objects.waitlist())
        for application in accepted[: len(accepted) * 3 // 4]:
            fitting = {"woman": Room.Gender.WOMEN, "man": Room.Gender.MEN}
            genders = [Room.Gender.OPEN, fitting.get(application.person.gender, "")]
            free = Bed.objects.free_on(today).filter(
                room__shelter__country=application.host_country,
                room__gender__in=genders,
            )
            together = _together(
                list(free.order_by("room__shelter__name", "room__name", "label")),
                application.beds_needed,
            )
            if together:
                # Not before the beds' former residents moved out.
                vacated = Stay.objects.filter(bed__in=together).aggregate(last=Max("check_out"))
                day = today - timedelta(days=rng.randint(0, 40))
                day = max(day, vacated["last"]) if vacated["last"] else day
                check_in(application, together[0], day, actor=admin, others=together[1:])
                self._backdate(rng, application, day)
        for application in Application.objects.waitlist():
            self._backdate(rng, application, today - timedelta(days=rng.randint(0, 30)))
        # The rest wait: a placement run proposes offers, and one is confirmed already.
        run = run_placement(Shelter.objects.all(), actor=admin, seed=2022)
        first = run.offers.heads().first()
        if first is not None:
            confirm_offer(first, actor=admin)

    def _former_residents(
        self,
        rng: random.Random,
        today: date,
        countries: dict[str, HostCountry],
        admin: User,
        reviewer: User,
    ) -> None:
        """People who stayed in the last months and moved out, one after another per bed."""
        free_from = {bed.pk: today - timedelta(days=HISTORY_DAYS) for bed in Bed.objects.all()}
        outcomes = [outcome for outcome, n in OUTCOMES for _ in range(n)]
        for _ in range(FORMER_RESIDENTS):
            arrival = today - timedelta(days=rng.randint(20, HISTORY_DAYS))
            application = self._apply(rng, arrival, countries, entered_days=(2, 30))
            accept_application(application, "Danger if returned, no housing.", actor=reviewer)
            fitting = {"woman": Room.Gender.WOMEN, "man": Room.Gender.MEN}
            genders = [Room.Gender.OPEN, fitting.get(application.person.gender, "")]
            beds = list(
                Bed.objects.filter(
                    room__shelter__country=application.host_country, room__gender__in=genders
                ).order_by("pk")
            )
            beds.sort(key=lambda bed: (free_from[bed.pk], rng.random()))
            chosen = _together(beds, application.beds_needed)
            if not chosen:
                continue  # no room fits this family: it stays on the waitlist
            taken_until = max(free_from[bed.pk] for bed in chosen)
            start = max(arrival, taken_until) + timedelta(days=rng.randint(0, 6))
            end = min(start + timedelta(days=rng.randint(10, 60)), today - timedelta(days=2))
            if end <= start:
                continue  # the bed is taken until too recently: this one stays on the waitlist
            stay = check_in(application, chosen[0], start, actor=admin, others=chosen[1:])
            check_out(stay, end, rng.choice(outcomes), actor=admin)
            for bed in chosen:
                free_from[bed.pk] = end
            self._backdate(rng, application, start)

    def _backdate(self, rng: random.Random, application: Application, placed: date) -> None:
        """Invented history: submitted and accepted some days before ``placed`` (the demo
        creates everything today, and waits would otherwise all be zero)."""
        decided = datetime.combine(placed, time(10), tzinfo=UTC) - timedelta(
            days=rng.randint(0, 21), hours=rng.randint(0, 8)
        )
        Application.objects.filter(pk=application.pk).update(
            decided_at=decided, submitted_at=decided - timedelta(days=rng.randint(1, 6))
        )

    def _user(self, username: str, role: str, shelters: Sequence[Shelter | None]) -> User:
        user = User.objects.create_user(username, password=DEMO_PASSWORD)
        # "default": the name two_factor's sign-in looks for (any other name skips the code
        # step and the unverified session is sent back to sign in).
        TOTPDevice.objects.create(user=user, name="default", confirmed=True)
        for shelter in shelters:
            Membership.objects.create(user=user, shelter=shelter, role=role)
        return user

    def _apply(
        self,
        rng: random.Random,
        today: date,
        countries: dict[str, HostCountry],
        entered_days: tuple[int, int] = (2, 85),
    ) -> Application:
        woman = rng.random() < 0.25
        name = rng.choice(WOMEN if woman else MEN)
        code = rng.choices(["KZ", "TR", "AM", "PL"], weights=[6, 2, 2, 1])[0]
        city = {
            "KZ": rng.choice(["Almaty", "Almaty", "Astana", "Oral"]),
            "TR": "Istanbul",
            "AM": "Yerevan",
            "PL": "Warsaw",
        }[code]
        answers = ApplicantAnswers(
            display_name=name,
            contact=f"@{name.lower()}{rng.randint(10, 99)}",
            gender="woman" if woman else "man",
            birth_year=rng.randint(1975, 2004),
            host_country=code,
            city=city,
            entered_on=today - timedelta(days=rng.randint(*entered_days)),
            document="ru_internal_passport" if code == "KZ" else "ru_international_passport",
            dependants=rng.choice([0, 0, 0, 1, 2]),
            health_condition=rng.random() < 0.15,
            no_income=rng.random() < 0.7,
            no_housing=rng.random() < 0.6,
            savings_days=rng.choice([0, 3, 14, 45]),
            protests=rng.random() < 0.4,
            opposition_member=rng.random() < 0.15,
            arrested=rng.random() < 0.1,
            draft_notice=not woman and rng.random() < 0.5,
            prosecution=rng.random() < 0.08,
            situation=rng.choice(SITUATIONS),
        )
        return submit_application(
            answers, idempotency_key=str(uuid.UUID(int=rng.getrandbits(128))), language="ru"
        ).application


def _together(beds: Sequence[Bed], count: int) -> list[Bed]:
    """The first ``count`` beds of one room, in the order given, from the first room that
    has that many (a family stays together); empty if none has."""
    rooms: dict[int, list[Bed]] = {}
    for bed in beds:
        room = rooms.setdefault(bed.room_id, [])
        room.append(bed)
        if len(room) == count:
            return room
    return []
