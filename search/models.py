"""The Okapi BM25 index: documents, terms, corpus statistics and impact-ordered postings.

Two kinds of statistics are kept apart. The *live* ones (``Bm25Corpus.doc_count``,
``total_length``, ``Bm25Term.df``) always describe what is indexed. The *scored* ones
(``scored_doc_count``, ``scored_avgdl``, ``k1``, ``b``, ``Bm25Term.scored_df``/``idf``)
are the statistics every stored ``Bm25Posting.impact`` was computed with; queries only
ever add impacts, so they score exactly with the scored statistics (see search/bm25.py).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

from papers.models import Paper


class Bm25Corpus(models.Model):
    """The one row of corpus statistics (id 1)."""

    doc_count = models.PositiveIntegerField(default=0, help_text="Live N.")
    total_length = models.BigIntegerField(default=0, help_text="Live sum of document lengths.")
    scored_doc_count = models.PositiveIntegerField(default=0, help_text="N the impacts use.")
    scored_avgdl = models.FloatField(default=0.0, help_text="avgdl the impacts use.")
    k1 = models.FloatField(default=1.2, help_text="k1 the impacts use.")
    b = models.FloatField(default=0.75, help_text="b the impacts use.")
    refreshed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"BM25 corpus: {self.doc_count} documents"

    @property
    def avgdl(self) -> float:
        return self.total_length / self.doc_count if self.doc_count else 0.0


class Bm25Document(models.Model):
    paper = models.OneToOneField(
        Paper, primary_key=True, on_delete=models.CASCADE, related_name="bm25_document"
    )
    length = models.PositiveIntegerField(help_text="Lexemes, repeats counted (sum of tf).")
    text_hash = models.CharField(max_length=32, help_text="md5 of the indexed text.")

    def __str__(self) -> str:
        return f"BM25 document {self.paper_id} ({self.length} lexemes)"


class Bm25Term(models.Model):
    # "C" collation: lexemes are compared bytewise, which is faster and locale-independent.
    lexeme = models.TextField(primary_key=True, db_collation="C")
    df = models.PositiveIntegerField(help_text="Live document frequency.")
    scored_df = models.PositiveIntegerField(help_text="Document frequency the idf uses.")
    idf = models.FloatField(help_text="ln(1 + (N - df + 0.5) / (df + 0.5)) at scored N, df.")

    def __str__(self) -> str:
        return f"{self.lexeme} (df {self.df})"


class Bm25Posting(models.Model):
    """One (paper, lexeme) pair with its BM25 contribution, read in impact order."""

    pk = models.CompositePrimaryKey("paper_id", "lexeme")
    # No database constraint: millions of rows are bulk-inserted and a per-row foreign key
    # check would dominate; deleting a Paper through the ORM still cascades here, and a
    # full reindex or a refresh removes postings of papers deleted any other way.
    paper = models.ForeignKey(
        Paper, on_delete=models.CASCADE, db_constraint=False, db_index=False, related_name="+"
    )
    lexeme = models.TextField(db_collation="C")
    tf = models.PositiveIntegerField()
    impact = models.FloatField()

    class Meta:
        indexes = [
            models.Index(fields=["lexeme", "-impact", "paper"], name="bm25_posting_impact"),
        ]

    def __str__(self) -> str:
        return f"{self.lexeme} in {self.paper_id}: {self.impact:.4f}"


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class SavedSearch(models.Model):
    """A reader's search kept as an alert: its new matches go into the reader's daily email
    and into a private RSS feed at an unguessable URL (``feed_token``; rotating it revokes
    the old URL)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches"
    )
    q = models.CharField(max_length=1000, help_text="The query, in the search box's language.")
    categories = models.CharField(max_length=500, blank=True, help_text='"cs.LG,cs.CL".')
    feed_token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "q", "categories"], name="savedsearch_unique_per_user"
            )
        ]

    def __str__(self) -> str:
        return f"saved search {self.q!r} of user {self.user_id}"

    @property
    def label(self) -> str:
        where = f" in {self.categories}" if self.categories else ""
        return f"{self.q}{where}"
