"""The legal-stay rules: every published version with each host's rules, and editing them.

Needs ``can_manage_stay_rules`` network-wide (network admins). Sources are shown as text, not
links: staff pages never reference another host. Publishing goes through
``publish_stay_rules``, which checks the data strictly and recomputes the residents' clocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from haven.accounts import access
from haven.accounts.models import Capability
from haven.core.services.stay_rules import (
    PublishedStayRules,
    StayRulesError,
    publish_stay_rules,
    published_versions,
    text_in_force,
)
from haven.rules.stay_clock import StayRule
from haven.staff.views.common import StaffRequest

MAX_DOCUMENT_LENGTH = 2_000_000

SHAPE_LABELS: dict[str, Promise] = {
    "fixed": gettext_lazy("fixed days per entry"),
    "rolling": gettext_lazy("rolling window"),
    "both": gettext_lazy("per entry and rolling window"),
    "unclear": gettext_lazy("unclear: no date, a caseworker checks"),
    "unknown": gettext_lazy("unknown: no date, a caseworker checks"),
}


class StayRulesForm(forms.Form):
    document = forms.CharField(
        label=gettext_lazy("Rules (JSON)"),
        max_length=MAX_DOCUMENT_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 30, "cols": 100, "spellcheck": "false"}),
        help_text=gettext_lazy(
            "The whole rule data, in the format of the file shipped with Haven. It is checked "
            "before anything is saved."
        ),
    )
    note = forms.CharField(
        label=gettext_lazy("What changed and why"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@dataclass(frozen=True)
class RuleLine:
    rule: StayRule
    shape: Promise | str
    limits: str
    effective: str
    documents: str
    confidence: str
    needs_review: bool
    sources: tuple[str, ...]


@dataclass(frozen=True)
class HostRules:
    host: str
    lines: list[RuleLine]


@dataclass(frozen=True)
class RulesCard:
    published: PublishedStayRules
    hosts: list[HostRules]
    in_force: bool


def _limits(rule: StayRule) -> str:
    parts = []
    if rule.per_stay_days is not None:
        parts.append(_("%(days)s days per entry") % {"days": rule.per_stay_days})
    if rule.window_days is not None and rule.window_limit is not None:
        parts.append(
            _("%(limit)s days in any %(window)s")
            % {"limit": rule.window_limit, "window": rule.window_days}
        )
    return "; ".join(parts) or "—"


def _day(day: date | None) -> str:
    return day.isoformat() if day else "…"


def rule_line(rule: StayRule) -> RuleLine:
    provenance = rule.provenance
    sources = tuple(
        " · ".join(part for part in (s.publisher, s.title, s.date or "", s.url) if part)
        for s in (provenance.sources if provenance else ())
    )
    return RuleLine(
        rule=rule,
        shape=SHAPE_LABELS.get(rule.shape, rule.shape),
        limits=_limits(rule),
        effective=f"{_day(rule.effective_from)} \N{EN DASH} {_day(rule.effective_to)}",
        documents=", ".join(sorted(rule.documents)) or "—",
        confidence=provenance.confidence if provenance else "—",
        needs_review=rule.needs_review,
        sources=sources,
    )


def _hosts(published: PublishedStayRules) -> list[HostRules]:
    by_host: dict[str, list[RuleLine]] = {}
    for (host, _nationality), rules in sorted(published.data.rule_sets().items()):
        by_host.setdefault(host, []).extend(rule_line(rule) for rule in rules)
    return [HostRules(host, lines) for host, lines in by_host.items()]


@login_required
@require_GET
def stay_rules(request: StaffRequest) -> HttpResponse:
    access.require_network(request.user, Capability.MANAGE_STAY_RULES)
    cards = [
        RulesCard(published, _hosts(published), in_force=i == 0)
        for i, published in enumerate(published_versions())
    ]
    return render(request, "staff/stay_rules.html", {"cards": cards})


@login_required
@require_http_methods(["GET", "POST"])
def edit_stay_rules(request: StaffRequest) -> HttpResponse:
    access.require_network(request.user, Capability.MANAGE_STAY_RULES)
    if request.method == "POST":
        form = StayRulesForm(request.POST)
    else:
        form = StayRulesForm(initial={"document": text_in_force()})
    detail = ""
    if form.is_valid():
        try:
            row = publish_stay_rules(
                form.cleaned_data["document"], form.cleaned_data["note"], actor=request.user
            )
        except StayRulesError as exc:
            form.add_error(None, str(exc.message))
            detail = exc.detail
        else:
            messages.success(
                request,
                _(
                    "Version %(version)s of the stay rules is in force. The stored clocks of "
                    "the current residents are recomputed with it."
                )
                % {"version": row.version},
            )
            return redirect("staff:stay_rules")
    return render(request, "staff/stay_rules_edit.html", {"form": form, "detail": detail})
