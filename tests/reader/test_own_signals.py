"""The site's own signals (views, bookmarks, upvotes) enter the transparent trending score."""

from __future__ import annotations

import math
import re
from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings

from papers.trending import OwnSignals, paper_trending_parts, trending_papers
from reader.models import Bookmark, PaperView, Upvote
from reader.services import Viewer, bookmark_set, paper_view_record, upvote_set
from tests.papers.factories import PaperFactory
from tests.reader.conftest import MakePapers

pytestmark = pytest.mark.django_db


FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
HEADLESS = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/131.0.0.0 Safari/537.36"
)


def _readers(count: int) -> list[object]:
    model = get_user_model()
    return [model.objects.create(username=f"r{n}", email=f"r{n}@example.org") for n in range(count)]


def test_views_bookmarks_and_upvotes_made_today_count_in_todays_score(today: date) -> None:
    paper = PaperFactory(announced_on=today)
    for visitor in range(20):
        viewer = Viewer(visitor=f"v{visitor}", network=f"10.0.{visitor}.0/24", user_agent=FIREFOX)
        assert paper_view_record(paper_id=paper.pk, viewer=viewer, day=today) is None
    first, second = _readers(2)
    bookmark_set(user=first, paper=paper, on=True)
    upvote_set(user=first, paper=paper, on=True)
    upvote_set(user=second, paper=paper, on=True)

    (entry,) = trending_papers(window="day", day=today)

    assert entry.paper == paper  # ranked with no Hugging Face signal at all
    assert entry.parts.own_signals == OwnSignals(views=20, bookmarks=1, upvotes=2)
    assert entry.parts.own_heat == pytest.approx(20 / 10 + 1 + 2)  # made today: not faded
    assert entry.parts.score == pytest.approx(math.log1p(20 / 10 + 1 + 2))


def test_own_signals_older_than_the_window_do_not_count(today: date) -> None:
    paper = PaperFactory(announced_on=today - timedelta(days=9))
    (reader,) = _readers(1)
    upvote_set(user=reader, paper=paper, on=True)
    Upvote.objects.update(created=timezone.now() - timedelta(days=8))
    PaperView.objects.create(paper=paper, day=today - timedelta(days=8), count=40)

    assert trending_papers(window="week", day=today) == []
    (entry,) = trending_papers(window="month", day=today)
    assert entry.parts.own_signals == OwnSignals(views=40, bookmarks=0, upvotes=1)


def test_a_bookmark_lifts_a_paper_above_an_equal_one(make_papers: MakePapers, today: date) -> None:
    first, second = make_papers(2)
    second.trending_signals.update(upvotes=100)
    first.trending_signals.update(upvotes=100, github_repo="")
    second.trending_signals.update(github_repo="")
    (reader,) = _readers(1)
    bookmark_set(user=reader, paper=second, on=True)

    ranked = trending_papers(window="day", day=today)

    assert [e.paper for e in ranked] == [second, first]
    assert ranked[0].parts.own_signals.bookmarks == 1 and ranked[1].parts.own_heat == 0


def _browser(agent: str = FIREFOX, address: str = "192.0.2.10") -> Client:
    return Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=address)


def _view(client: Client, paper: object) -> int:
    """Open the paper page, then send its beacon as seen.js does; the beacon's status."""
    html = client.get(f"/papers/{paper.arxiv_id}/").content.decode()  # type: ignore[attr-defined]
    token = re.search(r'data-token="([^"]+)"', html)
    assert token is not None, "an anonymous reader's page carries the beacon"
    return client.post(f"/seen/{paper.pk}/", {"token": token.group(1)}).status_code  # type: ignore[attr-defined]


def test_an_anonymous_view_counts_only_when_the_pages_script_reports_it(
    today: date,
) -> None:
    paper = PaperFactory(announced_on=today)
    reader = _browser()

    reader.get(f"/papers/{paper.arxiv_id}/")  # no script ran: a scraper's fetch
    assert not PaperView.objects.exists()
    assert _view(reader, paper) == 204
    assert _view(reader, paper) == 204  # the same visitor again: once a day
    assert _view(_browser(address="198.51.100.7"), paper) == 204

    assert PaperView.objects.get(paper=paper, day=today).count == 2
    parts = paper_trending_parts(paper_id=paper.pk, window="week", day=today)
    assert parts is not None and parts.own_signals.views == 2


def test_a_headless_browsers_views_change_nothing(make_papers: MakePapers, today: date) -> None:
    papers = make_papers(3)
    target = PaperFactory(announced_on=today)  # 0 upvotes anywhere
    before = [(e.paper.pk, e.parts.score) for e in trending_papers(window="week", day=today)]

    for n in range(20):  # twenty headless visits from twenty networks
        assert _view(_browser(HEADLESS, address=f"203.0.{n}.9"), target) == 204
    for agent in ("python-requests/2.32.3", "curl/8.5.0", "", "Googlebot/2.1"):
        _view(_browser(agent), target)

    after = [(e.paper.pk, e.parts.score) for e in trending_papers(window="week", day=today)]
    assert after == before and target.pk not in dict(after) and len(after) == len(papers)
    assert not PaperView.objects.exists()


def test_one_network_counts_at_most_three_views_of_a_paper_a_day(
    today: date, settings: Settings
) -> None:
    settings.TRENDING_VIEWS_PER_NETWORK = 3
    paper = PaperFactory(announced_on=today)

    for host in range(1, 8):  # seven visitors behind one /24
        _view(_browser(address=f"192.0.2.{host}"), paper)
    _view(_browser(address="2001:db8:1:2::5"), paper)
    _view(_browser(address="2001:db8:1:3::5"), paper)  # the same /48

    assert PaperView.objects.get(paper=paper).count == 3 + 2


def test_a_signed_in_readers_view_counts_without_the_script(client: Client, today: date) -> None:
    paper = PaperFactory(announced_on=today)
    (reader,) = _readers(1)
    client.force_login(reader)

    html = client.get(f"/papers/{paper.arxiv_id}/", HTTP_USER_AGENT=FIREFOX).content.decode()
    client.get(f"/papers/{paper.arxiv_id}/", HTTP_USER_AGENT=FIREFOX)

    assert "data-token" not in html and PaperView.objects.get(paper=paper).count == 1


def test_a_token_for_another_paper_or_a_forged_one_counts_nothing(today: date) -> None:
    first, second = PaperFactory(announced_on=today), PaperFactory(announced_on=today)
    reader = _browser()
    html = reader.get(f"/papers/{first.arxiv_id}/").content.decode()
    token = re.search(r'data-token="([^"]+)"', html).group(1)  # type: ignore[union-attr]

    assert reader.post(f"/seen/{second.pk}/", {"token": token}).status_code == 400
    assert reader.post(f"/seen/{first.pk}/", {"token": token + "x"}).status_code == 400
    assert reader.get(f"/seen/{first.pk}/").status_code == 405
    assert not PaperView.objects.exists()


def test_the_beacon_is_protected_against_cross_site_posts(today: date) -> None:
    paper = PaperFactory(announced_on=today)
    strict = Client(enforce_csrf_checks=True, HTTP_USER_AGENT=FIREFOX)
    html = strict.get(f"/papers/{paper.arxiv_id}/").content.decode()
    token = re.search(r'data-token="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    csrf = re.search(r'data-csrf="([^"]+)"', html).group(1)  # type: ignore[union-attr]

    assert strict.post(f"/seen/{paper.pk}/", {"token": token}).status_code == 403
    ok = strict.post(f"/seen/{paper.pk}/", {"token": token, "csrfmiddlewaretoken": csrf})
    assert ok.status_code == 204 and PaperView.objects.get().count == 1


def test_the_paper_page_shows_the_parts_of_its_score(
    client: Client, make_papers: MakePapers
) -> None:
    (paper,) = make_papers(1)  # 100 Hugging Face upvotes, code
    (reader,) = _readers(1)
    bookmark_set(user=reader, paper=paper, on=True)

    first = _browser().get(f"/papers/{paper.arxiv_id}/").content.decode()
    assert _view(_browser(address="198.51.100.1"), paper) == 204
    second = _browser().get(f"/papers/{paper.arxiv_id}/").content.decode()

    assert "Trending this week" in first
    assert "= ln(1 + 101.00) + 0.5 for code" in first
    assert "100 new upvotes in the window, worth 100.00 after fading (HF ▲ 100 in all)" in first
    # The second reader's page comes after the first reader's beacon.
    assert "0 upvotes, 1 bookmark, 0 counted views, worth 1.00 after fading" in first
    assert "0 upvotes, 1 bookmark, 1 counted view, worth 1.10 after fading" in second
    assert Bookmark.objects.count() == 1


def test_a_paper_without_any_signal_says_so(client: Client) -> None:
    paper = PaperFactory()

    html = client.get(f"/papers/{paper.arxiv_id}/").content.decode()

    assert (
        "No upvote, bookmark or counted view in the last 7 days." in html
        and "Score</dt>" not in html
    )


def test_the_about_page_states_that_own_signals_count(client: Client) -> None:
    html = client.get("/about/trending/").content.decode()

    assert "views / 10 + bookmarks + upvotes" in html and "cannot sign in yet" not in html


def test_a_paper_page_is_shown_even_when_its_view_cannot_be_counted(
    client: Client, settings: Settings
) -> None:
    paper = PaperFactory()
    settings.CACHES = {  # a Redis that does not answer
        "default": {
            "BACKEND": "digest.lib.cache.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }

    (reader,) = _readers(1)
    client.force_login(reader)  # a signed-in reader's view is counted with the page

    response = client.get(f"/papers/{paper.arxiv_id}/", HTTP_USER_AGENT=FIREFOX)

    assert response.status_code == 200 and PaperView.objects.count() == 0


def test_behind_a_proxy_the_network_cap_reads_the_address_the_proxy_names(
    today: date, settings: Settings
) -> None:
    settings.RATELIMIT_IP_META_KEY = "HTTP_X_REAL_IP"
    settings.TRENDING_VIEWS_PER_NETWORK = 1
    paper = PaperFactory(announced_on=today)

    for client_ip in ("192.0.2.1", "198.51.100.1", "203.0.113.1", "203.0.113.2"):
        _view(
            Client(HTTP_USER_AGENT=FIREFOX, REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP=client_ip), paper
        )

    assert PaperView.objects.get(paper=paper).count == 3  # three networks behind one proxy
