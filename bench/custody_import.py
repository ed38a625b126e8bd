"""Benchmark: parse custody statements of 500, 4,000 and 16,000 holdings, and a page bomb.

Prints the wall time of parse_statement (no database) for semt.002 and CSV files; the
time per holding must stay flat (linear parsing: paths, duplicate checks). Also times
the 500-byte semt.002 that claims page 999,999,999 and prints its message length.
    .venv/bin/python bench/custody_import.py
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

from apps.custody.parsers import StatementError, parse_statement  # noqa: E402
from tests.factories import make_isin  # noqa: E402
from tests.reserves.helpers import semt002  # noqa: E402

SIZES = (500, 4000, 16000)
NS = "urn:iso:std:iso:20022:tech:xsd:semt.002.001.11"
PAGE_BOMB = f"""<?xml version="1.0"?>
<Document xmlns="{NS}"><SctiesBalCtdyRpt>
<Pgntn><PgNb>999999999</PgNb><LastPgInd>true</LastPgInd></Pgntn>
<StmtGnlDtls><StmtId>S</StmtId><StmtDtTm><Dt>2024-01-02</Dt></StmtDtTm></StmtGnlDtls>
<SfkpgAcct><Id>INC-001</Id></SfkpgAcct></SctiesBalCtdyRpt></Document>""".encode()


def csv_file(n: int) -> bytes:
    rows = [f"S1,2024-01-02,incore,INC-001,{make_isin(i)},{i + 1}" for i in range(n)]
    return (
        "statement_id,statement_date,custodian,account,isin,quantity\n" + "\n".join(rows)
    ).encode()


def timed(data: bytes) -> float:
    start = time.perf_counter()
    parse_statement(data)
    return time.perf_counter() - start


def main() -> None:
    print(f"{'holdings':>9} {'format':>8} {'bytes':>10} {'seconds':>8} {'us/holding':>11}")
    for n in SIZES:
        holdings = {make_isin(i): str(i + 1) for i in range(n)}
        for name, data in (
            ("semt.002", semt002(account="INC-001", holdings=holdings)),
            ("csv", csv_file(n)),
        ):
            seconds = timed(data)
            print(f"{n:>9} {name:>8} {len(data):>10} {seconds:>8.3f} {seconds / n * 1e6:>11.1f}")
    start = time.perf_counter()
    try:
        parse_statement(PAGE_BOMB)
    except StatementError as exc:
        message = str(exc)
    seconds = time.perf_counter() - start
    print(
        f"page bomb ({len(PAGE_BOMB)} bytes, PgNb 999999999): refused in {seconds * 1000:.1f} ms, "
        f"message {len(message)} chars: {message}"
    )


if __name__ == "__main__":
    main()
