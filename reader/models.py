"""Reader: what signed-in readers do to papers (bookmarks, upvotes, follows) and page views.

The tables keep the names they had in the ``digest`` app (``db_table``), so the move
changed no row. Trending counts these as the site's own signals (``selectors``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Bookmark(models.Model):
    """A reader keeps a paper for later; one row per (user, paper)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bookmarks"
    )
    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="bookmarks")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "digest_bookmark"
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(fields=["user", "paper"], name="bookmark_unique_per_user")
        ]
        indexes = [models.Index(fields=["created"], name="bookmark_created")]

    def __str__(self) -> str:
        return f"bookmark of paper {self.paper_id} by user {self.user_id}"


class Upvote(models.Model):
    """A reader's vote for a paper; one row per (user, paper), counted by trending."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="upvotes"
    )
    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="upvotes")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "digest_upvote"
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(fields=["user", "paper"], name="upvote_unique_per_user")
        ]
        indexes = [models.Index(fields=["created"], name="upvote_created")]

    def __str__(self) -> str:
        return f"upvote of paper {self.paper_id} by user {self.user_id}"


class Follow(models.Model):
    """A reader follows a category (key "cs.LG"), a topic (key: the topic's id) or an author
    (key: a person key of ``papers.authors``, "12" or "12@cs" for one of a name's homonyms)."""

    class Kind(models.TextChoices):
        TOPIC = "topic", "Topic"
        CATEGORY = "category", "Category"
        AUTHOR = "author", "Author"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=64)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "digest_follow"
        ordering = ["kind", "key"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "key"], name="follow_unique_per_user")
        ]

    def __str__(self) -> str:
        return f"user {self.user_id} follows {self.kind} {self.key}"


class PaperView(models.Model):
    """Views of a paper's page on one day, one per visitor (an own trending signal)."""

    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="views")
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "digest_paperview"
        constraints = [
            models.UniqueConstraint(fields=["paper", "day"], name="paperview_unique_per_day")
        ]
        indexes = [models.Index(fields=["day"], name="paperview_day")]

    def __str__(self) -> str:
        return f"{self.count} views of paper {self.paper_id} on {self.day}"


class Feedback(models.Model):
    """A reader's word on a paper in their "For you" list: more like it, or not for them.

    One row per (user, paper): the latest word stands. "More like this" counts as a
    bookmark in the reader's profile; "not for me" hides the paper and pushes away papers
    like it (``reader.recommend``).
    """

    class Kind(models.TextChoices):
        MORE = "more", "More like this"
        LESS = "less", "Not for me"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feedback"
    )
    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="feedback")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    created = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(fields=["user", "paper"], name="feedback_unique_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.kind} on paper {self.paper_id} by user {self.user_id}"


class ApiToken(models.Model):
    """A reader's token for the API's personal endpoints; only its SHA-256 is stored, so
    the token is shown once, when made (making a new one revokes the old)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_token"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"API token of user {self.user_id}"
