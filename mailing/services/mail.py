"""Building emails: a subject/text/HTML template trio, signed links, list headers.

An edition is rendered once per distinct paper selection (``EditionRenderer``); each
subscriber's email is that rendering with their two signed links filled in.
"""

from __future__ import annotations

import binascii
import email.policy
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from html import escape

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import get_template
from django.urls import reverse
from django.utils.safestring import mark_safe

from digest.lib.signing import token_make
from mailing import selectors
from mailing.models import Edition, Subscriber
from mailing.personal import personal_part
from mailing.picks import DayPool, day_pool_build, picks_choose


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def sender_domain() -> str:
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"


def confirm_url(*, subscriber: Subscriber) -> str:
    token = token_make(purpose="confirm", subscriber_id=subscriber.pk, secret=subscriber.secret)
    return absolute_url(reverse("subscription_confirm", args=[token]))


def preferences_url(*, subscriber: Subscriber) -> str:
    token = token_make(purpose="preferences", subscriber_id=subscriber.pk, secret=subscriber.secret)
    return absolute_url(reverse("subscription_preferences", args=[token]))


def unsubscribe_token(*, subscriber: Subscriber, list_name: str) -> str:
    return token_make(
        purpose="unsubscribe",
        subscriber_id=subscriber.pk,
        secret=subscriber.secret,
        list_name=list_name,
    )


def list_headers(*, subscriber: Subscriber, list_name: str) -> tuple[str, dict[str, str]]:
    """The visible unsubscribe URL and the RFC 2369 / RFC 8058 headers that carry it."""
    token = unsubscribe_token(subscriber=subscriber, list_name=list_name)
    url = absolute_url(reverse("subscription_unsubscribe", args=[token]))
    targets = [f"<{url}>"]
    if settings.DIGEST_UNSUBSCRIBE_MAILTO:
        targets.append(
            f"<mailto:{settings.DIGEST_UNSUBSCRIBE_MAILTO}?subject=unsubscribe%20{token}>"
        )
    label = Subscriber.Lists(list_name).label
    headers = {
        "List-Unsubscribe": ", ".join(targets),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": f"{label} <{list_name.replace('_', '-')}.{sender_domain()}>",
        "Auto-Submitted": "auto-generated",
    }
    return url, headers


def render_trio(name: str, context: dict[str, object]) -> tuple[str, str, str]:
    """Subject (one line), text and HTML of ``templates/mailing/email/<name>*``."""
    subject = get_template(f"mailing/email/{name}_subject.txt").render(context)
    text = get_template(f"mailing/email/{name}.txt").render(context)
    html = get_template(f"mailing/email/{name}.html").render(context)
    return " ".join(subject.split()), text, html


def message_build(
    *,
    to: str,
    subject: str,
    text: str,
    html: str,
    headers: dict[str, str] | None = None,
    message_id: str = "",
) -> EmailMultiAlternatives:
    all_headers = {**(headers or {}), **({"Message-ID": message_id} if message_id else {})}
    message = EmailMultiAlternatives(subject, text, to=[to], headers=all_headers)
    message.attach_alternative(html, "text/html")
    return message


def delivery_message_id(*, edition: Edition, delivery_id: int) -> str:
    """Deterministic, so a copy sent again after a crash carries the same Message-ID."""
    return f"<{edition.key}.{delivery_id}@{sender_domain()}>"


# Per-subscriber slots in an edition rendered once: plain ASCII with no character that
# HTML escaping or quoted-printable encoding would change.
PREFERENCES_SLOT = "@@digest-preferences-url@@"
PERSONAL_SLOT = "@@digest-personal-part@@"  # the reader's own part (mailing.personal)
UNSUBSCRIBE_SLOT = "@@digest-unsubscribe-url@@"
_TEXT_SLOT = "@@digest-text-part@@"
_HTML_SLOT = "@@digest-html-part@@"
# An address we put in a header byte for byte: ASCII, no space, no control character, no
# character with a meaning in an address header. Anything else takes Django's slower path.
_PLAIN_ADDRESS = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?"
)


@dataclass(frozen=True)
class Outgoing:
    """One subscriber's email of an edition, before it is encoded for a transport."""

    to: str
    subject: str
    text: str
    html: str
    headers: dict[str, str]

    @property
    def message_id(self) -> str:
        return self.headers["Message-ID"]

    def django_message(self) -> EmailMultiAlternatives:
        """For any Django email backend (django-anymail's providers, locmem in tests)."""
        return message_build(
            to=self.to, subject=self.subject, text=self.text, html=self.html, headers=self.headers
        )


def _qp(text: str) -> bytes:
    """Quoted-printable with CRLF line ends (binascii's C encoder: microseconds a message)."""
    return binascii.b2a_qp(text.replace("\r\n", "\n").replace("\n", "\r\n").encode(), istext=True)


@dataclass
class EditionRenderer:
    """Renders one edition for many subscribers, sharing what does not depend on them.

    Templates are rendered once per distinct paper selection (categories, topics, authors) with
    slots for the two signed links; a subscriber's email is that text with the slots
    filled. ``mime`` encodes it into the bytes an SMTP server receives: a skeleton built
    once by the ``email`` package (policy SMTP) with the per-subscriber headers and the
    encoded parts put in place.
    """

    edition: Edition

    def __post_init__(self) -> None:
        self._bodies: dict[
            tuple[frozenset[str], frozenset[str], frozenset[str]], tuple[str, str] | None
        ] = {}
        self._pool: DayPool | None = None
        self._skeleton: bytes | None = None
        self._list_label = Subscriber.Lists(self.edition.kind).label

    def outgoing(self, *, subscriber: Subscriber, delivery_id: int) -> Outgoing | None:
        """The email for one subscriber, or None when there is nothing to tell them."""
        body = self._body(
            frozenset(subscriber.categories),
            frozenset(subscriber.topics),
            frozenset(subscriber.authors),
        )
        if body is None:
            return None
        unsubscribe, headers = list_headers(subscriber=subscriber, list_name=self.edition.kind)
        preferences = preferences_url(subscriber=subscriber)
        text, html = body
        if PERSONAL_SLOT in text:
            day = self.edition.day or self.edition.created.date()
            part = personal_part(email=subscriber.email, day=day)
            text = text.replace(PERSONAL_SLOT, part.text if part else "")
            html = html.replace(PERSONAL_SLOT, part.html if part else "")
        text = text.replace(PREFERENCES_SLOT, preferences).replace(UNSUBSCRIBE_SLOT, unsubscribe)
        html = html.replace(PREFERENCES_SLOT, escape(preferences)).replace(
            UNSUBSCRIBE_SLOT, escape(unsubscribe)
        )
        headers["Message-ID"] = delivery_message_id(edition=self.edition, delivery_id=delivery_id)
        return Outgoing(
            to=subscriber.email, subject=self.edition.subject, text=text, html=html, headers=headers
        )

    def message(self, *, subscriber: Subscriber, delivery_id: int) -> EmailMultiAlternatives | None:
        outgoing = self.outgoing(subscriber=subscriber, delivery_id=delivery_id)
        return None if outgoing is None else outgoing.django_message()

    def mime(self, outgoing: Outgoing) -> bytes | None:
        """The message as SMTP bytes, or None if its address needs Django's careful path."""
        if not _PLAIN_ADDRESS.fullmatch(outgoing.to):
            return None
        if self._skeleton is None:
            self._skeleton = self._build_skeleton()
        # Folded between its targets; each target is far under the 998-octet line limit.
        unsubscribe = outgoing.headers["List-Unsubscribe"].replace(", ", ",\r\n ")
        head = (
            f"To: {outgoing.to}\r\nDate: {formatdate()}\r\n"
            f"Message-ID: {outgoing.message_id}\r\nList-Unsubscribe: {unsubscribe}\r\n"
        )
        body = self._skeleton.replace(_TEXT_SLOT.encode(), _qp(outgoing.text), 1)
        return head.encode("ascii") + body.replace(_HTML_SLOT.encode(), _qp(outgoing.html), 1)

    def _build_skeleton(self) -> bytes:
        _, shared = list_headers(
            subscriber=Subscriber(pk=0, secret="-"), list_name=self.edition.kind
        )
        message = EmailMessage(policy=email.policy.SMTP)
        message["From"] = settings.DEFAULT_FROM_EMAIL
        message["Subject"] = self.edition.subject
        for name in ("List-Unsubscribe-Post", "List-Id", "Auto-Submitted"):
            message[name] = shared[name]
        message.set_content(_TEXT_SLOT, cte="quoted-printable")
        message.add_alternative(_HTML_SLOT, subtype="html", cte="quoted-printable")
        return message.as_bytes()

    def _context(self) -> dict[str, object]:
        return {
            "edition": self.edition,
            "site_url": settings.SITE_URL,
            "preferences_url": PREFERENCES_SLOT,
            "unsubscribe_url": UNSUBSCRIBE_SLOT,
            "personal_part": PERSONAL_SLOT,
        }

    def _body(
        self, categories: frozenset[str], topics: frozenset[str], authors: frozenset[str]
    ) -> tuple[str, str] | None:
        key = (categories, topics, authors)
        if key not in self._bodies:
            context = self._context()
            if self.edition.kind == Edition.Kind.WEEKLY_LOG:
                # The log body is written by an editor and rendered by the publishing feature.
                context |= {
                    "body_html": mark_safe(self.edition.body_html),
                    "body_text": self.edition.body_text,
                }
            else:
                chosen = self._choose(categories, topics, authors)
                if not chosen:
                    self._bodies[key] = None
                    return None
                context |= {
                    "papers_html": mark_safe(
                        get_template("mailing/email/_papers.html").render({"papers": chosen})
                    ),
                    "papers_text": get_template("mailing/email/_papers.txt").render(
                        {"papers": chosen}
                    ),
                    "paper_count": len(chosen),
                    "filtered": bool(categories or topics or authors),
                }
            kind = self.edition.kind
            self._bodies[key] = (
                get_template(f"mailing/email/{kind}.txt").render(context),
                get_template(f"mailing/email/{kind}.html").render(context),
            )
        return self._bodies[key]

    def _choose(
        self, categories: frozenset[str], topics: frozenset[str], authors: frozenset[str]
    ) -> list[selectors.DigestPaper]:
        """The subscriber's papers from the edition's frozen pool (mailing.picks)."""
        if self._pool is None:
            frozen = self.edition.pool
            day = self.edition.day or self.edition.created.date()
            # An edition created before pools were frozen: its day's pool, read now.
            self._pool = DayPool.from_json(frozen) if frozen else day_pool_build(day=day)
        picks = picks_choose(
            pool=self._pool, categories=categories, topic_keys=topics,
            count=settings.DIGEST_PAPERS_PER_EMAIL, author_keys=authors,
        )  # fmt: skip
        return selectors.digest_papers(
            paper_ids=[p.paper_id for p in picks], day=self.edition.day,
            why={p.paper_id: p.why for p in picks},
        )  # fmt: skip
