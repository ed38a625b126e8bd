"""Sanctions screening of one case at submission: its declared name against every list."""

from __future__ import annotations

from django.conf import settings

from apps.onboarding import sanctions
from apps.onboarding.models import (
    HitKind,
    KycCase,
    SanctionsEntry,
    SanctionsListLoad,
    ScreeningHit,
    Wallet,
)


def name_candidates(entries) -> list[sanctions.Candidate]:
    """One Candidate per name and alias of each entry row
    (id, name, aliases, search_names, birth_dates, nationalities)."""
    candidates: list[sanctions.Candidate] = []
    for pk, name, aliases, search_names, birth_dates, nationalities in entries:
        names = [name, *aliases]
        normalized = search_names if len(search_names) == len(names) else [""] * len(names)
        dob, nat = tuple(birth_dates), tuple(nationalities)
        for listed, norm in zip(names, normalized, strict=True):
            candidates.append(sanctions.Candidate(pk, listed, dob, nat, norm))
    return candidates


CANDIDATE_FIELDS = ("id", "name", "aliases", "search_names", "birth_dates", "nationalities")


def snapshot(entry: SanctionsEntry) -> dict:
    return {
        "name": entry.name,
        "aliases": entry.aliases,
        "birth_dates": entry.birth_dates,
        "nationalities": entry.nationalities,
        "programs": entry.programs,
        "addresses": entry.addresses,
    }


def name_hit(
    *,
    case: KycCase,
    entry: SanctionsEntry,
    match: sanctions.Match,
    load: SanctionsListLoad | None = None,
) -> ScreeningHit:
    """An unsaved hit of a name match (entry with its list selected)."""
    return ScreeningHit(
        case=case,
        entry=entry,
        kind=HitKind.NAME,
        load=load,
        source=entry.sanctions_list.source,
        external_id=entry.external_id,
        entry_name=entry.name,
        matched_name=match.matched_name,
        entry_snapshot=snapshot(entry),
        entry_fingerprint=entry.fingerprint,
        score=str(match.score),
        name_score=str(match.name_score),
    )


def wallet_hit(
    *,
    case: KycCase,
    entry: SanctionsEntry,
    wallet: Wallet,
    listed_as: str,
    load: SanctionsListLoad | None = None,
) -> ScreeningHit:
    """An unsaved hit of a verified wallet whose address is listed: an exact match, 100."""
    return ScreeningHit(
        case=case,
        entry=entry,
        kind=HitKind.WALLET,
        wallet=wallet,
        load=load,
        source=entry.sanctions_list.source,
        external_id=entry.external_id,
        entry_name=entry.name,
        matched_name=listed_as[:500],
        entry_snapshot=snapshot(entry),
        entry_fingerprint=entry.fingerprint,
        score="100",
        name_score="100",
    )


def screen_case(*, case: KycCase) -> list[ScreeningHit]:
    """Match the declared name, birth date and citizenships against every loaded list."""
    declaration = case.declaration
    entries = SanctionsEntry.objects.exclude(schema=sanctions.WALLET_SCHEMA).values_list(
        *CANDIDATE_FIELDS
    )
    matches = sanctions.score_candidates(
        name=declaration.full_name,
        date_of_birth=declaration.date_of_birth,
        nationalities=set(declaration.citizenships),
        candidates=name_candidates(entries.iterator(chunk_size=2000)),
        threshold=float(settings.SANCTIONS_MATCH_THRESHOLD),
    )
    top = matches[: settings.SANCTIONS_MAX_HITS]
    by_id = SanctionsEntry.objects.select_related("sanctions_list").in_bulk(
        [m.entry_id for m in top]
    )
    hits = [name_hit(case=case, entry=by_id[m.entry_id], match=m) for m in top]
    return ScreeningHit.objects.bulk_create(hits)
