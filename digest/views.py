from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from digest import selectors


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    report = selectors.health_report()
    return JsonResponse(report.as_dict(), status=200 if report.ok else 503)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "digest/home.html")
