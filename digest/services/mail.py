"""Building emails: a subject/text/HTML template trio, signed links, list headers.

The daily digest renders its paper list once per distinct category set (``DigestRenderer``)
and only the short per-subscriber wrapper per message.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import get_template
from django.urls import reverse
from django.utils.safestring import mark_safe

from digest import selectors
from digest.lib.signing import token_make
from digest.models import Edition, Subscriber

PAPERS_PER_EMAIL = 10


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
    """Subject (one line), text and HTML of ``templates/digest/email/<name>*``."""
    subject = get_template(f"digest/email/{name}_subject.txt").render(context)
    text = get_template(f"digest/email/{name}.txt").render(context)
    html = get_template(f"digest/email/{name}.html").render(context)
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


@dataclass
class EditionRenderer:
    """Renders one edition for many subscribers, sharing what does not depend on them."""

    edition: Edition

    def __post_init__(self) -> None:
        self._blocks: dict[frozenset[str], tuple[str, str, int] | None] = {}
        self._papers: list[selectors.DigestPaper] | None = None

    def message(self, *, subscriber: Subscriber, delivery_id: int) -> EmailMultiAlternatives | None:
        """The email for one subscriber, or None when there is nothing to tell them."""
        kind = self.edition.kind
        body = self._body(subscriber)
        if body is None:
            return None
        unsubscribe, headers = list_headers(subscriber=subscriber, list_name=kind)
        context = {
            "edition": self.edition,
            "site_url": settings.SITE_URL,
            "preferences_url": preferences_url(subscriber=subscriber),
            "unsubscribe_url": unsubscribe,
            **body,
        }
        text = get_template(f"digest/email/{kind}.txt").render(context)
        html = get_template(f"digest/email/{kind}.html").render(context)
        return message_build(
            to=subscriber.email,
            subject=self.edition.subject,
            text=text,
            html=html,
            headers=headers,
            message_id=delivery_message_id(edition=self.edition, delivery_id=delivery_id),
        )

    def _body(self, subscriber: Subscriber) -> dict[str, object] | None:
        if self.edition.kind == Edition.Kind.WEEKLY_LOG:
            # The log body is written by an editor and rendered by the publishing feature.
            body_html = mark_safe(self.edition.body_html)
            return {"body_html": body_html, "body_text": self.edition.body_text}
        block = self._paper_block(frozenset(subscriber.categories))
        if block is None:
            return None
        html, text, count = block
        return {"papers_html": mark_safe(html), "papers_text": text, "paper_count": count}

    def _paper_block(self, categories: frozenset[str]) -> tuple[str, str, int] | None:
        if categories not in self._blocks:
            if self._papers is None:
                self._papers = selectors.digest_papers(
                    paper_ids=list(self.edition.paper_ids), day=self.edition.day
                )
            chosen = [p for p in self._papers if not categories or p.categories & categories]
            chosen = chosen[:PAPERS_PER_EMAIL]
            context = {"papers": chosen}
            self._blocks[categories] = (
                (
                    get_template("digest/email/_papers.html").render(context),
                    get_template("digest/email/_papers.txt").render(context),
                    len(chosen),
                )
                if chosen
                else None
            )
        return self._blocks[categories]
