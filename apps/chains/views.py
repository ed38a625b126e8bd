from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from apps.catalog.models import Chain
from apps.catalog.versions import CATALOG_VERSION_KEY
from apps.core.models import JOBS_VERSION_KEY
from apps.core.public_cache import public_cache

from . import selectors, services
from .versions import SUPPLY_VERSION_KEY

STALE_SHOWN = 100  # stale tokens listed by name; the rest are counted (the API has them all)


@require_GET
@vary_on_headers("HX-Request")
@public_cache(CATALOG_VERSION_KEY, JOBS_VERSION_KEY, SUPPLY_VERSION_KEY)
def status(request: HttpRequest) -> HttpResponse:
    """Public sync status: the last run of every job per chain, and which tokens are stale."""
    now = timezone.now()
    chains = list(Chain.objects.order_by("name"))
    latest = selectors.latest_runs(chains)
    rows = [
        {"chain": chain, "job": job, "run": latest.get((chain.pk, job))}
        for chain in chains
        for job in services.JOBS
        if (chain.pk, job) in latest or job == services.SUPPLY_JOB
    ]
    # Jobs of no particular chain (the price sync) after the chains.
    rows += [
        {"chain": None, "job": job, "run": run}
        for (chain_id, job), run in sorted(latest.items(), key=lambda item: item[0][1])
        if chain_id is None
    ]
    freshness = services.supply_freshness(now=now)
    stale = services.stale_tokens(freshness)
    stale_items = sorted(stale.items())
    not_read = services.not_read_by_chain(freshness)
    for row in rows:
        row["no_node"] = row["chain"] is not None and not row["chain"].has_node
    context = {
        "not_read": sorted(not_read.items(), key=lambda item: item[0].name),
        "rows": rows,
        "stale": stale_items[:STALE_SHOWN],
        "stale_count": len(stale_items),
        "stale_more": max(len(stale_items) - STALE_SHOWN, 0),
        "deployment_count": len(freshness),
        "now": now,
    }
    template = "chains/status.html#live" if request.htmx else "chains/status.html"
    return render(request, template, context)
