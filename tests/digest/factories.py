"""factory_boy factories for subscribers and the papers a digest shows."""

from __future__ import annotations

from datetime import UTC, datetime

import factory

from digest.models import Subscriber


class SubscriberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscriber

    email = factory.Sequence(lambda n: f"reader{n}@example.org")
    confirmed_at = factory.LazyFunction(lambda: datetime(2026, 6, 1, tzinfo=UTC))
    daily_digest = True
    weekly_log = True
