"""manage.py topics [--week 2026-W23 | --from 2026-06-01 --until 2026-06-30]: cluster weeks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from papers.services.topics import TopicsError, topics_compute
from papers.topics.naming import topic_writers
from papers.weeks import WeekError, week_label, week_parse


class Command(BaseCommand):
    help = "Compute the weekly topics (default: the week of yesterday) and replace the stored ones."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--week", help="an ISO week (2026-W23) or a date in it")
        parser.add_argument("--from", dest="start", help="first week (ISO week or date)")
        parser.add_argument("--until", dest="end", help="last week (ISO week or date)")
        parser.add_argument(
            "--no-llm", action="store_true", help="keyword labels and the counts overview only"
        )

    def handle(
        self,
        *args: Any,
        week: str | None,
        start: str | None,
        end: str | None,
        no_llm: bool,
        **options: Any,
    ) -> None:
        try:
            weeks = self._weeks(week=week, start=start, end=end)
        except (TopicsError, WeekError) as exc:
            raise CommandError(str(exc)) from exc
        quiet = options["verbosity"] == 0
        with tqdm(weeks, desc="topics", unit=" week", disable=quiet) as bar:
            for monday in bar:
                bar.set_postfix_str(week_label(monday))
                writers = None if no_llm else topic_writers()
                stored = topics_compute(
                    week_start=monday,
                    namer=writers.namer if writers else None,
                    overview=writers.overview if writers else None,
                    written_by=writers.source if writers else "",
                    progress=None if quiet else tqdm.write,
                )
                topics = stored.topics.filter(is_outlier=False).count()
                self.stdout.write(
                    f"{week_label(monday)}: {stored.paper_count} papers, {topics} topics"
                    + (f" ({stored.note})" if stored.note else "")
                )

    def _weeks(self, *, week: str | None, start: str | None, end: str | None) -> list[Any]:
        if week and (start or end):
            raise TopicsError("give --week or --from/--until, not both")
        default = timezone.now().date() - timedelta(days=1)
        first = week_parse(week or start or default.isoformat())
        last = week_parse(end) if end else first
        if last < first:
            raise TopicsError("--until is before --from")
        return [first + timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]
