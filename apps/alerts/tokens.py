"""Signed links of the alert e-mails: confirm a subscription, unsubscribe an address.

Both carry the row id and a digest of the address, signed with SECRET_KEY (django.core.signing):
a link works only for the address it was sent to, and cannot be made for another one.
Confirmation links expire after ALERTS_CONFIRM_DAYS; unsubscribe links do not (an old e-mail
must still let its reader leave).
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext

CONFIRM_SALT = "apps.alerts.confirm"
UNSUBSCRIBE_SALT = "apps.alerts.unsubscribe"
MAX_TOKEN_CHARS = 200  # a longer token in a URL is refused unread


class BadLink(Exception):
    """The link is malformed, tampered with or expired."""


def _address_digest(email: str) -> str:
    return hashlib.sha256(email.encode()).hexdigest()[:16]


def confirm_token(*, subscription_id: int, email: str) -> str:
    return signing.dumps([subscription_id, _address_digest(email)], salt=CONFIRM_SALT)


def unsubscribe_token(*, subscriber_id: int, email: str) -> str:
    return signing.dumps([subscriber_id, _address_digest(email)], salt=UNSUBSCRIBE_SALT)


def _load(token: str, *, salt: str, max_age: int | None) -> tuple[int, str]:
    if len(token) > MAX_TOKEN_CHARS:
        raise BadLink(gettext("link too long"))
    try:
        value = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise BadLink(gettext("link expired")) from None
    except signing.BadSignature:
        raise BadLink(gettext("link not valid")) from None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not isinstance(value[0], int)
        or not isinstance(value[1], str)
    ):
        raise BadLink(gettext("link not valid"))
    return value[0], value[1]


def read_confirm_token(token: str) -> tuple[int, str]:
    """(subscription id, address digest); BadLink when not valid or older than
    ALERTS_CONFIRM_DAYS."""
    return _load(token, salt=CONFIRM_SALT, max_age=settings.ALERTS_CONFIRM_DAYS * 86400)


def read_unsubscribe_token(token: str) -> tuple[int, str]:
    """(subscriber id, address digest); BadLink when not valid."""
    return _load(token, salt=UNSUBSCRIBE_SALT, max_age=None)


def matches(email: str, digest: str) -> bool:
    return hmac.compare_digest(_address_digest(email), digest)
