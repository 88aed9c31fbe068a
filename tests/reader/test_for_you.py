"""The "For you" list: ranked from the reader's signals with a reason each; feedback on
the site and from signed email links changes the next ranking; cold start from follows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

from papers.models import Author, Authorship, Paper, PaperEmbedding, Topic, TopicWeek
from reader import services
from reader.foryou import feed_for
from reader.models import Bookmark, Feedback, Follow, Upvote
from reader.recommend import centroid_scores
from tests.papers.factories import AuthorFactory, PaperFactory

pytestmark = pytest.mark.django_db
DAY = date(2026, 6, 30)
DIM = 384


def _axis(*weights: tuple[int, float]) -> np.ndarray:
    vector = np.zeros(DIM, dtype=np.float32)
    for index, weight in weights:
        vector[index] = weight
    return vector / np.linalg.norm(vector)


def _paper(
    title: str, vector: np.ndarray, *, announced: date = DAY, category: str = "cs.LG",
    authors: tuple[Author, ...] = (),
) -> Paper:  # fmt: skip
    paper = PaperFactory(
        title=title, announced_on=announced, primary_category=category, categories=[category],
        submitted_at=datetime.combine(announced, datetime.min.time(), UTC),
    )  # fmt: skip
    PaperEmbedding.objects.create(
        paper=paper, model_name=settings.EMBEDDING_MODEL, vector=vector, text_hash="x"
    )
    for position, author in enumerate(authors):
        Authorship.objects.create(paper=paper, author=author, position=position)
    return paper


@pytest.fixture
def reader() -> User:
    return User.objects.create_user("reader", "reader@example.org", "pw-long-enough-1")


@pytest.fixture
def month() -> dict[str, Paper]:
    """Last week's papers the reader may have liked, and today's: graphs, vision, proteins."""
    before = DAY - timedelta(days=9)
    return {
        "old graphs": _paper("Message passing on graphs", _axis((0, 1)), announced=before),
        "old vision": _paper("Vision transformers", _axis((1, 1)), announced=before),
        "graphs": _paper("Graph neural networks at scale", _axis((0, 1), (2, 0.3))),
        "graphs 2": _paper("Graph rewiring", _axis((0, 1), (3, 0.5))),
        "vision": _paper("Detecting objects", _axis((1, 1), (2, 0.8))),
        "proteins": _paper("Protein folding", _axis((4, 1)), category="q-bio.BM"),
    }  # fmt: skip


def _titles(user: User, window: str = "day") -> list[str]:
    return [card.paper.title for card in feed_for(user=user, window=window, day=DAY).items]


def test_centroid_scores_subtract_half_the_pull_of_refused_papers() -> None:
    candidates = np.stack([_axis((0, 1)), _axis((1, 1))])
    scores = centroid_scores(candidates=candidates, positives=candidates, negatives=candidates[1:])
    assert scores[0] > scores[1]
    assert np.allclose(scores, [2**-0.5, 2**-0.5 - 0.5], atol=1e-5)


def test_bookmarks_rank_the_newest_day_with_a_reason_each(
    reader: User, month: dict[str, Paper]
) -> None:
    Bookmark.objects.create(user=reader, paper=month["old graphs"])

    feed = feed_for(user=reader, window="day", day=DAY + timedelta(days=3))  # a weekend later

    assert feed.day == DAY and not feed.cold
    titles = [card.paper.title for card in feed.items]
    assert titles[:2] == ["Graph neural networks at scale", "Graph rewiring"]
    assert set(titles[2:]) == {"Detecting objects", "Protein folding"}
    assert feed.items[0].reason == "Close to “Message passing on graphs”, which you bookmarked"
    assert "Message passing on graphs" not in titles  # last week's and already kept


def test_a_week_window_holds_the_last_seven_days(reader: User, month: dict[str, Paper]) -> None:
    Upvote.objects.create(user=reader, paper=month["old vision"])
    month["graphs 2"].announced_on = DAY - timedelta(days=3)
    month["graphs 2"].save()

    assert "Graph rewiring" not in _titles(reader, "day")
    week = feed_for(user=reader, window="week", day=DAY)
    assert week.items[0].paper.title == "Detecting objects"
    assert week.items[0].reason.endswith("which you upvoted")
    assert "Graph rewiring" in [c.paper.title for c in week.items]


def test_not_for_me_hides_the_paper_and_pushes_its_likes_down(
    client: Client, reader: User, month: dict[str, Paper]
) -> None:
    Bookmark.objects.create(user=reader, paper=month["old graphs"])
    Bookmark.objects.create(user=reader, paper=month["old vision"])
    before = _titles(reader)
    client.force_login(reader)

    response = client.post(
        f"/for-you/feedback/{month['graphs'].pk}/", {"kind": "less"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200 and "Hidden" in response.content.decode()
    after = _titles(reader)
    assert "Graph neural networks at scale" in before
    assert "Graph neural networks at scale" not in after
    assert after.index("Detecting objects") < after.index("Graph rewiring")
    assert before.index("Graph rewiring") < before.index("Detecting objects")


def test_more_like_this_counts_as_a_bookmark_of_the_profile(
    client: Client, reader: User, month: dict[str, Paper]
) -> None:
    Bookmark.objects.create(user=reader, paper=month["old vision"])
    client.force_login(reader)

    response = client.post(f"/for-you/feedback/{month['proteins'].pk}/", {"kind": "more"})

    assert response.status_code == 302 and response["Location"] == "/for-you/"
    feed = feed_for(user=reader, window="week", day=DAY)
    reasons = {card.paper.title: card.reason for card in feed.items}
    assert "Protein folding" not in reasons  # already the reader's
    assert set(Feedback.objects.values_list("kind", flat=True)) == {"more"}
    assert (
        client.post(f"/for-you/feedback/{month['proteins'].pk}/", {"kind": "x"}).status_code == 400
    )


def test_an_emails_signed_link_asks_then_records_without_a_login(
    client: Client, reader: User, month: dict[str, Paper]
) -> None:
    token = services.feedback_token(user_id=reader.pk, paper_id=month["vision"].pk, kind="less")

    shown = client.get(f"/for-you/feedback/signed/{token}/")
    assert shown.status_code == 200 and "Yes, not for me" in shown.content.decode()
    assert not Feedback.objects.exists()  # a mail scanner's GET changes nothing
    done = client.post(f"/for-you/feedback/signed/{token}/")
    forged = client.get(f"/for-you/feedback/signed/{token[:-2]}xx/")

    assert done.status_code == 200 and "is hidden from your list" in done.content.decode()
    assert Feedback.objects.get().kind == "less"
    assert forged.status_code == 400


def test_a_reader_with_no_history_starts_from_followed_categories_and_topics(
    reader: User, month: dict[str, Paper]
) -> None:
    assert feed_for(user=reader, window="day", day=DAY).empty_profile
    Follow.objects.create(user=reader, kind="category", key="q-bio.BM")

    feed = feed_for(user=reader, window="day", day=DAY)
    assert feed.cold and [c.paper.title for c in feed.items] == ["Protein folding"]
    assert feed.items[0].reason == "New in q-bio.BM, which you follow"

    week = TopicWeek.objects.create(week_start=DAY - timedelta(days=7))
    topic = Topic.objects.create(
        week=week, number=0, label="vision", size=3, centroid=_axis((1, 1))
    )
    Follow.objects.all().delete()
    Follow.objects.create(user=reader, kind="topic", key=str(topic.pk))
    assert _titles(reader)[0] == "Detecting objects"


def test_papers_by_followed_authors_come_first_and_say_so(
    reader: User, month: dict[str, Paper]
) -> None:
    ada = AuthorFactory(name="Ada Lovelace")
    hers = _paper("Analytical engines", _axis((9, 1)), authors=(ada,))
    Bookmark.objects.create(user=reader, paper=month["old graphs"])
    Follow.objects.create(user=reader, kind="author", key=str(ada.pk))

    feed = feed_for(user=reader, window="day", day=DAY)

    assert feed.items[0].paper == hers
    assert feed.items[0].reason == "By Ada Lovelace, whom you follow"


def test_the_page_lists_reasons_and_feedback_buttons(
    client: Client, reader: User, month: dict[str, Paper]
) -> None:
    client.force_login(reader)
    empty = client.get("/for-you/").content.decode()
    Bookmark.objects.create(user=reader, paper=month["old graphs"])

    html = client.get("/for-you/?window=week").content.decode()

    assert "Nothing to go on yet" in empty
    assert "which you bookmarked" in html and "Not for me" in html and "More like this" in html
    assert client.get("/for-you/?window=year").status_code == 200
    client.logout()
    assert client.get("/for-you/").status_code == 302
