"""Research logs: the public pages (index, each log at its permalink) and the editors'
pages (drafts list, the draft editor and its htmx fragments).

Every editor page needs a signed-in member of "editors" (the permissions the group holds):
anonymous visitors are sent to sign in, other accounts get 403. CSRF applies to every POST.
"""

from __future__ import annotations

from collections.abc import Callable

from celery.result import AsyncResult
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from digest.lib.request_types import AuthenticatedHttpRequest
from papers.models import Paper
from search.query import SearchQueryError
from search.selectors import SearchRequest, search_papers
from writing import selectors
from writing.forms import (
    AddPaperForm,
    DraftForm,
    DraftRequestForm,
    FreeformItemForm,
    MoveForm,
    ScheduleForm,
    VersionForm,
)
from writing.markdown import render_markdown
from writing.models import Draft, DraftItem
from writing.services import drafting, editing, publishing
from writing.services.revisions import DraftConflict

View = Callable[..., HttpResponse]


# --- Public: the published logs -------------------------------------------------------


@require_GET
def research_logs(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.research_logs(), 20).get_page(request.GET.get("page"))
    return render(request, "writing/logs.html", {"logs": page})


@require_GET
def research_log(request: HttpRequest, slug: str) -> HttpResponse:
    log = selectors.research_log_get(slug=slug)
    if log is None:
        raise Http404("No such research log.")
    # body_html was rendered from Markdown with raw HTML disabled (writing/markdown.py).
    context = {"log": log, "body": mark_safe(log.body_html)}
    return render(request, "writing/log.html", context)


@require_GET
def research_log_number(request: HttpRequest, number: int) -> HttpResponse:
    log = selectors.research_log_by_number(number=number)
    if log is None:
        raise Http404("No such research log.")
    return redirect("research_log", log.slug, permanent=True)


# --- Editors: drafts -------------------------------------------------------------------


def editor_required(permission: str = "writing.change_draft") -> Callable[[View], View]:
    def decorator(view: View) -> View:
        return login_required(permission_required(permission, raise_exception=True)(view))

    return decorator


@require_GET
@editor_required()
def drafts(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = {"drafts": selectors.drafts_list(), "form": DraftRequestForm()}
    return render(request, "writing/drafts.html", context)


@require_POST
@editor_required("writing.add_draft")
def draft_request(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = DraftRequestForm(request.POST)
    if not form.is_valid():
        context = {"drafts": selectors.drafts_list(), "form": form}
        return render(request, "writing/drafts.html", context, status=400)
    draft = drafting.draft_request(
        week_start=form.cleaned_data["week"], item_count=form.cleaned_data["item_count"]
    )
    return redirect("draft_edit", draft.pk)


def _editor(
    request: AuthenticatedHttpRequest, draft_id: int, *, status: int = 200, **extra: object
) -> HttpResponse:
    page = selectors.draft_page(draft_id=draft_id)
    if page is None:
        raise Http404("No such draft.")
    mine = extra.pop("mine", None)
    form = extra.pop("form", None) or DraftForm(initial=_initial(page.draft, mine))
    if isinstance(mine, editing.DraftChanges):
        # After a conflict the form shows what this editor typed, at the current version.
        for item in page.items:
            item.section_md = mine.sections.get(item.pk, item.section_md)
            item.pulse_note = mine.notes.get(item.pk, item.pulse_note)
    context = {"page": page, "draft": page.draft, "form": form, **extra}
    context.setdefault("schedule_form", ScheduleForm())
    context.setdefault("blockers", publishing.publish_blockers(draft=page.draft))
    return render(request, "writing/draft.html", context, status=status)


def _initial(draft: Draft, mine: object = None) -> dict[str, object]:
    source = mine if isinstance(mine, editing.DraftChanges) else draft
    fields = ("title", "theme", "intro", "pulse_overview", "closing")
    return {"version": draft.version} | {name: getattr(source, name) for name in fields}


@editor_required()
def draft_edit(request: AuthenticatedHttpRequest, draft_id: int) -> HttpResponse:
    if request.method != "POST":
        return _editor(request, draft_id)
    draft = get_object_or_404(Draft, pk=draft_id)
    form = DraftForm(request.POST)
    if not form.is_valid():
        return _editor(request, draft_id, form=form, status=400)
    item_ids = list(draft.items.values_list("pk", flat=True))
    changes = form.changes(item_ids=item_ids, data=request.POST.dict())
    try:
        editing.draft_save(
            draft_id=draft_id,
            expected_version=form.cleaned_data["version"],
            changes=changes,
            user=request.user,
        )
    except DraftConflict as conflict:
        return _conflict(request, conflict, mine=changes)
    except editing.DraftLocked as exc:
        messages.error(request, str(exc))
        return redirect("draft_edit", draft_id)
    messages.success(request, "Saved.")
    return redirect("draft_edit", draft_id)


def _conflict(
    request: AuthenticatedHttpRequest, conflict: DraftConflict, **extra: object
) -> HttpResponse:
    diff = selectors.draft_conflict_diff(
        draft=conflict.draft, since_version=conflict.expected_version
    )
    return _editor(
        request, conflict.draft.pk, conflict=True, conflict_diff=diff, status=409, **extra
    )


@require_GET
@editor_required("writing.view_draft")
def draft_progress(request: AuthenticatedHttpRequest, draft_id: int) -> HttpResponse:
    draft = get_object_or_404(Draft, pk=draft_id)
    state = AsyncResult(draft.task_id).state if draft.task_id else ""
    running = draft.generation in (Draft.Generation.QUEUED, Draft.Generation.RUNNING)
    context = {"draft": draft, "task_state": state, "running": running}
    # 286 tells htmx to stop polling; the page reloads itself to show the written draft.
    response = render(request, "writing/draft.html#progress", context)
    if not running and request.GET.get("polling"):
        response["HX-Refresh"] = "true"
    return response


@require_POST
@editor_required()
def draft_preview(request: AuthenticatedHttpRequest, draft_id: int) -> HttpResponse:
    get_object_or_404(Draft, pk=draft_id)
    # htmx posts the enclosing form's fields too; the textarea that fired names itself in
    # HX-Trigger-Name. A request without it (a plain client) sends the one field alone.
    name = request.headers.get("HX-Trigger-Name", "")
    skip = ("csrfmiddlewaretoken", "version")
    fields = {k: str(v) for k, v in request.POST.items() if k not in skip}
    text = fields.get(name, next(iter(fields.values()), "")) if fields else ""
    return HttpResponse(render_markdown(text[:50_000]))


def _structural(
    request: AuthenticatedHttpRequest, draft_id: int, action: Callable[..., Draft]
) -> HttpResponse:
    form = VersionForm(request.POST)
    if not form.is_valid():
        return HttpResponse("Missing or bad version.", status=400)
    try:
        draft = action(version=form.cleaned_data["version"])
    except DraftConflict as conflict:
        return _conflict(request, conflict)
    except editing.DraftLocked as exc:
        messages.error(request, str(exc))
        return redirect("draft_edit", draft_id)
    draft.refresh_from_db(fields=["generation"])
    if draft.generation == Draft.Generation.QUEUED:
        drafting.draft_enqueue(draft=draft)
    return redirect("draft_edit", draft_id)


@require_POST
@editor_required()
def item_move(request: AuthenticatedHttpRequest, draft_id: int, item_id: int) -> HttpResponse:
    form = MoveForm(request.POST)
    offset = form.cleaned_data["offset"] if form.is_valid() else 0
    return _structural(
        request,
        draft_id,
        lambda version: editing.item_move(
            draft_id=draft_id, expected_version=version, item_id=item_id, offset=offset,
            user=request.user,
        ),
    )  # fmt: skip


@require_POST
@editor_required()
def item_remove(request: AuthenticatedHttpRequest, draft_id: int, item_id: int) -> HttpResponse:
    get_object_or_404(DraftItem, pk=item_id, draft_id=draft_id)
    return _structural(
        request,
        draft_id,
        lambda version: editing.item_remove(
            draft_id=draft_id, expected_version=version, item_id=item_id, user=request.user
        ),
    )


@require_POST
@editor_required()
def item_regenerate(request: AuthenticatedHttpRequest, draft_id: int, item_id: int) -> HttpResponse:
    get_object_or_404(DraftItem, pk=item_id, draft_id=draft_id)
    return _structural(
        request,
        draft_id,
        lambda version: editing.item_regenerate(
            draft_id=draft_id, expected_version=version, item_id=item_id, user=request.user
        ),
    )


@require_POST
@editor_required()
def item_add(request: AuthenticatedHttpRequest, draft_id: int) -> HttpResponse:
    form = AddPaperForm(request.POST)
    arxiv_id = form.data.get("arxiv_id", "").strip()
    paper = Paper.objects.filter(arxiv_id=arxiv_id).first()
    if paper is None:
        messages.error(request, f"No paper {arxiv_id!r} is stored.")
        return redirect("draft_edit", draft_id)
    return _structural(
        request,
        draft_id,
        lambda version: editing.item_add(
            draft_id=draft_id, expected_version=version, paper=paper, user=request.user
        ),
    )


@require_POST
@editor_required()
def item_add_freeform(request: AuthenticatedHttpRequest, draft_id: int) -> HttpResponse:
    get_object_or_404(Draft, pk=draft_id)
    form = FreeformItemForm(request.POST)
    if not form.is_valid():
        messages.error(request, "A free-form item needs a heading and a text.")
        return redirect("draft_edit", draft_id)
    data = form.cleaned_data
    return _structural(
        request,
        draft_id,
        lambda version: editing.item_add_freeform(
            draft_id=draft_id, expected_version=version, heading=data["heading"],
            body_md=data["body"], position=data["position"], user=request.user,
        ),
    )  # fmt: skip


@require_GET
@editor_required()
def paper_search(request: AuthenticatedHttpRequest, draft_id: int) -> HttpResponse:
    draft = get_object_or_404(Draft, pk=draft_id)
    query = request.GET.get("q", "").strip()[:200]
    hits, error = [], ""
    if query:
        try:
            results = search_papers(request=SearchRequest(q=query, mode="keyword", per_page=10))
            hits = [hit.paper for hit in results.hits]
            if results.arxiv_id:
                hits = list(Paper.objects.filter(arxiv_id=results.arxiv_id))
        except SearchQueryError as exc:
            error = str(exc)
    context = {"draft": draft, "hits": hits, "query": query, "search_error": error}
    return render(request, "writing/draft.html#search-results", context)


@require_POST
@editor_required("writing.publish_draft")
def draft_publish(request: AuthenticatedHttpRequest, draft_id: int) -> HttpResponse:
    get_object_or_404(Draft, pk=draft_id)
    try:
        log = publishing.draft_publish(draft_id=draft_id, user=request.user)
    except publishing.PublishBlocked as exc:
        for reason in exc.reasons:
            messages.error(request, f"Not published: {reason}.")
        return redirect("draft_edit", draft_id)
    messages.success(request, f"Published as {log.display_number}.")
    return redirect("research_log", log.slug)


@require_POST
@editor_required("writing.publish_draft")
def draft_schedule(request: AuthenticatedHttpRequest, draft_id: int) -> HttpResponse:
    get_object_or_404(Draft, pk=draft_id)
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        return _editor(request, draft_id, schedule_form=form, status=400)
    try:
        publishing.draft_schedule(
            draft_id=draft_id,
            expected_version=form.cleaned_data["version"],
            at=form.cleaned_data["at"],
            user=request.user,
        )
    except publishing.PublishBlocked as exc:
        for reason in exc.reasons:
            messages.error(request, f"Not scheduled: {reason}.")
    except DraftConflict as conflict:
        return _conflict(request, conflict)
    return redirect("draft_edit", draft_id)
