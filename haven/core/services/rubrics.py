"""Publishing new versions of the priority rubric.

A published version is never edited: a change is a new version, so every score names the
numbers it came from. The newest version scores new applications (``triage.current_rubric``);
decisions already made keep the score and version they were made with (``Assessment`` rows
are never touched); applications still waiting for a decision or a bed are re-scored under the
new version right after it is published (``triage.rescore_pending``, see ``publish_rubric``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from haven.core.models import RubricVersion
from haven.core.services import audit
from haven.core.services.triage import current_rubric, rescore_pending
from haven.rules.scoring import RUBRIC_V1, Rubric, max_score, rubric_from_dict, rubric_to_dict

VERSION_MAX_LENGTH = 20  # RubricVersion.version
VERSION_PATTERN = re.compile(r"\A[0-9A-Za-z][0-9A-Za-z._-]*\Z")
# Publishing re-scores the waiting applications in the admin's request for at most this long
# (about 50,000 applications); the nightly ``rescore_pending`` finishes a larger queue.
RESCORE_BUDGET_SECONDS = 10.0

# One message per part of a definition, for the first part the rules refuse (see _problem).
_PROBLEMS: Mapping[str, Promise] = {
    "weights": _("Every yes/no factor needs points, 0 or more."),
    "savings_bands": _(
        "Savings bands: each band must cover more days than the one before it and give no "
        "more points than it; points cannot be below 0."
    ),
    "urgency_bands": _(
        "Days-left bands: each band must cover more days than the one before it and give no "
        "more points than it; points cannot be below 0."
    ),
    "per_dependant": _("Points and caps cannot be below 0."),
    "dependants_cap": _("Points and caps cannot be below 0."),
    "urgency_unknown": _("Points and caps cannot be below 0."),
    "per_week_waiting": _("Points and caps cannot be below 0."),
    "waiting_cap": _("Points and caps cannot be below 0."),
}


class RubricError(Exception):
    """A rubric version could not be published; ``message`` is for the user."""

    def __init__(self, message: str | Promise) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class PublishedRubric:
    """A version as the rubric page lists it; ``row`` is None for the built-in 2026.1."""

    rubric: Rubric
    row: RubricVersion | None

    @property
    def max_score(self) -> int:
        return max_score(self.rubric)


def published_versions() -> list[PublishedRubric]:
    """Every version, newest (the one in force) first; the built-in 2026.1 is the oldest."""
    rows = list(RubricVersion.objects.select_related("created_by").order_by("-created_at", "-pk"))
    versions = [PublishedRubric(rubric_from_dict(row.definition), row) for row in rows]
    if not any(row.version == RUBRIC_V1.version for row in rows):
        versions.append(PublishedRubric(RUBRIC_V1, None))
    return versions


def suggested_version(today: date | None = None) -> str:
    """A free name for the next version: ``<year>.<n>``, counting on within the same year."""
    today = today or timezone.localdate()
    taken = set(RubricVersion.objects.values_list("version", flat=True)) | {RUBRIC_V1.version}
    number = 1
    while f"{today.year}.{number}" in taken:
        number += 1
    return f"{today.year}.{number}"


def build_rubric(definition: Mapping[str, Any]) -> Rubric:
    """The rubric ``definition`` describes (``rubric_to_dict``'s shape), or ``RubricError``.

    ``haven.rules.scoring.Rubric`` is the one judge of what a valid rubric is; this only turns
    its refusal into a translated message that names the part at fault.
    """
    try:
        return rubric_from_dict(definition)
    except ValueError:
        raise RubricError(_problem(definition)) from None


def _problem(definition: Mapping[str, Any]) -> Promise:
    """Which part the rules refuse: each part in turn, put into the (valid) built-in rubric."""
    if not str(definition.get("version", "")).strip():
        return _("Give the new version a name.")
    valid = rubric_to_dict(RUBRIC_V1)
    for key, message in _PROBLEMS.items():
        try:
            rubric_from_dict(valid | {key: definition.get(key)})
        except (ValueError, TypeError):
            return message
    return _("These numbers do not make a valid rubric.")


def _numbers(rubric: Rubric) -> dict[str, object]:
    return {key: value for key, value in rubric_to_dict(rubric).items() if key != "version"}


def publish_rubric(definition: Mapping[str, Any], note: str, *, actor: User) -> RubricVersion:
    """Publish ``definition`` (``rubric_to_dict``'s shape) as the rubric in force.

    Refuses (``RubricError``) a rubric the rules refuse, a version name already used (the
    built-in 2026.1 included), numbers identical to the version in force, and an empty note.
    Writes ``rubric.published`` to the audit log in the same transaction.

    Side effect, on commit (``transaction.on_commit``, so in this process and request):
    ``triage.rescore_pending`` re-scores the applications still waiting for a decision or a
    bed, for at most ``RESCORE_BUDGET_SECONDS``. After commit, so that it reads the new
    version and does not hold the audit chain's lock; robust, so a failure is logged and the
    version stays published. It commits batch by batch and touches only applications not yet
    under the version in force, so what it leaves (a queue of more than about 50,000; a
    million take minutes, docs/jobs.md) the nightly ``manage.py rescore_pending`` finishes;
    ``triage.outdated_pending()`` tells whether any is left.
    """
    rubric = build_rubric({**definition, "version": str(definition.get("version", "")).strip()})
    version = rubric.version
    note = note.strip()
    if len(version) > VERSION_MAX_LENGTH or not VERSION_PATTERN.fullmatch(version):
        raise RubricError(
            _("A version name has at most 20 letters, digits, dots, dashes or underscores.")
        )
    if not note:
        raise RubricError(_("Say what changed and why."))
    taken = _("Version %(version)s exists already: choose a new name.")
    with transaction.atomic():
        in_force = current_rubric()
        if version == RUBRIC_V1.version or RubricVersion.objects.filter(version=version).exists():
            raise RubricError(taken % {"version": version})
        if _numbers(rubric) == _numbers(in_force):
            raise RubricError(
                _("These are the numbers of version %(version)s, the one in force.")
                % {"version": in_force.version}
            )
        try:
            with transaction.atomic():
                row = RubricVersion.objects.create(
                    version=version,
                    definition=rubric_to_dict(rubric),
                    note=note,
                    created_by=actor,
                )
        except IntegrityError:
            # Another admin published the same name a moment ago.
            raise RubricError(taken % {"version": version}) from None
        audit.record(
            "rubric.published",
            row,
            actor=actor,
            version=version,
            previous=in_force.version,
            max_score=max_score(rubric),
        )
        rescore = partial(rescore_pending, actor=actor, budget_seconds=RESCORE_BUDGET_SECONDS)
        transaction.on_commit(rescore, robust=True)
    return row
