"""Exact decimals on every database.

PostgreSQL's numeric is exact. SQLite (the embedded default) keeps a DECIMAL
column as a float with about 15 significant digits, which silently rounds an
18-decimal supply or multiplier. ExactDecimalField stores the decimal as text
on SQLite and as numeric elsewhere, so a value always reads back as written.
On SQLite, compare and sum these values in Python, not in SQL.
"""

from __future__ import annotations

from decimal import Context, Decimal
from typing import Any

from django.db import models


class ExactDecimalField(models.DecimalField):
    def get_internal_type(self) -> str:
        # Not "DecimalField", so SQLite's float-based decimal converter is never applied.
        return "ExactDecimalField"

    def db_type(self, connection: Any) -> str | None:
        if connection.vendor == "sqlite":
            return "text"
        return connection.data_types["DecimalField"] % self.db_type_parameters(connection)

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if connection.vendor == "sqlite":
            if value is None:
                return None
            value = self.to_python(value)
            # Quantize with the field's own precision, not the default context's 28 digits,
            # which cannot hold every value the column allows (10^10 with 18 decimals).
            exact = value.quantize(
                Decimal(1).scaleb(-self.decimal_places),
                context=Context(prec=self.max_digits + 2),
            )
            return format(exact, "f")
        return super().get_db_prep_value(value, connection, prepared)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Decimal | None:
        if value is None:
            return None
        return value if isinstance(value, Decimal) else Decimal(str(value))
