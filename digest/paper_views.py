"""The paper page: shown in the site layer, because it draws on every app."""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from digest.browse import paper_page
from digest.services.reading import paper_view_record

log = logging.getLogger(__name__)


@require_GET
def paper_detail(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    page = paper_page(arxiv_id=arxiv_id, user=request.user, day=timezone.localdate())
    if page is None:
        raise Http404("No such paper.")
    try:
        paper_view_record(paper_id=page.paper.pk, visitor=_visitor(request), day=page.day)
    except Exception:  # a lost view count is tolerated; the page must still be shown
        log.warning("could not count a view of paper %s", page.paper.pk, exc_info=True)
    return render(request, "digest/paper.html", {"page": page, "paper": page.paper})


def _visitor(request: HttpRequest) -> str:
    """Who is viewing, for counting a view once: the session, else address and browser."""
    if request.session.session_key:
        return request.session.session_key
    address = request.META.get("REMOTE_ADDR", "")
    return f"{address}|{request.META.get('HTTP_USER_AGENT', '')[:200]}"
