"""The bundled sample replays on one calendar: every date of a paper moves together."""

from __future__ import annotations

import gzip
import json
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from papers.harvest.sample import HF_DAILY_PAPERS, HF_LIST_DAY, LISTINGS_DIR
from papers.models import AnnouncementDay, Paper, TrendingSignal
from papers.trending import trending_ranking

pytestmark = pytest.mark.django_db


def _recorded_announcements() -> dict[str, date]:
    """Each paper's first listing day in the recorded files (its original announcement)."""
    first: dict[str, date] = {}
    for path in sorted(LISTINGS_DIR.glob("*.jsonl.gz")):
        day = date.fromisoformat(path.name.split(".")[0])
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for line in filter(str.strip, lines):
                first.setdefault(json.loads(line)["id"].split("v")[0], day)
    return first


def test_the_sample_replays_every_date_of_a_paper_together() -> None:
    call_command("load_sample", verbosity=0)
    today = timezone.now().date()
    recorded = _recorded_announcements()
    published = {
        e["paper"]["id"]: date.fromisoformat(e["paper"]["publishedAt"][:10])
        for e in json.loads(HF_DAILY_PAPERS.read_bytes())
    }

    # Nothing lies in the future, whatever kind of date.
    assert not Paper.objects.filter(announced_on__gt=today).exists()
    assert not Paper.objects.filter(submitted_at__date__gt=today).exists()
    assert not TrendingSignal.objects.filter(day__gt=today).exists()
    for signal in TrendingSignal.objects.select_related("paper"):
        paper = signal.paper
        # The real gap between the paper's dates and its day on Hugging Face is kept.
        if paper.arxiv_id not in recorded:  # a stub: its dates come from Hugging Face
            gap = HF_LIST_DAY - published[paper.arxiv_id]
            assert signal.day - paper.submitted_at.date() == gap
            continue
        assert signal.day - paper.announced_on == HF_LIST_DAY - recorded[paper.arxiv_id]
        assert paper.submitted_at.date() == paper.announced_on - timedelta(days=1)
        # Its listing moved with it, so completeness still finds it on that day.
        assert AnnouncementDay.objects.filter(
            day=paper.announced_on, new_ids__contains=[paper.arxiv_id]
        ).exists()
    # A paper outside the recorded list moves by the one common offset.
    other = Paper.objects.exclude(trending_signals__isnull=False).get(arxiv_id="2606.14173")
    assert other.announced_on == today - (date(2026, 6, 30) - recorded["2606.14173"])
    assert other.submitted_at.date() == other.announced_on - timedelta(days=1)


def test_on_the_sample_today_this_week_and_this_month_rank_different_papers() -> None:
    call_command("load_sample", verbosity=0)
    today = timezone.now().date()

    lists = {
        window: [r.paper_id for r in trending_ranking(window=window, day=today)]
        for window in ("day", "week", "month")
    }

    # The one recorded paper with no upvote has no points: it is listed nowhere.
    assert [len(ranked) for ranked in lists.values()] == [10, 20, 29]
    assert set(lists["day"]) < set(lists["week"]) < set(lists["month"])
    assert lists["day"][:5] != lists["week"][:5] != lists["month"][:5]
