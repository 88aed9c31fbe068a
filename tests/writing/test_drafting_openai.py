"""Drafting through the real OpenAI-compatible client against the local test server."""

from __future__ import annotations

from typing import Any

import pytest

from papers.models import Paper
from tests.helpers.openai_server import OpenAIServer
from tests.writing.conftest import WEEK, faithful_answer
from writing.models import Draft, DraftItem, LLMCall
from writing.tasks import draft_week

pytestmark = pytest.mark.django_db


def _user_prompt(request: dict[str, Any]) -> str:
    return request["messages"][-1]["content"]


def test_the_drafting_task_writes_every_part_through_the_openai_compatible_endpoint(
    week_papers: list[Paper], openai_server: OpenAIServer, openai_llm: object
) -> None:
    openai_server.respond_with(lambda request: faithful_answer(_user_prompt(request)))

    result = draft_week.run(WEEK.isoformat(), 2)

    draft = Draft.objects.get(pk=result["draft_id"])
    assert (draft.backend, draft.model_name, draft.theme) == ("openai", "recorded-model", "Scaling")
    assert [i.origin for i in draft.items.order_by("position")] == [DraftItem.Origin.LLM] * 2
    assert all(not i.is_blocked for i in draft.items.all())
    assert len(openai_server.requests) == 7  # theme, 2 × (section, note), intro, overview
    section_prompt = _user_prompt(openai_server.requests[1])
    assert "Mixture of A Million Experts" in section_prompt
    assert "Code: https://github.com/example/peer" in section_prompt
    assert openai_server.requests[1]["messages"][0]["role"] == "system"
    calls = LLMCall.objects.filter(draft=draft, ok=True)
    assert calls.count() == 7 and {c.backend for c in calls} == {"openai"}
    assert all(c.prompt_tokens > 0 and c.completion_tokens > 0 for c in calls)
    assert draft.tokens_spent == sum(c.prompt_tokens + c.completion_tokens for c in calls)


def test_an_endpoint_failing_for_one_section_leaves_that_section_extractive(
    week_papers: list[Paper], openai_server: OpenAIServer, openai_llm: object
) -> None:
    def answer(request: dict[str, Any]) -> str:
        return faithful_answer(_user_prompt(request))

    openai_server.respond_with(answer)
    openai_server.reply(content="Scaling")  # the theme
    for _ in range(3):  # the first section: every attempt of the client's retries fails
        openai_server.reply_error(500)

    result = draft_week.run(WEEK.isoformat(), 2)

    draft = Draft.objects.get(pk=result["draft_id"])
    first, second = draft.items.order_by("position")
    assert first.origin == DraftItem.Origin.EXTRACTIVE
    assert second.origin == DraftItem.Origin.LLM
    failed = LLMCall.objects.get(draft=draft, ok=False)
    assert failed.purpose == "section" and failed.item == first
    assert draft.generation == Draft.Generation.DONE
