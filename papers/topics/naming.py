"""Human topic labels and the week's overview, written by the LLM when one is configured.

Both are niceties over what the clustering already gives (keyword labels, an overview
from labels and counts): a failed, empty or unfounded answer keeps those, never an error.
An overview that states a number the facts do not contain is refused.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from digest.lib.llm import LLMClient, TokenBudget, complete_within, llm_client, render_prompt
from papers.models import Topic, TopicPaper, TopicWeek
from papers.services.topics import OverviewWriter, TopicNamer
from papers.topics.labels import is_generic

logger = logging.getLogger(__name__)

LABEL_MAX_TOKENS = 24
LABEL_TITLES = 5
LABEL_MAX_WORDS = 8
OVERVIEW_MAX_TOKENS = 200
OVERVIEW_TOPICS = 6
# A week has at most a few dozen topics, each label call about 250 tokens.
WEEK_BUDGET_TOKENS = 16_000


@dataclass(frozen=True)
class TopicWriters:
    """What the LLM adds to a week of topics; ``source`` names it on the Pulse page."""

    namer: TopicNamer
    overview: OverviewWriter
    source: str


def topic_writers() -> TopicWriters | None:
    """The LLM's namer and overview writer for one week, or None with no model configured."""
    client = llm_client()
    if client is None:
        return None
    budget = TokenBudget(limit=WEEK_BUDGET_TOKENS)
    return TopicWriters(
        namer=llm_topic_namer(client=client, budget=budget),
        overview=llm_overview_writer(client=client, budget=budget),
        source=f"{client.model} ({client.backend})",
    )


def llm_topic_namer(*, client: LLMClient, budget: TokenBudget) -> TopicNamer:
    system = render_prompt("topic_label_system")

    def name(keywords: Sequence[str], titles: Sequence[str]) -> str:
        prompt = render_prompt(
            "topic_label", keywords=list(keywords), titles=list(titles)[:LABEL_TITLES]
        )
        completion = complete_within(
            client, budget, system=system, prompt=prompt, max_tokens=LABEL_MAX_TOKENS
        )
        return checked_label(clean_label(completion.text), titles=titles)

    return name


def checked_label(label: str, *, titles: Sequence[str]) -> str:
    """``label``, or "" (the keyword label stays) if it is long or copies a paper's title:
    small models answer with the first title, which would misname the whole topic."""
    plain = _plain(label)
    if not plain or len(plain.split()) > LABEL_MAX_WORDS:
        return ""
    if any(_within(plain, _plain(title)) or _within(_plain(title), plain) for title in titles):
        logger.info("LLM label refused, it copies a title: %r", label)
        return ""
    if _ECHO.search(plain):
        logger.info("LLM label refused, it echoes the prompt: %r", label)
        return ""
    if is_generic(label):
        logger.info("LLM label refused, it is generic: %r", label)
        return ""
    return label


# Words of the prompt a small model repeats instead of naming ("This research topic is a
# section heading", "Keywords: ...").
_ECHO = re.compile(
    r"\b(research topic|topic name|section heading|heading|keywords?|these papers|"
    r"the papers|cluster|plain english|answer)\b"
)


def _within(part: str, whole: str) -> bool:
    """``part`` appears in ``whole`` as whole words."""
    return bool(part) and f" {part} " in f" {whole} "


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def clean_label(text: str) -> str:
    """The first line of an answer, without quotes, markup, a "Topic:" prefix or full stop."""
    line = next((part for part in text.strip().splitlines() if part.strip()), "")
    line = re.sub(
        r"^\W*(the\s+)?(research\s+)?(topic|label|name|heading)(\s+name)?\s*(:|\bis\b:?)\s*",
        "",
        line.strip(),
        flags=re.I,
    )
    line = line.strip().strip("*#_`\"'“”‘’ -").rstrip(".").strip()
    words = line.split()
    return " ".join(words[:10])


def llm_overview_writer(*, client: LLMClient, budget: TokenBudget) -> OverviewWriter:
    system = render_prompt("pulse_overview_system")

    def write(*, week: TopicWeek, fallback: str) -> str:
        facts = overview_facts(week=week, fallback=fallback)
        completion = complete_within(
            client,
            budget,
            system=system,
            prompt=render_prompt("pulse_overview", facts=facts),
            max_tokens=OVERVIEW_MAX_TOKENS,
        )
        return checked_overview(completion.text, facts=facts)

    return write


def overview_facts(*, week: TopicWeek, fallback: str) -> str:
    """What the overview may say: the counts, and the largest topics with top papers."""
    lines = [fallback]
    topics = week.topics.filter(is_outlier=False).select_related("previous")[:OVERVIEW_TOPICS]
    for topic in topics:
        lines.append(f"Topic: {topic.display_label} ({topic.size} papers{_trend(topic)})")
        members = TopicPaper.objects.filter(topic=topic).order_by("-probability")[:3]
        lines += [f"  - {title}" for title in members.values_list("paper__title_text", flat=True)]
    return "\n".join(lines)


def _trend(topic: Topic) -> str:
    if topic.previous is None:
        return ", new this week"
    return f", {topic.previous.size} the week before"


def checked_overview(text: str, *, facts: str) -> str:
    """``text`` as one paragraph, or "" if it states a number the facts do not contain."""
    paragraph = " ".join(text.split())
    known = set(re.findall(r"\d+(?:[.,]\d+)?", facts))
    invented = [n for n in re.findall(r"\d+(?:[.,]\d+)?", paragraph) if n not in known]
    if invented:
        logger.warning("LLM overview refused: numbers not in the facts: %s", invented)
        return ""
    return paragraph[:1200]
