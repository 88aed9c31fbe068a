"""factory_boy factories for subscribers and the topics a digest can follow."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import factory

from mailing.models import Subscriber
from papers.models import Paper, Topic, TopicPaper, TopicWeek


class SubscriberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscriber

    email = factory.Sequence(lambda n: f"reader{n}@example.org")
    confirmed_at = factory.LazyFunction(lambda: datetime(2026, 6, 1, tzinfo=UTC))
    daily_digest = True
    weekly_log = True


class TopicWeekFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TopicWeek

    week_start = factory.Sequence(lambda n: date(2026, 6, 1) + timedelta(weeks=n))


class TopicFactory(factory.django.DjangoModelFactory):
    """A topic of a week (``papers``: its members, put on the map at the origin)."""

    class Meta:
        model = Topic
        skip_postgeneration_save = True

    week = factory.SubFactory(TopicWeekFactory)
    number = factory.Sequence(int)
    label = factory.Sequence(lambda n: f"topic {n} label")
    keywords = factory.LazyAttribute(lambda o: o.label.split())
    size = 0

    @factory.post_generation
    def papers(self, create: bool, extracted: list[Paper] | None, **kwargs: object) -> None:
        for paper in extracted or []:
            TopicPaper.objects.create(week=self.week, topic=self, paper=paper, x=0.0, y=0.0)
