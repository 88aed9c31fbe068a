"""The paper page: shown in the site layer, because it draws on every app."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from digest.browse import paper_page


@require_GET
def paper_detail(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    page = paper_page(arxiv_id=arxiv_id, user=request.user)
    if page is None:
        raise Http404("No such paper.")
    return render(request, "digest/paper.html", {"page": page, "paper": page.paper})
