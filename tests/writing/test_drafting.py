"""Drafting a week: theme, items, sections, fallback, idempotence, budget, call records."""

from __future__ import annotations

import pytest
from django.test import override_settings

from papers.models import Paper
from tests.writing.conftest import WEEK, ScriptedClient
from writing.models import Draft, DraftItem, LLMCall, Revision
from writing.services import drafting
from writing.tasks import draft_week

pytestmark = pytest.mark.django_db


def _draft(client: object | None, *, item_count: int = 3) -> Draft:
    draft = drafting.draft_prepare(week_start=WEEK, item_count=item_count)
    return drafting.draft_write(draft_id=draft.pk, client=client)  # type: ignore[arg-type]


def test_a_draft_takes_its_theme_from_the_topic_its_trending_papers_share(
    week_papers: list[Paper],
) -> None:
    draft = _draft(None, item_count=3)

    # The topic's keywords the chosen papers share most ("experts" fits one paper of three).
    assert draft.theme == "Retrieval and Scaling"
    assert draft.title == "Retrieval and Scaling"
    assert draft.theme_topic.keywords[:2] == ["scaling", "experts"]
    ordered = list(draft.items.order_by("position").values_list("paper_id", flat=True))
    assert ordered == [p.pk for p in week_papers[:3]]  # trending order


def test_without_a_model_sections_are_the_abstracts_sentences_labelled_extractive(
    week_papers: list[Paper],
) -> None:
    draft = _draft(None, item_count=2)

    assert draft.backend == "extractive" and draft.is_extractive
    item = draft.items.order_by("position").first()
    assert item.origin == DraftItem.Origin.EXTRACTIVE
    # The origin says how it was written, for editors; no label enters the text.
    assert "Extractive summary" not in item.section_md + item.pulse_note
    assert "The authors introduce PEER" in item.section_md and "12.5%" in item.section_md
    assert f"(http://127.0.0.1:8000/papers/{item.paper.arxiv_id}/)" in item.section_md
    assert f"[arXiv:{item.paper.arxiv_id}]({item.paper.abs_url})" in item.section_md
    assert "Code: <https://github.com/example/peer>" in item.section_md
    assert f"/papers/{item.paper.arxiv_id}/" in item.pulse_note
    assert item.blocking_flags == []
    assert all(e["score"] >= 0.75 for e in item.evidence)  # each sentence rests on a span
    assert draft.intro and draft.pulse_overview and draft.flags == []
    assert LLMCall.objects.count() == 0


@pytest.mark.parametrize(
    "url", ["javascript:alert(document.cookie)", "data:text/html,<b>x</b>", "//evil.example/x"]
)
def test_a_harvested_code_url_of_another_scheme_never_becomes_a_link_in_a_draft(
    week_papers: list[Paper], url: str
) -> None:
    from papers.models import TrendingSignal

    TrendingSignal.objects.filter(paper=week_papers[0]).update(github_repo=url)

    item = _draft(None, item_count=1).items.get()

    assert "Code:" not in item.section_md and url not in item.section_md
    assert item.github_repo == ""


def test_with_a_model_every_part_is_one_call_recorded_with_tokens_and_duration(
    week_papers: list[Paper], faithful_client: ScriptedClient
) -> None:
    draft = _draft(faithful_client, item_count=2)

    assert draft.backend == "openai" and draft.model_name == "scripted-1"
    assert draft.theme == "Scaling" and draft.title == "Scaling"
    purposes = list(LLMCall.objects.order_by("id").values_list("purpose", flat=True))
    assert purposes == ["theme", "section", "note", "section", "note", "intro", "overview"]
    call = LLMCall.objects.filter(purpose="section").first()
    assert call.prompt_tokens > 50 and call.completion_tokens > 10 and call.duration_s == 0.01
    calls = LLMCall.objects.all()
    assert draft.tokens_spent == sum(c.prompt_tokens + c.completion_tokens for c in calls)
    for item in draft.items.all():
        assert item.origin == DraftItem.Origin.LLM
        assert item.paper.arxiv_id in item.section_md  # every section cites its paper
        assert "Extractive summary" not in item.section_md
    assert (draft.sections_done, draft.sections_total) == (3, 3)


def test_drafting_the_same_week_twice_keeps_one_draft_and_the_editors_text(
    week_papers: list[Paper], faithful_client: ScriptedClient
) -> None:
    draft = _draft(faithful_client, item_count=2)
    item = draft.items.order_by("position").first()
    DraftItem.objects.filter(pk=item.pk).update(
        section_md="An editor's own words.", origin=DraftItem.Origin.EDITOR
    )
    Draft.objects.filter(pk=draft.pk).update(intro="The editor's intro.")
    calls = LLMCall.objects.count()

    again = _draft(faithful_client, item_count=2)

    assert again.pk == draft.pk and Draft.objects.count() == 1
    assert again.items.count() == 2
    item.refresh_from_db()
    assert item.section_md == "An editor's own words."
    assert again.intro == "The editor's intro."
    assert LLMCall.objects.count() == calls  # nothing left to write, nothing asked
    assert Revision.objects.filter(draft=draft).count() == 2


def test_a_failed_call_falls_back_to_an_extractive_section_and_is_recorded(
    week_papers: list[Paper],
) -> None:
    from tests.writing.conftest import faithful_answer

    client = ScriptedClient(answer=faithful_answer, fail_on="NeedleBench")
    draft = _draft(client, item_count=2)

    needle = draft.items.get(paper=week_papers[1])
    assert needle.origin == DraftItem.Origin.EXTRACTIVE
    assert "Extractive summary" not in needle.section_md
    failed = LLMCall.objects.filter(ok=False, item=needle)
    assert failed.count() == 2 and "HTTP 500" in failed.first().error
    assert draft.items.get(paper=week_papers[0]).origin == DraftItem.Origin.LLM


@override_settings(DIGEST_DRAFT_TOKEN_BUDGET=700)
def test_the_token_budget_stops_calls_and_the_rest_is_extractive(
    week_papers: list[Paper], faithful_client: ScriptedClient
) -> None:
    draft = _draft(faithful_client, item_count=3)

    assert draft.tokens_spent <= 700
    origins = list(draft.items.order_by("position").values_list("origin", flat=True))
    assert origins[0] == DraftItem.Origin.LLM
    assert DraftItem.Origin.EXTRACTIVE in origins
    assert LLMCall.objects.filter(ok=False, error__contains="token budget").exists()


def test_an_empty_week_is_not_drafted_and_the_editor_is_told_why(db: None) -> None:
    with pytest.raises(drafting.DraftingError, match="no papers"):
        drafting.draft_prepare(week_start=WEEK, item_count=3)
    assert not Draft.objects.exists()

    Draft.objects.create(week_start=WEEK, generation=Draft.Generation.QUEUED)
    assert draft_week.run(WEEK.isoformat(), 3) == {
        "error": "no papers were announced in the week of 2026-06-08"
    }
    draft = Draft.objects.get(week_start=WEEK)
    assert draft.generation == Draft.Generation.FAILED and "no papers" in draft.generation_error


def test_trending_papers_announced_in_an_earlier_week_count_for_their_own_topic(
    week_papers: list[Paper],
) -> None:
    from datetime import timedelta

    from papers.models import TrendingSignal

    later = WEEK + timedelta(days=7)  # trending lags: the same papers trend a week later
    TrendingSignal.objects.update(day=later + timedelta(days=2))
    Paper.objects.filter(pk=week_papers[9].pk).update(announced_on=later)

    choice = drafting.theme_choose(week_start=later, item_count=3)

    assert choice.theme == "Retrieval and Scaling"
    assert choice.paper_ids == [p.pk for p in week_papers[:3]]


def test_a_model_theme_is_cleaned_of_quotes_dashes_and_a_subtitle(
    week_papers: list[Paper],
) -> None:
    from tests.writing.conftest import faithful_answer

    def answer(prompt: str) -> str:
        return (
            "- 3D-Scaling: 3D-Scaling."
            if "Name their shared theme" in prompt
            else (faithful_answer(prompt))
        )

    draft = _draft(ScriptedClient(answer=answer), item_count=1)
    assert draft.theme == "3D-Scaling"
    assert draft.title == "3D-Scaling"


def test_a_trending_paper_known_only_from_hugging_face_is_drafted_from_its_abstract(
    week_papers: list[Paper],
) -> None:
    Paper.objects.filter(pk=week_papers[0].pk).update(is_complete=False, announced_on=None)
    Paper.objects.filter(pk=week_papers[1].pk).update(abstract_text="", abstract="")

    choice = drafting.theme_choose(week_start=WEEK, item_count=3)

    assert week_papers[0].pk in choice.paper_ids
    assert week_papers[1].pk not in choice.paper_ids  # nothing to write a section from
