"""Amounts of money as whole minor units (tiyn, kuruş, luma, grosz) in one currency.

Haven never converts between currencies: it has no source of exchange rates, and a rate
picked by hand would make a house look cheaper or dearer than it is. Each shelter's costs
are shown in the currency its rent is paid in.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

__all__ = ["CURRENCIES", "cost_per_night", "to_major", "to_minor"]

# ISO 4217 codes and their minor-unit digits, for the currencies of the host countries the
# stay rules know and the usual currencies rent is quoted in.
CURRENCIES: dict[str, int] = {
    "AED": 2,
    "AMD": 2,
    "AZN": 2,
    "CZK": 2,
    "EUR": 2,
    "GBP": 2,
    "GEL": 2,
    "HUF": 2,
    "ILS": 2,
    "KGS": 2,
    "KZT": 2,
    "MNT": 2,
    "PLN": 2,
    "RSD": 2,
    "TRY": 2,
    "USD": 2,
    "UZS": 2,
}


def _digits(currency: str) -> int:
    try:
        return CURRENCIES[currency]
    except KeyError:
        raise ValueError(f"unknown currency {currency!r}") from None


def to_minor(amount: Decimal, currency: str) -> int:
    """``amount`` in major units as whole minor units; refuses finer amounts than the
    currency has (e.g. 0.001 of a zloty)."""
    minor = amount.scaleb(_digits(currency))
    if minor != minor.to_integral_value():
        raise ValueError(f"{amount} has more decimals than {currency} has")
    return int(minor)


def to_major(minor: int | Decimal, currency: str) -> Decimal:
    """Minor units as an amount in major units, rounded to the currency's minor unit."""
    digits = _digits(currency)
    return (Decimal(minor).scaleb(-digits)).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_EVEN)


def cost_per_night(monthly_rent: int, nights: int) -> Decimal | None:
    """Rent (minor units) divided by the occupied bed-nights of the month, in minor units;
    None when no bed was occupied (a cost per bed-night does not exist then)."""
    if nights <= 0:
        return None
    return Decimal(monthly_rent) / Decimal(nights)
