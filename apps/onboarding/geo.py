"""Client IP and country: who is asking, from where.

REMOTE_ADDR is the client unless it is one of settings.TRUSTED_PROXIES; only then
is X-Forwarded-For read, right to left, and the first address that is not itself
a trusted proxy is the client. A header sent by anyone else is ignored.
"""

from __future__ import annotations

import ipaddress
import logging
from functools import lru_cache
from pathlib import Path

import maxminddb
from django.conf import settings
from django.http import HttpRequest

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=8)
def _networks(
    proxies: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _parse(value: str) -> IPAddress | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.7:5555"
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _trusted(address: IPAddress) -> bool:
    return any(address in net for net in _networks(tuple(settings.TRUSTED_PROXIES)))


def client_ip(request: HttpRequest) -> str | None:
    """The client's address as text, or None when REMOTE_ADDR is missing or garbled."""
    remote = _parse(request.META.get("REMOTE_ADDR", ""))
    if remote is None:
        return None
    if not _trusted(remote):
        return str(remote)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for part in reversed(forwarded.split(",")):
        address = _parse(part)
        if address is None:
            # A garbled hop: stop trusting the chain and use the last good address.
            break
        if not _trusted(address):
            return str(address)
        remote = address
    return str(remote)


def truncate_ip(ip: str | None) -> str:
    """The /24 (IPv4) or /48 (IPv6) network of an address, e.g. 203.0.113.0/24."""
    address = _parse(ip or "")
    if address is None:
        return ""
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


@lru_cache(maxsize=4)
def _reader(path: str) -> maxminddb.Reader | None:
    if not Path(path).is_file():
        log.warning("GEOIP_DB_PATH %s does not exist: every country is unknown", path)
        return None
    return maxminddb.open_database(path)


def country_database_error() -> str:
    """Why the country database at GEOIP_DB_PATH cannot be used, or "" when it can."""
    path = str(settings.GEOIP_DB_PATH)
    try:
        reader = _reader(path)
    except (OSError, maxminddb.InvalidDatabaseError) as exc:
        return f"GEOIP_DB_PATH {path}: {exc}"
    if reader is None:
        return f"GEOIP_DB_PATH {path} does not exist"
    return ""


def reset_reader_cache() -> None:
    """Forget opened databases (after GEOIP_DB_PATH changes, e.g. in tests)."""
    _reader.cache_clear()


def country_for_ip(ip: str | None) -> str:
    """ISO 3166-1 alpha-2 country of an address, or "" when unknown.

    Reads both MaxMind's shape ({"country": {"iso_code": "US"}}, also
    "registered_country") and ip-location-db's ({"country_code": "US"}).
    """
    address = _parse(ip or "")
    if address is None:
        return ""
    reader = _reader(str(settings.GEOIP_DB_PATH))
    if reader is None:
        return ""
    try:
        record = reader.get(str(address))
    except ValueError:  # an IPv6 address in an IPv4-only database
        return ""
    if not isinstance(record, dict):
        return ""
    code = record.get("country_code")
    if not code:
        for key in ("country", "registered_country"):
            part = record.get(key)
            if isinstance(part, dict) and part.get("iso_code"):
                code = part["iso_code"]
                break
    return str(code).upper() if code else ""
