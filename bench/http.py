"""Benchmark: every public page and API answer over HTTP, as production serves it.

Starts gunicorn (2 sync workers) with the production settings (XSTOCKS_ENV=production, a
random SECRET_KEY, behind a TLS proxy: X-Forwarded-Proto) on a database it makes:
a SQLite file in a temporary folder, or test_<name> on PostgreSQL when DATABASE_URL is
set; the cache is a private redis-server on a free port, or REDIS_CACHE_URL when set.
It loads the demo data: the shipped registry (data/registry.json) plus synthetic tokens up
to --tokens, with SYNTHETIC supply readings, custodian statements, backing snapshots and
SIMULATED prices (the markets simulator). Then, with wrk on loopback (`make bench-deps`):

1. each answer warm, anonymous, gzip accepted, --connections connections for --seconds,
   beside /bench/ok ("ok" through the same middleware) measured before and after each
   answer (--trivial-seconds): requests/s, p50, p99 and the ratio to the mean of its two
   neighbouring trivial runs (targets: >= 0.5 and p99 < 100 ms);
2. a soak: --soak-connections connections for --soak-seconds over every answer while
   prices are published every MARKETS_SYNC_SECONDS, counting 5xx and socket errors;
3. during the soak, how long a new price and a new supply reading take to show on the
   token page served by gunicorn (target: within one sync interval).

    .venv/bin/python bench/http.py                # 700 tokens, 8 s an answer, 60 s soak
    .venv/bin/python bench/http.py --quick        # 2 s an answer, 15 s soak
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# This file is named http.py: with bench/ on the path it would hide the standard library's
# http package, so the repository takes bench/'s place.
sys.path.pop(0)
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import os  # noqa: E402
import secrets  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402
from decimal import Decimal  # noqa: E402
from urllib.parse import urlsplit, urlunsplit  # noqa: E402

VENV_BIN = ROOT / ".venv" / "bin"
TRIVIAL = "/bench/ok"
SYMBOL = "AAPLx"
ANSWERS = [
    "/",
    "/tokens/",
    "/tokens/?q=apple",
    "/tokens/?page=2",
    f"/tokens/{SYMBOL}/",
    f"/tokens/{SYMBOL}/live/",
    f"/tokens/{SYMBOL}/chart/?range=1D",
    "/transparency/",
    f"/transparency/{SYMBOL}/",
    "/status/",
    "/api/v1/tokens/",
    f"/api/v1/tokens/{SYMBOL}/",
    "/api/v1/prices/",
    "/api/v1/reserves/",
    f"/api/v1/tokens/{SYMBOL}/reserves/",
    f"/api/v1/tokens/{SYMBOL}/reserves/history/",
    f"/api/v1/tokens/{SYMBOL}/prices/",
    "/api/v1/oracle/",
    "/api/schema/",
    "/compare/",
    "/transparency/feed/",
    f"/transparency/{SYMBOL}/badge.svg",
]
HEADERS = {"Accept-Encoding": "gzip", "X-Forwarded-Proto": "https"}
SYNTHETIC_SUPPLY = Decimal(10_000)  # tokens per deployment, synthetic
TARGET_RATIO = 0.5
TARGET_P99_MS = 100

# Each request from another reader: X-Forwarded-For (believed from the proxy 127.0.0.1) names
# one of 65,536 documentation-prefix IPv6 networks, so the API throttle counts readers, not
# the bench.
READERS_LUA = """
local reader = 0
function next_reader()
  reader = reader + 1
  wrk.headers["X-Forwarded-For"] = string.format("2001:db8:%x::1", reader % 65536)
end
"""
RESULT_LUA = (
    READERS_LUA
    + """
function init(args) reader = math.random(0, 65535) end
function request()
  next_reader()
  return wrk.format(nil, wrk.path)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %.1f %.1f\\n", summary.requests,
    summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99)))
end
"""
)

SOAK_LUA = (
    READERS_LUA.replace("%", "%%")
    + """
local threads = {}
local paths = {%(paths)s}
function setup(thread) table.insert(threads, thread) end
function init(args) n = 0; fivexx = 0; other = 0; reader = math.random(0, 65535) end
function request()
  n = n + 1
  next_reader()
  return wrk.format("GET", paths[(n %% #paths) + 1])
end
function response(status, headers, body)
  if status >= 500 then fivexx = fivexx + 1
  elseif status >= 400 then other = other + 1 end
end
function done(summary, latency, requests)
  local f, o = 0, 0
  for _, t in ipairs(threads) do f = f + t:get("fivexx"); o = o + t:get("other") end
  local e = summary.errors
  io.write(string.format("SOAK %%d %%d %%d %%d %%d %%.1f %%.1f %%d\\n", summary.requests,
    summary.duration, e.connect + e.read + e.write, f, o,
    latency:percentile(50), latency:percentile(99), e.timeout))
end
"""
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_for(url: str, *, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(request(url), timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {timeout:.0f} s")


def request(url: str) -> urllib.request.Request:
    return urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})


def fetch(url: str) -> str:
    with urllib.request.urlopen(request(url), timeout=10) as r:
        return r.read().decode()


def environment(args: argparse.Namespace, work: Path) -> tuple[dict[str, str], list]:
    """The production environment of the bench; returns it and the processes it started."""
    started = []
    env = {
        "XSTOCKS_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "TRUSTED_PROXIES": "127.0.0.1",
        "SECURE_PROXY_SSL_HEADER": "true",
        "XSTOCKS_VAR_DIR": str(work / "var"),
        "STATIC_ROOT": str(work / "static"),
        "MEDIA_ROOT": str(work / "media"),
        "CUSTODY_INBOX_DIR": str(work / "inbox"),
        "KYC_STORAGE_DIR": str(work / "kyc"),
        "MARKETS_SOURCES": "simulator",
        "CELERY_TASK_ALWAYS_EAGER": "true",
        # One client address sends everything: the API throttle must not be what is measured.
        "API_ANON_RATE": "1000000000/second",
        "LOG_LEVEL": "WARNING",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "DJANGO_SETTINGS_MODULE": "bench.http_site.settings",
    }
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        env["DATABASE_URL"] = f"sqlite:///{work / 'db.sqlite3'}"
    if not os.environ.get("REDIS_CACHE_URL"):
        redis = shutil.which("redis-server")
        if not redis:
            raise SystemExit("redis-server not found: `make bench-deps`, or set REDIS_CACHE_URL")
        port = free_port()
        started.append(
            subprocess.Popen(
                [
                    redis,
                    "--port",
                    str(port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(work),
                ],
                stdout=subprocess.DEVNULL,
            )
        )
        env["REDIS_CACHE_URL"] = f"redis://127.0.0.1:{port}/0"
    os.environ.update(env)
    return env, started


def load_demo_data(tokens: int) -> None:
    """The shipped registry plus synthetic tokens; synthetic supply, statements, snapshots;
    simulated prices."""
    import datetime as dt

    from django.core.management import call_command
    from django.utils import timezone

    from apps.catalog.models import Chain, CustodyAccount, Deployment, Token
    from apps.chains.models import SupplyObservation
    from apps.core.models import JobRun
    from apps.custody.services import import_statement
    from apps.markets.services import sync_prices
    from apps.reserves.services import compute_snapshots
    from tests.reserves.helpers import make_backed_catalog

    call_command("load_registry", str(ROOT / "data" / "registry.json"), verbosity=0)
    real = list(Token.objects.select_related("security").order_by("pk"))
    accounts = list(
        CustodyAccount.objects.filter(issuer_id__in={t.issuer_id for t in real}).select_related(
            "custodian"
        )
    )
    now = timezone.now()
    deployments = list(Deployment.objects.filter(token__in=real))
    SupplyObservation.objects.bulk_create(
        SupplyObservation(
            deployment=d,
            block_number=1,
            block_hash=f"0x{d.pk:064x}",
            raw_supply=SYNTHETIC_SUPPLY * Decimal(10) ** d.decimals,
            decimals=d.decimals,
            observed_at=now,
        )
        for d in deployments
    )
    per_token: dict[int, int] = {}
    for d in deployments:
        per_token[d.token_id] = per_token.get(d.token_id, 0) + 1
    # The registry's custodians hold the shares 60/40 (rounded up to whole shares).
    for i, account in enumerate(accounts):
        share = Decimal("0.6") if i == 0 else Decimal("0.4") / max(len(accounts) - 1, 1)
        lines = ["statement_id,statement_date,custodian,account,isin,quantity"]
        for t in real:
            if not t.security.isin:
                continue  # not published: no custodian line can name it
            required = SYNTHETIC_SUPPLY * per_token.get(t.pk, 0) * t.multiplier
            quantity = (required * share).to_integral_value(rounding="ROUND_CEILING")
            lines.append(
                f"SYN-{account.account_id}-1,{now.date()},{account.custodian.slug},"
                f"{account.account_id},{t.security.isin},{quantity}"
            )
        import_statement(data="\n".join(lines).encode(), source_name="synthetic.csv")
    if tokens > len(real):
        make_backed_catalog(tokens - len(real), start=0)  # synthetic B<n>x tokens
    compute_snapshots(tokens=Token.objects.select_related("issuer", "security"))
    sync_prices(at=now - dt.timedelta(days=1))
    sync_prices()
    for slug in Chain.objects.values_list("slug", flat=True):
        JobRun.start(job="sync_supply", scope=slug, node="http://127.0.0.1").finish(
            deployments=len(deployments), created=len(deployments), block=1
        )


def wrk(url: str, *, connections: int, seconds: int, script: Path) -> str:
    threads = min(2, connections)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "-s", str(script)]
    for name, value in HEADERS.items():
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run(
        [*command, url], capture_output=True, text=True, timeout=seconds + 60, check=True
    )
    return done.stdout


def measure(
    base: str, path: str, args: argparse.Namespace, script: Path, *, seconds: int | None = None
) -> dict:
    fetch(base + path)  # warm: the first answer is built, the rest come from the cache
    out = wrk(
        base + path,
        connections=args.connections,
        seconds=seconds or args.seconds,
        script=script,
    )
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    n, duration, errors, bad_status, p50, p99 = line.split()[1:]
    return {
        "path": path,
        "rps": int(n) / (int(duration) / 1e6),
        "p50": float(p50) / 1000,
        "p99": float(p99) / 1000,
        "errors": int(errors),
        "bad": int(bad_status),
    }


def publish_price(symbol: str, bump: Decimal) -> str:
    """A new simulated price for the token (within the jump band); returns it as text."""
    import datetime as dt

    from django.utils import timezone

    from apps.core.formatting import decimal_text
    from apps.markets.models import Quote
    from apps.markets.services import record_quotes
    from apps.markets.sources import PriceQuote

    last = Quote.objects.filter(token__symbol=symbol).order_by("-time").first()
    price = (last.price * bump).quantize(Decimal("0.0001"))
    now = timezone.now()
    record_quotes(
        quotes=[
            PriceQuote(
                kind="token",
                key=symbol,
                price=price,
                time=now,
                source="simulator",
                max_age=dt.timedelta(minutes=15),
            )
        ],
        received_at=now,
    )
    return decimal_text(price)


def publish_supply(symbol: str) -> str:
    """A new synthetic supply reading of the token's first deployment, written as the
    supply sync writes it (bump and signal after commit); returns the supply as text."""
    from django.db import transaction
    from django.utils import timezone

    from apps.chains.models import SupplyObservation
    from apps.chains.signals import supply_synced
    from apps.chains.versions import bump_supply_version
    from apps.core.formatting import decimal_text
    from apps.core.models import JobRun

    latest = (
        SupplyObservation.objects.filter(deployment__token__symbol=symbol)
        .select_related("deployment")
        .order_by("deployment_id", "-block_number")
        .first()
    )
    d = latest.deployment
    raw = latest.raw_supply + Decimal(7) * Decimal(10) ** d.decimals
    with transaction.atomic():
        SupplyObservation.objects.create(
            deployment=d,
            block_number=latest.block_number + 1,
            block_hash=f"0x{latest.block_number + 1:064x}",
            raw_supply=raw,
            decimals=d.decimals,
            observed_at=timezone.now(),
        )
        transaction.on_commit(bump_supply_version)
        transaction.on_commit(
            lambda: supply_synced.send(sender=JobRun, chain=d.chain, token_ids=[d.token_id])
        )
    return decimal_text(raw / Decimal(10) ** d.decimals)


def time_to_show(url: str, text: str, *, limit: float) -> float | None:
    start = time.monotonic()
    while time.monotonic() - start < limit:
        if text in fetch(url):
            return time.monotonic() - start
        time.sleep(0.02)
    return None


def soak(base: str, args: argparse.Namespace, work: Path, sync_seconds: int) -> dict:
    """Every answer under load while prices keep changing; and how soon changes show."""
    paths = ", ".join(f'"{p}"' for p in [TRIVIAL, *ANSWERS])
    script = work / "soak.lua"
    script.write_text(SOAK_LUA % {"paths": paths})
    stop = threading.Event()
    published = []

    def keep_publishing() -> None:
        from django.db import connections

        while not stop.wait(sync_seconds):
            published.append(publish_price(SYMBOL, Decimal("1.0001")))
        connections.close_all()

    # A reader waits up to 10 s (wrk's own default is 2 s); slower answers count as timeouts.
    command = [
        "wrk",
        "-t2",
        f"-c{args.soak_connections}",
        f"-d{args.soak_seconds}s",
        "--timeout",
        "10s",
    ]
    for name, value in HEADERS.items():
        command += ["-H", f"{name}: {value}"]
    load = subprocess.Popen(
        [*command, "-s", str(script), base + "/"], stdout=subprocess.PIPE, text=True
    )
    writer = threading.Thread(target=keep_publishing, daemon=True)
    writer.start()
    time.sleep(min(5, args.soak_seconds / 4))
    price = publish_price(SYMBOL, Decimal("1.0002"))
    price_delay = time_to_show(
        f"{base}/tokens/{SYMBOL}/", f'data-price="{price}"', limit=3 * sync_seconds
    )
    supply = publish_supply(SYMBOL)
    supply_delay = time_to_show(
        f"{base}/tokens/{SYMBOL}/", f'data-supply="{supply}"', limit=3 * sync_seconds
    )
    out, _ = load.communicate(timeout=args.soak_seconds + 60)
    stop.set()
    writer.join(timeout=sync_seconds + 5)
    line = next(x for x in out.splitlines() if x.startswith("SOAK"))
    n, duration, errors, fivexx, fourxx, p50, p99, timeouts = line.split()[1:]
    return {
        "requests": int(n),
        "rps": int(n) / (int(duration) / 1e6),
        "errors": int(errors),
        "timeouts": int(timeouts),
        "5xx": int(fivexx),
        "4xx": int(fourxx),
        "p50": float(p50) / 1000,
        "p99": float(p99) / 1000,
        "prices_published": len(published) + 1,
        "price_delay": price_delay,
        "supply_delay": supply_delay,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tokens", type=int, default=700)
    parser.add_argument("--seconds", type=int, default=8, help="load per answer")
    parser.add_argument("--trivial-seconds", type=int, default=4, help="trivial view, each time")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--soak-seconds", type=int, default=60)
    parser.add_argument("--soak-connections", type=int, default=64)
    parser.add_argument("--port", type=int, default=8113)
    parser.add_argument("--quick", action="store_true", help="2 s an answer, 15 s soak")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.trivial_seconds, args.soak_seconds = 2, 1, 15
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found: run `make bench-deps` (Debian's wrk)")
    port = args.port if port_is_free(args.port) else free_port()
    work = Path(tempfile.mkdtemp(prefix="xstocks-http-bench-"))
    env, started = environment(args, work)
    test_db = None
    gunicorn = None
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection

        if connection.vendor == "postgresql":
            test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
            parts = urlsplit(os.environ["DATABASE_URL"])
            name = connection.settings_dict["NAME"]
            env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
        else:
            call_command("migrate", verbosity=0, interactive=False)
        t0 = time.monotonic()
        load_demo_data(args.tokens)
        call_command("collectstatic", verbosity=0, interactive=False)
        setup_seconds = time.monotonic() - t0
        gunicorn = subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                "xstocks_site.wsgi",
                "--workers",
                str(args.workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--chdir",
                str(ROOT),
                "--log-level",
                "warning",
            ],
            env={**os.environ, **env},
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        wait_for(base + TRIVIAL)
        from apps.catalog.models import Token

        print(
            f"database: {connection.vendor}; cache: redis; gunicorn {args.workers} sync workers;"
            f" wrk {args.connections} connections, {args.seconds} s an answer, gzip accepted"
        )
        print(
            f"demo data: {Token.objects.count()} tokens (data/registry.json + synthetic B<n>x),"
            f" SYNTHETIC supply and statements, SIMULATED prices; set up in {setup_seconds:.0f} s"
        )
        script = work / "result.lua"
        script.write_text(RESULT_LUA)
        # The machine is shared: the trivial view is measured before and after every
        # answer, and each answer is compared with the mean of its two neighbours.
        trivials = [measure(base, TRIVIAL, args, script, seconds=args.trivial_seconds)]
        rows = []
        for path in ANSWERS:
            rows.append(measure(base, path, args, script))
            trivials.append(measure(base, TRIVIAL, args, script, seconds=args.trivial_seconds))
        print(
            f"\n{'answer':<44} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'trivial':>8}"
            f" {'ratio':>6} {'errors':>6}  target"
        )
        low = min(trivials, key=lambda t: t["rps"])
        high = max(trivials, key=lambda t: t["rps"])
        print(
            f"{TRIVIAL + ' (trivial)':<44} {low['rps']:>5.0f}-{high['rps']:<5.0f}"
            f" p50 {low['p50']:.1f}-{high['p50']:.1f} ms, p99 up to"
            f" {max(t['p99'] for t in trivials):.1f} ms, {len(trivials)} runs"
        )
        for row, before, after in zip(rows, trivials, trivials[1:], strict=False):
            trivial = (before["rps"] + after["rps"]) / 2
            ratio = row["rps"] / trivial
            ok = ratio >= TARGET_RATIO and row["p99"] < TARGET_P99_MS and not row["bad"]
            print(
                f"{row['path']:<44} {row['rps']:>8.0f} {row['p50']:>7.1f} {row['p99']:>7.1f}"
                f" {trivial:>8.0f} {ratio:>6.2f} {row['errors'] + row['bad']:>6}"
                f"  {'ok' if ok else 'MISSED'}"
            )
        sync = settings.MARKETS_SYNC_SECONDS
        s = soak(base, args, work, sync)
        print(
            f"\nsoak: {args.soak_connections} connections for {args.soak_seconds} s over every"
            f" answer, a new price every {sync} s ({s['prices_published']} published):"
            f" {s['requests']} requests, {s['rps']:.0f}/s, p50 {s['p50']:.1f} ms,"
            f" p99 {s['p99']:.1f} ms, 5xx {s['5xx']}, 4xx {s['4xx']}, socket errors {s['errors']},"
            f" over 10 s {s['timeouts']}"
        )
        for what, delay in (("price", s["price_delay"]), ("supply", s["supply_delay"])):
            shown = f"{delay * 1000:.0f} ms" if delay is not None else f"not within {3 * sync} s"
            verdict = "ok" if delay is not None and delay <= sync else "MISSED"
            print(
                f"a new {what} showed on /tokens/{SYMBOL}/ (gunicorn, under the soak) after"
                f" {shown} (target: within one sync interval, {sync} s): {verdict}"
            )
        bad_soak = s["5xx"] or s["errors"] or s["4xx"] or s["timeouts"]
        return 1 if bad_soak else 0
    finally:
        if gunicorn is not None:
            os.killpg(gunicorn.pid, signal.SIGTERM)
            gunicorn.wait(timeout=30)
        for process in started:
            process.terminate()
            process.wait(timeout=10)
        if test_db is not None:
            from django.db import connection, connections

            connections.close_all()
            connection.creation.destroy_test_db(test_db, verbosity=0)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
