from __future__ import annotations

from tests.reserves.conftest import aapl_world  # noqa: F401  (shared fixture)
