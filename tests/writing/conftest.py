"""A week of papers with trending signals and topics, editors, and a scripted model client."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pytest
from django.contrib.auth.models import Group, Permission, User

from digest.lib.llm import Completion, LLMError
from papers.models import Paper, TrendingSignal
from papers.services.topics import TopicPlan, WeekPlan, topics_store
from tests.papers.factories import PaperFactory

WEEK = date(2026, 6, 8)  # a Monday (2026-W24)

ABSTRACTS = [
    (
        "Mixture of A Million Experts",
        "We introduce PEER, a layer design for sparse retrieval from a vast pool of tiny "
        "experts. PEER routes each token to 16 of over 1,000,000 single-neuron experts with "
        "product keys. On language modelling, PEER layers outperform dense feed-forward "
        "layers at the same compute, reducing perplexity by 12.5% on average. This enables "
        "scaling model capacity without a matching cost in compute.",
    ),
    (
        "NeedleBench: Can LLMs Do Retrieval and Reasoning in 1 Million Context Window?",
        "We present NeedleBench, a framework of progressively harder tasks that test "
        "retrieval and reasoning in bilingual long texts. We evaluate 20 open models with "
        "contexts up to 1 million tokens. The best model retrieves 87.2% of single needles "
        "but only 31% of multi-needle reasoning chains. Our results suggest that long "
        "context windows are far from fully used.",
    ),
    (
        "Scaling Retrieval-Based Language Models with a Trillion-Token Datastore",
        "We study how the size of the datastore used at inference affects retrieval-based "
        "language models. We build MassiveDS, a datastore of 1.4 trillion tokens. A smaller "
        "model with the datastore outperforms a larger model without it on 5 knowledge-heavy "
        "tasks. Datastore scaling improves results without saturation.",
    ),
    (
        "Training LLMs over Neurally Compressed Text",
        "We explore training language models over text compressed by a small language "
        "model with arithmetic coding. Equal-Info Windows reach a 5.3x compression rate. "
        "Models trained this way outperform byte-level baselines on perplexity at equal "
        "inference cost. This suggests a path to longer effective contexts.",
    ),
]


@pytest.fixture
def week_papers(db: None) -> list[Paper]:
    """Four trending papers announced in the week, in one topic, plus six quieter ones."""
    papers = [
        PaperFactory(
            title=title, title_text=title, abstract=abstract, abstract_text=abstract,
            announced_on=WEEK + timedelta(days=1), comments="12 pages, 4 figures",
        )
        for title, abstract in ABSTRACTS
    ]  # fmt: skip
    quiet = [
        PaperFactory(
            announced_on=WEEK + timedelta(days=2),
            abstract_text=f"We describe quiet result {i}. It helps a little.",
        )
        for i in range(6)
    ]
    for rank, paper in enumerate(papers, start=1):
        TrendingSignal.objects.create(
            source="hf", day=WEEK + timedelta(days=4), paper=paper, rank=rank,
            upvotes=100 - 10 * rank,
            github_repo="https://github.com/example/peer" if rank == 1 else "",
            github_stars=420 if rank == 1 else None,
        )  # fmt: skip
    axis = np.zeros(384, dtype=np.float32)
    axis[0] = 1.0
    plan = WeekPlan(
        paper_count=10,
        topics=[
            TopicPlan(0, ["scaling", "experts", "retrieval"], 4, False, axis,
                      [(p.pk, 0.9, 0.1, 0.1) for p in papers]),
            TopicPlan(-1, [], 6, True, None, [(p.pk, 0.0, 0.9, 0.9) for p in quiet]),
        ],
    )  # fmt: skip
    topics_store(week_start=WEEK, plan=plan)
    return papers + quiet


def editors_group() -> Group:
    """The group the data migrations made (digest 0005, its grants moved to the writing
    app by 0008); a transactional test's flush removes it, so such tests get it back with
    the same grants, named by the migration's own list."""
    group, created = Group.objects.get_or_create(name="editors")
    if created:
        migration = importlib.import_module("digest.migrations.0005_editors_group")
        codenames = [
            f"{action}_{model}"
            for model, actions in migration.EDITOR_PERMISSIONS
            for action in actions
        ]
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="writing", codename__in=[*codenames, "publish_draft"]
            )
        )
    return group


@pytest.fixture
def editor(db: None) -> User:
    user = User.objects.create_user("editor", "editor@example.org", "pw-for-tests-only")
    user.groups.add(editors_group())
    return user


@pytest.fixture
def second_editor(db: None) -> User:
    user = User.objects.create_user("editor2", "editor2@example.org", "pw-for-tests-only")
    user.groups.add(editors_group())
    return user


@dataclass
class ScriptedClient:
    """A model at the network edge: answers each prompt with ``answer(prompt)``."""

    answer: Callable[[str], str]
    backend: str = "openai"
    model: str = "scripted-1"
    prompts: list[str] = field(default_factory=list)
    fail_on: str = ""

    def complete(
        self, *, system: str, prompt: str, max_tokens: int, temperature: float = 0.2
    ) -> Completion:
        self.prompts.append(prompt)
        if self.fail_on and self.fail_on in prompt:
            raise LLMError("HTTP 500 from the endpoint after 3 attempts")
        text = self.answer(prompt)
        return Completion(
            text=text, model=self.model, backend=self.backend,
            prompt_tokens=len(prompt.split()), completion_tokens=len(text.split()),
            duration_s=0.01,
        )  # fmt: skip


def faithful_answer(prompt: str) -> str:
    """Answers that only restate the prompt's own abstract (grounded)."""
    if "Name their shared theme" in prompt:
        return "Scaling"
    if "Write one section" in prompt:
        abstract = prompt.split("Abstract: ", 1)[1].split("\n\n", 1)[0]
        sentences = abstract.split(". ")
        return ". ".join(sentences[:3]).rstrip(".") + "."
    if "plain-spoken" in prompt:  # a note adds what the section (its first three) did not say
        abstract = prompt.split("Abstract: ", 1)[1].split("\n\n", 1)[0]
        return abstract.split(". ")[-1].rstrip(".") + "."
    if "introduction" in prompt:
        return "This week is about scaling: experts, context and datastores all grow."
    return "Researchers focused on scaling experts, retrieval and context this week."


@pytest.fixture
def faithful_client() -> ScriptedClient:
    return ScriptedClient(answer=faithful_answer)
