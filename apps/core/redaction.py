"""Node URLs without their secrets.

Providers put API keys in the user-info (`https://user:key@host`), in the path
(`https://x.quiknode.pro/<key>/`, `https://eth-mainnet.g.alchemy.com/v2/<key>`) or in the
query (`?api-key=`). Wherever a node URL is stored, shown or logged, only its scheme, host
and port are kept; messages raised by HTTP clients are scrubbed of the rest.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

MAX_MESSAGE_CHARS = 1000  # a stored or shown error message is cut to this
REDACTED = "***"
# A path or query part this long could be a key; shorter ones ("v2", "rpc") stay readable
# in the text they appear in only when they are not part of a configured URL.
MIN_SECRET_CHARS = 6
_URL_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{0,15}://[^\s'\"<>()\[\]{},]+")


def redact_url(url: str) -> str:
    """`scheme://host[:port]` of a URL: no user, password, path, query or fragment.

    Anything that does not parse as scheme://host gives "" (never the raw text).
    """
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return ""
    if not parts.scheme or not host:
        return ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


def _secret_parts(url: str) -> list[str]:
    try:
        parts = urlsplit(url.strip())
        # Reading the port raises on a garbled one; nothing then to pick out.
        parts.port  # noqa: B018
    except ValueError:
        return [url] if url else []
    found = []
    if parts.username:
        found.append(parts.username)
    if parts.password:
        found.append(parts.password)
    path = parts.path.strip("/")
    if path:
        found.append(parts.path)
        found += [seg for seg in path.split("/") if len(seg) >= MIN_SECRET_CHARS]
    if parts.query:
        found.append(parts.query)
        for pair in parts.query.split("&"):
            value = pair.partition("=")[2]
            if len(value) >= MIN_SECRET_CHARS:
                found.append(value)
    if parts.fragment:
        found.append(parts.fragment)
    found += [unquote(f) for f in found if unquote(f) != f]
    # Longest first, so a whole path goes before its segments.
    return sorted({f for f in found if f}, key=len, reverse=True)


def scrub(text: str, *, urls: Iterable[str] = (), limit: int = MAX_MESSAGE_CHARS) -> str:
    """`text` with every URL cut to scheme://host[:port] and every secret part of `urls`
    (user, password, path, query) replaced by ***, at most `limit` characters."""
    text = _URL_RE.sub(lambda m: redact_url(m.group(0)) or REDACTED, str(text))
    for url in urls:
        for secret in _secret_parts(url):
            text = text.replace(secret, REDACTED)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


class ScrubUrlsFilter(logging.Filter):
    """A logging filter that cuts every URL in a log line to scheme://host[:port], so a
    client library that logs its endpoint never writes a key to the logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "://" in message:
            record.msg = _URL_RE.sub(lambda m: redact_url(m.group(0)) or REDACTED, message)
            record.args = None
        return True
