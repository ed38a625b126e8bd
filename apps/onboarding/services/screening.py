"""Sanctions screening: loading lists and matching a case's declared name."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import transaction

from apps.onboarding import sanctions
from apps.onboarding.models import KycCase, SanctionsEntry, SanctionsList, ScreeningHit


def screen_case(*, case: KycCase) -> list[ScreeningHit]:
    """Match the declared name, birth date and citizenships against every loaded list."""
    declaration = case.declaration
    entries = SanctionsEntry.objects.values_list(
        "id", "name", "aliases", "search_names", "birth_dates", "nationalities"
    )
    candidates: list[sanctions.Candidate] = []
    for pk, name, aliases, search_names, birth_dates, nationalities in entries.iterator(
        chunk_size=2000
    ):
        names = [name, *aliases]
        normalized = search_names if len(search_names) == len(names) else [""] * len(names)
        dob, nat = tuple(birth_dates), tuple(nationalities)
        for listed, norm in zip(names, normalized, strict=True):
            candidates.append(sanctions.Candidate(pk, listed, dob, nat, norm))
    matches = sanctions.score_candidates(
        name=declaration.full_name,
        date_of_birth=declaration.date_of_birth,
        nationalities=set(declaration.citizenships),
        candidates=candidates,
        threshold=float(settings.SANCTIONS_MATCH_THRESHOLD),
    )
    top = matches[: settings.SANCTIONS_MAX_HITS]
    by_id = SanctionsEntry.objects.select_related("sanctions_list").in_bulk(
        [m.entry_id for m in top]
    )
    hits = []
    for match in top:
        entry = by_id[match.entry_id]
        hits.append(
            ScreeningHit(
                case=case,
                entry=entry,
                source=entry.sanctions_list.source,
                external_id=entry.external_id,
                entry_name=entry.name,
                matched_name=match.matched_name,
                entry_snapshot={
                    "name": entry.name,
                    "aliases": entry.aliases,
                    "birth_dates": entry.birth_dates,
                    "nationalities": entry.nationalities,
                    "programs": entry.programs,
                },
                score=str(match.score),
                name_score=str(match.name_score),
            )
        )
    return ScreeningHit.objects.bulk_create(hits)


def load_sanctions(*, path: Path, source: str | None = None) -> SanctionsList:
    """Load a whole list or nothing; a reload of the same source replaces its entries."""
    fmt, parsed = sanctions.parse_file(path)
    source = source or {"ofac_sdn": "ofac-sdn"}.get(fmt, "opensanctions")
    digest = sanctions.file_sha256(path)
    with transaction.atomic():
        SanctionsList.objects.filter(source=source).delete()
        loaded = SanctionsList.objects.create(
            source=source, format=fmt, path=str(path), sha256=digest, entry_count=len(parsed)
        )
        SanctionsEntry.objects.bulk_create(
            [
                SanctionsEntry(
                    sanctions_list=loaded,
                    external_id=e.external_id,
                    schema=e.schema[:40],
                    name=e.name,
                    aliases=e.aliases,
                    birth_dates=e.birth_dates,
                    nationalities=e.nationalities,
                    programs=e.programs,
                    search_names=[sanctions.normalize_name(n) for n in [e.name, *e.aliases]],
                )
                for e in parsed
            ],
            batch_size=1000,  # rows per INSERT; keeps SQLite under its variable limit
        )
    return loaded
