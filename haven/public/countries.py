"""Host-country names in the applicant's language.

``HostCountry.name`` is data typed by an administrator (in English); applicants read Russian
first, so the countries the network works in, or is likely to, get translated names here. A
country missing from this table shows its stored name.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from haven.core.models import HostCountry

COUNTRY_NAMES: dict[str, Promise] = {
    "AE": _("United Arab Emirates"),
    "AM": _("Armenia"),
    "AZ": _("Azerbaijan"),
    "DE": _("Germany"),
    "EE": _("Estonia"),
    "FI": _("Finland"),
    "FR": _("France"),
    "GE": _("Georgia"),
    "IL": _("Israel"),
    "KG": _("Kyrgyzstan"),
    "KZ": _("Kazakhstan"),
    "LT": _("Lithuania"),
    "LV": _("Latvia"),
    "ME": _("Montenegro"),
    "MN": _("Mongolia"),
    "NL": _("Netherlands"),
    "PL": _("Poland"),
    "PT": _("Portugal"),
    "RS": _("Serbia"),
    "TJ": _("Tajikistan"),
    "TR": _("Turkey"),
    "UZ": _("Uzbekistan"),
}


def country_name(country: HostCountry) -> str:
    """The country's name in the active language."""
    return str(COUNTRY_NAMES.get(country.code.upper(), country.name))
