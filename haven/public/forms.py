"""The forms applicants fill in: the application and the status check.

Everything here is read by frightened people on small phones, often in Russian: labels say
plainly what is asked, every message is translated, and nothing is required that the service
does not need.
"""

from __future__ import annotations

import re
import time
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from haven.core.models import BorderCrossing, HostCountry, OriginRegion, Person, Shelter
from haven.core.services.applications import ApplicantAnswers
from haven.lib.form_copies import CheapCopies, FixedChoiceField, FixedTypedChoiceField
from haven.public.countries import country_name

# Entries before the war and the first wave of departures are out of scope.
FIRST_ENTRY_DAY = date(2022, 1, 1)
OLDEST_BIRTH_YEAR = 1920
MAX_DEPENDANTS = 20

# Bidirectional-text overrides and isolates make a name read differently on a reviewer's
# screen than it is stored; nobody types them on purpose.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# What PlainTextField refuses, as one search instead of a look-up per character (a story of
# 2,000 characters took 156 µs, 6 µs now): Unicode's control characters, category Cc, which is
# U+0000-U+001F and U+007F-U+009F, and the bidirectional controls. Multi-line text keeps
# line breaks and tabs.
_BIDI = "".join(sorted(BIDI_CONTROLS))
REFUSED_IN_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}]")
REFUSED_IN_TEXT = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")

REQUIRED = _("Please fill this in.")
CHOOSE_ONE = _("Please choose one of the options.")
TOO_LONG = ngettext_lazy(
    "Please make this shorter: at most %(limit_value)d character (now %(show_value)d).",
    "Please make this shorter: at most %(limit_value)d characters (now %(show_value)d).",
    "limit_value",
)
NOT_A_NUMBER = _("Please enter a number using digits only.")
FORM_UNREADABLE = _("This form could not be read. Please check your answers and send it again.")
TOO_MANY_ATTEMPTS = _(
    "Too many attempts from your connection or for this code. Please wait an hour and try again."
)
TOO_MANY_APPLICATIONS = _(
    "Too many applications were sent from your connection in the last minutes. Your answers "
    "are still in the form: please wait ten minutes and send it again."
)
OFFER_GONE = _(
    "This offer is no longer open: it was answered, taken back or its time ran out. You are "
    "still on the waiting list."
)
NOT_FOUND = _(
    "We could not find an application with this code and passphrase. Please check both and "
    "try again."
)

TEXT_ERRORS = {"required": REQUIRED, "max_length": TOO_LONG}
CHOICE_ERRORS = {"required": CHOOSE_ONE, "invalid_choice": CHOOSE_ONE}

# Browsers must neither remember these answers (a phone may be searched at a border) nor
# send them to a cloud spell checker.
PRIVATE_INPUT = {"autocomplete": "off", "spellcheck": "false"}

# How long the applicant's money lasts, as bands a person can answer without arithmetic;
# the value is the number of days the scoring rubric is given.
SAVINGS_CHOICES = [
    ("0", _("I have no money left")),
    ("3", _("Less than a week")),
    ("14", _("One to four weeks")),
    ("45", _("More than a month")),
]


def capitalised(choices: Any) -> list[tuple[str, str | Promise]]:
    """Model choice labels are lower case (they are used mid-sentence); options start upper."""
    return [(value, capfirst(label)) for value, label in choices]


class PlainTextField(forms.CharField):
    """Text as a person types it: trimmed, NFC-normalised, with no control characters.

    ``multiline`` allows line breaks and tabs (a textarea). Windows line breaks become ``\\n``
    first, so the length limit counts what the person sees, as the browser's counter does.
    """

    default_error_messages = {
        "control": _(
            "This text contains hidden control characters. Please type it again by hand "
            "instead of pasting it."
        ),
    }

    def __init__(self, *, multiline: bool = False, **kwargs: Any) -> None:
        self.multiline = multiline
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str | None:
        text = super().to_python(value)
        if not text:
            return text
        if self.multiline:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        text = unicodedata.normalize("NFC", text)
        if (REFUSED_IN_TEXT if self.multiline else REFUSED_IN_LINE).search(text):
            raise ValidationError(self.error_messages["control"], code="control")
        return text


def text_input(**attrs: str) -> forms.TextInput:
    return forms.TextInput(attrs={**PRIVATE_INPUT, **attrs})


def number_input(**attrs: str) -> forms.NumberInput:
    return forms.NumberInput(attrs={**PRIVATE_INPUT, "inputmode": "numeric", **attrs})


@dataclass(frozen=True)
class Fieldset:
    legend: str | Promise
    help_text: str | Promise
    fields: list[forms.BoundField]


# The countries the form offers (those with a shelter), kept per process for a short time:
# every form post and page load needs them, and they change when a shelter opens or closes.
# A change made in this process shows at once (the signals below), one made in another app
# server's process within COUNTRIES_SECONDS.
COUNTRIES_SECONDS = 30.0
_offered: tuple[float, dict[str, HostCountry]] | None = None


def offered_countries() -> dict[str, HostCountry]:
    """Host countries with at least one shelter, by code."""
    global _offered
    now = time.monotonic()
    if _offered is None or now - _offered[0] > COUNTRIES_SECONDS:
        countries = HostCountry.objects.filter(shelters__isnull=False).distinct()
        _offered = (now, {country.code: country for country in countries})
    return _offered[1]


@receiver([post_save, post_delete], sender=Shelter)
@receiver([post_save, post_delete], sender=HostCountry)
def forget_offered_countries(**kwargs: Any) -> None:
    global _offered
    _offered = None


class ApplicationForm(forms.Form, metaclass=CheapCopies):
    """The public application; :meth:`answers` turns it into what the service stores."""

    display_name = PlainTextField(
        label=_("Your name or nickname"),
        help_text=_("What should we call you? A first name or a nickname is enough."),
        max_length=60,
        error_messages=TEXT_ERRORS,
        widget=text_input(),
    )
    contact = PlainTextField(
        label=_("How can we contact you?"),
        help_text=_(
            "Telegram, Signal, a phone number or an email address: whatever is safe for you."
        ),
        max_length=200,
        error_messages=TEXT_ERRORS,
        widget=text_input(),
    )
    gender = FixedChoiceField(
        label=_("Gender"),
        choices=capitalised(Person.Gender.choices),
        error_messages=CHOICE_ERRORS,
        widget=forms.RadioSelect,
    )
    birth_year = forms.IntegerField(
        label=_("Year of birth"),
        help_text=_("If you prefer not to say, leave it empty."),
        required=False,
        min_value=OLDEST_BIRTH_YEAR,
        error_messages={
            "invalid": NOT_A_NUMBER,
            "min_value": _("Please check the year: it cannot be before %(limit_value)s."),
            "max_value": _("Please check the year: it cannot be after %(limit_value)s."),
        },
        widget=number_input(),
    )
    host_country = FixedChoiceField(
        label=_("Which country are you in now?"),
        help_text=_("Only countries where we have shelters are listed."),
        error_messages={
            "required": _("Please choose a country from the list."),
            "invalid_choice": _("Please choose a country from the list."),
        },
    )
    city = PlainTextField(
        label=_("Preferred city"),
        help_text=_("If you would rather live in a particular city. You can leave this empty."),
        required=False,
        max_length=100,
        error_messages=TEXT_ERRORS,
        widget=text_input(),
    )
    entered_on = forms.DateField(
        label=_("When did you enter this country?"),
        help_text=_(
            "The date of your latest entry. It tells us how many days you may legally stay."
        ),
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
        error_messages={
            "required": REQUIRED,
            "invalid": _("Please enter a date as day.month.year, for example 25.09.2022."),
        },
        widget=forms.DateInput(
            attrs={"type": "date", "min": FIRST_ENTRY_DAY.isoformat(), **PRIVATE_INPUT},
            format="%Y-%m-%d",
        ),
    )
    document = FixedChoiceField(
        label=_("Which document did you enter with?"),
        choices=capitalised(BorderCrossing.Document.choices),
        initial=BorderCrossing.Document.INTERNAL_PASSPORT,
        error_messages=CHOICE_ERRORS,
        widget=forms.RadioSelect,
    )
    dependants = forms.IntegerField(
        label=_("How many people who depend on you are with you?"),
        help_text=_("Children or other relatives you look after. Enter 0 if there is no one."),
        min_value=0,
        max_value=MAX_DEPENDANTS,
        initial=0,
        error_messages={
            "required": REQUIRED,
            "invalid": NOT_A_NUMBER,
            "min_value": _("The number cannot be negative."),
            "max_value": _(
                "Please enter at most %(limit_value)s; tell us about a larger family below."
            ),
        },
        widget=number_input(),
    )
    savings_days = FixedTypedChoiceField(
        label=_("How long will your money last?"),
        choices=SAVINGS_CHOICES,
        coerce=int,
        error_messages=CHOICE_ERRORS,
        widget=forms.RadioSelect,
    )
    no_income = forms.BooleanField(label=_("I have no income at the moment"), required=False)
    no_housing = forms.BooleanField(
        label=_("I have nowhere to live, or soon will have nowhere"), required=False
    )
    health_condition = forms.BooleanField(
        label=_("I or someone with me has a serious illness or a disability"), required=False
    )
    needs_accessible = forms.BooleanField(
        label=_("I or someone with me needs a bed without stairs (wheelchair, crutches)"),
        required=False,
    )
    protests = forms.BooleanField(
        label=_("Taking part in protests, pickets or other public actions"), required=False
    )
    opposition_member = forms.BooleanField(
        label=_("Membership of an opposition party, movement or organisation"), required=False
    )
    arrested = forms.BooleanField(
        label=_("Detention or arrest for political reasons"), required=False
    )
    draft_notice = forms.BooleanField(
        label=_("A call-up notice from the military (to you or to your address)"),
        required=False,
    )
    prosecution = forms.BooleanField(
        label=_("A criminal or administrative case, a fine, or being on a wanted list"),
        required=False,
    )
    situation = PlainTextField(
        multiline=True,
        label=_("Anything else we should know?"),
        help_text=_(
            "In your own words, briefly. Do not write anything that could put you or others "
            "in danger."
        ),
        required=False,
        max_length=4000,
        error_messages=TEXT_ERRORS,
        widget=forms.Textarea(attrs={"rows": 6, **PRIVATE_INPUT}),
    )
    origin_region = FixedChoiceField(
        label=_("Where in Russia are you from?"),
        help_text=_(
            "Optional. Only a broad region, never your town: it lets us check that people from "
            "every region are treated alike."
        ),
        choices=[("", _("Prefer not to say")), *OriginRegion.choices],
        required=False,
        error_messages={"invalid_choice": CHOOSE_ONE},
    )
    consent = forms.BooleanField(
        label=_("I agree that my answers are stored and used as described above"),
        error_messages={"required": _("We can only accept the application with your consent.")},
    )
    # A bot trap that needs no third-party service: people never see this field (it is moved
    # off-screen and skipped by the keyboard); form-filling bots fill it in. A filled trap is
    # an error, never a fake "received": an acknowledged application is always stored.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    # Generated when the form is shown; a resubmission (double tap, reload, retry on a bad
    # network) carries the same key, so the service returns the first application.
    idempotency_key = forms.UUIDField(
        initial=uuid.uuid4,
        widget=forms.HiddenInput,
        error_messages={"required": FORM_UNREADABLE, "invalid": FORM_UNREADABLE},
    )

    FIELDSETS: list[tuple[str | Promise, str | Promise, list[str]]] = [
        (
            _("About you"),
            "",
            ["display_name", "contact", "gender", "birth_year", "origin_region"],
        ),
        (
            _("Where you are"),
            "",
            ["host_country", "city", "entered_on", "document"],
        ),
        (
            _("Your circumstances"),
            "",
            [
                "dependants",
                "savings_days",
                "no_income",
                "no_housing",
                "health_condition",
                "needs_accessible",
            ],
        ),
        (
            _("What has happened to you?"),
            _(
                "Tick everything that applies. It helps us understand how dangerous going back "
                "would be for you."
            ),
            ["protests", "opposition_member", "arrested", "draft_notice", "prosecution"],
        ),
        (_("Your story"), "", ["situation"]),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.countries = offered_countries()
        names = sorted((country_name(c), code) for code, c in self.countries.items())
        country_field = self.fields["host_country"]
        assert isinstance(country_field, forms.ChoiceField)
        country_field.choices = [("", _("Choose a country")), *((c, n) for n, c in names)]

        this_year = timezone.now().year
        year_field = self.fields["birth_year"]
        year_field.validators.append(MaxValueValidator(this_year))
        year_field.widget.attrs["max"] = str(this_year)
        # The furthest-ahead time zone's today; the chosen country's date is checked in clean().
        latest_today = (timezone.now() + timedelta(hours=14)).date()
        self.fields["entered_on"].widget.attrs["max"] = latest_today.isoformat()

    def fieldsets(self) -> list[Fieldset]:
        return [
            Fieldset(legend, help_text, [self[name] for name in names])
            for legend, help_text, names in self.FIELDSETS
        ]

    def key_to_render(self) -> str:
        """The idempotency key for the hidden input: the posted one if it was valid, else new.

        A fresh key after an unreadable one lets the person send the form again; nothing was
        stored under a key that failed validation.
        """
        if self.is_bound and not self.has_error("idempotency_key"):
            return str(self.cleaned_data["idempotency_key"])
        return str(self["idempotency_key"].initial)

    def clean_website(self) -> str:
        if self.cleaned_data.get("website"):
            raise ValidationError(
                _("This field must stay empty. Please clear it and send the form again."),
                code="trap",
            )
        return ""

    def clean_entered_on(self) -> date:
        entered: date = self.cleaned_data["entered_on"]
        if entered < FIRST_ENTRY_DAY:
            raise ValidationError(
                _("Please check the date: we can only consider entries from 1 January 2022."),
                code="too_early",
            )
        return entered

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        entered = cleaned.get("entered_on")
        country = self.countries.get(cleaned.get("host_country", ""))
        if entered is not None and entered > self._today_in(country):
            self.add_error("entered_on", _("This date is in the future. Please check it."))
        return cleaned

    @staticmethod
    def _today_in(country: HostCountry | None) -> date:
        if country is None:
            return timezone.localdate()
        try:
            zone = ZoneInfo(country.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return timezone.localdate()
        return timezone.localdate(timezone=zone)

    def answers(self) -> ApplicantAnswers:
        """The cleaned answers for :func:`submit_application` (call after ``is_valid()``)."""
        data = self.cleaned_data
        return ApplicantAnswers(
            display_name=data["display_name"],
            contact=data["contact"],
            gender=data["gender"],
            birth_year=data["birth_year"],
            host_country=data["host_country"],
            city=data["city"],
            entered_on=data["entered_on"],
            document=data["document"],
            dependants=data["dependants"],
            health_condition=data["health_condition"],
            needs_accessible=data["needs_accessible"],
            no_income=data["no_income"],
            no_housing=data["no_housing"],
            savings_days=data["savings_days"],
            protests=data["protests"],
            opposition_member=data["opposition_member"],
            arrested=data["arrested"],
            draft_notice=data["draft_notice"],
            prosecution=data["prosecution"],
            situation=data["situation"],
            origin_region=data["origin_region"],
        )


# Cyrillic capitals that look like the Latin letters and digits codes are made of: people
# typing on a Russian keyboard layout enter these without noticing.
LOOKALIKES = str.maketrans("АВСЕЗНКМОРТХУ", "ABCE3HKMOPTXY")  # noqa: RUF001
SEPARATORS = re.compile(r"[\s\-\u2010-\u2015_.]+")


def compact_code(raw: str) -> str:
    """Upper case, Latin letters, no spaces or dashes of any kind."""
    return SEPARATORS.sub("", raw.upper().translate(LOOKALIKES))


class StatusForm(forms.Form):
    """The two codes an applicant was given, forgiving how they are typed."""

    reference = PlainTextField(
        label=_("Application code"),
        help_text=_("It looks like HV-ABCD-2345."),
        max_length=40,
        error_messages=TEXT_ERRORS,
        widget=text_input(autocapitalize="characters"),
    )
    passphrase = PlainTextField(
        label=_("Passphrase"),
        help_text=_("Three groups of four letters and digits, like abcd-2345-efgh."),
        max_length=60,
        error_messages=TEXT_ERRORS,
        widget=text_input(autocapitalize="none"),
    )

    def clean_reference(self) -> str:
        code = compact_code(self.cleaned_data["reference"])
        if code.startswith("HV") and len(code) == 10:
            code = code[2:]
        if len(code) == 8:
            return f"HV-{code[:4]}-{code[4:]}"
        return code

    def clean_passphrase(self) -> str:
        code = compact_code(self.cleaned_data["passphrase"]).lower()
        if len(code) == 12:
            return "-".join(code[i : i + 4] for i in range(0, 12, 4))
        return code


class _CodesAgainForm(StatusForm):
    """A form on the status page: the page keeps no session, so the two codes come back as
    hidden fields and are checked again, as on the status check."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("reference", "passphrase"):
            field = self.fields[name]
            field.widget = forms.HiddenInput()
            # Nobody types into these: any error means the page was damaged or tampered with.
            field.error_messages = dict.fromkeys(field.error_messages, FORM_UNREADABLE)


class AnswerForm(_CodesAgainForm):
    """The applicant's answer to a reviewer's question, on the status page.

    The page keeps no session: the two codes come back with the answer as hidden fields and
    are checked again, as on the status check. ``question`` names the question that was shown,
    so an old page sent again cannot answer a newer question.
    """

    question = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={"required": FORM_UNREADABLE, "invalid": FORM_UNREADABLE},
    )
    answer = PlainTextField(
        multiline=True,
        label=_("Your answer"),
        help_text=_(
            "Answer in your own words. Do not write anything that could put you or others in "
            "danger."
        ),
        max_length=4000,
        error_messages=TEXT_ERRORS,
        widget=forms.Textarea(attrs={"rows": 6, **PRIVATE_INPUT}),
    )


class OfferAnswerForm(_CodesAgainForm):
    """Accepting or declining an offered bed, on the status page (the codes come back hidden)."""

    offer = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={"required": FORM_UNREADABLE, "invalid": FORM_UNREADABLE},
    )
    choice = forms.ChoiceField(
        choices=[("accept", _("accept")), ("decline", _("decline"))],
        error_messages={"required": FORM_UNREADABLE, "invalid_choice": FORM_UNREADABLE},
    )
