"""Benchmark: re-screening 10,000 investors against a list of 50,000 entries.

Prints
1. the matching alone (apps.onboarding.sanctions.match_many, in memory): names compared,
   pairs scored after blocking against the pairs a full comparison would score, wall time
   and hits (the planted ones must all be found);
2. the whole path on a throw-away database: load_sanctions of the 50,000-entry file
   (every entry new, so the re-screening compares all of them), then a newer file that
   changes 500 entries and adds the names of 25 investors (the re-screening compares only
   those): wall time and SQL queries of each load and each re-screening.

Names are synthetic (random syllables, first syllables drawn with a skewed, Zipf-like
weight so that some blocks are much larger than others, as with real names).

    .venv/bin/python bench/rescreen.py                 # SQLite in memory
    DATABASE_URL=postgres://... .venv/bin/python bench/rescreen.py   # test_<name>, dropped after
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.pop(0)  # bench/ itself: bench/http.py would hide the standard library's http
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xstocks_site.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

ENTRIES = 50_000
ALIASES_PER_ENTRY = 1
INVESTORS = 10_000
PLANTED = 25  # investors whose names the newer list adds
CHANGED = 500  # entries the newer list changes
THRESHOLD = 85

rng = random.Random(17)
CONSONANTS = "bcdfghjklmnprstvwyz"
VOWELS = "aeiou"
SYLLABLES = [c + v for c in CONSONANTS for v in VOWELS] + list(VOWELS)
# Zipf-like weights: a few first syllables are very common, most are rare.
WEIGHTS = [1 / (rank + 1) ** 0.9 for rank in range(len(SYLLABLES))]
rng.shuffle(WEIGHTS)


def word() -> str:
    first = rng.choices(SYLLABLES, WEIGHTS)[0]
    rest = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 3)))
    return (first + rest).title()


def name() -> str:
    return " ".join(word() for _ in range(rng.choice((2, 2, 3))))


def entities(count: int) -> list[dict]:
    return [
        {
            "id": f"NK-{i}",
            "schema": "Person",
            "properties": {
                "name": [name()],
                "alias": [name() for _ in range(ALIASES_PER_ENTRY)],
                "birthDate": [f"{rng.randint(1940, 2000)}-01-01"],
                "nationality": [rng.choice(["ru", "ir", "kp", "sy", "by", "cu"])],
            },
            "last_change": "2026-01-10T00:00:00",
        }
        for i in range(count)
    ]


def write(path: Path, items: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(e) for e in items) + "\n", encoding="utf-8")
    return path


def measure(fn):
    with CaptureQueriesContext(connection) as ctx:
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
    return result, elapsed, len(ctx.captured_queries)


def investors() -> list[tuple[str, date]]:
    return [(name(), date(rng.randint(1950, 2004), 5, 17)) for _ in range(INVESTORS)]


def matching_only(listed: list[dict], people: list[tuple[str, date]]) -> None:
    from apps.onboarding import sanctions

    candidates = [
        sanctions.Candidate(i, n, (), (), sanctions.normalize_name(n))
        for i, e in enumerate(listed)
        for n in [*e["properties"]["name"], *e["properties"]["alias"]]
    ]
    planted = {i: listed[i]["properties"]["name"][0] for i in range(PLANTED)}
    queries = [
        sanctions.Query(
            key=k, name=planted.get(k, n), date_of_birth=None, nationalities=frozenset()
        )
        for k, (n, _born) in enumerate(people)
    ]
    blocks_c: dict[str, int] = {}
    for c in candidates:
        for b in sanctions._blocks(c.normalized):
            blocks_c[b] = blocks_c.get(b, 0) + 1
    blocks_q: dict[str, int] = {}
    for q in queries:
        for b in sanctions._blocks(sanctions.normalize_name(q.name)):
            blocks_q[b] = blocks_q.get(b, 0) + 1
    scored = sum(n * blocks_c.get(b, 0) for b, n in blocks_q.items())
    largest = max(blocks_c.values())
    start = time.perf_counter()
    found = sanctions.match_many(queries=queries, candidates=candidates, threshold=THRESHOLD)
    elapsed = time.perf_counter() - start
    missed = [k for k in planted if k not in found]
    print(
        f"matching: {len(queries):,} investors x {len(candidates):,} names "
        f"({len(listed):,} entries): {scored:,} pairs scored after blocking instead of "
        f"{len(queries) * len(candidates):,} ({scored / (len(queries) * len(candidates)):.2%}; "
        f"largest block {largest:,} names); {elapsed:.1f} s; {len(found)} investors with a "
        f"hit, {len(planted) - len(missed)}/{len(planted)} planted found"
    )


def whole_path(listed: list[dict], people: list[tuple[str, date]], tmp: Path) -> None:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from apps.onboarding.models import CaseState, Declaration, InvestorProfile, KycCase
    from apps.onboarding.services.rescreening import load_sanctions, rescreen

    User = get_user_model()
    users = User.objects.bulk_create(
        [User(username=f"investor{i}@bench.invalid") for i in range(INVESTORS)], batch_size=2000
    )
    now = timezone.now()
    profiles = InvestorProfile.objects.bulk_create(
        [
            InvestorProfile(user=u, full_name=n, email_verified_at=now)
            for u, (n, _b) in zip(users, people, strict=True)
        ],
        batch_size=2000,
    )
    declarations = Declaration.objects.bulk_create(
        [
            Declaration(
                profile=p,
                full_name=p.full_name,
                date_of_birth=born,
                residence_country="DE",
                citizenships=["DE"],
                tax_residences=["DE"],
                us_citizen=False,
                us_green_card=False,
                us_resident=False,
                us_tax_person=False,
                eligible=True,
            )
            for p, (_n, born) in zip(profiles, people, strict=True)
        ],
        batch_size=2000,
    )
    # Approved investors (written in bulk for the benchmark; the site moves cases only
    # through its state machine).
    KycCase.objects.bulk_create(
        [
            KycCase(
                user=d.profile.user,
                declaration=d,
                state=CaseState.APPROVED,
                decided_at=now,
                submitted_at=now,
            )
            for d in declarations
        ],
        batch_size=2000,
    )
    print(f"database: {connection.vendor}, {INVESTORS:,} approved investors")

    first = write(tmp / "v1.json", listed)
    load, t_load, q_load = measure(lambda: load_sanctions(path=first))
    counts, t_re, q_re = measure(lambda: rescreen(load_id=load.pk))
    print(
        f"first load: {load.added:,} entries added in {t_load:.1f} s ({q_load} queries); "
        f"re-screening {counts['entries_compared']:,} entries x {counts['investors']:,} "
        f"investors: {t_re:.1f} s ({q_re} queries), {counts['cases_reopened']} reviews opened"
    )
    newer = [dict(e) for e in listed]
    for i in rng.sample(range(len(newer)), CHANGED):
        props = dict(newer[i]["properties"])
        props["birthDate"] = [f"{rng.randint(1940, 2000)}-06-01"]
        newer[i] = {**newer[i], "properties": props, "last_change": "2026-02-01T00:00:00"}
    for k in range(PLANTED):
        full_name, born = people[k]
        newer.append(
            {
                "id": f"NEW-{k}",
                "schema": "Person",
                "properties": {"name": [full_name], "birthDate": [born.isoformat()]},
                "last_change": "2026-02-01T00:00:00",
            }
        )
    second = write(tmp / "v2.json", newer)
    load, t_load, q_load = measure(lambda: load_sanctions(path=second))
    counts, t_re, q_re = measure(lambda: rescreen(load_id=load.pk))
    print(
        f"newer load: {load.added} added, {load.changed} changed in {t_load:.1f} s "
        f"({q_load} queries); re-screening {counts['entries_compared']:,} entries x "
        f"{counts['investors']:,} investors: {t_re:.1f} s ({q_re} queries), "
        f"{counts['cases_reopened']} reviews opened (planted {PLANTED})"
    )


def main() -> None:
    listed = entities(ENTRIES)
    people = investors()
    matching_only(listed, people)
    with tempfile.TemporaryDirectory() as tmp:
        whole_path(listed, people, Path(tmp))


if __name__ == "__main__":
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        main()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
