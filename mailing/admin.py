"""Admin: subscribers, and per-edition sending stats from the delivery ledger."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from django.contrib import admin
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest

from mailing.models import Delivery, Edition, Subscriber

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class _Counts(TypedDict):
    n_sent: int
    n_failed: int
    n_bounced: int
    n_pending: int


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin[Subscriber]):
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
class EditionAdmin(admin.ModelAdmin[Edition]):
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
    def sent(self, obj: WithAnnotations[Edition, _Counts]) -> int:
        return obj.n_sent

    @admin.display(ordering="n_failed")
    def failed(self, obj: WithAnnotations[Edition, _Counts]) -> int:
        return obj.n_failed

    @admin.display(ordering="n_bounced")
    def bounced(self, obj: WithAnnotations[Edition, _Counts]) -> int:
        return obj.n_bounced

    @admin.display(description="not sent yet", ordering="n_pending")
    def pending(self, obj: WithAnnotations[Edition, _Counts]) -> int:
        return obj.n_pending


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin[Delivery]):
    list_display = ("edition", "subscriber", "status", "claimed_at", "sent_at")
    list_filter = ("status", "edition__kind")
    list_select_related = ("edition", "subscriber")
    search_fields = ("edition__key", "message_id")
    raw_id_fields = ("subscriber", "edition")
    readonly_fields = ("claimed_at", "sent_at", "message_id", "provider_message_id", "error")
