"""manage.py digest_coverage: papers per daily email for every category and followed topic."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from mailing.coverage import digest_coverage, profiles_every_category
from mailing.picks import day_pool_build


class Command(BaseCommand):
    help = (
        "Choose the day's daily email for one subscriber per category (every category a "
        "stored paper is listed in) and per large topic; print how many papers each gets."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", help="YYYY-MM-DD (default: today)")
        parser.add_argument("--json", dest="json_path", help="also write the figures here")

    def handle(self, *args: Any, day: str | None, json_path: str | None, **options: Any) -> None:
        try:
            when = date.fromisoformat(day) if day else timezone.localdate()
        except ValueError:
            raise CommandError("--day must be a date like 2026-06-30") from None
        count = settings.DIGEST_PAPERS_PER_EMAIL
        coverage = digest_coverage(
            pool=day_pool_build(day=when), profiles=profiles_every_category(), count=count
        )
        out = self.stdout.write
        out(f"Daily email of {when}: {len(coverage.emails)} profiles, {count} papers wanted each")
        for size, profiles in sorted(coverage.sizes.items(), reverse=True):
            out(f"  {size:>3} papers: {profiles} profile{'s' if profiles != 1 else ''}")
        out("Of them from the profile's own categories and topics:")
        for size, profiles in sorted(coverage.in_scope_sizes.items(), reverse=True):
            out(f"  {size:>3} papers: {profiles} profile{'s' if profiles != 1 else ''}")
        out("Papers by step of the rule: " + ", ".join(
            f"{step} {n}" for step, n in coverage.steps.most_common()))  # fmt: skip
        out(f"Profiles short of {count}: {', '.join(coverage.short()) or 'none'}")
        for label, picks in coverage.emails.items():
            steps = ", ".join(f"{s} {n}" for s, n in Counter(p.step for p in picks).items())
            out(f"  {label:<40} {len(picks):>3}  ({steps})", ending="\n")
        if json_path:
            payload = {
                "day": when.isoformat(), "papers_per_email": count,
                "profiles": len(coverage.emails),
                "sizes": {str(k): v for k, v in sorted(coverage.sizes.items())},
                "in_scope_sizes": {str(k): v for k, v in sorted(coverage.in_scope_sizes.items())},
                "steps": dict(coverage.steps), "short": coverage.short(),
                "per_profile": {label: len(p) for label, p in coverage.emails.items()},
            }  # fmt: skip
            with open(json_path, "w", encoding="utf-8") as handle:
                json.dump(payload, handle, indent=2)
                handle.write("\n")
