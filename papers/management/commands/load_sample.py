"""manage.py load_sample: fill the app with the bundled real sample (no network needed)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from papers.harvest.runs import Page
from papers.models import HarvestRun
from papers.services import UpsertCounts
from papers.services.sample import sample_load, sample_loaded


class Command(BaseCommand):
    help = "Load the bundled June 2026 arXiv listings and Hugging Face trending sample."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="load even if loaded before")
        parser.add_argument(
            "--no-shift", action="store_true", help="keep the sample's original June 2026 dates"
        )

    def handle(self, *args: Any, force: bool, no_shift: bool, **options: Any) -> None:
        if sample_loaded() and not force:
            self.stdout.write("Sample already loaded (use --force to load it again).")
            return
        today = None if no_shift else timezone.now().date()
        with tqdm(desc="load sample", unit=" page", disable=options["verbosity"] == 0) as bar:

            def progress(run: HarvestRun, page: Page, counts: UpsertCounts) -> None:
                bar.update(1)
                bar.set_postfix(new=run.new, updated=run.updated, unchanged=run.unchanged)

            run = sample_load(today=today, on_page=progress)
        if run.status != HarvestRun.Status.SUCCEEDED:
            raise CommandError(f"loading the sample failed: {run.error}")
        self.stdout.write(
            f"Sample loaded: {run.new} new, {run.updated} updated, {run.unchanged} unchanged "
            f"papers and signals in {run.pages} pages."
        )
