"""Drafting a week: choose the theme and the papers, then write every part of the draft.

``draft_prepare`` creates the week's one draft and picks its items; ``draft_write`` writes
whatever is still missing (sections of pending items, intro, Pulse of AI), one model call
per part, and grounds each. Both are idempotent: a second run for the same week finds the
same draft, writes only what is missing and never touches what an editor wrote.

With no model (``llm_client()`` is None), a failed call or a spent token budget, a part
is written extractively (``writing.extractive``: the abstract's own sentences chosen by
role); the item's ``origin`` records it for editors, and no label enters the text.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse

from digest.lib.llm import LLMBudgetExceeded, LLMClient, LLMError, TokenBudget, render_prompt
from digest.lib.safe_html import link_href
from digest.lib.tasks import TaskRef
from papers.models import Paper, Topic, TopicPaper, TopicWeek, TrendingSignal
from papers.trending import trending_papers
from papers.weeks import week_end, week_start_of
from writing import checking, extractive, grounding
from writing.models import Draft, DraftItem, LLMCall
from writing.services.revisions import draft_bump, revision_record

logger = logging.getLogger(__name__)

# Queued by name: writing.tasks imports this module (see digest.lib.tasks.TaskRef).
DRAFT_WEEK = TaskRef("digest.tasks.draft_week")

TRENDING_POOL = 50
_LINK_LINE = re.compile(r"^(?:Paper: \[arXiv:|Code: <|\[Similar papers\]).*$", re.MULTILINE)


class DraftingError(Exception):
    """A week cannot be drafted (no papers announced in it)."""


@dataclass(frozen=True)
class ThemeChoice:
    theme: str
    topic: Topic | None
    paper_ids: list[int]


@dataclass
class Writer:
    """One drafting run: the client (or None), its budget and the draft it writes for."""

    draft: Draft
    client: LLMClient | None
    budget: TokenBudget = field(default_factory=lambda: TokenBudget(0))

    def complete(
        self, *, purpose: str, prompt: str, max_tokens: int, item: DraftItem | None = None
    ) -> str | None:
        """The model's answer, or None (no model, budget spent, or the call failed)."""
        if self.client is None:
            return None
        call = LLMCall(
            draft=self.draft,
            item=item,
            purpose=purpose,
            backend=self.client.backend,
            model_name=self.client.model,
        )
        try:
            self.budget.check(max_tokens=max_tokens)
            completion = self.client.complete(
                system=render_prompt("draft_system"),
                prompt=prompt,
                max_tokens=max_tokens,
                temperature=0.3,
            )
        except LLMError as exc:  # LLMBudgetExceeded included
            call.ok, call.error = False, str(exc)[:2000]
            call.save()
            if not isinstance(exc, LLMBudgetExceeded):
                logger.warning("draft %s: %s call failed: %s", self.draft.pk, purpose, exc)
            return None
        self.budget.charge(completion)
        call.model_name = completion.model
        call.prompt_tokens, call.completion_tokens = (
            completion.prompt_tokens,
            completion.completion_tokens,
        )
        call.duration_s = completion.duration_s
        call.save()
        return completion.text.strip() or None


# --- choosing ---------------------------------------------------------------------------


def roundup_title(*, week_start: date, theme: str) -> str:
    """A draft's automatic title: its theme (the log adds its number, the page its date)."""
    return theme


def theme_choose(*, week_start: date, item_count: int) -> ThemeChoice:
    """The week's theme (the topic its trending papers weigh most in) and its items.

    A trending paper counts for its latest topic: Hugging Face trending lags arXiv, so the
    papers trending in a week were often announced (and clustered) in an earlier one.
    Up to half the items (rounded up) come from the theme's topic, best trending first;
    the rest are the week's best trending papers. A week without trending signals takes
    its largest topic's most central papers, then its newest.
    """
    # A paper only Hugging Face has described yet (a stub) still has arXiv's abstract
    # from it, enough to write and ground a section; one with no abstract is skipped.
    entries = [
        e
        for e in trending_papers(window="week", day=week_end(week_start), limit=TRENDING_POOL)
        if e.paper.abstract_text and not e.paper.withdrawn
    ]
    ranked = [e.paper.pk for e in entries]
    topic_of = _latest_topics(ranked)
    weight: dict[int, float] = {}
    for entry in entries:
        if (topic_id := topic_of.get(entry.paper.pk)) is not None:
            weight[topic_id] = weight.get(topic_id, 0.0) + entry.parts.score
    best = Topic.objects.filter(pk=max(weight, key=weight.__getitem__)).first() if weight else None
    if best is None:  # no trending paper has a topic: the week's largest topic
        best = next(iter(_week_topics(week_start)), None)
    themed = [pid for pid in ranked if best is not None and topic_of.get(pid) == best.pk]
    chosen = themed[: math.ceil(item_count / 2)]
    chosen += [pid for pid in ranked if pid not in chosen][: item_count - len(chosen)]
    if len(chosen) < item_count:
        chosen += _quiet_week_papers(week_start, best, exclude=chosen)[: item_count - len(chosen)]
    texts = [
        f"{title} {abstract}"
        for title, abstract in Paper.objects.filter(pk__in=chosen).values_list(
            "title_text", "abstract_text"
        )
    ]
    return ThemeChoice(theme=_topic_theme(best, texts=texts), topic=best, paper_ids=chosen)


def _latest_topics(paper_ids: list[int]) -> dict[int, int]:
    """Each paper's topic in the latest week that clustered it (outliers left out)."""
    rows = (
        TopicPaper.objects.filter(paper_id__in=paper_ids, topic__is_outlier=False)
        .order_by("paper_id", "-week__week_start")
        .values_list("paper_id", "topic_id")
    )
    latest: dict[int, int] = {}
    for paper_id, topic_id in rows:
        latest.setdefault(paper_id, topic_id)
    return latest


def _quiet_week_papers(week_start: date, topic: Topic | None, *, exclude: list[int]) -> list[int]:
    week = Paper.objects.filter(
        announced_on__gte=week_start, announced_on__lte=week_end(week_start), is_complete=True
    ).exclude(pk__in=exclude)
    central = (
        list(
            TopicPaper.objects.filter(topic=topic, paper__in=week)
            .order_by("-probability", "paper_id")
            .values_list("paper_id", flat=True)
        )
        if topic
        else []
    )
    newest = (
        week.exclude(pk__in=central).order_by("-submitted_at", "-id").values_list("pk", flat=True)
    )
    return [*central, *newest[:50]]


def _topic_theme(topic: Topic | None, *, texts: Sequence[str] = ()) -> str:
    """The topic's name; from keywords, the two the chosen papers share most, as written."""
    if topic is None:
        return "This week in AI"
    if topic.human_label and topic.human_label != "All papers":
        return topic.human_label
    keywords = topic.keywords[:8]
    folded = [t.casefold() for t in texts]
    shares = {k: sum(k.casefold() in t for t in folded) for k in keywords}
    best = sorted(keywords, key=lambda k: (-shares[k], keywords.index(k)))[:2]
    words = [extractive.display_term(k, texts) for k in best] or ["This week in AI"]
    return " and ".join(words)


# --- preparing --------------------------------------------------------------------------


def draft_prepare(*, week_start: date, item_count: int | None = None) -> Draft:
    """The week's draft, created once; its theme and items are chosen when it has none."""
    week_start = week_start_of(week_start)
    count = item_count or settings.DIGEST_DRAFT_ITEMS
    with transaction.atomic():
        draft, _ = Draft.objects.select_for_update().get_or_create(
            week_start=week_start, defaults={"item_count": count}
        )
        if draft.items.exists() or draft.status != Draft.Status.DRAFT:
            return draft
        choice = theme_choose(week_start=week_start, item_count=count)
        if not choice.paper_ids:
            raise DraftingError(f"no papers were announced in the week of {week_start}")
        DraftItem.objects.bulk_create(
            DraftItem(draft=draft, paper_id=pid, position=i)
            for i, pid in enumerate(choice.paper_ids)
        )
        return draft_bump(
            draft_id=draft.pk,
            expected_version=draft.version,
            item_count=count,
            theme=choice.theme,
            theme_topic=choice.topic,
            title=draft.title or roundup_title(week_start=week_start, theme=choice.theme),
        )


# --- writing ----------------------------------------------------------------------------


def draft_write(*, draft_id: int, client: LLMClient | None) -> Draft:
    """Write every missing part of the draft; parts already written are left as they are."""
    draft = Draft.objects.get(pk=draft_id)
    if draft.status == Draft.Status.PUBLISHED:
        return draft
    pending = list(
        draft.items.filter(origin=DraftItem.Origin.PENDING)
        .select_related("paper")
        .order_by("position")
    )
    needs_front = not draft.intro or not draft.pulse_overview
    total = len(pending) + int(needs_front)
    Draft.objects.filter(pk=draft_id).update(
        generation=Draft.Generation.RUNNING,
        sections_done=0,
        sections_total=total,
        generation_error="",
        backend=client.backend if client else "extractive",
        model_name=client.model if client else "",
        token_budget=settings.DIGEST_DRAFT_TOKEN_BUDGET,
    )
    writer = Writer(
        draft=draft, client=client, budget=TokenBudget(settings.DIGEST_DRAFT_TOKEN_BUDGET)
    )
    # The model names the theme once, while it is still the topic's keywords.
    if client is not None and draft.theme_topic and draft.theme == _automatic_theme(draft):
        _name_theme(writer)
    for item in pending:
        _write_item(writer, item)
    if needs_front:
        _write_front(writer)
    with transaction.atomic():
        draft = draft_bump(
            draft_id=draft_id,
            expected_version=None,
            generation=Draft.Generation.DONE,
            tokens_spent=F("tokens_spent") + writer.budget.spent,
        )
        revision_record(draft=draft, author=None, note=f"written ({draft.backend})")
    return draft


def _automatic_theme(draft: Draft) -> str:
    """The theme drafting chose from the topic (an editor's or a model's differs)."""
    texts = [
        f"{title} {abstract}"
        for title, abstract in draft.items.values_list("paper__title_text", "paper__abstract_text")
    ]
    return _topic_theme(draft.theme_topic, texts=texts)


def _name_theme(writer: Writer) -> None:
    draft = writer.draft
    topic = draft.theme_topic
    if topic is None:
        return
    titles = list(draft.items.order_by("position").values_list("paper__title_text", flat=True))
    prompt = render_prompt("draft_theme", keywords=", ".join(topic.keywords[:8]), titles=titles)
    answer = writer.complete(purpose="theme", prompt=prompt, max_tokens=16)
    theme = (answer or "").strip().split("\n")[0].split(":")[0]
    theme = re.sub(r"^[\W_]+|[\W_]+$", "", theme)  # quotes, dashes, a final full stop
    if theme and len(theme.split()) <= 5 and len(theme) <= 60:
        fields = {"theme": theme}
        if draft.title == roundup_title(week_start=draft.week_start, theme=draft.theme):
            fields["title"] = roundup_title(week_start=draft.week_start, theme=theme)
        Draft.objects.filter(pk=draft.pk).update(version=F("version") + 1, **fields)
        draft.refresh_from_db()


def paper_source(*, paper: Paper) -> grounding.Source:
    """The texts a paper's facts may come from: arXiv metadata and Hugging Face signals."""
    signal = TrendingSignal.objects.filter(paper=paper).order_by("-day", "rank").first()
    extra = [paper.comments, paper.journal_ref, paper.doi]
    if signal is not None:
        extra += [
            signal.ai_summary,
            " ".join(signal.ai_keywords),
            signal.github_repo,
            signal.project_page,
            signal.organization,
            f"{signal.upvotes} upvotes",
            f"{signal.github_stars} stars" if signal.github_stars is not None else "",
        ]
    return grounding.Source(
        arxiv_id=paper.arxiv_id,
        title=paper.title_text,
        abstract=paper.abstract_text,
        extra="\n".join(e for e in extra if e),
    )


def _code_link(paper: Paper) -> str:
    """The harvested code URL, only if it is an absolute http(s) URL: it becomes a link."""
    signals = TrendingSignal.objects.filter(paper=paper).exclude(github_repo="").order_by("-day")
    return next((url for s in signals if (url := link_href(s.github_repo))), "")


def _write_item(writer: Writer, item: DraftItem) -> None:
    paper = item.paper
    if paper is None:  # a free-form item is the editor's own; nothing to write
        return
    code = _code_link(paper)
    context = {
        "title": paper.title_text,
        "url": paper.abs_url,
        "code": code,
        "comments": paper.comments,
        "abstract": paper.abstract_text,
    }
    section = writer.complete(
        purpose="section",
        prompt=render_prompt("draft_section", **context),
        max_tokens=settings.DIGEST_SECTION_MAX_TOKENS,
        item=item,
    )
    note = writer.complete(
        purpose="note",
        prompt=render_prompt("draft_pulse_note", **context),
        max_tokens=120,
        item=item,
    )
    origin = DraftItem.Origin.LLM if section else DraftItem.Origin.EXTRACTIVE
    drafted = extractive.section_from_abstract(paper.abstract_text)
    section_md = _with_links(section or drafted.markdown, paper, code)
    if note is None:
        note = extractive.note_from_abstract(
            paper.abstract_text,
            section_used=drafted.used,
            extra=_ai_summary(paper),
            name=drafted.name,
        )
    note_md = f"{note} [Read more]({paper_page_url(paper=paper)})"
    evidence, flags = item_grounding(
        paper=paper,
        section_md=section_md,
        pulse_note=note_md,
        theme=writer.draft.theme,
        stale_themes=writer.draft.previous_themes,
    )
    with transaction.atomic():
        # Only a still-pending item is written: an editor's text is never replaced.
        written = DraftItem.objects.filter(pk=item.pk, origin=DraftItem.Origin.PENDING).update(
            section_md=section_md,
            pulse_note=note_md,
            origin=origin,
            evidence=evidence,
            flags=flags,
            flags_acknowledged_by=None,
            github_repo=code,
        )
        Draft.objects.filter(pk=writer.draft.pk).update(
            sections_done=F("sections_done") + 1, version=F("version") + written
        )


def _ai_summary(paper: Paper) -> str:
    signal = (
        TrendingSignal.objects.filter(paper=paper).exclude(ai_summary="").order_by("-day").first()
    )
    return signal.ai_summary if signal else ""


def paper_page_url(*, paper: Paper) -> str:
    """This site's page of the paper (similar papers, topic, trending), absolute for email."""
    return f"{settings.SITE_URL}{reverse('paper', args=[paper.arxiv_id])}"


def _with_links(section: str, paper: Paper, code: str) -> str:
    links = []
    if paper.arxiv_id not in section:
        links.append(f"Paper: [arXiv:{paper.arxiv_id}]({paper.abs_url})")
    if code and code.rstrip("/") not in section:
        links.append(f"Code: <{code}>")
    links.append(f"[Similar papers]({paper_page_url(paper=paper)})")
    return section.strip() + ("\n\n" + " · ".join(links) if links else "")


def item_grounding(
    *,
    paper: Paper | None,
    section_md: str,
    pulse_note: str,
    theme: str = "",
    stale_themes: Sequence[str] = (),
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """The evidence of each sentence of the section, and the checker's findings.

    A free-form item (no paper) has no sources: only what needs none is checked
    (repetition, truncation, prompt echo, labels, stale themes).
    """
    text = f"{section_md}\n\n{pulse_note}"
    if paper is None:
        return [], checking.check(text=text, sources=None, stale_themes=stale_themes)
    body = _LINK_LINE.sub("", section_md)  # links are checked as facts, not as prose
    evidence = grounding.evidence_for(section=body, abstract=paper.abstract_text)
    flags = checking.check(
        text=text,
        sources=[paper_source(paper=paper)],
        stale_themes=stale_themes,
        site_text=theme,
    )
    return evidence, flags + grounding.weak_support_flags(evidence)


def front_flags(*, draft: Draft) -> list[dict[str, object]]:
    """The checker's findings in the intro, the Pulse overview and the closing paragraph."""
    papers = [i.paper for i in draft.items.select_related("paper") if i.paper is not None]
    topics = _week_topics(draft.week_start)
    sources = [paper_source(paper=paper) for paper in papers] + [_topics_source(topics)]
    # The theme, the topics' names and the site's own words ("trending ... on Hugging Face").
    names = " ".join([draft.theme, *(t.display_label for t in topics), "Hugging Face"])
    flags = checking.check(
        text=f"{draft.intro}\n\n{draft.pulse_overview}",
        sources=sources,
        stale_themes=draft.previous_themes,
        site_text=names,
    )
    if draft.closing.strip():  # the editor's own words: checked for what needs no source
        flags += checking.check(
            text=draft.closing, sources=None, stale_themes=draft.previous_themes
        )
    return [f | {"where": "front"} for f in flags]


def extractive_section(*, abstract: str) -> str:
    """Problem, contribution, how it works, results, what it enables (``writing.extractive``)."""
    return extractive.section_from_abstract(abstract).markdown


def extractive_note(*, abstract: str) -> str:
    """What the section on the same abstract does not say."""
    section = extractive.section_from_abstract(abstract)
    return extractive.note_from_abstract(abstract, section_used=section.used, name=section.name)


def _write_front(writer: Writer) -> None:
    draft = Draft.objects.get(pk=writer.draft.pk)
    items = [
        item
        for item in draft.items.select_related("paper").order_by("position")
        if item.paper is not None
    ]
    titles = [item.paper.title_text for item in items if item.paper is not None]
    topics = _week_topics(draft.week_start)
    intro = (
        draft.intro
        or writer.complete(
            purpose="intro",
            prompt=render_prompt("draft_intro", theme=draft.theme, titles=titles),
            max_tokens=160,
        )
        or extractive_intro(draft=draft, items=items)
    )
    overview = (
        draft.pulse_overview
        or writer.complete(
            purpose="overview",
            prompt=render_prompt("draft_pulse_overview", topics=topics, titles=titles),
            max_tokens=200,
        )
        or extractive_overview(week_start=draft.week_start, topics=topics)
    )
    draft.intro, draft.pulse_overview = intro, overview
    flags = front_flags(draft=draft)
    Draft.objects.filter(pk=draft.pk).update(
        intro=intro,
        pulse_overview=overview,
        flags=flags,
        flags_acknowledged_by=None,
        sections_done=F("sections_done") + 1,
        version=F("version") + 1,
    )


def _week_topics(week_start: date) -> list[Topic]:
    topics = Topic.objects.filter(week__week_start=week_start, is_outlier=False)
    return list(topics.select_related("week", "previous").order_by("-size")[:5])


def _topics_source(topics: Sequence[Topic]) -> grounding.Source:
    """The week's topic statistics: the Pulse overview may quote them."""
    lines = [f"{t.display_label} {t.size} papers {' '.join(t.keywords)}" for t in topics]
    lines += [f"{t.previous.size} papers" for t in topics if t.previous_id and t.previous]
    if topics:
        week = topics[0].week
        lines += [f"{week.paper_count} papers", week.overview]
    return grounding.Source(arxiv_id="", title="", abstract="\n".join(lines))


def extractive_intro(*, draft: Draft, items: Sequence[DraftItem]) -> str:
    """The theme, what the items share, and popularity only where the week has trending data."""
    texts = [f"{i.paper.title_text} {i.paper.abstract_text}" for i in items if i.paper]
    end = week_end(draft.week_start)
    trending_ids = set(
        TrendingSignal.objects.filter(day__gte=draft.week_start, day__lte=end).values_list(
            "paper_id", flat=True
        )
    )
    trending = sum(i.paper_id in trending_ids for i in items) if trending_ids else None
    return extractive.intro_text(theme=draft.theme, paper_texts=texts, trending_count=trending)


def extractive_overview(*, week_start: date, topics: Sequence[Topic]) -> str:
    """The week's topics: the largest, what is new and what grew, with their sizes."""
    week = TopicWeek.objects.filter(week_start=week_start).first()
    facts = [
        extractive.TopicFact(
            name=t.display_label,
            size=t.size,
            previous_size=t.previous.size if t.previous_id and t.previous else None,
        )
        for t in topics
    ]
    return extractive.overview_text(paper_count=week.paper_count if week else 0, topics=facts)


def draft_first() -> Draft | None:
    """On a fresh install (no draft at all): an extractive draft of the latest week that
    has topics, left unpublished for the editors; None when there is a draft already."""
    if Draft.objects.exists():
        return None
    latest = TopicWeek.objects.order_by("-week_start").first()
    if latest is None:
        return None
    draft = draft_prepare(week_start=latest.week_start)
    return draft_write(draft_id=draft.pk, client=None)


# --- asking for a draft -------------------------------------------------------------------


def draft_request(*, week_start: date, item_count: int | None = None) -> Draft:
    """The week's draft, queued for writing (the task runs once this transaction commits)."""
    week_start = week_start_of(week_start)
    with transaction.atomic():
        draft, _ = Draft.objects.get_or_create(
            week_start=week_start,
            defaults={"item_count": item_count or settings.DIGEST_DRAFT_ITEMS},
        )
        if draft.status == Draft.Status.DRAFT:
            draft_enqueue(draft=draft, item_count=item_count)
        return draft


def draft_enqueue(*, draft: Draft, item_count: int | None = None) -> None:
    """Queue the drafting task for the draft's week (it writes only what is missing)."""
    Draft.objects.filter(pk=draft.pk).update(
        generation=Draft.Generation.QUEUED, sections_done=0, generation_error=""
    )
    week = draft.week_start.isoformat()

    def send() -> None:
        task_id = DRAFT_WEEK.send(week, item_count)
        Draft.objects.filter(pk=draft.pk).update(task_id=task_id)

    transaction.on_commit(send)
