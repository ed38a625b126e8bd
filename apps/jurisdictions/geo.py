"""Client IP and country: who is asking, from where.

REMOTE_ADDR is the client unless it is one of settings.TRUSTED_PROXIES; only then
is X-Forwarded-For read, right to left, and the first address that is not itself
a trusted proxy is the client. A header sent by anyone else is ignored.

An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the IPv4 address it maps. Tunnelled
forms (6to4, Teredo, NAT64, IPv4-compatible, ISATAP) name a relay or an address the
client chose, not where the client is: their country is unknown, and the gate
refuses unknown countries (locate()).
"""

from __future__ import annotations

import enum
import ipaddress
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import maxminddb
from django.conf import settings
from django.http import HttpRequest

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# IPv6 prefixes whose addresses carry an IPv4 address of a relay or translator.
TUNNELLED_NETWORKS = (
    ipaddress.ip_network("2002::/16"),  # 6to4
    ipaddress.ip_network("2001::/32"),  # Teredo
    ipaddress.ip_network("64:ff9b::/96"),  # NAT64, well-known prefix
    ipaddress.ip_network("64:ff9b:1::/48"),  # NAT64, local use
    ipaddress.ip_network("::/96"),  # IPv4-compatible (deprecated)
)
ISATAP_IDS = (0x00005EFE, 0x02005EFE)  # interface identifier's upper half: ISATAP


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


def client_ip_or_unknown(request: HttpRequest) -> str:
    """client_ip() for rate-limit keys, with every unparseable client counted as 0.0.0.0."""
    return client_ip(request) or "0.0.0.0"  # noqa: S104 - a key, not a bind address


def client_network(request: HttpRequest) -> str:
    """The client's address, or its /64 for IPv6: one host can rotate through a /64 at will,
    so limits count the network (django-axes reads this)."""
    address = _parse(client_ip(request) or "")
    if address is None:
        return "unknown"
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def tunnelled(address: IPAddress) -> bool:
    """True for IPv6 forms that embed an IPv4 address (see the module docstring)."""
    if address.version != 6 or address.is_loopback or address.is_unspecified:
        return False
    if any(address in network for network in TUNNELLED_NETWORKS):
        return True
    return (int(address) >> 32) & 0xFFFFFFFF in ISATAP_IDS


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


def _database() -> maxminddb.Reader | None:
    """The opened country database, or None when it is missing or unreadable."""
    try:
        return _reader(str(settings.GEOIP_DB_PATH))
    except (OSError, maxminddb.InvalidDatabaseError) as exc:
        log.warning("GEOIP_DB_PATH cannot be read (%s): every country is unknown", exc)
        return None


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


class Unknown(enum.Enum):
    """Why a request's country is unknown."""

    NO_ADDRESS = "the client address is missing or unreadable"
    TUNNELLED = "the address is a tunnelled IPv6 form (6to4, Teredo, NAT64 or similar)"
    NO_DATABASE = "the country database cannot be read"
    NOT_FOUND = "no country is known for the address"


@dataclass(frozen=True)
class Location:
    """Where a request comes from: a country, a private network, or unknown (with why)."""

    country: str = ""
    private: bool = False
    unknown: Unknown | None = None


def locate(ip: str | None) -> Location:
    """The country of a client address, for the gate; fails closed.

    Loopback and private addresses are `private` (the gate lets them through when
    GEOBLOCK_ALLOW_PRIVATE); anything whose country cannot be told is `unknown`.
    """
    address = _parse(ip or "")
    if address is None:
        return Location(unknown=Unknown.NO_ADDRESS)
    if tunnelled(address):
        return Location(unknown=Unknown.TUNNELLED)
    if (address.is_private or address.is_loopback) and not address.is_unspecified:
        return Location(private=True)
    if _database() is None:
        return Location(unknown=Unknown.NO_DATABASE)
    country = country_for_ip(str(address))
    return Location(country=country) if country else Location(unknown=Unknown.NOT_FOUND)


def country_for_ip(ip: str | None) -> str:
    """ISO 3166-1 alpha-2 country of an address, or "" when unknown.

    Reads both MaxMind's shape ({"country": {"iso_code": "US"}}, also
    "registered_country") and ip-location-db's ({"country_code": "US"}).
    Tunnelled IPv6 forms have no country (see the module docstring).
    """
    address = _parse(ip or "")
    if address is None or tunnelled(address):
        return ""
    reader = _database()
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
