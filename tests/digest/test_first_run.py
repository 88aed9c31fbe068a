"""The first run is the product: topics and a first draft follow the embedding by themselves.

The pipeline `make run` queues (BM25 → embeddings → topics of new weeks → a first draft)
runs on a real worker; nothing is typed by hand and nothing waits for the night.
"""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client, override_settings

from digest.pipeline import refresh_derived_data
from papers.models import TopicWeek
from tests.helpers.celery_worker import CeleryWorker
from tests.helpers.waiting import wait_until
from tests.papers.factories import PaperFactory
from writing.models import Draft

EARLIER, LATEST = date(2026, 12, 1), date(2026, 12, 8)  # W49 and W50 (Tuesdays)
SUBJECTS = ["graph neural networks", "speech recognition", "protein folding"]


def _papers(day: date, count: int) -> None:
    for n in range(count):
        subject = SUBJECTS[n % len(SUBJECTS)]
        PaperFactory(
            announced_on=day + timedelta(days=n % 3),
            title_text=f"Advances in {subject}, study {n}",
            abstract_text=f"We study {subject}. Our method improves {subject} benchmarks by {n}%.",
        )


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_pipeline_gives_every_week_topics_and_the_latest_a_draft(
    celery_worker_process: CeleryWorker,
) -> None:
    _papers(EARLIER, 9)
    _papers(LATEST, 12)
    refresh_derived_data().apply_async()
    wait_until(lambda: Draft.objects.exists(), what="the first draft")
    assert sorted(TopicWeek.objects.values_list("week_start", flat=True)) == [
        date(2026, 11, 30),
        date(2026, 12, 7),
    ]
    draft = Draft.objects.get()
    assert draft.week_start == date(2026, 12, 7)  # the latest week
    assert draft.status == Draft.Status.DRAFT  # unpublished: the editors' to finish
    assert draft.backend == "extractive"
    assert draft.items.count() > 0
    html = Client().get("/pulse/").content.decode()
    assert "week of 7 December 2026" in html


@pytest.mark.django_db
def test_an_empty_pulse_names_the_latest_week_with_papers() -> None:
    _papers(LATEST, 3)
    html = Client().get("/pulse/").content.decode()
    assert "manage.py topics --week 2026-W50" in html
    assert "W23" not in html


@pytest.mark.django_db
def test_createeditor_makes_an_editor_and_says_how_to_sign_in() -> None:
    out = StringIO()
    call_command("createeditor", stdout=out)
    line = out.getvalue()
    password = line.split("with password '")[1].split("'")[0]
    assert "http://127.0.0.1:8000/accounts/login/" in line
    client = Client()
    assert client.login(username="editor", password=password)
    assert client.get("/editor/drafts/").status_code == 200
    user = get_user_model().objects.get(username="editor")
    assert user.is_staff and user.groups.filter(name="editors").exists()

    again = StringIO()
    call_command("createeditor", "--if-missing", stdout=again)
    assert "with password" not in again.getvalue()  # the account and its password stay
    assert client.get("/editor/drafts/").status_code == 200


@pytest.mark.django_db
def test_createeditor_refuses_in_production() -> None:
    with override_settings(PRODUCTION=True), pytest.raises(CommandError, match="development"):
        call_command("createeditor")
