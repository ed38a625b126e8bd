from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from apps.catalog.models import Chain

from . import selectors, services


@require_GET
@vary_on_headers("HX-Request")
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
    context = {
        "rows": rows,
        "stale": sorted(stale.items()),
        "deployment_count": len(freshness),
        "now": now,
    }
    template = "chains/status.html#live" if request.htmx else "chains/status.html"
    return render(request, template, context)
