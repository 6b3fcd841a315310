"""House life: the chores of a shelter, who is away, and the rota that shares the work."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from haven.core.models.people import Person
from haven.core.models.shelters import Shelter

ALL_WEEKDAYS = [0, 1, 2, 3, 4, 5, 6]


def all_weekdays() -> list[int]:
    return list(ALL_WEEKDAYS)


class Chore(models.Model):
    """A task of the house (cooking, dishes, the bathroom), done by ``people`` on ``weekdays``.

    ``weight``: how many units of work one turn counts for (cooking for the whole house may
    count double). Chores are switched off rather than deleted, so past rotas keep their rows.
    """

    shelter = models.ForeignKey(Shelter, on_delete=models.CASCADE, related_name="chores")
    name = models.CharField(_("chore"), max_length=80)
    people = models.PositiveSmallIntegerField(_("people each time"), default=1)
    weight = models.PositiveSmallIntegerField(_("units of work"), default=1)
    weekdays = models.JSONField(_("days of the week"), default=all_weekdays)  # 0 = Monday
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["shelter", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["shelter", "name"], name="chore_name_unique_in_shelter"
            ),
            models.CheckConstraint(condition=Q(people__gte=1), name="chore_needs_someone"),
            models.CheckConstraint(condition=Q(weight__gte=1), name="chore_weighs_something"),
        ]

    def __str__(self) -> str:
        return self.name


class Absence(models.Model):
    """Days a resident is away (first to last day, inclusive): no chores on those days."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="absences")
    first_day = models.DateField(_("first day away"))
    last_day = models.DateField(_("last day away"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["first_day"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_day__gte=F("first_day")), name="absence_ends_after_it_starts"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} away {self.first_day} to {self.last_day}"


class RotaSlot(models.Model):
    """One turn: ``person`` does ``chore`` on ``day``."""

    chore = models.ForeignKey(Chore, on_delete=models.CASCADE, related_name="slots")
    day = models.DateField()
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="rota_slots")

    class Meta:
        ordering = ["day", "chore__name"]
        constraints = [
            models.UniqueConstraint(fields=["chore", "day", "person"], name="one_turn_per_person")
        ]
        indexes = [models.Index(fields=["day"], name="rota_slot_day")]

    def __str__(self) -> str:
        return f"{self.day}: {self.chore} by {self.person}"


class Notice(models.Model):
    """A note on the house's board (house meeting on Sunday, the boiler is broken)."""

    shelter = models.ForeignKey(Shelter, on_delete=models.CASCADE, related_name="notices")
    text = models.TextField(_("notice"), max_length=1000)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    posted_at = models.DateTimeField(auto_now_add=True)
    until = models.DateField(_("show until"), null=True, blank=True)

    class Meta:
        ordering = ["-posted_at", "-pk"]

    def __str__(self) -> str:
        return self.text[:40]


class Activity(models.Model):
    """A class or activity in the house (Kazakh lessons, a legal clinic, a film night)."""

    class Kind(models.TextChoices):
        CLASS = "class", _("class")
        ACTIVITY = "activity", _("activity")

    shelter = models.ForeignKey(Shelter, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.CLASS)
    title = models.CharField(_("title"), max_length=120)
    day = models.DateField(_("day"))
    starts = models.TimeField(_("starts at"), null=True, blank=True)
    attendees: models.ManyToManyField[Person, Attendance] = models.ManyToManyField(
        Person, through="Attendance", related_name="activities", blank=True
    )

    class Meta:
        ordering = ["day", "starts", "pk"]
        verbose_name_plural = "activities"

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE)
    person = models.ForeignKey(Person, on_delete=models.CASCADE)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["activity", "person"], name="attended_once")]

    def __str__(self) -> str:
        return f"{self.person} at {self.activity}"
