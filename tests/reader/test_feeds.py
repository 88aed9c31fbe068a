"""RSS and Atom feeds of the daily trending list, for the site, a category and a topic."""

from __future__ import annotations

import feedparser
import pytest
from django.test import Client

from papers.models import Topic
from tests.reader.conftest import MakePapers

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "version"),
    [
        ("/feeds/trending.rss", "rss20"),
        ("/feeds/trending.atom", "atom10"),
        ("/feeds/categories/cs.CL.rss", "rss20"),
        ("/feeds/categories/cs.CL.atom", "atom10"),
    ],
)
def test_trending_feeds_parse_and_link_to_paper_pages(
    client: Client, make_papers: MakePapers, url: str, version: str
) -> None:
    papers = make_papers(3)

    response = client.get(url)
    feed = feedparser.parse(response.content)

    assert response.status_code == 200 and not feed.bozo, feed.get("bozo_exception")
    assert feed.version == version
    links = {entry.link for entry in feed.entries}
    assert links == {f"http://testserver/papers/{paper.arxiv_id}/" for paper in papers}
    first = next(e for e in feed.entries if e.link.endswith(f"/{papers[0].arxiv_id}/"))
    assert first.title == papers[0].title_text
    assert "A model that attends sparsely." in first.summary
    assert {tag.term for tag in first.tags} == {"cs.CL"}


def test_a_topic_feed_lists_the_topics_papers(
    client: Client, make_papers: MakePapers, topic: Topic
) -> None:
    papers = make_papers(2)

    rss = feedparser.parse(client.get(f"/feeds/topics/{topic.pk}.rss").content)
    atom = feedparser.parse(client.get(f"/feeds/topics/{topic.pk}.atom").content)

    assert "sparse, attention" in rss.feed.title and atom.version == "atom10"
    assert len(rss.entries) == len(atom.entries) == len(papers)


def test_a_quiet_day_feeds_the_newest_papers_instead_of_nothing(
    client: Client, make_papers: MakePapers
) -> None:
    make_papers(2, signals=False)

    feed = feedparser.parse(client.get("/feeds/trending.rss").content)

    assert len(feed.entries) == 2


def test_feeds_of_unknown_categories_and_topics_are_404(client: Client) -> None:
    assert client.get("/feeds/categories/xx.NONE.rss").status_code == 404
    assert client.get("/feeds/topics/999999.atom").status_code == 404
