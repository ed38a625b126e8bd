"""ExactDecimalField keeps every value its column allows, exactly, on every database."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from apps.chains.models import SupplyObservation
from apps.core.fields import ExactDecimalField

pytestmark = pytest.mark.django_db

# The largest multipliers the chain readers accept (below 10^22, 18 decimals).
LARGE = Decimal("9999999999999999999999.123456789012345678")


def test_the_largest_value_the_column_allows_is_prepared_exactly():
    field = ExactDecimalField(max_digits=40, decimal_places=18)
    prepared = field.get_db_prep_value(LARGE, connection)
    assert Decimal(str(prepared)) == LARGE


def test_a_supply_reading_with_a_huge_multiplier_is_stored_and_read_back():
    from tests.factories import DeploymentFactory

    reading = SupplyObservation.objects.create(
        deployment=DeploymentFactory(),
        block_number=1,
        raw_supply=Decimal(10**60),  # a uint256 well past the default 28 digits
        decimals=18,
        observed_at="2026-11-30T12:00:00Z",
        multiplier=LARGE,
        new_multiplier=Decimal("1E+21"),
    )
    reading.refresh_from_db()
    assert reading.raw_supply == Decimal(10**60)
    assert reading.multiplier == LARGE
    assert reading.new_multiplier == Decimal("1E+21")
