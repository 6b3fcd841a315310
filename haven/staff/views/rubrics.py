"""The priority rubric: every published version with its numbers, and publishing a new one.

Needs ``can_manage_rubric`` network-wide (network admins). The rubric is no secret among
staff: every number is shown. Publishing goes through ``publish_rubric``, which also
re-scores the applications still waiting (see its docstring for when and how).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from haven.accounts import access
from haven.accounts.models import Capability
from haven.core.services.rubrics import (
    PublishedRubric,
    RubricError,
    publish_rubric,
    published_versions,
    suggested_version,
)
from haven.core.services.triage import current_rubric, outdated_pending
from haven.rules.scoring import PART_KEYS, Band, Rubric
from haven.staff.labels import PART_LABELS
from haven.staff.rubric_form import RubricForm
from haven.staff.views.common import StaffRequest


@dataclass(frozen=True)
class RubricLine:
    key: str
    label: Promise | str
    items: tuple[str, ...]  # one for a single number, one per band (and the rest) for bands
    changed: bool = False  # differs from the version before


@dataclass(frozen=True)
class VersionCard:
    published: PublishedRubric
    lines: list[RubricLine]
    in_force: bool


def _bands(bands: tuple[Band, ...], each: str, rest: str) -> tuple[str, ...]:
    items = [each % {"days": band.up_to, "points": band.points} for band in bands]
    return (*items, rest)


def rubric_lines(rubric: Rubric) -> list[RubricLine]:
    """Every number of ``rubric``, in ``PART_KEYS`` order, in words a volunteer can check."""
    items: dict[str, tuple[str, ...]] = {
        key: (str(points),) for key, points in rubric.weights.items()
    }
    items["financial.low_savings"] = _bands(
        rubric.savings_bands,
        _("savings for up to %(days)s days: %(points)s"),
        _("more savings: 0"),
    )
    items["household.dependants"] = (
        _("%(points)s for each, at most %(cap)s")
        % {"points": rubric.per_dependant, "cap": rubric.dependants_cap},
    )
    items["urgency.days_left"] = (
        *_bands(
            rubric.urgency_bands,
            _("up to %(days)s days left: %(points)s"),
            _("more days left: 0"),
        ),
        _("not known: %(points)s") % {"points": rubric.urgency_unknown},
    )
    items["waiting.days_waiting"] = (
        _("%(points)s for each full week, at most %(cap)s")
        % {"points": rubric.per_week_waiting, "cap": rubric.waiting_cap},
    )
    return [RubricLine(key, PART_LABELS[key], items[key]) for key in PART_KEYS if key in items]


def _cards(versions: list[PublishedRubric]) -> list[VersionCard]:
    """Newest first; each line says whether it changed from the version listed after it."""
    cards = []
    for i, published in enumerate(versions):
        lines = rubric_lines(published.rubric)
        if i + 1 < len(versions):
            before = {line.key: line.items for line in rubric_lines(versions[i + 1].rubric)}
            lines = [
                RubricLine(line.key, line.label, line.items, before.get(line.key) != line.items)
                for line in lines
            ]
        cards.append(VersionCard(published, lines, in_force=i == 0))
    return cards


@login_required
@require_GET
def rubrics(request: StaffRequest) -> HttpResponse:
    access.require_network(request.user, Capability.MANAGE_RUBRIC)
    return render(request, "staff/rubrics.html", {"cards": _cards(published_versions())})


@login_required
@require_http_methods(["GET", "POST"])
def new_rubric(request: StaffRequest) -> HttpResponse:
    access.require_network(request.user, Capability.MANAGE_RUBRIC)
    in_force = current_rubric()
    form = RubricForm(
        request.POST if request.method == "POST" else None,
        rubric=in_force,
        version=suggested_version(),
    )
    if form.is_valid():
        try:
            row = publish_rubric(form.definition(), form.cleaned_data["note"], actor=request.user)
        except RubricError as exc:
            form.add_error(None, str(exc.message))
        else:
            if outdated_pending():
                text = _(
                    "Version %(version)s published: it scores new applications. Many "
                    "applications are waiting: some are still scored under an older version "
                    "until tonight's re-scoring job (or manage.py rescore_pending) has run."
                )
            else:
                text = _(
                    "Version %(version)s published: it scores new applications, and every "
                    "application waiting for a decision or a bed was re-scored under it."
                )
            messages.success(request, text % {"version": row.version})
            return redirect("staff:rubrics")
    return render(request, "staff/rubric_new.html", {"form": form, "in_force": in_force})
