"""The legal-stay clock of a person, and the workflows that change what it is computed from.

The clock of a person is computed in the country of their latest entry, from their crossings
there and the residence permits and visas that country issued them (periods under those pause
the visa-free count; see ``haven.rules.stay_engine``).

Recording a crossing or a document runs in one transaction that also recomputes the stored
clock (``ResidentClock``) and, for an entry, creates the entry's dated duties
(``ResidentTask``); the audit entry is written last.  ``refresh_clocks`` and ``sync_duties`` are
what the daily job runs (``manage.py refresh_clocks``, docs/jobs.md); both are idempotent.
"""

from __future__ import annotations

import json
import logging
import threading
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from haven.core.models import (
    BorderCrossing,
    ClockStatus,
    HostCountry,
    Person,
    ResidentClock,
    ResidentDocument,
    ResidentTask,
    Stay,
    StayRuleSet,
)
from haven.core.services import audit
from haven.rules.stay_clock import (
    DEFAULT_RULE_DATA,
    ClockResult,
    DutyRule,
    Presence,
    RuleData,
    StayDataError,
    compute_clock,
    duties_for,
    load_rule_data,
    rule_by_id,
    rules_for,
)

BATCH_SIZE = 500

logger = logging.getLogger(__name__)


# ------------------------------------------------------------------------------------------
# The rules in force


@dataclass(frozen=True)
class RulesInForce:
    """The stay rules clocks are computed with: the newest ``StayRuleSet``, else the data
    shipped with Haven (``rule_set`` None)."""

    data: RuleData
    rule_set_id: int | None = None
    version: int | None = None

    @property
    def duty_rules(self) -> Mapping[str, DutyRule]:
        return {duty.id: duty for duty in self.data.duties}


BUILT_IN_RULES = RulesInForce(DEFAULT_RULE_DATA)

# The parsed rule set of this process, keyed by the StayRuleSet pk (parsed once, not per
# request); a newer set published by any process is seen at the next lookup.  Saving or
# deleting a set in this process also empties it (a pk can come back after a rollback).
_parsed: dict[int, RulesInForce] = {}
_parsed_lock = threading.Lock()


@receiver(post_save, sender=StayRuleSet, dispatch_uid="legal.forget_parsed_rules.save")
@receiver(post_delete, sender=StayRuleSet, dispatch_uid="legal.forget_parsed_rules.delete")
def _forget_parsed_rules(**_kwargs: object) -> None:
    with _parsed_lock:
        _parsed.clear()


def rules_in_force() -> RulesInForce:
    """The rules in force now (one query for the newest set's pk; parsed once per process).

    A stored set that no longer passes ``load_rule_data`` (stricter checks after an upgrade)
    is logged and the data shipped with Haven is used instead.
    """
    newest = StayRuleSet.objects.order_by("-version").values_list("pk", "version").first()
    if newest is None:
        return BUILT_IN_RULES
    pk, version = newest
    cached = _parsed.get(pk)
    if cached is not None:
        return cached
    document = StayRuleSet.objects.values_list("document", flat=True).get(pk=pk)
    try:
        parsed = RulesInForce(load_rule_data(json.dumps(document)), pk, version)
    except StayDataError:
        logger.exception("stay rule set v%s does not load: using the built-in rules", version)
        parsed = BUILT_IN_RULES
    with _parsed_lock:
        _parsed.clear()  # only the newest set is needed
        _parsed[pk] = parsed
    return parsed


class LegalRecordError(Exception):
    """A crossing or document could not be recorded; ``message`` is for the user."""

    def __init__(self, message: str | Promise) -> None:
        super().__init__(message)
        self.message = message


def local_today(country: HostCountry | None) -> date:
    """Today where ``country`` is (legal days are counted there); UTC without a country."""
    if country is None:
        return timezone.localdate(timezone=zoneinfo.ZoneInfo("UTC"))
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(country.timezone))


# ------------------------------------------------------------------------------------------
# Computing clocks


def clock_for_presence(
    host: str,
    nationality: str,
    document: str,
    presence: list[Presence],
    on: date,
    *,
    pauses: Sequence[Presence] = (),
    rules: RulesInForce | None = None,
) -> ClockResult:
    """Clock in ``host``; without researched rules the answer is ``needs_check``, never a date.

    ``rules`` defaults to ``rules_in_force()`` (one query).
    """
    data = (rules or rules_in_force()).data
    return compute_clock(
        presence, on, rules_for(host, nationality, document, data=data), pauses=pauses
    )


@dataclass(frozen=True)
class PersonClock:
    """A person's clock on ``on`` and what it rests on.

    ``result`` is None with no crossing recorded, or when the crossings contradict each other
    (``conflict``); either way there is no date: a caseworker must look.
    """

    result: ClockResult | None
    country: HostCountry | None
    present: bool
    conflict: bool
    on: date
    rules: RulesInForce = BUILT_IN_RULES

    @property
    def status(self) -> str:
        return self.result.status if self.result is not None else ClockStatus.NEEDS_CHECK

    @property
    def reason(self) -> str:
        if self.conflict:
            return ResidentClock.Reason.CONFLICT
        if self.country is None:
            return ResidentClock.Reason.NO_CROSSING
        return ResidentClock.Reason.NONE

    @property
    def needs_review(self) -> bool:
        """Whether a rule behind the date still needs a lawyer's review."""
        if self.result is None:
            return False
        return any(_rule_needs_review(rule_id, self.rules) for rule_id in self.result.rule_ids)

    def as_row(self, person_id: int) -> ResidentClock:
        result = self.result
        return ResidentClock(
            person_id=person_id,
            country=self.country,
            status=self.status,
            reason=self.reason,
            last_legal_day=result.last_legal_day if result else None,
            days_left=result.days_left if result else None,
            present=self.present,
            rule_ids=list(result.rule_ids) if result else [],
            needs_review=self.needs_review,
            computed_on=self.on,
            refreshed_at=timezone.now(),
        )


def _rule_needs_review(rule_id: str, rules: RulesInForce) -> bool:
    try:
        return rule_by_id(rule_id, data=rules.data).needs_review
    except KeyError:  # not a rule in force: Haven cannot vouch for it
        return True


def evaluate_clock(
    nationality: str,
    crossings: Sequence[BorderCrossing],
    documents: Sequence[ResidentDocument],
    on: date | None = None,
    *,
    rules: RulesInForce | None = None,
) -> PersonClock:
    """The clock from these crossings (with ``country`` loaded) and documents; no queries but
    the one of ``rules_in_force()`` when ``rules`` is not given.

    ``on`` defaults to today in the country of the latest entry.  The document of the latest
    entry selects the rules; the permits and visas of that country pause the count.
    """
    if not crossings:
        return PersonClock(None, None, False, False, on or local_today(None))
    rules = rules or rules_in_force()
    ordered = sorted(crossings, key=lambda crossing: (crossing.entered_on, crossing.pk or 0))
    latest = ordered[-1]
    day = on or local_today(latest.country)
    present = latest.exited_on is None
    presence = [
        Presence(c.entered_on, c.exited_on) for c in ordered if c.country_id == latest.country_id
    ]
    pauses = [
        Presence(*period)
        for document in documents
        if document.country_id == latest.country_id
        and (period := document.pause_period()) is not None
    ]
    try:
        result = clock_for_presence(
            latest.country.code,
            nationality,
            latest.document,
            presence,
            day,
            pauses=pauses,
            rules=rules,
        )
    except StayDataError:
        # The crossings contradict each other (e.g. two without an exit): no date can be
        # trusted until a caseworker corrects them.
        return PersonClock(None, latest.country, present, True, day, rules)
    return PersonClock(result, latest.country, present, False, day, rules)


def clock_for(person: Person, on: date) -> ClockResult | None:
    """Clock in the country of the person's latest entry; ``None`` with no crossing recorded.

    Residence permits and visas recorded as documents pause the count (a latest entry on a
    permit or visa with none recorded gets ``needs_check``).  Raises ``StayDataError`` when the
    crossings contradict each other.
    """
    crossings = list(BorderCrossing.objects.filter(person=person).select_related("country"))
    if not crossings:
        return None
    documents = list(ResidentDocument.objects.filter(person=person).defer("note"))
    clock = evaluate_clock(person.nationality, crossings, documents, on)
    if clock.conflict:
        raise StayDataError("the recorded border crossings contradict each other")
    return clock.result


def evaluate_clocks(
    people: Iterable[Person], today: Mapping[int | None, date] | None = None
) -> dict[int, PersonClock]:
    """Clocks of many people in three queries (crossings, documents, rules in force), by pk.

    ``today`` maps a host country pk (None: no crossing) to the day to count on; missing
    countries count on today there.
    """
    people = list(people)
    ids = [person.pk for person in people]
    crossings: dict[int, list[BorderCrossing]] = defaultdict(list)
    for crossing in BorderCrossing.objects.filter(person_id__in=ids).select_related("country"):
        crossings[crossing.person_id].append(crossing)
    documents: dict[int, list[ResidentDocument]] = defaultdict(list)
    pausing = ResidentDocument.objects.filter(
        person_id__in=ids, kind__in=ResidentDocument.PAUSING_KINDS
    ).defer("note")
    for document in pausing:
        documents[document.person_id].append(document)
    rules = rules_in_force()
    clocks = {}
    for person in people:
        own = crossings[person.pk]
        country_id = max(own, key=lambda c: (c.entered_on, c.pk)).country_id if own else None
        on = (today or {}).get(country_id)
        clocks[person.pk] = evaluate_clock(
            person.nationality, own, documents[person.pk], on, rules=rules
        )
    return clocks


# ------------------------------------------------------------------------------------------
# Keeping the stored clocks and the duties in step

_CLOCK_FIELDS = (
    "country",
    "status",
    "reason",
    "last_legal_day",
    "days_left",
    "present",
    "rule_ids",
    "needs_review",
    "computed_on",
)


def _same(row: ResidentClock, other: ResidentClock) -> bool:
    return all(
        getattr(row, name if name != "country" else "country_id")
        == getattr(other, name if name != "country" else "country_id")
        for name in _CLOCK_FIELDS
    )


@dataclass(frozen=True)
class RefreshReport:
    examined: int
    changed: int


def refresh_clocks(person_ids: Iterable[int]) -> RefreshReport:
    """Recompute and store the clocks of these people (today in each one's host country).

    Writes only rows that changed, in batches of ``BATCH_SIZE`` (an upsert, so a concurrent
    refresh of the same person cannot fail).  Idempotent.
    """
    ids = sorted(set(person_ids))
    examined = changed = 0
    for start in range(0, len(ids), BATCH_SIZE):
        batch = ids[start : start + BATCH_SIZE]
        people = Person.objects.filter(pk__in=batch).only("pk", "nationality")
        stored = {row.person_id: row for row in ResidentClock.objects.filter(person_id__in=batch)}
        rows = [clock.as_row(pk) for pk, clock in evaluate_clocks(people).items()]
        writes = [
            row
            for row in rows
            if row.person_id not in stored or not _same(row, stored[row.person_id])
        ]
        if writes:
            ResidentClock.objects.bulk_create(
                writes,
                update_conflicts=True,
                unique_fields=["person"],
                update_fields=[*_CLOCK_FIELDS, "refreshed_at"],
            )
        examined += len(rows)
        changed += len(writes)
    return RefreshReport(examined, changed)


def resident_status(status: str, present: bool) -> str:
    """The clock status to show for someone in a shelter bed now.

    A resident whose latest recorded crossing is an exit has a clock as it stood on that exit
    day; since they are in a bed, a return is missing from the records: no date to trust.
    """
    if status == ClockStatus.OK and not present:
        return ClockStatus.NEEDS_CHECK
    return status


def current_resident_ids() -> list[int]:
    """People with an open stay (in a bed now)."""
    return list(Stay.objects.active().heads().values_list("person_id", flat=True))


def sync_duties(person_ids: Iterable[int]) -> int:
    """Create the missing duties for the open entries (no exit yet) of these people.

    A duty exists once per person, duty and entry day, so this is idempotent; done tasks stay
    done.  Entries of stays that ended are left alone: their duties are moot.  Returns the
    number of tasks created.
    """
    ids = sorted(set(person_ids))
    created = 0
    rules = rules_in_force() if ids else BUILT_IN_RULES
    for start in range(0, len(ids), BATCH_SIZE):
        batch = ids[start : start + BATCH_SIZE]
        open_entries = BorderCrossing.objects.filter(
            person_id__in=batch, exited_on__isnull=True
        ).select_related("country", "person")
        wanted = [task for crossing in open_entries for task in _tasks_for(crossing, rules)]
        existing = set(
            ResidentTask.objects.filter(person_id__in=batch).values_list(
                "person_id", "duty_id", "trigger_date"
            )
        )
        missing = [
            task
            for task in wanted
            if (task.person_id, task.duty_id, task.trigger_date) not in existing
        ]
        ResidentTask.objects.bulk_create(missing, ignore_conflicts=True)
        created += len(missing)
    return created


def _tasks_for(crossing: BorderCrossing, rules: RulesInForce) -> list[ResidentTask]:
    tasks = []
    by_id = rules.duty_rules
    for duty in duties_for(
        crossing.country.code,
        crossing.person.nationality,
        [crossing.entered_on],
        duty_rules=rules.data.duties,
    ):
        rule = by_id.get(duty.duty_id)
        tasks.append(
            ResidentTask(
                person_id=crossing.person_id,
                duty_id=duty.duty_id,
                trigger_date=crossing.entered_on,
                due_date=duty.due_date,
                description_key=duty.description_key,
                condition=(rule.condition or "") if rule else "",
                source_url=duty.source.url[:500],
                source_title=duty.source.title[:300],
            )
        )
    return tasks


# ------------------------------------------------------------------------------------------
# Workflows: crossings


def _locked(person: Person) -> Person:
    """Lock the person row: one change to their crossings or documents at a time."""
    return Person.objects.select_for_update(no_key=True).get(pk=person.pk)


def _not_in_future(day: date, country: HostCountry) -> None:
    if day > local_today(country):
        raise LegalRecordError(_("This date is in the future."))


def record_crossing(
    person: Person,
    *,
    country: HostCountry,
    entered_on: date,
    document: str,
    exited_on: date | None = None,
    actor: User,
) -> BorderCrossing:
    """Record an entry into ``country`` (and the exit, for a stay that already ended).

    Refused when it overlaps a recorded stay: a person is in one country at a time, though
    leaving one and entering another on the same day is fine.  Creates the entry's duties when
    the person is still there, and recomputes the stored clock.
    """
    if document not in BorderCrossing.Document.values:
        raise LegalRecordError(_("Choose a document from the list."))
    if exited_on is not None and exited_on < entered_on:
        raise LegalRecordError(_("They cannot leave before they entered."))
    _not_in_future(entered_on, country)
    if exited_on is not None:
        _not_in_future(exited_on, country)
    with transaction.atomic():
        locked = _locked(person)
        for other in BorderCrossing.objects.filter(person=locked).order_by("entered_on"):
            _refuse_overlap(other, entered_on, exited_on)
        crossing = BorderCrossing.objects.create(
            person=locked,
            country=country,
            entered_on=entered_on,
            exited_on=exited_on,
            document=document,
        )
        # Only open entries (the person is there now) have duties to do.
        tasks = sync_duties([locked.pk])
        refresh_clocks([locked.pk])
        audit.record(
            "resident.crossing.recorded",
            crossing,
            actor=actor,
            person=str(locked.public_id),
            country=country.code,
            entered_on=entered_on,
            exited_on=exited_on,
            document=document,
            tasks_created=tasks,
        )
    return crossing


def _refuse_overlap(other: BorderCrossing, entered_on: date, exited_on: date | None) -> None:
    if other.exited_on is None and entered_on >= other.entered_on:
        raise LegalRecordError(
            _("They have an entry on %(day)s with no exit: record when they left first.")
            % {"day": other.entered_on.isoformat()}
        )
    other_end = other.exited_on or date.max
    new_end = exited_on or date.max
    if entered_on == other.entered_on or (entered_on < other_end and other.entered_on < new_end):
        raise LegalRecordError(
            _("This overlaps a recorded stay from %(start)s to %(end)s.")
            % {
                "start": other.entered_on.isoformat(),
                "end": other.exited_on.isoformat() if other.exited_on else "…",
            }
        )


def record_exit(person: Person, *, exited_on: date, actor: User) -> BorderCrossing:
    """Record the day the person left the country of their open entry."""
    with transaction.atomic():
        locked = _locked(person)
        open_entries = list(
            BorderCrossing.objects.filter(person=locked, exited_on__isnull=True)
            .select_related("country")
            .order_by("entered_on")
        )
        if not open_entries:
            raise LegalRecordError(_("No entry without an exit is recorded."))
        if len(open_entries) > 1:
            raise LegalRecordError(
                _("Several entries have no exit: a caseworker must correct them first.")
            )
        crossing = open_entries[0]
        if exited_on < crossing.entered_on:
            raise LegalRecordError(_("They cannot leave before they entered."))
        _not_in_future(exited_on, crossing.country)
        later = BorderCrossing.objects.filter(person=locked, entered_on__gt=crossing.entered_on)
        if later.filter(entered_on__lt=exited_on).exists():
            raise LegalRecordError(_("A later entry is recorded before this exit day."))
        crossing.exited_on = exited_on
        crossing.save(update_fields=["exited_on"])
        refresh_clocks([locked.pk])
        audit.record(
            "resident.crossing.exit_recorded",
            crossing,
            actor=actor,
            person=str(locked.public_id),
            country=crossing.country.code,
            exited_on=exited_on,
        )
    return crossing


# ------------------------------------------------------------------------------------------
# Workflows: documents


@dataclass(frozen=True)
class DocumentFacts:
    """What staff record about a document (never its number)."""

    status: str
    country: HostCountry | None
    valid_from: date | None
    valid_to: date | None
    note: str = ""


def _check_document(kind: str, facts: DocumentFacts) -> None:
    if kind not in ResidentDocument.Kind.values:
        raise LegalRecordError(_("Choose a kind of document from the list."))
    if facts.status not in ResidentDocument.Status.values:
        raise LegalRecordError(_("Choose a status from the list."))
    if facts.valid_from and facts.valid_to and facts.valid_to < facts.valid_from:
        raise LegalRecordError(_("The document cannot expire before it is valid."))
    pausing = kind in ResidentDocument.PAUSING_KINDS
    if pausing and facts.status == ResidentDocument.Status.ISSUED:
        if facts.country is None:
            raise LegalRecordError(_("Say which country issued the permit or visa."))
        if facts.valid_from is None:
            raise LegalRecordError(_("Give the first day the permit or visa is valid."))


def _audit_document(action: str, document: ResidentDocument, actor: User) -> None:
    # Kind, status and dates only: the note stays out of the log.
    audit.record(
        action,
        document,
        actor=actor,
        person=str(document.person.public_id),
        kind=document.kind,
        status=document.status,
        country=document.country.code if document.country else None,
        valid_from=document.valid_from,
        valid_to=document.valid_to,
    )


def record_document(
    person: Person, kind: str, facts: DocumentFacts, *, actor: User
) -> ResidentDocument:
    """Record a document the person holds or applied for; recomputes the stored clock."""
    _check_document(kind, facts)
    with transaction.atomic():
        locked = _locked(person)
        document = ResidentDocument.objects.create(
            person=locked,
            kind=kind,
            status=facts.status,
            country=facts.country,
            valid_from=facts.valid_from,
            valid_to=facts.valid_to,
            note=facts.note,
            created_by=actor,
        )
        refresh_clocks([locked.pk])
        _audit_document("resident.document.recorded", document, actor)
    return document


def update_document(
    document: ResidentDocument, facts: DocumentFacts, *, actor: User
) -> ResidentDocument:
    """Change a document's status, issuer, dates or note (e.g. a passport applied for is
    issued); recomputes the stored clock."""
    _check_document(document.kind, facts)
    with transaction.atomic():
        _locked(document.person)
        locked = ResidentDocument.objects.select_for_update(no_key=True).get(pk=document.pk)
        locked.status = facts.status
        locked.country = facts.country
        locked.valid_from = facts.valid_from
        locked.valid_to = facts.valid_to
        locked.note = facts.note
        locked.save(update_fields=["status", "country", "valid_from", "valid_to", "note"])
        refresh_clocks([locked.person_id])
        _audit_document("resident.document.updated", locked, actor)
    return locked


def remove_document(document: ResidentDocument, *, actor: User) -> None:
    """Delete a document recorded by mistake; recomputes the stored clock."""
    with transaction.atomic():
        person = _locked(document.person)
        ResidentDocument.objects.filter(pk=document.pk).delete()
        refresh_clocks([person.pk])
        audit.record(
            "resident.document.removed",
            document,
            actor=actor,
            person=str(person.public_id),
            kind=document.kind,
        )


# ------------------------------------------------------------------------------------------
# Workflows: tasks


def complete_task(task: ResidentTask, *, actor: User) -> ResidentTask:
    """Tick a task done; ticking a done task again changes nothing."""
    with transaction.atomic():
        locked = (
            ResidentTask.objects.select_for_update(no_key=True)
            .select_related("person")
            .get(pk=task.pk)
        )
        if locked.done_at is not None:
            return locked
        locked.done_at = timezone.now()
        locked.done_by = actor
        locked.save(update_fields=["done_at", "done_by"])
        audit.record(
            "resident.task.done",
            locked,
            actor=actor,
            person=str(locked.person.public_id),
            duty=locked.duty_id,
            due_date=locked.due_date,
        )
    return locked
