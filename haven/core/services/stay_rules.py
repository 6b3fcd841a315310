"""Publishing new versions of the legal-stay rules (admins, without a deploy).

A version is a ``StayRuleSet``: the full rule data in the JSON format of
``haven/rules/data/stay_rules.json``, checked with ``haven.rules.stay_rules.load_rule_data``
before it is saved.  It is never edited: a change is a new version.  The newest version is in
force (``legal.rules_in_force``); without any, the data shipped with Haven is.  Publishing
recomputes the stored clocks of every current resident once the change is committed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from haven.core.models import StayRuleSet
from haven.core.services import audit
from haven.core.services.legal import (
    current_resident_ids,
    refresh_clocks,
    rules_in_force,
)
from haven.rules.stay_clock import DEFAULT_RULE_DATA, RuleData, StayDataError, load_rule_data


class StayRulesError(Exception):
    """Rules could not be published; ``message`` is for the user, ``detail`` (the checker's
    own words, in English) says what is wrong in the data."""

    def __init__(self, message: str | Promise, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


@dataclass(frozen=True)
class PublishedStayRules:
    """A version as the rules page lists it; ``row`` is None for the built-in data."""

    data: RuleData
    row: StayRuleSet | None


def built_in_text() -> str:
    """The rule data shipped with Haven, as the JSON text of its file."""
    return (
        resources.files("haven.rules").joinpath("data/stay_rules.json").read_text(encoding="utf-8")
    )


def document_text(document: Any) -> str:
    """A stored rule document as text to edit."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def text_in_force() -> str:
    """The JSON text of the rules in force, to prefill the edit form."""
    newest = StayRuleSet.objects.order_by("-version").only("document").first()
    return built_in_text() if newest is None else document_text(newest.document)


def published_versions() -> list[PublishedStayRules]:
    """Every version, newest (the one in force) first; the built-in data is the oldest.

    A stored version that no longer loads is listed without rules.
    """
    versions = []
    for row in StayRuleSet.objects.select_related("created_by").order_by("-version"):
        try:
            data = load_rule_data(json.dumps(row.document))
        except StayDataError:
            data = RuleData(None, (), (), ())
        versions.append(PublishedStayRules(data, row))
    versions.append(PublishedStayRules(DEFAULT_RULE_DATA, None))
    return versions


def publish_stay_rules(text: str, note: str, *, actor: User) -> StayRuleSet:
    """Publish ``text`` (rule data as JSON) as the stay rules in force.

    Refuses (``StayRulesError``, nothing saved) an empty note, text that is not rule data
    ``load_rule_data`` accepts, and rules identical to those in force.  Writes
    ``stay_rules.published`` to the audit log, last in the transaction.  On commit, recomputes
    the stored clocks of every current resident (``refresh_clocks``).
    """
    note = note.strip()
    if not note:
        raise StayRulesError(_("Say what changed and why."))
    try:
        data = load_rule_data(text)
    except StayDataError as error:
        raise StayRulesError(
            _("These rules were not saved: the rule data is not valid."), str(error)
        ) from None
    document = json.loads(text)
    busy = _("Another admin published rules a moment ago: reload the page and try again.")
    with transaction.atomic():
        previous = rules_in_force()
        newest = StayRuleSet.objects.order_by("-version").only("document").first()
        current = json.loads(built_in_text()) if newest is None else newest.document
        if document == current:
            raise StayRulesError(_("These are the rules in force already: change something."))
        version = (StayRuleSet.objects.aggregate(top=Max("version"))["top"] or 0) + 1
        try:
            with transaction.atomic():
                row = StayRuleSet.objects.create(
                    version=version, document=document, note=note, created_by=actor
                )
        except IntegrityError:
            raise StayRulesError(busy) from None
        audit.record(
            "stay_rules.published",
            row,
            actor=actor,
            version=version,
            previous=previous.version,
            stay_rules=len(data.stay_rules),
            entry_documents=len(data.entry_documents),
            duties=len(data.duties),
        )
        transaction.on_commit(_refresh_current_residents, robust=True)
    return row


def _refresh_current_residents() -> None:
    refresh_clocks(current_resident_ids())
