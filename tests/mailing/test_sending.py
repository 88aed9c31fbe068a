"""The delivery ledger and the emails it sends, through a real SMTP server in-process."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from mailing.models import Delivery, Edition, Subscriber
from mailing.services import sending, subscriptions
from mailing.services.leases import INTERRUPTED
from papers.models import TrendingSignal
from tests.mailing.conftest import Mailbox
from tests.mailing.factories import SubscriberFactory, TopicFactory
from tests.mailing.mail_helpers import links, parts, site_path, unsubscribe_targets
from tests.papers.factories import AuthorFactory, PaperFactory

pytestmark = pytest.mark.django_db

DAY = date(2026, 6, 2)


@pytest.fixture
def trending() -> list:
    """Three trending papers of DAY: #1 cs.CL (30 upvotes), #2 cs.CV (20), #3 cs.CL & cs.LG
    (10)."""
    papers = [
        PaperFactory(title_text="Attention & <Friends>", categories=["cs.CL"]),
        PaperFactory(title_text="Seeing Further — naïve Übersicht", categories=["cs.CV"]),
        PaperFactory(title_text="Learning to Rank Papers", categories=["cs.CL", "cs.LG"]),
    ]
    for rank, paper in enumerate(papers, start=1):
        paper.authorships.create(author=AuthorFactory(name=f"Ada Author{rank}"), position=0)
        TrendingSignal.objects.create(
            source="hf", day=DAY, paper=paper, rank=rank, upvotes=40 - 10 * rank,
            ai_summary=f"Summary of paper {rank}. More detail.",
        )  # fmt: skip
    return papers


def send_all(edition: Edition) -> sending.BatchResult:
    total = sending.BatchResult()
    for batch in sending.edition_prepare(edition=edition):
        result = sending.deliveries_send(edition_id=edition.pk, delivery_ids=batch)
        total.sent, total.failed = total.sent + result.sent, total.failed + result.failed
        total.skipped += result.skipped
    return total


def test_a_daily_digest_has_list_headers_both_parts_and_the_top_papers(
    mailbox: Mailbox, trending: list, client: Client
) -> None:
    SubscriberFactory(email="reader@example.org")
    result = send_all(sending.edition_daily_digest(day=DAY))
    assert result.sent == 1
    (message,) = mailbox.messages
    assert message["From"] == "Research Digest <digest@digest.example.org>"
    assert message["To"] == "reader@example.org"
    assert message["Subject"] == "Trending papers, Tue 2 Jun 2026"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https, mailto = unsubscribe_targets(message)
    assert https.startswith("http") and mailto.startswith("mailto:unsubscribe@digest.example.org")
    delivery = Delivery.objects.get()
    assert (
        message["Message-ID"]
        == delivery.message_id
        == f"<daily-2026-06-02.{delivery.pk}@digest.example.org>"
    )
    (raw,) = mailbox.raw
    assert raw.isascii()  # 7-bit: quoted-printable parts, encoded headers
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998  # RFC 5322 line limit
    text, rich = parts(message)
    titles = ("Attention & <Friends>", "Seeing Further — naïve Übersicht")
    assert [title in text for title in titles] == [True, True]
    assert "naïve Übersicht" in rich
    assert "Attention &amp; &lt;Friends&gt;" in rich and "Ada Author1" in rich
    assert "Summary of paper 1." in text and "More detail" not in text
    assert "<script" not in rich.lower() and "<img" not in rich.lower() and "<link" not in rich
    assert 'style="' in rich
    found = links(message)
    assert len(found) >= 6  # site, three papers, preferences, unsubscribe
    for url in found:  # every link of both parts is one of our pages, and it works
        assert client.get(site_path(url)).status_code == 200, url


def _titles_and_whys(text: str) -> list[tuple[str, str]]:
    """The text part's numbered papers: (title, why) in order."""
    lines = text.splitlines()
    return [
        (line.split(". ", 1)[1], lines[n + 1].removeprefix("   Why: "))
        for n, line in enumerate(lines)
        if line[:1].isdigit() and ". " in line and lines[n + 1].startswith("   Why: ")
    ]


def test_the_digest_puts_the_subscribers_categories_first_and_says_why_each_paper_is_there(
    mailbox: Mailbox, trending: list
) -> None:
    SubscriberFactory(email="nlp@example.org", categories=["cs.CL"])
    SubscriberFactory(email="robots@example.org", categories=["cs.RO"])
    result = send_all(sending.edition_daily_digest(day=DAY))
    assert (result.sent, result.skipped) == (2, 0)
    nlp_text, _ = parts(mailbox.to("nlp@example.org")[0])
    robots_text, robots_html = parts(mailbox.to("robots@example.org")[0])
    outside = "Outside your categories and topics: "
    assert _titles_and_whys(nlp_text) == [
        ("Attention & <Friends>", "#1 trending today: 30 upvotes on Hugging Face today"),
        ("Learning to Rank Papers", "#3 trending today: 10 upvotes on Hugging Face today"),
        ("Seeing Further — naïve Übersicht",
         f"{outside}#2 trending today: 20 upvotes on Hugging Face today"),
    ]  # fmt: skip
    # Nothing in cs.RO today: the site's day, in its order, each paper saying so.
    assert [why for _, why in _titles_and_whys(robots_text)] == [
        f"{outside}#{n} trending today: {votes} upvotes on Hugging Face today"
        for n, votes in ((1, 30), (2, 20), (3, 10))
    ]
    assert f"{outside}#1 trending today" in robots_html


def test_the_digest_holds_the_followed_topics_too_in_later_weeks(
    mailbox: Mailbox, trending: list
) -> None:
    followed_then = TopicFactory(week__week_start=date(2026, 5, 18), label="ranking")
    now = TopicFactory(
        week__week_start=date(2026, 5, 25), previous=followed_then, papers=[trending[2]]
    )
    TopicFactory(week=now.week, papers=[trending[0]])  # a topic nobody follows
    SubscriberFactory(
        email="both@example.org", categories=["cs.CV"], topics=[str(followed_then.pk)]
    )
    SubscriberFactory(email="topic@example.org", topics=[str(now.pk)])
    SubscriberFactory(email="everything@example.org")
    send_all(sending.edition_daily_digest(day=DAY))
    both, _ = parts(mailbox.to("both@example.org")[0])
    topic, _ = parts(mailbox.to("topic@example.org")[0])
    everything, _ = parts(mailbox.to("everything@example.org")[0])
    in_scope = [(t, w) for t, w in _titles_and_whys(both) if not w.startswith("Outside")]
    assert [t for t, _ in in_scope] == [
        "Seeing Further — naïve Übersicht",
        "Learning to Rank Papers",
    ]
    assert [t for t, w in _titles_and_whys(topic) if not w.startswith("Outside")] == [
        "Learning to Rank Papers"
    ]
    assert "for your categories and topics" in topic
    assert [t for t, _ in _titles_and_whys(everything)] == [
        "Attention & <Friends>",
        "Seeing Further — naïve Übersicht",
        "Learning to Rank Papers",
    ]
    assert "of the day" in everything


def test_no_email_of_a_digest_names_another_subscriber(mailbox: Mailbox, trending: list) -> None:
    addresses = [f"person{n}@example.org" for n in range(4)]
    for address in addresses:
        SubscriberFactory(email=address)
    send_all(sending.edition_daily_digest(day=DAY))
    assert len(mailbox.messages) == 4
    for message in mailbox.messages:
        raw = message.as_string()
        own = message["X-Envelope-To"]
        assert [a for a in addresses if a in raw] == [own]


def test_subscription_emails_name_only_their_own_recipient(mailbox: Mailbox) -> None:
    first = Subscriber.objects.create(email="first@example.org")
    second = SubscriberFactory(email="second@example.org")
    subscriptions.subscription_email_send(subscriber_id=first.pk, kind="confirm")
    subscriptions.subscription_email_send(subscriber_id=second.pk, kind="already_subscribed")
    confirm, already = (mailbox.to(a)[0] for a in ("first@example.org", "second@example.org"))
    assert "second@" not in confirm.as_string() and "first@" not in already.as_string()
    assert second.secret not in confirm.as_string() and first.secret not in already.as_string()


def test_unconfirmed_paused_deactivated_and_unsubscribed_readers_get_nothing(
    mailbox: Mailbox, trending: list
) -> None:
    SubscriberFactory(email="ok@example.org")
    SubscriberFactory(email="unconfirmed@example.org", confirmed_at=None)
    SubscriberFactory(email="paused@example.org", paused=True)
    SubscriberFactory(email="bounced@example.org", deactivated_at=timezone.now())
    SubscriberFactory(email="weekly-only@example.org", daily_digest=False)
    send_all(sending.edition_daily_digest(day=DAY))
    assert [m["X-Envelope-To"] for m in mailbox.messages] == ["ok@example.org"]


def test_preparing_and_sending_an_edition_twice_sends_each_message_once(
    mailbox: Mailbox, trending: list
) -> None:
    for n in range(5):
        SubscriberFactory(email=f"r{n}@example.org")
    edition = sending.edition_daily_digest(day=DAY)
    batches = sending.edition_prepare(edition=edition)
    ids = [delivery_id for batch in batches for delivery_id in batch]
    for _ in range(2):  # a redelivered task message
        sending.deliveries_send(edition_id=edition.pk, delivery_ids=ids)
    assert sending.edition_daily_digest(day=DAY).pk == edition.pk
    assert sending.edition_prepare(edition=edition) == []
    assert len(mailbox.messages) == 5
    assert Delivery.objects.filter(status="sent").count() == 5
    edition.refresh_from_db()
    assert edition.status == Edition.Status.DONE


def test_a_crashed_batch_resumes_where_it_stopped_and_never_resends_the_interrupted_one(
    mailbox: Mailbox, trending: list
) -> None:
    for n in range(6):
        SubscriberFactory(email=f"r{n}@example.org")
    edition = sending.edition_daily_digest(day=DAY)
    (batch,) = sending.edition_prepare(edition=edition)
    # The state a SIGKILL leaves: two sent, one claimed when the process died, three pending.
    sending.deliveries_send(edition_id=edition.pk, delivery_ids=batch[:2])
    interrupted = Delivery.objects.get(pk=batch[2])
    Delivery.objects.filter(pk=interrupted.pk).update(
        status="sending", claimed_at=timezone.now() - timedelta(minutes=11)
    )
    mailbox.clear()
    assert send_all(edition).sent == 3
    received = sorted(m["X-Envelope-To"] for m in mailbox.messages)
    expected = sorted(d.subscriber.email for d in Delivery.objects.filter(pk__in=batch[3:]))
    assert received == expected
    interrupted.refresh_from_db()
    assert (interrupted.status, interrupted.error) == ("failed", INTERRUPTED)


def test_a_refused_recipient_is_marked_failed_and_the_batch_goes_on(
    mailbox: Mailbox, trending: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    SubscriberFactory(email="refused@example.org")
    SubscriberFactory(email="fine@example.org")

    async def refuse(self, server, session, envelope, address, options):  # type: ignore[no-untyped-def]
        if address.startswith("refused"):
            return "550 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    monkeypatch.setattr(type(mailbox), "handle_RCPT", refuse, raising=False)
    result = send_all(sending.edition_daily_digest(day=DAY))
    assert (result.sent, result.failed) == (1, 1)
    failed = Delivery.objects.get(status="failed")
    assert failed.error.startswith("550") and "refused@example.org" not in failed.error


def test_a_weekly_log_goes_to_the_weekly_list_once_per_key(
    mailbox: Mailbox, django_capture_on_commit_callbacks: object
) -> None:
    SubscriberFactory(email="weekly@example.org", daily_digest=False)
    SubscriberFactory(email="daily@example.org", weekly_log=False)
    for _ in range(2):
        edition = sending.edition_send_weekly_log(
            key="log-12",
            subject="Research log #12 — naïve agents",
            html="<p>Hello <b>log</b></p>",
            text="Hello log",
        )
    assert Edition.objects.count() == 1 and edition.deliveries.count() == 1
    (delivery,) = edition.deliveries.all()
    sending.deliveries_send(edition_id=edition.pk, delivery_ids=[delivery.pk])
    (message,) = mailbox.messages
    assert message["X-Envelope-To"] == "weekly@example.org"
    assert message["Subject"] == "Research log #12 — naïve agents"
    assert message["List-Id"].startswith("Weekly research log <weekly-log.")
    text, rich = parts(message)
    assert "Hello log" in text and "<b>log</b>" in rich


def test_the_confirmation_email_links_work_and_nothing_else_is_sent_before_it(
    mailbox: Mailbox, trending: list, client: Client
) -> None:
    subscriber = Subscriber.objects.create(email="new@example.org")
    send_all(sending.edition_daily_digest(day=DAY))
    assert mailbox.messages == []  # not confirmed: no digest
    subscriptions.subscription_email_send(subscriber_id=subscriber.pk, kind="confirm")
    (message,) = mailbox.messages
    assert message["Subject"] == "Confirm your Research Digest subscription"
    assert message["Message-ID"]
    for url in links(message):
        assert client.get(site_path(url)).status_code == 200, url
    confirm = next(url for url in links(message) if "/confirm/" in url)
    client.post(site_path(confirm))
    mailbox.clear()
    send_all(sending.edition_daily_digest(day=DAY + timedelta(days=1)))
    assert mailbox.messages == []  # no papers that day: nothing to send
    Edition.objects.all().delete()
    send_all(sending.edition_daily_digest(day=DAY))
    assert [m["X-Envelope-To"] for m in mailbox.messages] == ["new@example.org"]


def test_a_bounce_or_complaint_from_the_provider_deactivates_the_address() -> None:
    from anymail.signals import AnymailTrackingEvent, tracking

    bounced = SubscriberFactory(email="Bouncy@example.org")
    complained = SubscriberFactory(email="angry@example.org")
    for event_type, address in (
        ("bounced", "bouncy@example.org"),
        ("complained", "angry@example.org"),
    ):
        event = AnymailTrackingEvent(event_type=event_type, recipient=address, message_id="x1")
        tracking.send(sender=object, event=event, esp_name="Postmark")
    bounced.refresh_from_db()
    complained.refresh_from_db()
    assert bounced.deactivated_reason == "bounced (Postmark)" and bounced.deactivated_at
    assert complained.deactivated_reason == "complained (Postmark)"
