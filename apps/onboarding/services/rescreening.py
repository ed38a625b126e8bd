"""Loading sanctions lists and screening again what they change.

A load compares the new file with the entries already held for its source, entry by
entry (sanctions.fingerprint): new and changed entries are written and marked with the
load, removed ones deleted, unchanged ones left alone. After the commit a Celery task
(onboarding.rescreen) matches only the marked entries against every approved and pending
investor's name and verified wallets, so its cost follows the change, not the list.
A verified wallet on a list leaves the allowlist as soon as the list is loaded
(WalletQuerySet.allowlist), before any re-screening.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from apps.audit.services import record
from apps.onboarding import sanctions
from apps.onboarding.models import (
    RESCREENED_STATES,
    AddressKind,
    HitKind,
    KycCase,
    SanctionedAddress,
    SanctionsEntry,
    SanctionsList,
    SanctionsListLoad,
    ScreeningHit,
    Wallet,
    wallet_match_key,
)

from .alerts import queue_officer_alert
from .exposure import flag_stored_transfers
from .reviews import case_line, open_review
from .screening import CANDIDATE_FIELDS, name_candidates, name_hit, wallet_hit

WRITE_BATCH = 1000  # rows per INSERT/UPDATE/DELETE; keeps SQLite under its variable limit
ENTRY_FIELDS = [
    "schema",
    "name",
    "aliases",
    "birth_dates",
    "nationalities",
    "programs",
    "search_names",
    "addresses",
    "fingerprint",
    "changed_in",
]


def _entry(listing: SanctionsList, load: SanctionsListLoad, parsed, digest: str, pk=None):
    return SanctionsEntry(
        pk=pk,
        sanctions_list=listing,
        external_id=parsed.external_id,
        schema=parsed.schema[:40],
        name=parsed.name,
        aliases=parsed.aliases,
        birth_dates=parsed.birth_dates,
        nationalities=parsed.nationalities,
        programs=parsed.programs,
        search_names=[sanctions.normalize_name(n) for n in [parsed.name, *parsed.aliases]],
        addresses=[{"currency": c, "address": a} for c, a in parsed.addresses],
        fingerprint=digest,
        changed_in=load,
    )


def load_sanctions(
    *,
    path: Path,
    source: str | None = None,
    comments_path: Path | None = None,
    version: str = "",
    published_on: date | None = None,
    actor: AbstractBaseUser | None = None,
) -> SanctionsListLoad:
    """Load a whole list or nothing, record its version and date, and re-screen after the
    commit against what changed.

    `version` defaults to the file's SHA-256 (first 12 hex digits); `published_on` to the
    newest change the file reports (OpenSanctions `last_change`), else none. The load is an
    audit event (sanctions.load).
    """
    parsed = sanctions.parse_file(path, comments_path=comments_path)
    fmt = parsed.format
    source = source or {"ofac_sdn": "ofac-sdn"}.get(fmt, "opensanctions")
    digest = sanctions.file_sha256(path)
    version = (version or f"sha256:{digest[:12]}")[:100]
    published_on = published_on or parsed.published_on
    now = timezone.now()
    with transaction.atomic():
        listing, _ = SanctionsList.objects.select_for_update().get_or_create(
            source=source,
            defaults={"format": fmt, "path": str(path), "sha256": digest, "entry_count": 0},
        )
        load = SanctionsListLoad.objects.create(
            sanctions_list=listing,
            source=source,
            version=version,
            published_on=published_on,
            format=fmt,
            sha256=digest,
            entry_count=len(parsed.entries),
            loaded_at=now,
        )
        held = {
            external_id: (pk, fingerprint)
            for external_id, pk, fingerprint in SanctionsEntry.objects.filter(
                sanctions_list=listing
            ).values_list("external_id", "pk", "fingerprint")
        }
        added, changed = [], []
        for entry in parsed.entries:
            print_ = sanctions.fingerprint(entry)
            current = held.pop(entry.external_id, None)
            if current is None:
                added.append(_entry(listing, load, entry, print_))
            elif current[1] != print_:
                changed.append(_entry(listing, load, entry, print_, pk=current[0]))
        removed = [pk for pk, _ in held.values()]
        for start in range(0, len(removed), WRITE_BATCH):
            SanctionsEntry.objects.filter(pk__in=removed[start : start + WRITE_BATCH]).delete()
        changed_ids = [e.pk for e in changed]
        for start in range(0, len(changed_ids), WRITE_BATCH):
            SanctionedAddress.objects.filter(
                entry_id__in=changed_ids[start : start + WRITE_BATCH]
            ).delete()
        SanctionsEntry.objects.bulk_create(added, batch_size=WRITE_BATCH)
        SanctionsEntry.objects.bulk_update(changed, ENTRY_FIELDS, batch_size=WRITE_BATCH // 4)
        addresses = []
        for entry_id, listed in SanctionsEntry.objects.filter(changed_in=load).values_list(
            "pk", "addresses"
        ):
            for item in listed:
                kind, canonical, key = sanctions.classify_address(item["address"])
                addresses.append(
                    SanctionedAddress(
                        entry_id=entry_id,
                        currency=item["currency"][:16],
                        address=canonical,
                        kind=kind,
                        match_key=key,
                    )
                )
        SanctionedAddress.objects.bulk_create(addresses, batch_size=WRITE_BATCH)
        load.added, load.changed, load.removed = len(added), len(changed), len(removed)
        load.address_count = SanctionedAddress.objects.filter(entry__sanctions_list=listing).count()
        load.save(update_fields=["added", "changed", "removed", "address_count"])
        listing.format, listing.path, listing.sha256 = fmt, str(path), digest
        listing.entry_count, listing.loaded_at = len(parsed.entries), now
        listing.version, listing.published_on = version, published_on
        listing.save()
        record(
            actor=actor,
            action="sanctions.load",
            obj=load,
            after={
                "source": source,
                "version": version,
                "published_on": published_on.isoformat() if published_on else None,
                "sha256": digest,
                "entries": len(parsed.entries),
                "added": load.added,
                "changed": load.changed,
                "removed": load.removed,
                "addresses": load.address_count,
            },
        )
        from apps.onboarding.tasks import rescreen as rescreen_task

        rescreen_task.delay_on_commit(load.pk)
    return load


def _release(load: SanctionsListLoad) -> str:
    published = f", dated {load.published_on.isoformat()}" if load.published_on else ""
    return f"{load.source} {load.version}{published}"


def rescreen(*, load_id: int) -> dict[str, int]:
    """Screen every approved and pending investor against the entries this load added or
    changed: names (blocked fuzzy matching, sanctions.match_many) and verified wallets
    (exact address match). A hit not already on the case for that entry as it now reads
    opens a review (reviews.open_review, high risk); the officers get one e-mail for the
    whole run; the run is an audit event (sanctions.rescreen). Runs once per load.
    """
    with transaction.atomic():
        load = SanctionsListLoad.objects.select_for_update().get(pk=load_id)
        if load.rescreened_at is not None:
            return dict(load.rescreen_counts)
        entries = SanctionsEntry.objects.filter(changed_in=load)
        candidates = name_candidates(
            entries.exclude(schema=sanctions.WALLET_SCHEMA).values_list(*CANDIDATE_FIELDS)
        )
        cases = list(
            KycCase.objects.filter(state__in=RESCREENED_STATES)
            .select_related("declaration")
            .order_by("pk")
        )
        by_user = {case.user_id: case for case in cases}
        queries = [
            sanctions.Query(
                key=case.pk,
                name=case.declaration.full_name,
                date_of_birth=case.declaration.date_of_birth,
                nationalities=frozenset(case.declaration.citizenships),
            )
            for case in cases
        ]
        matches = (
            sanctions.match_many(
                queries=queries,
                candidates=candidates,
                threshold=float(settings.SANCTIONS_MATCH_THRESHOLD),
            )
            if candidates and queries
            else {}
        )
        listed_wallets = list(
            Wallet.objects.filter(
                verified_at__isnull=False,
                user_id__in=KycCase.objects.filter(state__in=RESCREENED_STATES).values("user_id"),
            )
            .annotate(_match_key=wallet_match_key())
            .filter(
                Exists(
                    SanctionedAddress.objects.filter(
                        entry__changed_in=load,
                        kind=OuterRef("kind"),
                        match_key=OuterRef("_match_key"),
                        kind__in=[AddressKind.EVM, AddressKind.SOLANA],
                    )
                )
            )
        )
        wallet_rows = _listing_of(listed_wallets, load=load)
        hit_entry_ids = {m.entry_id for found in matches.values() for m in found} | {
            entry.pk for _wallet, entry, _address in wallet_rows
        }
        by_entry = SanctionsEntry.objects.select_related("sanctions_list").in_bulk(hit_entry_ids)
        affected = set(matches) | {by_user[w.user_id].pk for w, _e, _a in wallet_rows}
        known = set(
            ScreeningHit.objects.filter(case_id__in=affected).values_list(
                "case_id", "kind", "wallet_id", "source", "external_id", "entry_fingerprint"
            )
        )
        by_case = {case.pk: case for case in cases}
        new_hits: dict[int, list[ScreeningHit]] = defaultdict(list)
        for case_id, found in matches.items():
            for match in found[: settings.SANCTIONS_MAX_HITS]:
                entry = by_entry[match.entry_id]
                key = (case_id, HitKind.NAME, None, load.source, entry.external_id)
                if (*key, entry.fingerprint) in known:
                    continue
                new_hits[case_id].append(
                    name_hit(case=by_case[case_id], entry=entry, match=match, load=load)
                )
        for wallet, entry, address in wallet_rows:
            case = by_user[wallet.user_id]
            key = (case.pk, HitKind.WALLET, wallet.pk, load.source, entry.external_id)
            if (*key, entry.fingerprint) in known:
                continue
            new_hits[case.pk].append(
                wallet_hit(case=case, entry=entry, wallet=wallet, listed_as=address, load=load)
            )
        ScreeningHit.objects.bulk_create([h for hits in new_hits.values() for h in hits])
        lines = []
        for case_id, hits in sorted(new_hits.items()):
            reason = _reason(load, hits)
            open_review(case=by_case[case_id], reason=reason, high_risk=True)
            lines.append(case_line(by_case[case_id], reason))
        # Transfers already stored whose other side this load lists.
        kind_keys: dict[str, set[str]] = defaultdict(set)
        for kind, key in SanctionedAddress.objects.filter(
            entry__changed_in=load, kind__in=[AddressKind.EVM, AddressKind.SOLANA]
        ).values_list("kind", "match_key"):
            kind_keys[kind].add(key)
        transfer_lines = flag_stored_transfers(kind_keys=kind_keys)
        lines += transfer_lines
        counts = {
            "entries_compared": entries.count(),
            "names_compared": len(candidates),
            "investors": len(cases),
            "wallet_hits": sum(h.kind == HitKind.WALLET for v in new_hits.values() for h in v),
            "name_hits": sum(h.kind == HitKind.NAME for v in new_hits.values() for h in v),
            "cases_reopened": len(new_hits),
            "transfer_reviews": len(transfer_lines),
        }
        load.rescreened_at = timezone.now()
        load.rescreen_counts = counts
        load.save(update_fields=["rescreened_at", "rescreen_counts"])
        record(actor=None, action="sanctions.rescreen", obj=load, after=counts)
        if lines:
            queue_officer_alert(
                key=f"rescreen:{load.pk}",
                subject=f"Re-screening against {load.source}: {len(lines)} review(s) opened",
                lines=[f"List {_release(load)}.", *lines],
            )
    return counts


def _listing_of(
    wallets: list[Wallet], *, load: SanctionsListLoad | None
) -> list[tuple[Wallet, SanctionsEntry, str]]:
    """(wallet, entry, "CODE address") for every listing of each wallet's address, in the
    entries `load` changed (or every loaded entry when `load` is None)."""
    keys = {(w.kind, _match_key(w)) for w in wallets}
    if not keys:
        return []
    listed = SanctionedAddress.objects.filter(
        kind__in={kind for kind, _ in keys}, match_key__in={key for _, key in keys}
    ).select_related("entry__sanctions_list")
    if load is not None:
        listed = listed.filter(entry__changed_in=load)
    rows = []
    for wallet in wallets:
        key = _match_key(wallet)
        for item in listed:
            if item.kind == wallet.kind and item.match_key == key:
                rows.append((wallet, item.entry, f"{item.currency} {item.address}".strip()))
    return rows


def _match_key(wallet: Wallet) -> str:
    """As models.wallet_match_key: EVM lower-case, Solana exact."""
    return wallet.address.lower() if wallet.kind == AddressKind.EVM else wallet.address


def _reason(load: SanctionsListLoad, hits: list[ScreeningHit]) -> str:
    names = [h for h in hits if h.kind == HitKind.NAME]
    wallets = [h for h in hits if h.kind == HitKind.WALLET]
    parts = []
    if names:
        best = max(float(h.score) for h in names)
        parts.append(f"{len(names)} potential name match(es), best score {best:.1f}")
    if wallets:
        parts.append("verified wallet listed: " + ", ".join(h.matched_name for h in wallets[:3]))
    return f"Re-screening against {_release(load)}: " + "; ".join(parts) + "."


@transaction.atomic
def screen_wallet(*, wallet: Wallet) -> list[ScreeningHit]:
    """A wallet just verified, against every loaded list: each listing is a hit on its
    investor's case, which goes (back) to review, and the officers are e-mailed."""
    if wallet.verified_at is None:
        return []
    rows = _listing_of([wallet], load=None)
    if not rows:
        return []
    case = (
        KycCase.objects.filter(user_id=wallet.user_id, state__in=RESCREENED_STATES)
        .order_by("-created_at", "-id")
        .first()
    )
    if case is None:
        return []
    hits = ScreeningHit.objects.bulk_create(
        [wallet_hit(case=case, entry=e, wallet=wallet, listed_as=a) for _w, e, a in rows]
    )
    sources = ", ".join(sorted({h.source for h in hits}))
    reason = f"Wallet verified on {wallet.verified_at.date().isoformat()} is listed ({sources}): "
    reason += ", ".join(h.matched_name for h in hits[:3]) + "."
    open_review(case=case, reason=reason, high_risk=True)
    queue_officer_alert(
        key=f"wallet:{wallet.pk}:{wallet.verified_at.isoformat()}",
        subject="A verified wallet is on a sanctions list",
        lines=[case_line(case, reason)],
    )
    return hits
