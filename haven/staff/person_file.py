"""The text of a shared file: plain UTF-8 text any recipient can read, print or forward.

Labels are in the language of the page the file was made from. Only the sections in the
``PersonFile`` are written; notes, room and bed, staff names and Haven's own assessments
never are.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from haven.core.services.consent import ANSWERS, LEGAL, PERSON, STAYS, PersonFile
from haven.staff.labels import answer_lines

SECTION_TITLES: dict[str, Promise] = {
    PERSON: gettext_lazy("who they are and how to reach them"),
    ANSWERS: gettext_lazy("their answers in the application"),
    LEGAL: gettext_lazy("border crossings, documents and the legal-stay clock"),
    STAYS: gettext_lazy("their stays in Haven's shelters"),
}


def _day(day: date | None) -> str:
    return date_format(day, "DATE_FORMAT") if day else "—"


def _row(label: object, value: object) -> str:
    # Answers in the person's words may run over several lines: indent the rest.
    text = str(value if value not in (None, "") else "—").replace("\n", "\n    ")
    return f"{label}: {text}"


def _heading(title: object) -> list[str]:
    text = capfirst(str(title))
    return ["", text, "=" * len(text)]


def _person(person_file: PersonFile) -> Iterable[str]:
    person, application = person_file.person, person_file.application
    yield _row(_("Name"), person.display_name)
    yield _row(_("Gender"), person.get_gender_display())
    yield _row(_("Year of birth"), person.birth_year)
    yield _row(_("Citizenship"), person.nationality)
    yield _row(_("Contact"), person.contact)
    if application is not None:
        yield _row(_("Host country"), application.host_country.name)
        yield _row(_("City"), application.city)


def _answers(person_file: PersonFile) -> Iterable[str]:
    for line in answer_lines(person_file.answers):
        yield _row(line.label, line.value)


def _clock(person_file: PersonFile) -> str:
    result = person_file.clock.result if person_file.clock else None
    if result is None or result.status == "needs_check" or result.days_left is None:
        return _("no date Haven can stand by: a caseworker must check")
    if result.status == "overstay":
        return _("overstay: the last legal day was %(day)s") % {"day": _day(result.last_legal_day)}
    return ngettext(
        "last legal day %(day)s (%(count)s day left)",
        "last legal day %(day)s (%(count)s days left)",
        result.days_left,
    ) % {"day": _day(result.last_legal_day), "count": result.days_left}


def _legal(person_file: PersonFile) -> Iterable[str]:
    yield _row(_("Legal stay"), _clock(person_file))
    yield _("Border crossings:")
    for crossing in person_file.crossings:
        values = {
            "country": crossing.country.name,
            "entered": _day(crossing.entered_on),
            "left": _day(crossing.exited_on),
            "document": crossing.get_document_display(),
        }
        if crossing.exited_on is None:
            text = _("%(country)s: entered %(entered)s, still there (%(document)s)") % values
        else:
            text = _("%(country)s: entered %(entered)s, left %(left)s (%(document)s)") % values
        yield "  - " + text
    if not person_file.crossings:
        yield "  - " + _("none recorded")
    yield _("Documents:")
    for document in person_file.documents:
        text = _("%(kind)s (%(status)s), %(country)s, valid %(start)s to %(end)s") % {
            "kind": document.get_kind_display(),
            "status": document.get_status_display(),
            "country": document.country.name if document.country else "—",
            "start": _day(document.valid_from),
            "end": _day(document.valid_to),
        }
        yield "  - " + capfirst(text)
    if not person_file.documents:
        yield "  - " + _("none recorded")


def _stays(person_file: PersonFile) -> Iterable[str]:
    for stay in person_file.stays:
        shelter = stay.bed.room.shelter
        yield "  - " + _("%(shelter)s, %(city)s: %(start)s to %(end)s") % {
            "shelter": shelter.name,
            "city": shelter.city,
            "start": _day(stay.check_in),
            "end": _day(stay.check_out) if stay.check_out else _("now"),
        }
    if not person_file.stays:
        yield "  - " + _("none")


WRITERS = {PERSON: _person, ANSWERS: _answers, LEGAL: _legal, STAYS: _stays}


def person_file_text(person_file: PersonFile, *, made_on: date) -> str:
    consent = person_file.consent
    recipient = consent.recipient or _("the person themselves")
    lines = [
        _("File from Haven about %(name)s") % {"name": person_file.person.display_name},
        _row(_("Shared with"), f"{capfirst(consent.get_scope_display())}: {recipient}"),
        _row(
            _("With the person's consent given on"),
            f"{_day(consent.given_on)} ({consent.get_method_display()})",
        ),
        _row(_("Consent reference"), consent.public_id),
        _row(_("Made on"), _day(made_on)),
        _("It holds only what the person agreed to share with the recipient named above."),
    ]
    for section in person_file.sections:
        lines += _heading(SECTION_TITLES[section])
        lines += WRITERS[section](person_file)
    return "\n".join(lines) + "\n"
