from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html

from papers.models import (
    AnnouncementDay,
    Author,
    Authorship,
    HarvestRun,
    Paper,
    PaperVersion,
    QuarantinedRecord,
    TrendingSignal,
)
from papers.trending import WINDOWS, paper_signal_days, paper_trending_parts


class AuthorshipInline(admin.TabularInline[Authorship, Paper]):
    model = Paper.authors.through
    extra = 0
    raw_id_fields = ("author",)
    ordering = ("position",)


class PaperVersionInline(admin.TabularInline[PaperVersion, Paper]):
    model = PaperVersion
    extra = 0
    readonly_fields = ("version", "submitted_at", "size", "withdrawn", "first_seen")
    can_delete = False


@admin.register(Paper)
class PaperAdmin(admin.ModelAdmin[Paper]):
    list_display = ("arxiv_id", "version", "title_text", "primary_category", "submitted_at",
                    "announced_on", "withdrawn", "is_complete")  # fmt: skip
    list_filter = ("primary_category", "withdrawn", "is_complete", "metadata_source",
                   ("announced_on", admin.DateFieldListFilter))  # fmt: skip
    search_fields = ("=arxiv_id", "title_text", "authors__name", "doi")
    date_hierarchy = "submitted_at"
    readonly_fields = ("content_hash", "created", "modified", "trending_link")
    inlines = (AuthorshipInline, PaperVersionInline)
    show_full_result_count = False

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.trending_view)
        return [
            path("<int:paper_id>/trending/", view, name="papers_paper_trending"),
            *super().get_urls(),
        ]

    @admin.display(description="trending")
    def trending_link(self, paper: Paper) -> str:
        if not paper.pk:  # the add form: no row yet
            return "-"
        url = reverse("admin:papers_paper_trending", args=[paper.pk])
        return format_html('<a href="{}">What moved this paper</a>', url)

    def trending_view(self, request: HttpRequest, paper_id: int) -> HttpResponse:
        """Every signal of the last 30 days and its weight in each window's score."""
        paper = get_object_or_404(Paper, pk=paper_id)
        day = timezone.localdate()
        windows = [
            (spec, paper_trending_parts(paper_id=paper.pk, window=key, day=day))
            for key, spec in WINDOWS.items()
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"What moved {paper.arxiv_id}",
            "paper": paper,
            "day": day,
            "windows": windows,
            "signal_days": paper_signal_days(paper_id=paper.pk, day=day),
            "window_keys": list(WINDOWS),
        }
        return TemplateResponse(request, "admin/papers/paper/trending.html", context)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Paper], search_term: str
    ) -> tuple[QuerySet[Paper], bool]:
        queryset, _ = super().get_search_results(request, queryset, search_term)
        return queryset.distinct(), False


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin[Author]):
    list_display = ("name", "normalized_name")
    search_fields = ("name", "normalized_name")


@admin.register(TrendingSignal)
class TrendingSignalAdmin(admin.ModelAdmin[TrendingSignal]):
    list_display = ("day", "rank", "source", "paper", "upvotes", "comments", "github_stars")
    list_filter = ("source", ("day", admin.DateFieldListFilter))
    search_fields = ("=paper__arxiv_id", "paper__title_text")
    raw_id_fields = ("paper",)
    date_hierarchy = "day"


@admin.register(HarvestRun)
class HarvestRunAdmin(admin.ModelAdmin[HarvestRun]):
    list_display = ("id", "source", "status", "started_at", "duration_s", "pages", "new",
                    "updated", "unchanged", "failed", "quarantined", "short_error")  # fmt: skip
    list_filter = ("source", "status")
    readonly_fields = tuple(f.name for f in HarvestRun._meta.fields)

    @admin.display(description="error")
    def short_error(self, run: HarvestRun) -> str:
        return run.error[:120]


@admin.register(AnnouncementDay)
class AnnouncementDayAdmin(admin.ModelAdmin[AnnouncementDay]):
    list_display = ("day", "category", "announced", "stored", "completeness_percent",
                    "checked_at")  # fmt: skip
    list_filter = ("category", ("day", admin.DateFieldListFilter))
    date_hierarchy = "day"
    readonly_fields = ("checked_at",)

    @admin.display(description="complete")
    def completeness_percent(self, day: AnnouncementDay) -> str:
        return f"{day.completeness:.0%}"


@admin.register(QuarantinedRecord)
class QuarantinedRecordAdmin(admin.ModelAdmin[QuarantinedRecord]):
    """Records a harvest set aside: what the source sent, and why the database refused it."""

    list_display = ("last_seen", "source", "kind", "record_id", "short_reason", "sightings", "run")
    list_filter = ("source", "kind")
    search_fields = ("=record_id", "reason")
    date_hierarchy = "last_seen"
    readonly_fields = (*(f.name for f in QuarantinedRecord._meta.fields), "payload_as_sent")
    fields = ("source", "kind", "record_id", "reason", "payload_as_sent", "sightings",
              "first_seen", "last_seen", "run")  # fmt: skip

    @admin.display(description="payload")
    def payload_as_sent(self, record: QuarantinedRecord) -> str:
        return format_html("<pre style='white-space: pre-wrap'>{}</pre>", record.payload)

    @admin.display(description="reason")
    def short_reason(self, record: QuarantinedRecord) -> str:
        return record.reason[:120]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
