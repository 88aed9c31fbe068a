"""The drafting task on a real worker: requested by an editor, written, progress visible."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth.models import User
from django.test import Client

from papers.models import Paper
from tests.helpers.celery_worker import CeleryWorker
from tests.helpers.waiting import BACKGROUND_CEILING_S
from tests.writing.conftest import WEEK
from writing.models import Draft, DraftItem

pytestmark = pytest.mark.celery_worker


def _wait_until_written(draft_id: int, timeout: float = BACKGROUND_CEILING_S) -> Draft:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        draft = Draft.objects.get(pk=draft_id)
        if draft.generation in (Draft.Generation.DONE, Draft.Generation.FAILED):
            return draft
        time.sleep(0.2)
    raise AssertionError(f"draft {draft_id} still {draft.generation} after {timeout}s")


def test_a_draft_requested_by_an_editor_is_written_by_the_worker(
    celery_worker_process: CeleryWorker, week_papers: list[Paper], editor: User
) -> None:
    client = Client()
    client.force_login(editor)
    response = client.post("/editor/drafts/new/", {"week": WEEK.isoformat(), "item_count": 2})
    draft_id = int(response["Location"].rstrip("/").rsplit("/", 1)[1])

    draft = _wait_until_written(draft_id)

    assert draft.generation == Draft.Generation.DONE, draft.generation_error
    assert draft.task_id and (draft.sections_done, draft.sections_total) == (3, 3)
    assert set(draft.items.values_list("origin", flat=True)) == {DraftItem.Origin.EXTRACTIVE}
    fragment = client.get(f"/editor/drafts/{draft_id}/progress/").content.decode()
    assert "3 / 3 sections written." in fragment
