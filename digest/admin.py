"""Admin: subscribers, and per-edition sending stats from the delivery ledger."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest

from digest.models import Delivery, Edition, Subscriber


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = (
        "email", "confirmed_at", "daily_digest", "weekly_log", "paused", "deactivated_at",
    )  # fmt: skip
    list_filter = (
        "daily_digest", "weekly_log", "paused", ("confirmed_at", admin.EmptyFieldListFilter),
    )  # fmt: skip
    search_fields = ("email",)
    readonly_fields = (
        "created", "modified", "confirmed_at", "deactivated_at", "deactivated_reason",
    )  # fmt: skip


def _count(status: str) -> Count:
    return Count("deliveries", filter=Q(deliveries__status=status))


@admin.register(Edition)
class EditionAdmin(admin.ModelAdmin):
    list_display = ("key", "kind", "status", "created", "sent", "failed", "bounced", "pending")
    list_filter = ("kind", "status")
    search_fields = ("key", "subject")
    readonly_fields = ("created", "finished_at", "paper_ids")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Edition]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_sent=_count(Delivery.Status.SENT),
                n_failed=_count(Delivery.Status.FAILED),
                n_bounced=_count(Delivery.Status.BOUNCED),
                n_pending=_count(Delivery.Status.PENDING)
                + _count(Delivery.Status.CLAIMED)
                + _count(Delivery.Status.SENDING),
            )
        )

    @admin.display(ordering="n_sent")
    def sent(self, obj: Edition) -> int:
        return obj.n_sent  # type: ignore[attr-defined]

    @admin.display(ordering="n_failed")
    def failed(self, obj: Edition) -> int:
        return obj.n_failed  # type: ignore[attr-defined]

    @admin.display(ordering="n_bounced")
    def bounced(self, obj: Edition) -> int:
        return obj.n_bounced  # type: ignore[attr-defined]

    @admin.display(description="not sent yet", ordering="n_pending")
    def pending(self, obj: Edition) -> int:
        return obj.n_pending  # type: ignore[attr-defined]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("edition", "subscriber", "status", "claimed_at", "sent_at")
    list_filter = ("status", "edition__kind")
    list_select_related = ("edition", "subscriber")
    search_fields = ("edition__key", "message_id")
    raw_id_fields = ("subscriber", "edition")
    readonly_fields = ("claimed_at", "sent_at", "message_id", "provider_message_id", "error")


# --- Writing: read-mostly views of drafts, logs and model calls (editing is /editor/) ----
from digest.writing.models import Draft, LLMCall, ResearchLog  # noqa: E402


@admin.register(Draft)
class DraftAdmin(admin.ModelAdmin):
    list_display = ("week_start", "title", "status", "generation", "backend", "version")
    list_filter = ("status", "generation", "backend")
    readonly_fields = ("version", "task_id", "tokens_spent", "flags")
    raw_id_fields = ("theme_topic",)


@admin.register(ResearchLog)
class ResearchLogAdmin(admin.ModelAdmin):
    list_display = ("number", "title", "published_at")
    readonly_fields = ("draft", "number", "slug", "body_md", "body_html", "published_at")
    raw_id_fields = ("papers",)


@admin.register(LLMCall)
class LLMCallAdmin(admin.ModelAdmin):
    list_display = ("draft", "purpose", "backend", "model_name", "ok", "duration_s", "created")
    list_filter = ("backend", "purpose", "ok")
