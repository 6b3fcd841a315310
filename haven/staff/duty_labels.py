"""Words for the duties of the stay rules (``ResidentTask.description_key``), as staff read them.

One label per duty that creates a task in ``haven/rules/data/stay_rules.json`` (a test keeps
the two in step); a key without a label shows the duty's obligation from the rule data.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from haven.rules.stay_clock import DUTY_RULES

DUTY_LABELS: Mapping[str, Promise] = {
    "stay_duty.kz-ru-host-notification": _(
        "The host notifies the authorities of the arrival (eQonaq portal, visa-migration "
        "portal or migration office)"
    ),
    "stay_duty.kz-ru-trp-application-deadline": _(
        "Apply for a temporary residence permit if staying longer than 90 days"
    ),
    "stay_duty.kz-asylum-claim-deadline": _(
        "Claim asylum with the police migration service (24 hours after an irregular crossing)"
    ),
    "stay_duty.kg-ru-registration": _("Register if staying longer than 30 days"),
    "stay_duty.ge-health-insurance": _(
        "Health and accident insurance for the whole stay, needed at the border"
    ),
    "stay_duty.uz-ru-registration": _(
        "Temporary registration (hotel, guest house or internal affairs) if staying longer "
        "than 15 days"
    ),
    "stay_duty.rs-registration": _("Register the address (white card) within 24 hours"),
    "stay_duty.me-registration": _("Register the place of stay within 24 hours"),
    "stay_duty.mn-registration": _("Register if staying longer than 30 days"),
    "stay_duty.mn-host-arrival-registration": _(
        "The host registers the arrival online within 48 hours"
    ),
}

CONDITION_LABELS: Mapping[str, Promise] = {
    "asylum_claim": _("only if they claim asylum"),
}

_OBLIGATIONS = {
    duty.description_key: duty.obligation.replace("_", " ")
    for duties in DUTY_RULES.values()
    for duty in duties
}


def duty_label(description_key: str) -> str:
    label = DUTY_LABELS.get(description_key)
    if label is not None:
        return str(label)
    return _OBLIGATIONS.get(description_key, description_key)


def condition_label(condition: str) -> str:
    label = CONDITION_LABELS.get(condition)
    return str(label) if label is not None else condition.replace("_", " ")
