"""Writing: weekly drafts, their items and revisions, model calls, published research logs.

The tables keep the names they had in the ``digest`` app (``db_table``; the research
log's paper links follow as ``digest_researchlog_papers``), so the move changed no row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Draft(models.Model):
    """One week's roundup while editors work on it; one per week (the drafting task's key)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"
        PUBLISHED = "published", "Published"

    class Generation(models.TextChoices):
        IDLE = "idle", "Idle"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Writing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    week_start = models.DateField(unique=True, help_text="The Monday of the week drafted.")
    theme = models.CharField(max_length=200, blank=True)
    theme_topic = models.ForeignKey(
        "papers.Topic", on_delete=models.SET_NULL, null=True, blank=True, related_name="drafts"
    )
    title = models.CharField(max_length=300, blank=True)
    intro = models.TextField(blank=True, help_text="Markdown.")
    pulse_overview = models.TextField(blank=True, help_text="Markdown: the Pulse of AI paragraph.")
    closing = models.TextField(blank=True, help_text="Markdown: an optional closing paragraph.")
    # Themes the draft had before an editor changed it: a mention left in the text is stale.
    previous_themes = models.JSONField(default=list, blank=True)
    item_count = models.PositiveSmallIntegerField(default=5)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # Optimistic concurrency: every write does UPDATE … WHERE version = <the one read>.
    version = models.PositiveIntegerField(default=1)
    # Drafting progress, written by the task and polled by the editor page.
    generation = models.CharField(
        max_length=20, choices=Generation.choices, default=Generation.IDLE
    )
    task_id = models.CharField(max_length=64, blank=True)
    sections_done = models.PositiveSmallIntegerField(default=0)
    sections_total = models.PositiveSmallIntegerField(default=0)
    generation_error = models.TextField(blank=True)
    backend = models.CharField(
        max_length=20, blank=True, help_text='"openai", "local" or "extractive" (no model).'
    )
    model_name = models.CharField(max_length=200, blank=True)
    token_budget = models.PositiveIntegerField(default=0)
    tokens_spent = models.PositiveIntegerField(default=0)
    publish_error = models.TextField(blank=True, help_text="Why a scheduled publish did not run.")
    # Facts of the intro and the Pulse overview found in no source (see grounding.py).
    flags = models.JSONField(default=list, blank=True)
    flags_acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "digest_draft"
        ordering = ["-week_start"]
        permissions = [("publish_draft", "Can schedule and publish research logs")]
        indexes = [models.Index(fields=["status", "scheduled_at"], name="draft_due")]

    def __str__(self) -> str:
        return self.title or f"Draft of the week of {self.week_start}"

    @property
    def is_extractive(self) -> bool:
        return self.backend == "extractive"

    @property
    def is_blocked(self) -> bool:
        blocking = [f for f in self.flags if f.get("blocking", True)]
        return bool(blocking) and self.flags_acknowledged_by_id is None


class DraftItem(models.Model):
    """A paper in a draft, in order: its section, its Pulse note, and their evidence.

    An item without a paper is a free-form item (project news, an announcement): an
    editor's heading and Markdown, placed anywhere in the order.
    """

    class Origin(models.TextChoices):
        PENDING = "pending", "Not written yet"
        LLM = "llm", "Written by the model"
        EXTRACTIVE = "extractive", "Extractive (sentences of the abstract)"
        EDITOR = "editor", "Edited by an editor"

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="items")
    paper = models.ForeignKey(
        "papers.Paper",
        on_delete=models.PROTECT,
        related_name="draft_items",
        null=True,
        blank=True,
    )
    heading = models.CharField(max_length=300, blank=True, help_text="A free-form item's heading.")
    position = models.PositiveSmallIntegerField()
    section_md = models.TextField(blank=True)
    pulse_note = models.TextField(blank=True)
    origin = models.CharField(max_length=20, choices=Origin.choices, default=Origin.PENDING)
    # Per sentence of the section: {"sentence", "span", "start", "end", "score"}; the span
    # is the abstract sentence it rests on (start/end index abstract_text).
    evidence = models.JSONField(default=list, blank=True)
    # Facts of the section and note not found in the sources: {"kind", "text", "message"}.
    flags = models.JSONField(default=list, blank=True)
    flags_acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    github_repo = models.URLField(max_length=500, blank=True)

    class Meta:
        db_table = "digest_draftitem"
        ordering = ["draft", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["draft", "paper"], name="draftitem_unique_paper")
        ]

    def __str__(self) -> str:
        return f"item {self.position} of draft {self.draft_id}: paper {self.paper_id}"

    @property
    def is_freeform(self) -> bool:
        return self.paper_id is None

    @property
    def title(self) -> str:
        return self.paper.title_text if self.paper is not None else self.heading

    @property
    def blocking_flags(self) -> list[dict[str, str]]:
        return [f for f in self.flags if f.get("blocking", True)]

    @property
    def is_blocked(self) -> bool:
        return bool(self.blocking_flags) and self.flags_acknowledged_by_id is None


class Revision(models.Model):
    """Every save of a draft, whole: number N is the draft as it stood at version N."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    snapshot = models.JSONField(default=dict)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "digest_revision"
        ordering = ["draft", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["draft", "number"], name="revision_unique_number")
        ]

    def __str__(self) -> str:
        return f"revision {self.number} of draft {self.draft_id}"


class LLMCall(models.Model):
    """One completion (or failed attempt) made while writing a draft."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="llm_calls")
    item = models.ForeignKey(
        DraftItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="llm_calls"
    )
    purpose = models.CharField(max_length=30, help_text="theme, intro, section, note, overview")
    backend = models.CharField(max_length=20)
    model_name = models.CharField(max_length=200, blank=True)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    duration_s = models.FloatField(default=0.0)
    ok = models.BooleanField(default=True)
    error = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "digest_llmcall"
        ordering = ["draft", "created", "id"]
        verbose_name = "LLM call"

    def __str__(self) -> str:
        return f"{self.backend} {self.purpose} for draft {self.draft_id}"


class ResearchLog(models.Model):
    """A published draft: "Research Log #N", frozen at publishing, at a permanent address."""

    draft = models.OneToOneField(Draft, on_delete=models.PROTECT, related_name="log")
    number = models.PositiveIntegerField(unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(max_length=300)
    theme = models.CharField(max_length=200, blank=True)
    summary = models.TextField(blank=True, help_text="Plain text: the feed's description.")
    body_md = models.TextField()
    body_html = models.TextField()
    papers = models.ManyToManyField("papers.Paper", related_name="research_logs", blank=True)
    published_at = models.DateTimeField()

    class Meta:
        db_table = "digest_researchlog"
        ordering = ["-number"]

    def __str__(self) -> str:
        return self.display_number

    @property
    def display_number(self) -> str:
        return f"Research Log #{self.number:03d}"
