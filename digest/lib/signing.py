"""Signed links in emails: one salt per purpose, tied to a subscriber's rotating secret.

A token carries the subscriber id and secret (and for unsubscribe, the list). Deleting
the subscriber or rotating its secret revokes every link already sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing


class TokenError(Exception):
    """A link that cannot be honoured; ``expired`` says which message to show."""

    def __init__(self, *, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


PURPOSES = ("confirm", "preferences", "unsubscribe")


@dataclass(frozen=True)
class LinkToken:
    subscriber_id: int
    secret: str
    list_name: str = ""


def _signer(purpose: str) -> signing.TimestampSigner:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    return signing.TimestampSigner(salt=f"digest.subscriptions.{purpose}")


def token_make(*, purpose: str, subscriber_id: int, secret: str, list_name: str = "") -> str:
    payload: list[object] = [subscriber_id, secret, *([list_name] if list_name else [])]
    return _signer(purpose).sign_object(payload)


def token_read(*, purpose: str, token: str, max_age: int | None = None) -> LinkToken:
    """Verify and decode; raises TokenError(expired=…) for an old, tampered or foreign token."""
    try:
        payload = _signer(purpose).unsign_object(token, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise TokenError(expired=True) from exc
    except (signing.BadSignature, ValueError, UnicodeDecodeError) as exc:
        raise TokenError(expired=False) from exc
    if not (isinstance(payload, list) and len(payload) in (2, 3)):
        raise TokenError(expired=False)
    subscriber_id, secret, *rest = payload
    if not isinstance(subscriber_id, int) or not isinstance(secret, str):
        raise TokenError(expired=False)
    list_name = str(rest[0]) if rest else ""
    return LinkToken(subscriber_id=subscriber_id, secret=secret, list_name=list_name)
