"""Build data/reference-prices.json: a dated public reference close per underlying, for the
demo world's simulated prices to start from (they stay labelled simulated).

The reference is the closing price of 2026-03-31 as SEC 13F filings report it: each filer
reports the market value and the number of shares it held at the quarter's end, so value /
shares is that day's close. The filings are read from the public repository
koushik83/Uber-Invest (data/holdings/<manager>/2026-Q1.json, SEC 13F holdings with CUSIPs)
at a fixed commit; an underlying is matched by the CUSIP inside its US ISIN, and a price is
kept only when at least two filers agree on it within 1 % (their median is kept).

    git clone https://github.com/koushik83/Uber-Invest /tmp/uber-invest
    .venv/bin/python bench/reference_prices.py /tmp/uber-invest [--commit SHA]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPO = "koushik83/Uber-Invest"
QUARTER = "2026-Q1"
AGREE = Decimal("0.01")
CENT = Decimal("0.01")


def _git(clone: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(clone), *args], capture_output=True, text=True, check=True
    ).stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clone", type=Path, help="a git clone (or bare mirror) of " + REPO)
    parser.add_argument("--commit", default="HEAD")
    parser.add_argument(
        "-o", "--output", type=Path, default=ROOT / "data" / "reference-prices.json"
    )
    args = parser.parse_args()
    commit = _git(args.clone, "rev-parse", args.commit).strip()
    files = [
        f
        for f in _git(args.clone, "ls-tree", "-r", "--name-only", commit).split()
        if f.startswith("data/holdings/") and f.endswith(f"/{QUARTER}.json")
    ]
    prices: dict[str, list[tuple[Decimal, str]]] = defaultdict(list)
    report_dates = set()
    for path in files:
        filing = json.loads(_git(args.clone, "show", f"{commit}:{path}"))
        report_dates.add(filing.get("report_date"))
        for h in filing.get("holdings", []):
            if h.get("share_type") != "SH" or h.get("put_call"):
                continue
            if not h.get("shares") or not h.get("value"):
                continue
            price = Decimal(h["value"]) / Decimal(h["shares"])
            prices[h["cusip"].upper()].append((price, path))
    if len(report_dates) != 1:
        sys.exit(f"filings of more than one date: {sorted(report_dates)}")
    (date,) = report_dates
    registry = json.loads((ROOT / "data" / "registry.json").read_text())
    out: dict[str, dict] = {}
    not_found: list[str] = []
    for token in registry["tokens"]:
        u = token["underlying"]
        isin = u.get("isin")
        if not isin or u["ticker"] in {v["ticker"] for v in out.values()}:
            if not isin:
                not_found.append(u["ticker"])
            continue
        found = sorted(prices.get(isin[2:11], []))
        median = found[len(found) // 2][0] if found else None
        agreeing = [(p, f) for p, f in found if median and abs(p - median) / median < AGREE]
        if len(agreeing) < 2:
            not_found.append(u["ticker"])
            continue
        close = agreeing[len(agreeing) // 2][0].quantize(CENT)
        out[isin] = {
            "ticker": u["ticker"],
            "close": str(close),
            "date": date,
            "filings": len(agreeing),
            "source": f"{REPO}:{agreeing[0][1]}",
        }
    document = {
        "about": (
            "Reference closes for the demo world's simulated prices (labelled simulated): the "
            f"close of {date} as SEC 13F filings report it (market value / shares held at the "
            "quarter's end), kept where at least two filers agree within 1 %, median kept. "
            "Built by bench/reference_prices.py."
        ),
        "source": {
            "repo": REPO,
            "commit": commit,
            "path": f"data/holdings/<manager>/{QUARTER}.json",
        },
        "date": date,
        "prices": dict(sorted(out.items())),
        "not_found": sorted(set(not_found)),
    }
    args.output.write_text(json.dumps(document, indent=1) + "\n")
    print(f"{len(out)} reference closes of {date}; none found for {len(set(not_found))} tickers")


if __name__ == "__main__":
    main()
