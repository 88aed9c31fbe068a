"""The paper page: shown in the site layer, because it draws on every app."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from digest.browse import paper_page
from digest.services.reading import paper_view_record


@require_GET
def paper_detail(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    page = paper_page(arxiv_id=arxiv_id, user=request.user, day=timezone.localdate())
    if page is None:
        raise Http404("No such paper.")
    paper_view_record(paper_id=page.paper.pk, visitor=_visitor(request), day=page.day)
    return render(request, "digest/paper.html", {"page": page, "paper": page.paper})


def _visitor(request: HttpRequest) -> str:
    """Who is viewing, for counting a view once: the session, else address and browser."""
    if request.session.session_key:
        return request.session.session_key
    address = request.META.get("REMOTE_ADDR", "")
    return f"{address}|{request.META.get('HTTP_USER_AGENT', '')[:200]}"
