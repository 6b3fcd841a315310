"""Money in whole minor units, per currency; no conversion between currencies (pure)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from haven.rules.money import CURRENCIES, cost_per_night, to_major, to_minor


@given(st.integers(0, 10**12), st.sampled_from(sorted(CURRENCIES)))
def test_minor_units_round_trip(minor: int, currency: str) -> None:
    assert to_minor(to_major(minor, currency), currency) == minor


def test_rents_in_major_units() -> None:
    assert to_minor(Decimal("450000"), "KZT") == 45_000_000
    assert to_minor(Decimal("9000.50"), "PLN") == 900_050
    assert to_major(70_000_000, "AMD") == Decimal("700000.00")
    with pytest.raises(ValueError, match="decimals"):
        to_minor(Decimal("1.005"), "TRY")
    with pytest.raises(ValueError, match="unknown currency"):
        to_minor(Decimal(1), "XXX")


def test_cost_per_night_is_rent_over_occupied_nights() -> None:
    assert cost_per_night(45_000_000, 300) == Decimal(150_000)
    assert to_major(cost_per_night(100, 3) or 0, "PLN") == Decimal("0.33")
    assert cost_per_night(45_000_000, 0) is None
