"""The local Data Streams endpoint of the demo world, fed with fixed observations for tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from apps.devchain.datastreams_demo import (
    DEMO_API_KEY,
    DEMO_API_SECRET,
    DataStreamsServer,
    Observation,
    demo_signer_addresses,
)
from apps.markets.datastreams import DataStreamsClient
from apps.markets.sources import DataStreamsSource

# Real feed ids (public facts, `chainlink_feeds` of the project's public-facts file): AAPLx/USD
# v10 (Kamino Scope entry 258, X Layer and two more sources), TSLAx/USD v10 (Kamino Scope
# entry 272 and three more sources), AAPLx's v8 RWA stream (Kamino Scope entries 30, 33).
AAPLX_V10 = "0x000a7a12270b5a30236bf410679df0c6bb1bba2b40e5d86847748ff1c8f8452b"
TSLAX_V10 = "0x000a80c655069b61d168b887d5e7f4231fe288c6ccb84b1854c9ccead20f3398"
AAPLX_V8 = "0x0008e64e9538dea4c50f9a8203d2c8993b6f3756da73cabafbb204637310c450"

# What the local endpoint reports for AAPLx unless a test says otherwise (demo figures).
AAPLX_OBSERVATION = Observation(
    price=Decimal("273.123456789012345678"),
    tokenized_price=Decimal("273.61"),
    market_status=2,
    current_multiplier=Decimal("1"),
    new_multiplier=Decimal("4"),
    activation=dt.datetime(2030, 1, 2, tzinfo=dt.UTC),
)


class Book:
    """Fixed observations per feed id; a feed not in it has no report (401, as the API)."""

    def __init__(self, observations: dict[str, Observation] | None = None) -> None:
        self.observations = dict(observations or {})

    def feeds(self) -> list[str]:
        return sorted(self.observations)

    def observe(self, feed_id: str, at: dt.datetime) -> Observation | None:
        return self.observations.get(feed_id)


@contextmanager
def local_endpoint(book: Book | None = None, **kwargs: object) -> Iterator[DataStreamsServer]:
    book = book if book is not None else Book({AAPLX_V10: AAPLX_OBSERVATION})
    with DataStreamsServer(book, **kwargs) as server:  # type: ignore[arg-type]
        yield server


def client_for(
    server: DataStreamsServer,
    *,
    secret: str = DEMO_API_SECRET,
    signers: frozenset[str] | None = None,
    min_signatures: int = 2,
    timeout: float = 2.0,
) -> DataStreamsClient:
    return DataStreamsClient(
        base_url=server.url,
        client_id=DEMO_API_KEY,
        secret=secret,
        timeout=timeout,
        signers=frozenset(demo_signer_addresses()) if signers is None else signers,
        min_signatures=min_signatures,
    )


def source_for(server: DataStreamsServer, **kwargs: object) -> DataStreamsSource:
    return DataStreamsSource(
        client=client_for(server, **kwargs),  # type: ignore[arg-type]
        max_age=dt.timedelta(minutes=5),
        demo=True,
    )
