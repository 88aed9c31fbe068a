"""How full the daily emails are: papers per email for every profile a subscriber can pick."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.db import connection

from mailing.picks import DayPool, Pick, picks_choose
from papers.models import Topic, TopicWeek

IN_SCOPE_STEPS = frozenset({"trending", "new", "week"})


@dataclass(frozen=True)
class Profile:
    label: str
    categories: tuple[str, ...] = ()
    topic_keys: tuple[str, ...] = ()


@dataclass
class Coverage:
    day: date
    count: int
    emails: dict[str, list[Pick]] = field(default_factory=dict)

    @property
    def sizes(self) -> Counter[int]:
        """How many profiles got an email of each size."""
        return Counter(len(picks) for picks in self.emails.values())

    @property
    def in_scope_sizes(self) -> Counter[int]:
        """How many profiles got each number of papers from their own categories and topics
        (steps trending, new and week; the rest filled the email from neighbours or the site)."""
        return Counter(
            sum(pick.step in IN_SCOPE_STEPS for pick in picks) for picks in self.emails.values()
        )

    @property
    def steps(self) -> Counter[str]:
        """How many papers, over all emails, each step of the rule supplied."""
        return Counter(pick.step for picks in self.emails.values() for pick in picks)

    def short(self) -> list[str]:
        return sorted(label for label, picks in self.emails.items() if len(picks) < self.count)


def profiles_every_category(*, topics: int = 10) -> list[Profile]:
    """One profile per category any stored paper is listed in, and one per followed topic
    (the latest clustered week's largest ``topics`` topics)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT unnest(categories) FROM papers_paper ORDER BY 1")
        categories = [row[0] for row in cursor.fetchall()]
    profiles = [Profile(label=code, categories=(code,)) for code in categories]
    week = TopicWeek.objects.filter(topics__isnull=False).order_by("-week_start").first()
    if week is not None:
        chosen = Topic.objects.filter(week=week, is_outlier=False).order_by("-size")[:topics]
        profiles += [
            Profile(label=f"topic {t.pk}: {t.display_label}", topic_keys=(str(t.pk),))
            for t in chosen
        ]
    return profiles


def digest_coverage(*, pool: DayPool, profiles: list[Profile], count: int) -> Coverage:
    """Each profile's picks from the day's pool (as the day's edition would choose them)."""
    coverage = Coverage(day=pool.day, count=count)
    for profile in profiles:
        coverage.emails[profile.label] = picks_choose(
            pool=pool, categories=profile.categories, topic_keys=profile.topic_keys, count=count
        )
    return coverage
