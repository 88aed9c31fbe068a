"""LLM topic labels and the Pulse overview, through the real openai client and test server."""

from __future__ import annotations

import re

import pytest

from papers.models import TopicWeek
from papers.services import topics as topics_service
from papers.services.topics import topics_compute
from papers.topics import naming
from papers.topics.labels import topic_name
from papers.topics.naming import checked_label, checked_overview, clean_label, topic_writers
from tests.helpers.openai_server import OpenAIServer
from tests.papers.test_topics import WEEK, _store, sample  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


def scripted(request: dict) -> str:
    """A label from the first keyword; an overview that repeats the facts' first number."""
    prompt = request["messages"][1]["content"]
    if "Name the research topic" in prompt:
        first = re.search(r"keywords: ([^,.]+)", prompt)[1]
        return f'"Topic: Work on {first} in practice."'
    count = re.search(r"Facts about this week's new papers:\n(\d+) papers", prompt)[1]
    return f"This week brought {count} papers,\nmostly on the topics listed."


def compute(**kwargs):
    writers = topic_writers()
    return topics_compute(
        week_start=WEEK,
        namer=writers.namer,
        overview=writers.overview,
        written_by=writers.source,
        **kwargs,
    )


def test_topics_get_llm_labels_and_the_week_an_llm_overview(
    sample: list,  # noqa: F811
    openai_server: OpenAIServer,
    openai_llm,
) -> None:
    _store(sample, week=WEEK)
    openai_server.respond_with(scripted)

    week = compute()

    real = list(week.topics.filter(is_outlier=False))
    assert all(t.human_label == f"Work on {t.keywords[0]} in practice" for t in real)
    assert all(t.label == topic_name(t.keywords) for t in real)  # keyword labels kept
    assert all(not t.human_label for t in week.topics.filter(is_outlier=True))
    stored = TopicWeek.objects.get()
    expected = f"This week brought {len(sample)} papers, mostly on the topics listed."
    assert stored.overview == expected
    assert stored.method.endswith("; labels and overview by recorded-model (openai)")
    assert len(openai_server.requests) == len(real) + 1
    label_request = openai_server.requests[0]
    assert label_request["max_tokens"] == naming.LABEL_MAX_TOKENS
    assert label_request["messages"][1]["content"].count("\n- ") <= naming.LABEL_TITLES


def test_an_overview_stating_an_invented_number_keeps_the_counts_overview(
    sample: list,  # noqa: F811
    openai_server: OpenAIServer,
    openai_llm,
) -> None:
    _store(sample, week=WEEK)
    openai_server.respond_with(
        lambda r: "Label" if "Name the research" in r["messages"][1]["content"] else "1234 papers."
    )

    week = compute()

    assert week.overview.startswith(f"{len(sample)} papers in ")
    assert week.method.endswith("; labels by recorded-model (openai)")


def test_an_unreachable_llm_keeps_keyword_labels_and_the_counts_overview(
    sample: list,  # noqa: F811
    settings,
) -> None:
    _store(sample, week=WEEK)
    settings.LLM_BACKEND = "openai"
    settings.LLM_BASE_URL = "http://127.0.0.1:9/v1"
    settings.LLM_MODEL = "any"
    settings.LLM_MAX_RETRIES = 0

    week = compute()

    assert not any(week.topics.values_list("human_label", flat=True))
    assert week.overview.startswith(f"{len(sample)} papers in ")
    assert week.method == topics_service.METHOD


def test_naming_stops_when_the_budget_is_spent_and_the_rest_keep_keywords(
    sample: list,  # noqa: F811
    openai_server: OpenAIServer,
    openai_llm,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _store(sample, week=WEEK)
    openai_server.reply(content="A label", usage={"prompt_tokens": 1150, "completion_tokens": 3})
    openai_server.respond_with(lambda r: "Another label")
    monkeypatch.setattr(naming, "WEEK_BUDGET_TOKENS", 1200)  # the second call would pass it

    week = compute()

    labels = list(week.topics.filter(is_outlier=False).values_list("human_label", flat=True))
    assert labels[0] == "A label" and not any(labels[1:])
    assert len(openai_server.requests) == 1


def test_the_nightly_task_names_topics_when_an_llm_is_configured(
    sample: list,  # noqa: F811
    openai_server: OpenAIServer,
    openai_llm,
) -> None:
    from papers.tasks import compute_topics

    _store(sample, week=WEEK)
    openai_server.respond_with(scripted)

    compute_topics(week="2026-W23")

    week = TopicWeek.objects.get()
    assert all(t.human_label.startswith("Work on ") for t in week.topics.filter(is_outlier=False))
    assert week.overview.startswith("This week brought")


def test_without_a_model_there_are_no_writers() -> None:
    assert topic_writers() is None  # the test settings say LLM_BACKEND=none


@pytest.mark.parametrize(
    ("answer", "label"),
    [
        ('"Topic: Efficient Attention."', "Efficient Attention"),
        ("**Diffusion for video**\nThese papers study…", "Diffusion for video"),
        ("\n\n  Label: Graph neural networks  ", "Graph neural networks"),
        ('The research topic is "Speech recognition"', "Speech recognition"),
        ("- Audio language models", "Audio language models"),
        ("", ""),
    ],
)
def test_answers_are_cleaned_into_short_labels(answer: str, label: str) -> None:
    assert clean_label(answer) == label


def test_a_label_that_copies_a_title_or_runs_long_is_refused() -> None:
    titles = ["Quantum Hierarchical Locally Recoverable Codes", "Polar codes for short blocks"]
    assert checked_label("Quantum Hierarchical Locally Recoverable Codes", titles=titles) == ""
    assert checked_label("Polar codes", titles=titles) == ""  # a piece of a title
    assert checked_label("one two three four five six seven eight nine", titles=titles) == ""
    assert checked_label("Coding theory", titles=titles) == "Coding theory"


def test_a_label_that_echoes_the_prompt_or_is_generic_is_refused() -> None:
    titles = ["Polar codes for short blocks"]
    assert checked_label("This research topic is a section heading", titles=titles) == ""
    assert checked_label("Keywords of these papers", titles=titles) == ""
    assert checked_label("Large language models", titles=titles) == ""
    assert checked_label("Learning", titles=titles) == ""
    assert checked_label("LLM agents", titles=titles) == "LLM agents"


def test_an_overview_may_only_repeat_numbers_found_in_the_facts() -> None:
    facts = "166 papers in 4 topics. Largest: vision (40)"
    assert checked_overview("Of 166 papers,\n 40 were on vision.", facts=facts) == (
        "Of 166 papers, 40 were on vision."
    )
    assert checked_overview("Of 166 papers, 45 were on vision.", facts=facts) == ""
