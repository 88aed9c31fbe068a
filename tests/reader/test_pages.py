"""The reader's pages: home, paper, author, category; their failures; their query counts."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.test import Client

from papers.models import Paper
from papers.text import latex_to_text
from tests.papers.factories import PaperFactory
from tests.reader.conftest import MakePapers

pytestmark = pytest.mark.django_db
QUERY_BOUND = 14  # whatever the number of papers: a page of 20 cards, authors, extras


def test_home_lists_todays_trending_papers_as_cards_best_first(
    client: Client, make_papers: MakePapers
) -> None:
    papers = make_papers(3)

    response = client.get("/")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.index(f"/papers/{papers[0].arxiv_id}/") < html.index(
        f"/papers/{papers[1].arxiv_id}/"
    )
    assert "A model that attends sparsely." in html  # the Hugging Face summary
    assert "We study attention number 1." in html and "A second sentence" not in html
    assert "https://github.com/lab/repo0" in html and "repo1" not in html
    assert "Topic: sparse, attention" in html and "▲</span> 100" in html
    assert f'href="/authors/{papers[0].ordered_authors[0].pk}/"' in html
    assert 'href="/categories/cs.CL/"' in html
    assert 'aria-current="page">Today<' in html
    assert "newest announced papers" not in html


def test_home_tabs_switch_to_the_week_and_the_month(
    client: Client, make_papers: MakePapers, today: date
) -> None:
    (paper,) = make_papers(1)
    paper.trending_signals.update(day=today - timedelta(days=5))

    day, week = client.get("/?window=day").content.decode(), client.get("/?window=week")

    assert "No paper got an upvote, a bookmark or a counted view in this window" in day
    assert f"/papers/{paper.arxiv_id}/" not in day
    assert 'aria-current="page">This week<' in week.content.decode()
    assert f"/papers/{paper.arxiv_id}/" in week.content.decode()
    assert "No paper got" not in week.content.decode()


def test_home_goes_back_in_time_day_by_day(
    client: Client, make_papers: MakePapers, today: date
) -> None:
    (paper,) = make_papers(1)
    yesterday = today - timedelta(days=1)
    paper.trending_signals.update(day=yesterday)

    html = client.get(f"/?day={yesterday.isoformat()}").content.decode()

    assert f"/papers/{paper.arxiv_id}/" in html and "newest announced papers" not in html
    assert f"day={(yesterday - timedelta(days=1)).isoformat()}" in html  # previous day
    assert f"day={today.isoformat()}" in html  # next day


def test_a_day_without_signals_lists_nothing_and_says_why(
    client: Client, make_papers: MakePapers
) -> None:
    (paper,) = make_papers(1, signals=False)

    html = client.get("/").content.decode()

    assert f"/papers/{paper.arxiv_id}/" not in html and "No papers yet" not in html
    assert "No paper got an upvote, a bookmark or a counted view in this window yet today" in html
    assert client.get("/search?sort=newest").status_code == 200  # where the empty state points


def test_an_empty_database_shows_an_empty_state(client: Client) -> None:
    response = client.get("/")

    assert response.status_code == 200 and "No papers yet" in response.content.decode()


def test_more_cards_load_on_scroll_with_a_plain_link_fallback(
    client: Client, make_papers: MakePapers, today: date
) -> None:
    papers = make_papers(25)
    html = client.get("/").content.decode()
    next_url = f"/?window=day&amp;day={today.isoformat()}&amp;page=2"
    assert f'hx-get="{next_url}" hx-trigger="revealed" hx-swap="outerHTML"' in html
    assert f'<a href="{next_url}">More papers</a>' in html
    assert html.count('<li class="card">') == 20

    fragment = client.get(f"/?day={today.isoformat()}&page=2", headers={"HX-Request": "true"})
    full = client.get(f"/?day={today.isoformat()}&page=2")

    assert "<html" not in fragment.content.decode() and "<html" in full.content.decode()
    assert fragment.content.decode().count('<li class="card">') == 5
    both = html + fragment.content.decode()
    assert all(both.count(f'href="/papers/{paper.arxiv_id}/"') == 1 for paper in papers)
    assert "hx-trigger" not in fragment.content.decode()  # the last page
    assert "HX-Request" in fragment["Vary"]


@pytest.mark.parametrize(
    "query",
    ["?day=2026-13-45", "?day=yesterday", "?day=2999-01-01", "?page=0", "?page=x", "?page=99"],
)
def test_a_malformed_date_or_a_page_past_the_end_is_a_404_in_the_site_design(
    client: Client, make_papers: MakePapers, query: str
) -> None:
    make_papers(2)

    response = client.get(f"/{query}")

    assert response.status_code == 404
    assert "Not found" in response.content.decode() and "site-header" in response.content.decode()


def test_latex_in_a_title_is_escaped_and_marked_for_katex_and_the_abstract_rendered(
    client: Client, make_papers: MakePapers
) -> None:
    paper = PaperFactory(
        title="Bounds for $x<y$ <script>alert(1)</script>",
        abstract="$a<b$ by Construction~X",
        abstract_text=latex_to_text("$a<b$ by Construction~X"),
    )

    html = client.get(f"/papers/{paper.arxiv_id}/").content.decode()

    assert "<script>alert(1)</script>" not in html
    assert '<h1 class="tex">Bounds for $x&lt;y$ &lt;script&gt;alert(1)&lt;/script&gt;</h1>' in html
    # The abstract's prose is rendered (no "~" left), its math kept, escaped, for KaTeX.
    assert '<div class="abstract tex"><p>$a&lt;b$ by Construction X</p></div>' in html
    assert "/static/vendor/katex/katex.min.js" in html
    assert "/static/vendor/katex/contrib/auto-render.min.js" in html
    assert "/static/js/site.js" in html


def test_the_paper_page_shows_authors_links_topic_code_and_versions(
    client: Client, make_papers: MakePapers
) -> None:
    paper = make_papers(1)[0]
    paper.versions.create(version=1, size="1 MB")
    paper.versions.create(version=2, size="2 MB")

    html = client.get(f"/papers/{paper.arxiv_id}/").content.decode()

    for author in paper.ordered_authors:
        assert f'<a href="/authors/{author.pk}/">{author.name}</a>' in html
    assert f'href="https://arxiv.org/abs/{paper.arxiv_id}v1">Abstract on arXiv' in html
    assert f'href="https://arxiv.org/pdf/{paper.arxiv_id}v1">PDF' in html
    assert 'href="https://github.com/lab/repo0"' in html
    assert "sparse, attention</a>" in html and "Versions" in html and ">v2</a>" in html
    assert "Sign in to bookmark" in html and "Sign in to upvote" in html
    assert "In the research log" not in html  # no log model yet: the section stays hidden


def test_an_unknown_paper_author_topic_or_category_is_a_404(client: Client) -> None:
    for url in (
        "/papers/2699.99999/",
        "/authors/999999/",
        "/categories/xx.NOPE/",
        "/categories/not a code/",
        "/topics/999999/",
    ):
        assert client.get(url).status_code == 404, url


def test_the_author_page_lists_their_papers_newest_first(
    client: Client, make_papers: MakePapers
) -> None:
    older, newer = make_papers(2)
    author = older.ordered_authors[0]
    newer.authorships.create(author=author, position=5)
    Paper.objects.filter(pk=newer.pk).update(submitted_at=older.submitted_at + timedelta(days=1))

    response = client.get(f"/authors/{author.pk}/")

    html = response.content.decode()
    assert response.status_code == 200 and f"<h1>{author.name}</h1>" in html
    assert html.index(newer.arxiv_id) < html.index(older.arxiv_id)
    assert client.get(f"/authors/{author.pk}/?page=2").status_code == 404


def test_the_category_page_lists_newest_and_trending_papers(
    client: Client, make_papers: MakePapers
) -> None:
    (paper,) = make_papers(1)
    PaperFactory(categories=["math.CO"], primary_category="math.CO")

    html = client.get("/categories/cs.CL/").content.decode()

    assert "Papers in cs.CL" in html and "Trending this week" in html and "Newest papers" in html
    assert html.count(f'href="/papers/{paper.arxiv_id}/"') == 2
    assert "/feeds/categories/cs.CL.rss" in html and "Sign in to follow cs.CL" in html


def _reader(papers: list[Paper]) -> object:
    from django.contrib.auth import get_user_model

    from reader.services import bookmark_set, upvote_set

    user, _ = get_user_model().objects.get_or_create(username="reader", email="r@example.org")
    for paper in papers:
        bookmark_set(user=user, paper=paper, on=True)
        upvote_set(user=user, paper=paper, on=True)
    return user


# Queries per page, whatever the number of papers it lists (session and user included, and
# the footer form's topic choices, read once and then cached).
QUERY_BOUNDS = {
    "/": 15,
    "/?window=month": 15,
    "paper": 18,  # with the research logs that discuss it
    "author": 16,  # with the name's people (homonyms) and the follow state
    "/categories/cs.CL/": 18,
    "/search?q=attention": 9,
    "/search?q=attention&sort=trending": 11,
    "/trending/?window=week": 9,
    "/feeds/trending.rss": 11,
    "/feeds/categories/cs.CL.atom": 11,
    "/me/papers/": 16,  # with the papers by followed authors
}


def _query_counts(client: Client, urls: dict[str, str]) -> dict[str, int]:
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for key, url in urls.items():
        cache.clear()  # the same work each time: no view already counted, nothing cached
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200, url
        counts[key] = len(captured)
    return counts


@pytest.mark.parametrize("signed_in", [False, True])
def test_each_page_takes_the_same_bounded_number_of_queries_for_5_or_60_papers(
    client: Client, make_papers: MakePapers, signed_in: bool
) -> None:
    papers = make_papers(5)
    author = papers[0].ordered_authors[0]
    urls = {key: key for key in QUERY_BOUNDS if signed_in or not key.startswith("/me/")}
    urls |= {"paper": f"/papers/{papers[0].arxiv_id}/", "author": f"/authors/{author.pk}/"}
    if signed_in:
        client.force_login(_reader(papers))

    few = _query_counts(client, urls)
    more = make_papers(55, prefix="More ")
    for paper in [*papers[1:], *more]:
        paper.authorships.create(author=author, position=9)
    if signed_in:
        _reader(more)
    many = _query_counts(client, urls)

    assert few == many
    assert {key: n for key, n in many.items() if n > QUERY_BOUNDS[key]} == {}


def test_the_home_list_is_cached_only_the_vote_counts_are_read_again(
    client: Client, make_papers: MakePapers, django_assert_num_queries: object
) -> None:
    make_papers(30)
    first = client.get("/").content.decode()

    with django_assert_num_queries(1):  # the site's upvote counts of the 20 cards
        second = client.get("/").content.decode()

    def cards(html: str) -> list[str]:
        return re.findall(r'href="(/papers/[^"]+)"', html)

    assert len(cards(first)) == 20 and cards(first) == cards(second)
