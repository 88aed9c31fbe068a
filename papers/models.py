"""Papers, their authors and versions, trending signals, and the harvest ledger."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils import timezone
from pgvector.django import HnswIndex, VectorField

from papers.topics.linking import TopicState


class Author(models.Model):
    name = models.CharField(max_length=500)
    # NFKC, case-folded, single-spaced: the same person written two ways is one row.
    normalized_name = models.CharField(max_length=500)

    class Meta:
        ordering = ["name"]
        # A constraint rather than unique=True: Django adds a second (LIKE-pattern) index
        # for unique CharFields, which bulk harvests pay for on every insert.
        constraints = [
            models.UniqueConstraint(
                fields=["normalized_name"], name="author_normalized_name_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Paper(models.Model):
    arxiv_id = models.CharField(max_length=40, help_text="Without version.")
    version = models.PositiveSmallIntegerField(default=1, help_text="Latest version seen.")
    title = models.TextField(help_text="As arXiv gives it, LaTeX included.")
    title_text = models.TextField(help_text="Plain-text rendering for search and email.")
    abstract = models.TextField(blank=True, help_text="As arXiv gives it, LaTeX included.")
    abstract_text = models.TextField(blank=True)
    authors = models.ManyToManyField(Author, through="Authorship", related_name="papers")
    primary_category = models.CharField(max_length=40, blank=True)
    categories = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True, help_text="Version 1.")
    updated_at = models.DateTimeField(null=True, blank=True, help_text="Latest version.")
    announced_on = models.DateField(null=True, blank=True, db_index=True)
    doi = models.CharField(max_length=255, blank=True)
    journal_ref = models.TextField(blank=True)
    comments = models.TextField(blank=True)
    license = models.CharField(max_length=255, blank=True)
    withdrawn = models.BooleanField(default=False)
    is_complete = models.BooleanField(
        default=True, help_text="False while only a trending source has described the paper."
    )
    metadata_source = models.CharField(max_length=20, blank=True)
    content_hash = models.CharField(max_length=64, blank=True, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["arxiv_id"], name="paper_arxiv_id_unique")]
        indexes = [
            GinIndex(fields=["categories"], name="paper_categories_gin"),
            models.Index(fields=["-submitted_at"], name="paper_submitted_desc"),
        ]

    def __str__(self) -> str:
        return f"{self.arxiv_id}: {self.title_text[:80]}"

    @property
    def abs_url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}v{self.version}"

    @property
    def pdf_url(self) -> str:
        return f"https://arxiv.org/pdf/{self.arxiv_id}v{self.version}"

    @property
    def ordered_authors(self) -> list[Author]:
        """Authors in byline order (prefetch ``authorships__author`` to avoid a query)."""
        return [a.author for a in sorted(self.authorships.all(), key=lambda a: a.position)]


class Authorship(models.Model):
    # No index of its own on paper: the (paper, position) constraint's index serves it.
    paper = models.ForeignKey(
        Paper, on_delete=models.CASCADE, related_name="authorships", db_index=False
    )
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="authorships")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["paper", "position"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "position"], name="authorship_unique_position")
        ]

    def __str__(self) -> str:
        return f"{self.author} ({self.position}) on {self.paper.arxiv_id}"


class PaperVersion(models.Model):
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveSmallIntegerField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    size = models.CharField(max_length=40, blank=True)
    withdrawn = models.BooleanField(default=False)
    first_seen = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["paper", "version"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "version"], name="paperversion_unique")
        ]

    def __str__(self) -> str:
        return f"{self.paper.arxiv_id}v{self.version}"


class TrendingSignal(models.Model):
    """A source's view of a paper on one day; one row per (source, day, paper) keeps history."""

    source = models.CharField(max_length=20)
    day = models.DateField()
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="trending_signals")
    rank = models.PositiveIntegerField()
    upvotes = models.IntegerField(default=0)
    comments = models.IntegerField(default=0)
    submitted_by = models.CharField(max_length=200, blank=True)
    github_repo = models.URLField(max_length=500, blank=True)
    github_stars = models.IntegerField(null=True, blank=True)
    project_page = models.URLField(max_length=500, blank=True)
    ai_summary = models.TextField(blank=True)
    ai_keywords = ArrayField(models.CharField(max_length=200), default=list, blank=True)
    organization = models.CharField(max_length=200, blank=True)
    extra = models.JSONField(default=dict, blank=True)
    fetched_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-day", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "day", "paper"], name="trendingsignal_unique_per_day"
            )
        ]
        indexes = [models.Index(fields=["source", "-day", "rank"], name="trending_day_rank")]

    def __str__(self) -> str:
        return f"{self.source} {self.day} #{self.rank}: {self.paper.arxiv_id}"


class HarvestRun(models.Model):
    class Source(models.TextChoices):
        ARXIV_API = "arxiv", "arXiv export API"
        OAI_PMH = "oai", "arXiv OAI-PMH"
        RSS = "rss", "arXiv RSS listings"
        HUGGING_FACE = "hf", "Hugging Face daily papers"
        RECONCILE = "reconcile", "Completeness reconciliation"
        SAMPLE = "sample", "Bundled sample"

    class Status(models.TextChoices):
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    source = models.CharField(max_length=20, choices=Source.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RUNNING)
    params = models.JSONField(default=dict, blank=True, help_text="Window, categories, date.")
    cursor = models.JSONField(
        default=dict, blank=True, help_text="Where to resume: resumption token, next offset."
    )
    pages = models.PositiveIntegerField(default=0)
    new = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    quarantined = models.PositiveIntegerField(
        default=0, help_text="Records the database refused, set aside as QuarantinedRecords."
    )
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["source", "status", "-started_at"], name="harvestrun_recent")
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} #{self.pk} ({self.status})"

    @property
    def duration_s(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class QuarantinedRecord(models.Model):
    """A harvested record the database refused, set aside so that its page could be stored.

    One row per distinct payload: the same bad record harvested again (overlapping
    windows) counts another sighting instead of another row.
    """

    class Kind(models.TextChoices):
        PAPER = "paper"
        TRENDING = "trending", "trending signal"
        LISTING = "listing", "listing entry"

    source = models.CharField(max_length=20, choices=HarvestRun.Source.choices)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    record_id = models.CharField(max_length=100, help_text="The arXiv id the source gave.")
    payload = models.TextField(help_text="The record as parsed, JSON with non-ASCII escaped.")
    payload_hash = models.CharField(max_length=64, editable=False)
    reason = models.TextField()
    run = models.ForeignKey(
        HarvestRun,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="quarantined_records",
    )
    sightings = models.PositiveIntegerField(default=1)
    first_seen = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-last_seen", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "kind", "record_id", "payload_hash"],
                name="quarantinedrecord_unique_payload",
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.kind} {self.record_id}: {self.reason[:60]}"


class AnnouncementDay(models.Model):
    """What arXiv's listing announced for one category on one day, to check completeness."""

    day = models.DateField()
    category = models.CharField(max_length=40)
    new_ids = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    cross_ids = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    replaced_ids = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    stored = models.PositiveIntegerField(default=0, help_text="Announced papers found stored.")
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-day", "category"]
        constraints = [
            models.UniqueConstraint(fields=["day", "category"], name="announcementday_unique")
        ]

    def __str__(self) -> str:
        return f"{self.category} {self.day}"

    @property
    def announced_ids(self) -> list[str]:
        return sorted({*self.new_ids, *self.cross_ids, *self.replaced_ids})

    @property
    def announced(self) -> int:
        return len(self.announced_ids)

    @property
    def completeness(self) -> float:
        return self.stored / self.announced if self.announced else 1.0


class PaperEmbedding(models.Model):
    """A paper's title + abstract vector; stale when the model or the text changes."""

    paper = models.OneToOneField(
        Paper, on_delete=models.CASCADE, primary_key=True, related_name="embedding"
    )
    model_name = models.CharField(max_length=255, help_text="EMBEDDING_MODEL that made it.")
    vector = VectorField(dimensions=384)
    text_hash = models.CharField(max_length=64, help_text="sha256 of the text embedded.")
    created = models.DateTimeField(default=timezone.now, help_text="When it was computed.")

    class Meta:
        indexes = [
            HnswIndex(
                name="paperembedding_vector_hnsw",
                fields=["vector"],
                m=16,
                ef_construction=64,
                opclasses=["vector_cosine_ops"],
            )
        ]

    def __str__(self) -> str:
        return f"{self.model_name} vector of paper {self.paper_id}"


class TopicWeek(models.Model):
    """One week's topics (Monday to Sunday by announcement day), replaced whole on recompute."""

    week_start = models.DateField(unique=True, help_text="The Monday.")
    computed_at = models.DateTimeField(default=timezone.now)
    paper_count = models.PositiveIntegerField(default=0)
    method = models.CharField(max_length=100, blank=True)
    note = models.TextField(blank=True, help_text="Why the week has no real topics, if so.")
    overview = models.TextField(blank=True, help_text="A short text on the week's themes.")
    last_day = models.DateField(
        null=True, blank=True, help_text="The latest announcement day among its papers."
    )

    class Meta:
        ordering = ["-week_start"]

    def __str__(self) -> str:
        return f"topics of the week of {self.week_start}"

    @property
    def is_partial(self) -> bool:
        """Whether its papers stop before Friday, arXiv's last announcement day of a week."""
        return self.last_day is not None and self.last_day < self.week_start + timedelta(days=4)


class Topic(models.Model):
    week = models.ForeignKey(TopicWeek, on_delete=models.CASCADE, related_name="topics")
    number = models.IntegerField(help_text="0 is the largest; -1 is Other (the outliers).")
    keywords = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    label = models.CharField(max_length=300, help_text="From the keywords.")
    human_label = models.CharField(max_length=200, blank=True, help_text="From the LLM, if any.")
    size = models.PositiveIntegerField()
    is_outlier = models.BooleanField(default=False)
    centroid = VectorField(dimensions=384, null=True, blank=True)
    previous = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="continuations"
    )
    previous_similarity = models.FloatField(null=True, blank=True)
    state = models.CharField(
        max_length=12,
        choices=[(s.value, s.value) for s in TopicState],
        default=TopicState.NEW.value,
        help_text="Its tie to the week before (papers.topics.linking).",
    )
    origin = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="offshoots",
        help_text="The topic of the week before it split from, or took in (merged).",
    )

    class Meta:
        ordering = ["week", "is_outlier", "-size", "number"]
        constraints = [
            models.UniqueConstraint(fields=["week", "number"], name="topic_unique_number")
        ]

    def __str__(self) -> str:
        return self.display_label

    @property
    def display_label(self) -> str:
        return self.human_label or self.label


class TopicPaper(models.Model):
    """A paper's place in one week's topics: its topic and its point on the week's map."""

    week = models.ForeignKey(TopicWeek, on_delete=models.CASCADE, related_name="memberships")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="memberships")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="topic_memberships")
    probability = models.FloatField(default=1.0)
    x = models.FloatField(help_text="Map position in [0, 1].")
    y = models.FloatField(help_text="Map position in [0, 1].")

    class Meta:
        ordering = ["topic", "-probability"]
        constraints = [
            models.UniqueConstraint(fields=["week", "paper"], name="topicpaper_unique_per_week")
        ]

    def __str__(self) -> str:
        return f"paper {self.paper_id} in topic {self.topic_id}"
