"""The paper page: shown in the site layer, because it draws on every app."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from papers.selectors import papers_with_authors, similar_papers


@require_GET
def paper_detail(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    paper = get_object_or_404(papers_with_authors().prefetch_related("versions"), arxiv_id=arxiv_id)
    context = {"paper": paper, "similar": similar_papers(paper=paper)}
    return render(request, "digest/paper.html", context)
