"""Admin: read-mostly views of drafts, logs and model calls (editing is /editor/)."""

from __future__ import annotations

from django.contrib import admin

from writing.models import Draft, LLMCall, ResearchLog


@admin.register(Draft)
class DraftAdmin(admin.ModelAdmin[Draft]):
    list_display = ("week_start", "title", "status", "generation", "backend", "version")
    list_filter = ("status", "generation", "backend")
    readonly_fields = ("version", "task_id", "tokens_spent", "flags")
    raw_id_fields = ("theme_topic",)


@admin.register(ResearchLog)
class ResearchLogAdmin(admin.ModelAdmin[ResearchLog]):
    list_display = ("number", "title", "published_at")
    readonly_fields = ("draft", "number", "slug", "body_md", "body_html", "published_at")
    raw_id_fields = ("papers",)


@admin.register(LLMCall)
class LLMCallAdmin(admin.ModelAdmin[LLMCall]):
    list_display = ("draft", "purpose", "backend", "model_name", "ok", "duration_s", "created")
    list_filter = ("backend", "purpose", "ok")
