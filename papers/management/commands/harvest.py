"""manage.py harvest arxiv|oai|rss|hf|reconcile [...] and manage.py harvest status."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from papers import selectors
from papers.harvest.runs import Page
from papers.harvest.sources import default_params
from papers.models import HarvestRun
from papers.services import UpsertCounts
from papers.services.harvest import HarvestAlreadyRunning, harvest_source


class Command(BaseCommand):
    help = "Harvest papers and trending signals, or show recent runs and completeness."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        arxiv = sub.add_parser("arxiv", help="arXiv export API by categories and date window")
        arxiv.add_argument("--from", dest="date_from", help="YYYY-MM-DD (default: 3 days ago)")
        arxiv.add_argument("--until", dest="date_until", help="YYYY-MM-DD (default: today)")
        arxiv.add_argument("--category", action="append", dest="categories")
        oai = sub.add_parser("oai", help="arXiv OAI-PMH (bulk backfill, resumable)")
        oai.add_argument("--from", dest="date_from")
        oai.add_argument("--until", dest="date_until")
        oai.add_argument("--set", dest="set_spec", help="OAI set, e.g. cs or physics:hep-ex")
        rss = sub.add_parser("rss", help="arXiv daily RSS listings")
        rss.add_argument("--category", action="append", dest="categories")
        hf = sub.add_parser("hf", help="Hugging Face daily papers (trending signals)")
        when = hf.add_mutually_exclusive_group()
        when.add_argument("--date", help="YYYY-MM-DD (default: today)")
        when.add_argument("--week", help="YYYY-Www")
        when.add_argument("--month", help="YYYY-MM")
        reconcile = sub.add_parser("reconcile", help="fetch papers listings announced but missing")
        reconcile.add_argument("--from", dest="date_from")
        reconcile.add_argument("--until", dest="date_until")
        status = sub.add_parser("status", help="recent runs and per-day completeness")
        status.add_argument("--days", type=int, default=7)

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "status":
            self._status(days=options["days"])
            return
        params = _params(action, options)
        with tqdm(desc=f"harvest {action}", unit=" page", disable=options["verbosity"] == 0) as bar:

            def progress(run: HarvestRun, page: Page, counts: UpsertCounts) -> None:
                bar.update(1)
                bar.set_postfix(new=run.new, updated=run.updated, unchanged=run.unchanged)

            try:
                run = harvest_source(source=action, params=params, on_page=progress)
            except HarvestAlreadyRunning as exc:
                raise CommandError(str(exc)) from None
        self._report(run)
        if run.status != HarvestRun.Status.SUCCEEDED:
            raise CommandError(
                f"run #{run.pk} failed: {run.error}\n"
                f"Pages already stored are kept; run the same command again to resume."
            )

    def _report(self, run: HarvestRun) -> None:
        self.stdout.write(
            f"run #{run.pk} {run.source} {run.status}: {run.pages} pages, new {run.new}, "
            f"updated {run.updated}, unchanged {run.unchanged}, failed {run.failed}"
            + (f", quarantined {run.quarantined} (admin: quarantined records)"
               if run.quarantined else "")
        )  # fmt: skip

    def _status(self, *, days: int) -> None:
        self.stdout.write("Recent harvest runs")
        self.stdout.write(
            f"{'id':>5} {'source':<9} {'status':<10} {'started (UTC)':<17} "
            f"{'pages':>5} {'new':>6} {'upd':>6} {'same':>6} {'fail':>5} {'quar':>5}  error"
        )
        for run in selectors.harvest_runs_recent():
            self.stdout.write(
                f"{run.pk:>5} {run.source:<9} {run.status:<10} "
                f"{run.started_at:%Y-%m-%d %H:%M} {run.pages:>5} {run.new:>6} {run.updated:>6} "
                f"{run.unchanged:>6} {run.failed:>5} {run.quarantined:>5}  {run.error[:60]}"
            )
        quarantined = list(selectors.quarantined_records_recent(limit=10))
        if quarantined:
            self.stdout.write("\nQuarantined records (the database refused them; admin has all)")
            for record in quarantined:
                self.stdout.write(
                    f"{record.last_seen:%Y-%m-%d %H:%M} {record.source:<9} {record.kind:<9} "
                    f"{record.record_id:<14} x{record.sightings:<3} {record.reason[:70]}"
                )
        self.stdout.write(f"\nCompleteness of announcement days (last {days} days)")
        self.stdout.write(
            f"{'day':<11} {'category':<10} {'announced':>9} {'stored':>7} {'complete':>9}"
        )
        for day in selectors.announcement_days_recent(days=days, today=timezone.now().date()):
            self.stdout.write(
                f"{day.day.isoformat():<11} {day.category:<10} {day.announced:>9} "
                f"{day.stored:>7} {day.completeness:>9.1%}"
            )


def _params(action: str, options: dict[str, Any]) -> dict[str, Any]:
    params = default_params(action)
    if options.get("categories"):
        params["categories"] = options["categories"]
    if options.get("date_from"):
        params["from"] = options["date_from"]
    if options.get("date_until"):
        params["until"] = options["date_until"]
    if options.get("set_spec"):
        params["set"] = options["set_spec"]
    for key in ("date", "week", "month"):
        if options.get(key):
            params = {key: options[key]}
    _validate_dates(params)
    return params


def _validate_dates(params: dict[str, Any]) -> None:
    from datetime import date

    for key in ("from", "until", "date"):
        if key in params:
            try:
                date.fromisoformat(params[key])
            except ValueError:
                raise CommandError(f"--{key} must be a date like 2026-06-01") from None
