"""Subscribing, preferences and unsubscribing through the pages; refusals are clear."""

from __future__ import annotations

import re
import time
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from digest.lib.signing import token_make
from mailing.models import Subscriber
from mailing.services import mail, subscriptions
from tests.mailing.factories import SubscriberFactory, TopicFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def subscribe(client: Client, email: str, **extra: object) -> object:
    data = {"email": email, "daily_digest": "on", **extra}
    return client.post(reverse("subscribe"), data, **HTMX)


def test_every_page_carries_the_subscribe_form(client: Client) -> None:
    for url in (reverse("home"), reverse("subscription_confirm", args=["nope"])):
        page = client.get(url).content.decode()
        assert f'hx-post="{reverse("subscribe")}"' in page
        assert 'name="email"' in page


def test_subscribing_stores_an_unconfirmed_subscriber_with_the_chosen_lists(
    client: Client,
) -> None:
    llm = TopicFactory(label="language models")
    rag = TopicFactory(week=llm.week, label="retrieval")
    assert "language models" in client.get(reverse("home")).content.decode()  # offered
    topics = [str(llm.pk), str(rag.pk)]
    response = subscribe(
        client, "New.Reader@Example.ORG", weekly_log="on", categories=["cs.CL"], topics=topics
    )
    assert response.status_code == 200
    assert "a message is on its way" in response.content.decode()
    subscriber = Subscriber.objects.get()
    assert subscriber.email == "New.Reader@example.org"
    assert subscriber.confirmed_at is None
    assert (subscriber.daily_digest, subscriber.weekly_log) == (True, True)
    assert subscriber.categories == ["cs.CL"] and subscriber.topics == topics


def test_the_answer_is_the_same_for_known_unknown_and_unconfirmed_addresses(
    client: Client,
) -> None:
    SubscriberFactory(email="known@example.org")
    SubscriberFactory(email="pending@example.org", confirmed_at=None)
    answers = {
        subscribe(client, address).content
        for address in ("known@example.org", "pending@example.org", "stranger@example.org")
    }
    assert len(answers) == 1


def test_a_subscribe_request_cannot_change_a_confirmed_subscribers_settings(
    client: Client,
) -> None:
    subscriber = SubscriberFactory(email="known@example.org", categories=["cs.LG"])
    subscribe(client, "KNOWN@example.org", categories=["cs.CV"])
    subscriber.refresh_from_db()
    assert subscriber.categories == ["cs.LG"]
    assert Subscriber.objects.count() == 1


def test_a_plain_form_post_renders_a_full_page(client: Client) -> None:
    response = client.post(reverse("subscribe"), {"email": "a@example.org", "daily_digest": "on"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" in page and "a message is on its way" in page


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("not-an-address", "Enter a valid email address"),
        ("a" * 250 + "@example.org", "too long"),
        ("a" * 65 + "@example.org", "too long"),
        ("a@example.org, b@example.org", "Enter a valid email address"),
        ("Victim <victim@example.org>", "Enter a valid email address"),
        ("\u0430dmin@example.org", "plain ASCII"),  # a Cyrillic "a"
        ("victim@example.org\rBcc: everyone@example.org", "line breaks"),
        ("victim@example.org\x00", "Null characters are not allowed"),
        ("jos\u00e9@example.org", "plain ASCII"),
        ("user@b\u00fccher.de", "plain ASCII"),
        ("victim@example.org\r\nBcc: everyone@example.org", "line breaks"),
        ("victim@example.org\nSubject: hi", "line breaks"),
    ],
)
def test_bad_addresses_are_refused_with_a_clear_message(
    client: Client, email: str, message: str
) -> None:
    response = subscribe(client, email)
    assert message in response.content.decode()
    assert not Subscriber.objects.exists()


def test_choosing_no_list_is_refused(client: Client) -> None:
    response = client.post(reverse("subscribe"), {"email": "a@example.org"}, **HTMX)
    assert "Choose at least one email" in response.content.decode()
    assert not Subscriber.objects.exists()


def test_the_per_ip_limit_answers_429(client: Client, settings: object) -> None:
    settings.SUBSCRIBE_RATE_PER_IP = "2/h"  # type: ignore[attr-defined]
    for n in range(2):
        assert client.post(reverse("subscribe"), {"email": f"r{n}@example.org"}).status_code == 200
    response = client.post(reverse("subscribe"), {"email": "r9@example.org", "daily_digest": "on"})
    assert response.status_code == 429
    assert "Too many requests" in response.content.decode()
    assert not Subscriber.objects.filter(email="r9@example.org").exists()


def test_the_per_address_limit_sends_no_more_email_and_answers_the_same(
    client: Client, settings: object, django_capture_on_commit_callbacks: object
) -> None:
    settings.SUBSCRIBE_RATE_PER_ADDRESS = "2/d"  # type: ignore[attr-defined]
    answers = set()
    with django_capture_on_commit_callbacks() as callbacks:  # type: ignore[operator]
        for ip in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
            answer = subscribe(client, "target@example.org", REMOTE_ADDR=ip)
            answers.add(answer.content)
    assert len(callbacks) == 2  # one queued email per allowed request
    assert len(answers) == 1


def _token(purpose: str, subscriber: Subscriber, list_name: str = "") -> str:
    return token_make(
        purpose=purpose, subscriber_id=subscriber.pk, secret=subscriber.secret, list_name=list_name
    )


def test_confirming_needs_a_click_not_just_a_visit(client: Client) -> None:
    subscriber = SubscriberFactory(confirmed_at=None)
    url = reverse("subscription_confirm", args=[_token("confirm", subscriber)])
    assert client.get(url).status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.confirmed_at is None
    assert "You are subscribed" in client.post(url).content.decode()
    subscriber.refresh_from_db()
    assert subscriber.confirmed_at is not None


def test_an_expired_confirmation_link_gets_a_clear_400_page(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    subscriber = SubscriberFactory(confirmed_at=None)
    four_days_ago = time.time() - 4 * 86400
    monkeypatch.setattr("django.core.signing.time.time", lambda: four_days_ago)
    token = _token("confirm", subscriber)
    monkeypatch.undo()
    response = client.post(reverse("subscription_confirm", args=[token]))
    assert response.status_code == 400
    assert "This link has expired" in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.confirmed_at is None


@pytest.mark.parametrize("purpose", ["confirm", "preferences", "unsubscribe"])
def test_tampered_or_foreign_tokens_get_a_clear_400_page(client: Client, purpose: str) -> None:
    subscriber = SubscriberFactory(confirmed_at=None)
    other = "preferences" if purpose != "preferences" else "confirm"
    good = _token(purpose, subscriber, "daily_digest" if purpose == "unsubscribe" else "")
    tampered = good[:-3] + ("aaa" if not good.endswith("aaa") else "bbb")
    name = f"subscription_{purpose}"
    for token in (tampered, _token(other, subscriber), "garbage"):
        response = client.post(reverse(name, args=[token]))
        assert response.status_code == 400
        assert "This link is not valid" in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.confirmed_at is None and subscriber.daily_digest


def test_preferences_change_lists_categories_topics_and_pause(client: Client) -> None:
    old_week = TopicFactory(label="older agents").week
    followed = TopicFactory(week=old_week, label="followed long ago")
    agents = TopicFactory(week__week_start=date(2026, 6, 29), label="agents this week")
    subscriber = SubscriberFactory(topics=[str(followed.pk)])
    url = reverse("subscription_preferences", args=[_token("preferences", subscriber)])
    page = client.get(url).content.decode()
    assert subscriber.email in page
    assert "agents this week" in page and "older agents" not in page  # the latest week
    assert re.search(rf'value="{followed.pk}"[^>]*checked', page)  # kept, and ticked
    data = {
        "weekly_log": "on",
        "categories": ["cs.AI", "stat.ML"],
        "topics": [str(agents.pk), str(followed.pk)],
        "paused": "on",
    }
    assert "Saved." in client.post(url, data).content.decode()
    subscriber.refresh_from_db()
    assert (subscriber.daily_digest, subscriber.weekly_log, subscriber.paused) == (
        False,
        True,
        True,
    )
    assert subscriber.categories == ["cs.AI", "stat.ML"]
    assert subscriber.topics == [str(agents.pk), str(followed.pk)]


def test_a_topic_that_is_not_offered_is_refused_with_a_clear_message(client: Client) -> None:
    TopicFactory(label="offered")
    response = subscribe(client, "reader@example.org", topics=["999999"])
    assert "not offered any more" in response.content.decode()
    assert not Subscriber.objects.exists()


def test_a_preferences_page_shows_no_other_subscriber(client: Client) -> None:
    subscriber = SubscriberFactory(email="me@example.org")
    SubscriberFactory(email="someone-else@example.org")
    url = reverse("subscription_preferences", args=[_token("preferences", subscriber)])
    page = client.get(url).content.decode()
    assert "me@example.org" in page and "someone-else" not in page


def test_deleting_my_data_removes_the_address_and_revokes_every_link(client: Client) -> None:
    subscriber = SubscriberFactory(email="gone@example.org")
    preferences = _token("preferences", subscriber)
    unsubscribe = _token("unsubscribe", subscriber, "daily_digest")
    response = client.post(reverse("subscription_delete", args=[preferences]))
    assert "Your data is deleted" in response.content.decode()
    assert not Subscriber.objects.filter(email__iexact="gone@example.org").exists()
    assert client.get(reverse("subscription_preferences", args=[preferences])).status_code == 400
    assert client.get(reverse("subscription_unsubscribe", args=[unsubscribe])).status_code == 400


def test_one_click_unsubscribe_works_without_a_csrf_token_and_only_on_post() -> None:
    client = Client(enforce_csrf_checks=True)
    subscriber = SubscriberFactory()
    url = reverse(
        "subscription_unsubscribe", args=[_token("unsubscribe", subscriber, "daily_digest")]
    )
    assert client.get(url).status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.daily_digest  # a link scanner's GET changes nothing
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert (subscriber.daily_digest, subscriber.weekly_log) == (False, True)


def test_other_forms_still_require_csrf() -> None:
    client = Client(enforce_csrf_checks=True)
    subscriber = SubscriberFactory()
    url = reverse("subscription_preferences", args=[_token("preferences", subscriber)])
    assert client.post(url, {"paused": "on"}).status_code == 403
    assert client.post(reverse("subscribe"), {"email": "x@example.org"}).status_code == 403


def test_services_normalize_the_domain_but_keep_the_mailbox() -> None:
    assert subscriptions.normalize_email("  Ada.L@Example.COM ") == "Ada.L@example.com"
    assert mail.sender_domain()


def test_the_subscribe_page_is_a_page_with_the_form_that_posts_where_the_footer_s_does(
    client: Client,
) -> None:
    response = client.get(reverse("subscribe"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Email subscription</h1>" in page
    assert page.count('name="email"') == 1  # the page's form; the footer's is left out
    assert f'action="{reverse("subscribe")}"' in page and "csrfmiddlewaretoken" in page
    assert 'name="daily_digest"' in page and 'name="weekly_log"' in page
    assert Subscriber.objects.count() == 0


def test_a_plain_form_posted_from_the_subscribe_page_subscribes(client: Client) -> None:
    data = {"email": "page@example.org", "daily_digest": "on"}
    response = client.post(reverse("subscribe"), data)

    assert response.status_code == 200
    assert "a message is on its way" in response.content.decode()
    assert Subscriber.objects.get().email == "page@example.org"
