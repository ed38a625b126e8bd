"""Benchmark: load generated registries of 10, 700 and 2,000 tokens.

Prints wall time and SQL queries (reads and writes) of load_registry for a fresh load, a
reload with nothing changed and a reload that changes every token. Target: the same
number of queries at every size (bulk writes; SQLite splits large inserts in batches of
999 parameters, PostgreSQL does not).

Runs on a throw-away test database (SQLite in memory, or test_<name> with DATABASE_URL):
    .venv/bin/python bench/registry.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.pop(0)  # bench/ itself: bench/http.py would hide the standard library's http
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xstocks_site.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

SIZES = (10, 700, 2000)


def main() -> None:
    from apps.catalog.registry import load_registry
    from tests.catalog.test_registry_queries import registry

    print(f"database: {connection.vendor}")
    print(f"{'tokens':>6}  {'load':<22} {'wall ms':>9} {'reads':>6} {'writes':>7}")
    for n in SIZES:
        call_command("flush", interactive=False, verbosity=0)
        for label, doc in (
            ("fresh", registry(n)),
            ("unchanged", registry(n)),
            ("every token changed", registry(n, multiplier="1.5")),
        ):
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                load_registry(doc)
                elapsed = time.perf_counter() - start
            sql = [q["sql"].lstrip().upper() for q in ctx.captured_queries]
            reads = sum(s.startswith("SELECT") for s in sql)
            writes = sum(s.startswith(("INSERT", "UPDATE")) for s in sql)
            print(f"{n:>6}  {label:<22} {elapsed * 1000:>9.1f} {reads:>6} {writes:>7}")


if __name__ == "__main__":
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        main()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
