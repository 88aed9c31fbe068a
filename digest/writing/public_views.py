"""The public research-log pages: the index and each log at its permalink."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from digest.writing import selectors


@require_GET
def research_logs(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.research_logs(), 20).get_page(request.GET.get("page"))
    return render(request, "digest/writing/logs.html", {"logs": page})


@require_GET
def research_log(request: HttpRequest, slug: str) -> HttpResponse:
    log = selectors.research_log_get(slug=slug)
    if log is None:
        raise Http404("No such research log.")
    # body_html was rendered from Markdown with raw HTML disabled (writing/markdown.py).
    context = {"log": log, "body": mark_safe(log.body_html)}
    return render(request, "digest/writing/log.html", context)


@require_GET
def research_log_number(request: HttpRequest, number: int) -> HttpResponse:
    log = selectors.research_log_by_number(number=number)
    if log is None:
        raise Http404("No such research log.")
    return redirect("research_log", log.slug, permanent=True)
