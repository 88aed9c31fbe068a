from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from search import saved
from search.forms import SearchForm
from search.selectors import SearchQueryError, SearchResults, search_papers
from search.serializers import results_as_json


def _run(request: HttpRequest) -> tuple[SearchForm, SearchResults | None, str]:
    form = SearchForm(request.GET)
    if not form.is_valid():
        return form, None, form.error_text()
    try:
        return form, search_papers(request=form.to_request()), ""
    except SearchQueryError as exc:
        return form, None, str(exc)


@require_GET
@vary_on_headers("HX-Request")
def search_page(request: HttpRequest) -> HttpResponse:
    form, results, error = _run(request)
    if results is not None and results.arxiv_id:
        return redirect(reverse("paper", args=[results.arxiv_id]))
    template = "search/search.html#results" if request.htmx else "search/search.html"
    context = {"form": form, "results": results, "error": error}
    return render(request, template, context, status=400 if error else 200)


@require_GET
def search_api(request: HttpRequest) -> JsonResponse:
    _, results, error = _run(request)
    if error:
        return JsonResponse({"error": error}, status=400)
    return JsonResponse(results_as_json(results, request=request))


# --- Saved searches: alerts by email and a private feed ---------------------------------


@require_POST
@login_required
def search_save(request: HttpRequest) -> HttpResponse:
    try:
        saved.saved_search_save(
            user=request.user, q=request.POST.get("q", ""), categories=request.POST.get("cat", "")
        )
    except SearchQueryError as exc:
        return HttpResponseBadRequest(str(exc))
    return redirect("search:saved")


@require_GET
@login_required
def saved_searches(request: HttpRequest) -> HttpResponse:
    context = {"searches": saved.saved_searches_of(user=request.user)}
    return render(request, "search/saved.html", context)


@require_POST
@login_required
def saved_search_change(request: HttpRequest, saved_id: int, action: str) -> HttpResponse:
    change = {"rotate": saved.saved_search_feed_rotate, "delete": saved.saved_search_delete}
    if action not in change or not change[action](user=request.user, saved_id=saved_id):
        raise Http404("No such saved search.")
    return redirect("search:saved")
