"""The editor's pages: permissions, saving with revisions, conflicts, structure, progress."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from papers.models import Paper
from tests.writing.conftest import WEEK
from writing.models import Draft, DraftItem, ResearchLog, Revision
from writing.services import drafting

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(week_papers: list[Paper]) -> Draft:
    prepared = drafting.draft_prepare(week_start=WEEK, item_count=3)
    return drafting.draft_write(draft_id=prepared.pk, client=None)


def _as(user: User) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/editor/drafts/")  # sets the CSRF cookie
    return client


def _post(client: Client, url: str, data: dict[str, object]) -> object:
    token = client.cookies["csrftoken"].value
    return client.post(url, data, HTTP_X_CSRFTOKEN=token)


def _form(draft: Draft, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "version": draft.version, "title": draft.title, "theme": draft.theme,
        "intro": draft.intro, "pulse_overview": draft.pulse_overview,
    }  # fmt: skip
    for item in draft.items.all():
        data[f"section-{item.pk}"] = item.section_md
        data[f"note-{item.pk}"] = item.pulse_note
    return data | changes


def test_the_migration_gives_editors_the_drafting_and_publishing_permissions(db: None) -> None:
    from django.contrib.auth.models import Group

    codenames = set(
        Group.objects.get(name="editors").permissions.values_list("codename", flat=True)
    )
    assert {"view_draft", "add_draft", "change_draft", "publish_draft"} <= codenames
    assert "delete_draft" not in codenames and "delete_researchlog" not in codenames


@pytest.mark.parametrize(
    "url",
    ["/editor/drafts/", "/editor/drafts/{id}/", "/editor/drafts/{id}/progress/"],
)
def test_anonymous_visitors_are_sent_to_sign_in_and_readers_are_refused(
    draft: Draft, client: Client, django_user_model: type[User], url: str
) -> None:
    url = url.format(id=draft.pk)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")

    django_user_model.objects.create_user("reader", password="x")
    client.login(username="reader", password="x")
    assert client.get(url).status_code == 403


def test_a_reader_cannot_publish_or_save(
    draft: Draft, client: Client, django_user_model: type[User]
) -> None:
    django_user_model.objects.create_user("reader", password="x")
    client.login(username="reader", password="x")
    assert client.post(f"/editor/drafts/{draft.pk}/publish/").status_code == 403
    assert client.post(f"/editor/drafts/{draft.pk}/", _form(draft)).status_code == 403
    assert not ResearchLog.objects.exists()


def test_a_post_without_the_csrf_token_is_refused(draft: Draft, editor: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    assert client.post(f"/editor/drafts/{draft.pk}/", _form(draft)).status_code == 403


def test_an_editor_sees_the_draft_with_evidence_on_hover_and_the_extractive_label(
    draft: Draft, editor: User
) -> None:
    html = _as(editor).get(f"/editor/drafts/{draft.pk}/").content.decode()
    assert "Extractive draft: no model was available" in html
    assert 'class="evidence" title="Abstract: We introduce PEER' in html
    assert f'name="version" value="{draft.version}"' in html
    assert '<option value="Scaling, experts">' in html  # the week's topics, by name


def test_saving_keeps_a_revision_and_regrounds_the_edited_section(
    draft: Draft, editor: User
) -> None:
    item = draft.items.order_by("position").first()
    client = _as(editor)
    edited = "PEER routes each token to 16 experts and wins 77.7% of the time."
    response = _post(
        client, f"/editor/drafts/{draft.pk}/", _form(draft, **{f"section-{item.pk}": edited})
    )

    assert response.status_code == 302
    item.refresh_from_db()
    assert item.section_md == edited and item.origin == DraftItem.Origin.EDITOR
    assert [f["text"] for f in item.blocking_flags] == ["77.7"]
    revision = Revision.objects.get(draft=draft, number=draft.version + 1)
    assert revision.author == editor and revision.snapshot["items"][0]["section_md"] == edited
    html = client.get(f"/editor/drafts/{draft.pk}/").content.decode()
    assert "number: “77.7” — number found in no source (blocks publishing)" in html


def test_two_editors_saving_the_same_version_the_second_sees_the_first_edit(
    draft: Draft, editor: User, second_editor: User
) -> None:
    first, second = _as(editor), _as(second_editor)
    stale = _form(draft)
    _post(first, f"/editor/drafts/{draft.pk}/", stale | {"intro": "Alice's intro."})

    response = _post(second, f"/editor/drafts/{draft.pk}/", stale | {"intro": "Bob's intro."})

    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else saved this draft while you were editing" in html
    assert "+Alice&#x27;s intro." in html  # their edit, in the diff
    assert "Bob&#x27;s intro." in html  # and the text this editor typed, still in the form
    assert Draft.objects.get(pk=draft.pk).intro == "Alice's intro."


def test_changing_the_theme_changes_the_automatic_title(draft: Draft, editor: User) -> None:
    _post(_as(editor), f"/editor/drafts/{draft.pk}/", _form(draft, theme="Million-scale models"))
    assert Draft.objects.get(pk=draft.pk).title == ("Million-scale models")


def test_reorder_remove_and_add_papers(
    draft: Draft, editor: User, week_papers: list[Paper], django_capture_on_commit_callbacks
) -> None:
    client = _as(editor)
    items = list(draft.items.order_by("position"))
    url = f"/editor/drafts/{draft.pk}"
    _post(client, f"{url}/items/{items[2].pk}/move/", {"version": draft.version, "offset": -1})
    order = list(draft.items.order_by("position").values_list("pk", flat=True))
    assert order == [items[0].pk, items[2].pk, items[1].pk]

    draft.refresh_from_db()
    _post(client, f"{url}/items/{items[0].pk}/remove/", {"version": draft.version})
    assert list(draft.items.order_by("position").values_list("pk", flat=True)) == order[1:]

    draft.refresh_from_db()
    with django_capture_on_commit_callbacks() as callbacks:
        _post(
            client, f"{url}/items/", {"version": draft.version, "arxiv_id": week_papers[7].arxiv_id}
        )
    added = draft.items.get(paper=week_papers[7])
    assert added.origin == DraftItem.Origin.PENDING and added.position == 2
    assert len(callbacks) == 1  # the drafting task is queued to write its section
    assert Draft.objects.get(pk=draft.pk).generation == Draft.Generation.QUEUED


def test_a_structural_change_against_an_old_version_is_a_conflict(
    draft: Draft, editor: User
) -> None:
    item = draft.items.first()
    response = _post(
        _as(editor), f"/editor/drafts/{draft.pk}/items/{item.pk}/remove/", {"version": 1}
    )
    assert response.status_code == 409 and draft.items.filter(pk=item.pk).exists()


def test_regenerating_one_section_rewrites_only_that_section(
    draft: Draft, editor: User, django_capture_on_commit_callbacks
) -> None:
    first, second = draft.items.order_by("position")[:2]
    DraftItem.objects.filter(pk=second.pk).update(section_md="Kept.", origin="editor")
    draft.refresh_from_db()
    with django_capture_on_commit_callbacks() as callbacks:
        _post(
            _as(editor),
            f"/editor/drafts/{draft.pk}/items/{first.pk}/regenerate/",
            {"version": draft.version},
        )
    assert DraftItem.objects.get(pk=first.pk).origin == DraftItem.Origin.PENDING
    assert len(callbacks) == 1

    drafting.draft_write(draft_id=draft.pk, client=None)  # what the queued task does
    assert DraftItem.objects.get(pk=first.pk).origin == DraftItem.Origin.EXTRACTIVE
    assert DraftItem.objects.get(pk=second.pk).section_md == "Kept."


def test_the_progress_fragment_shows_sections_done_and_stops_polling_when_done(
    draft: Draft, editor: User
) -> None:
    client = _as(editor)
    Draft.objects.filter(pk=draft.pk).update(
        generation=Draft.Generation.RUNNING, sections_done=2, sections_total=4
    )
    html = client.get(f"/editor/drafts/{draft.pk}/progress/").content.decode()
    assert "Writing: 2 / 4 sections done" in html and 'hx-trigger="every 2s"' in html

    Draft.objects.filter(pk=draft.pk).update(generation=Draft.Generation.DONE, sections_done=4)
    response = client.get(f"/editor/drafts/{draft.pk}/progress/?polling=1")
    assert "hx-trigger" not in response.content.decode()
    assert response["HX-Refresh"] == "true"


def test_the_live_preview_renders_markdown_and_escapes_html(draft: Draft, editor: User) -> None:
    response = _post(
        _as(editor), f"/editor/drafts/{draft.pk}/preview/", {"intro": "**bold** <script>x</script>"}
    )
    assert (
        response.content.decode() == "<p><strong>bold</strong> &lt;script&gt;x&lt;/script&gt;</p>\n"
    )


def test_the_live_preview_renders_the_field_that_htmx_names_not_the_first_one(
    draft: Draft, editor: User
) -> None:
    client = _as(editor)
    item = draft.items.order_by("position").first()
    form = _form(draft, **{f"section-{item.pk}": "- edited"})  # htmx sends the whole form
    response = client.post(
        f"/editor/drafts/{draft.pk}/preview/", form,
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
        HTTP_HX_TRIGGER_NAME=f"section-{item.pk}",
    )  # fmt: skip
    assert response.content.decode() == "<ul>\n<li>edited</li>\n</ul>\n"


def test_publishing_from_the_editor_is_blocked_by_flags_until_acknowledged(
    draft: Draft, editor: User
) -> None:
    client = _as(editor)
    item = draft.items.order_by("position").first()
    _post(
        client,
        f"/editor/drafts/{draft.pk}/",
        _form(draft, **{f"section-{item.pk}": "It hits 99.9%."}),
    )
    response = _post(client, f"/editor/drafts/{draft.pk}/publish/", {})
    assert response.status_code == 302 and not ResearchLog.objects.exists()
    page = client.get(f"/editor/drafts/{draft.pk}/").content.decode()
    assert "Not published: unresolved findings in the section on" in page

    draft.refresh_from_db()
    _post(client, f"/editor/drafts/{draft.pk}/", _form(draft, acknowledge="on"))
    response = _post(client, f"/editor/drafts/{draft.pk}/publish/", {})
    log = ResearchLog.objects.get()
    assert response["Location"] == f"/logs/{log.slug}/"
    assert "It hits 99.9%." in log.body_md


def test_an_editor_requests_a_draft_and_the_task_is_queued(
    week_papers: list[Paper], editor: User, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        response = _post(
            _as(editor), "/editor/drafts/new/", {"week": "2026-06-10", "item_count": 4}
        )
    draft = Draft.objects.get()
    assert response["Location"] == f"/editor/drafts/{draft.pk}/"
    assert (draft.week_start, draft.item_count, draft.generation) == (WEEK, 4, "queued")
    assert len(callbacks) == 1


def test_the_drafts_list_and_a_published_draft_show_their_state(draft: Draft, editor: User) -> None:
    client = _as(editor)
    assert "Retrieval and Scaling" in (client.get("/editor/drafts/").content.decode())
    _post(client, f"/editor/drafts/{draft.pk}/publish/", {})
    log = ResearchLog.objects.get()
    listing = client.get("/editor/drafts/").content.decode()
    assert f'<a href="/logs/{log.slug}/">Research Log #001</a>' in listing
    page = client.get(f"/editor/drafts/{draft.pk}/").content.decode()
    assert "Published as" in page and 'name="intro"' not in page  # no longer editable


def test_scheduling_from_the_editor_needs_a_future_time(draft: Draft, editor: User) -> None:
    client = _as(editor)
    url = f"/editor/drafts/{draft.pk}/schedule/"
    response = _post(client, url, {"version": draft.version, "at": "2020-01-01T10:00"})
    assert (
        response.status_code == 400 and "Choose a time in the future" in response.content.decode()
    )

    _post(client, url, {"version": draft.version, "at": "2099-01-01T10:00"})
    draft.refresh_from_db()
    assert draft.status == Draft.Status.SCHEDULED and draft.scheduled_at.year == 2099
