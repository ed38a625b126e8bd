"""Storing Chainlink Data Streams reports: once per feed and observation, with the evidence."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from apps.catalog.models import PriceFeed
from apps.markets.datastreams import SignedReport
from apps.markets.models import OracleReport
from apps.markets.services.cache import bump_oracle_reports_version
from apps.markets.signals import oracle_reports_recorded

log = logging.getLogger("apps.markets.services")

BATCH = 500  # reports per INSERT


@transaction.atomic
def record_reports(
    *, reports: Sequence[SignedReport], demo: bool, received_at: dt.datetime | None = None
) -> int:
    """Store decoded reports of registered feeds; returns how many were new.

    A report already stored (same feed and observation time) is skipped, so reading a
    feed twice stores its report once; a report of a feed the registry does not know is
    ignored. After commit, `oracle_reports_recorded` names the tokens with a new report.
    """
    received_at = received_at or timezone.now()
    ids = {r.feed_id for r in reports}
    feeds = {
        feed_id.lower(): (pk, token_id)
        for pk, feed_id, token_id in PriceFeed.objects.filter(
            provider=PriceFeed.Provider.CHAINLINK_DATA_STREAMS, feed_id__in=ids
        ).values_list("pk", "feed_id", "token_id")
    }
    known = [r for r in reports if r.feed_id in feeds]
    if len(known) < len(reports):
        log.warning("reports of %d unregistered feeds ignored", len(reports) - len(known))
    if not known:
        return 0
    have = set(
        OracleReport.objects.filter(
            price_feed_id__in={feeds[r.feed_id][0] for r in known},
            observed_at__in={r.data.observed_at for r in known},
        ).values_list("price_feed_id", "observed_at")
    )
    rows: dict[tuple[int, dt.datetime], OracleReport] = {}
    for report in known:
        feed_pk, token_id = feeds[report.feed_id]
        data = report.data
        key = (feed_pk, data.observed_at)
        if key in have or key in rows:
            continue
        rows[key] = OracleReport(
            price_feed_id=feed_pk,
            token_id=token_id,
            feed_id=data.feed_id,
            schema=data.schema,
            observed_at=data.observed_at,
            valid_from=data.valid_from,
            expires_at=data.expires_at,
            last_update_at=data.last_update_at,
            price=data.price,
            tokenized_price=data.tokenized_price,
            market_status=data.market_status,
            current_multiplier=data.current_multiplier,
            new_multiplier=data.new_multiplier,
            activation_at=data.activation_at,
            native_fee=data.native_fee,
            link_fee=data.link_fee,
            config_digest=report.config_digest,
            epoch=report.epoch,
            round=report.round,
            signers=list(report.signers),
            verification=report.verification,
            demo=demo,
            full_report=report.full_report,
            received_at=received_at,
        )
    # A concurrent sync may store the same report first: the unique constraint keeps one.
    OracleReport.objects.bulk_create(rows.values(), batch_size=BATCH, ignore_conflicts=True)
    token_ids = sorted({row.token_id for row in rows.values()})
    if token_ids:
        transaction.on_commit(bump_oracle_reports_version)
        transaction.on_commit(
            lambda: oracle_reports_recorded.send(sender=OracleReport, token_ids=token_ids)
        )
    return len(rows)
