from __future__ import annotations

import pytest

from apps.core.redaction import MAX_MESSAGE_CHARS, redact_url, scrub

KEYED = [
    ("https://x.quiknode.pro/0123456789abcdef/", "https://x.quiknode.pro"),
    ("https://eth-mainnet.g.alchemy.com/v2/AbCdEfGh123", "https://eth-mainnet.g.alchemy.com"),
    ("https://user:s3cret@node.example:8545/rpc?api-key=K3Y", "https://node.example:8545"),
    ("http://[::1]:8899/?token=abc", "http://[::1]:8899"),
    ("http://127.0.0.1:8545", "http://127.0.0.1:8545"),
]


@pytest.mark.parametrize(("url", "shown"), KEYED)
def test_a_node_url_keeps_scheme_host_and_port_only(url, shown):
    assert redact_url(url) == shown


@pytest.mark.parametrize("url", ["not a url", "", "http://host:99999999/", "//no-scheme/x"])
def test_what_does_not_parse_is_never_shown_raw(url):
    assert redact_url(url) == ""


def test_scrub_removes_urls_and_their_parts_from_client_messages():
    url = "https://user:pa55word@eth-mainnet.g.alchemy.com/v2/AbCdEfGh123?key=QueryKey99"
    # What requests says when a connection fails: the path alone, without the host.
    message = (
        "HTTPSConnectionPool(host='eth-mainnet.g.alchemy.com', port=443): Max retries "
        "exceeded with url: /v2/AbCdEfGh123?key=QueryKey99 (Caused by ...) while asking "
        f"{url}"
    )
    text = scrub(message, urls=[url])
    for secret in ("AbCdEfGh123", "QueryKey99", "pa55word", "user:"):
        assert secret not in text
    assert "https://eth-mainnet.g.alchemy.com" in text


def test_scrub_bounds_the_message():
    assert len(scrub("x" * 100_000)) == MAX_MESSAGE_CHARS
