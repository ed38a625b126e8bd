from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from django.core import mail

from apps.custody.services import import_statement
from tests.reserves.conftest import AAPL_ISIN, aapl_world  # noqa: F401  (fixture)
from tests.reserves.helpers import semt002

LINK = re.compile(r"https?://\S+/alerts/(?:confirm|unsubscribe)/[^/\s]+/")


def hold(quantity: str, statement_id: str) -> None:
    """A custodian statement of INC-001 holding `quantity` AAPL shares."""
    import_statement(
        data=semt002(account="INC-001", holdings={AAPL_ISIN: quantity}, statement_id=statement_id)
    )


def mails_to(address: str) -> list[mail.EmailMessage]:
    return [m for m in mail.outbox if m.to == [address]]


def link_in(message: mail.EmailMessage) -> str:
    """The path of the confirmation or unsubscribe link of an e-mail."""
    return urlsplit(LINK.search(message.body).group(0)).path


@pytest.fixture
def subscribe(client, django_capture_on_commit_callbacks) -> Callable[..., str]:
    """subscribe(address, symbol="", confirm=True): through the public pages, as a reader
    would: the form, the confirmation e-mail, its link and the button. Returns the
    confirmation link's path."""

    def run(address: str, symbol: str = "", *, confirm: bool = True) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/alerts/", {"email": address, "token": symbol})
        assert response.status_code == 302 and response["Location"] == "/alerts/sent/"
        path = link_in(mails_to(address)[-1])
        if confirm:
            assert client.post(path).status_code == 200
        return path

    return run
