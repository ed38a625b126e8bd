"""How long sanctions matching takes against a list the size of OFAC's SDN list.

Prints figures; asserts nothing. Run: .venv/bin/python bench/screening.py
"""

from __future__ import annotations

import random
import sys
import time
from datetime import date
from pathlib import Path

sys.path.pop(0)  # bench/ itself: bench/http.py would hide the standard library's http
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from apps.onboarding.sanctions import Candidate, normalize_name, score_candidates

ENTRIES = 18_000  # about the size of OFAC's SDN list
ALIASES_PER_ENTRY = 2
RUNS = 20

rng = random.Random(7)
syllables = ["al", "mo", "ha", "ra", "za", "ki", "pe", "tro", "va", "li", "na", "ser", "gei", "yu"]


def name() -> str:
    return " ".join(
        "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))).title() for _ in range(3)
    )


names = [(i, name()) for i in range(ENTRIES) for _ in range(1 + ALIASES_PER_ENTRY)]
# Names are normalised once when a list is loaded (SanctionsEntry.search_names).
candidates = [
    Candidate(i, n, (f"{rng.randint(1940, 2000)}-01-01",), ("IR",), normalize_name(n))
    for i, n in names
]
queries = [name() for _ in range(RUNS)]
start = time.perf_counter()
hits = 0
for query in queries:
    hits += len(
        score_candidates(
            name=query,
            date_of_birth=date(1985, 5, 17),
            nationalities={"DE"},
            candidates=candidates,
            threshold=85,
        )
    )
elapsed = time.perf_counter() - start
print(
    f"screening: {len(candidates)} names, {RUNS} screenings, "
    f"{elapsed / RUNS * 1000:.1f} ms per screening, {hits} hits"
)
