"""Following authors: from the author page, marked on lists and in the email; homonyms."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.contrib.auth.models import User
from django.test import Client

from mailing.picks import day_pool_build, picks_choose
from mailing.services.subscriptions import subscriber_follows_set
from papers.authors import author_people, paper_field
from papers.models import Author, Authorship, Paper
from reader.models import Follow
from tests.mailing.factories import SubscriberFactory
from tests.papers.factories import AuthorFactory, PaperFactory

pytestmark = pytest.mark.django_db
DAY = date(2026, 6, 30)


def _paper(category: str, authors: list[Author], *, year: int = 2026, **fields: object) -> Paper:
    paper = PaperFactory(
        primary_category=category,
        categories=[category],
        submitted_at=datetime(year, 6, 2, 12, tzinfo=UTC),
        **fields,
    )
    for position, author in enumerate(authors):
        Authorship.objects.create(paper=paper, author=author, position=position)
    return paper


@pytest.mark.parametrize(
    ("primary", "field"),
    [("cs.LG", "cs"), ("stat.ML", "cs"), ("eess.SP", "cs"), ("math-ph", "math"),
     ("hep-th", "hep"), ("q-bio.NC", "q-bio"), ("", "")],
)  # fmt: skip
def test_a_papers_field_is_its_archive_with_shared_communities_joined(
    primary: str, field: str
) -> None:
    assert paper_field(primary) == field


def test_a_name_in_two_fields_without_shared_coauthors_is_two_people() -> None:
    wei, alice, bob = (AuthorFactory(name=n) for n in ("Wei Zhang", "Alice A", "Bob B"))
    _paper("cs.LG", [wei, alice], year=2024)
    _paper("stat.ML", [wei, alice], year=2025)
    _paper("q-bio.NC", [wei, bob], year=2019)

    people = author_people(author=wei)

    assert [(p.key, p.papers) for p in people] == [(f"{wei.pk}@cs", 2), (f"{wei.pk}@q-bio", 1)]
    assert (people[0].first, people[0].last) == (date(2024, 6, 2), date(2025, 6, 2))


def test_a_shared_coauthor_joins_two_fields_into_one_person() -> None:
    wei, alice = AuthorFactory(name="Wei Zhang"), AuthorFactory(name="Alice A")
    _paper("cs.LG", [wei, alice])
    _paper("q-bio.NC", [alice, wei])

    (person,) = author_people(author=wei)

    assert person.key == str(wei.pk) and person.papers == 2


def test_the_author_page_splits_homonyms_and_shows_dates(client: Client) -> None:
    wei, bob = AuthorFactory(name="Wei Zhang"), AuthorFactory(name="Bob B")
    ml = _paper("cs.LG", [wei], year=2025, title="Deep nets")
    bio = _paper("q-bio.NC", [wei, bob], year=2019, title="Neurons")

    page = client.get(f"/authors/{wei.pk}/").content.decode()
    other = client.get(f"/authors/{wei.pk}/?person={wei.pk}@q-bio").content.decode()

    assert f"/papers/{ml.arxiv_id}/" in page and f"/papers/{bio.arxiv_id}/" not in page
    assert "Several people share this name" in page and "submitted 2 Jun 2025" in page
    assert f"/papers/{bio.arxiv_id}/" in other and f"/papers/{ml.arxiv_id}/" not in other
    assert "quantitative biology: 1 paper, submitted from" in other
    assert client.get(f"/authors/{wei.pk}/?person={wei.pk}@math").status_code == 404
    assert "Several people" not in client.get(f"/authors/{bob.pk}/").content.decode()


def test_following_an_author_marks_their_papers_on_every_list(client: Client) -> None:
    ada, alan = AuthorFactory(name="Ada Lovelace"), AuthorFactory(name="Alan Turing")
    hers = _paper("cs.LG", [alan, ada], announced_on=DAY)
    _paper("cs.LG", [alan], announced_on=DAY)
    user = User.objects.create_user("reader", "reader@example.org", "pw-long-enough-1")
    subscriber = SubscriberFactory(email="reader@example.org", categories=[], topics=[])
    client.force_login(user)

    page = client.get(f"/authors/{ada.pk}/").content.decode()
    assert "Follow Ada Lovelace" in page
    response = client.post("/me/follows/", {"kind": "author", "key": str(ada.pk), "on": "1"})
    missing = client.post("/me/follows/", {"kind": "author", "key": "999999", "on": "1"})
    bad = client.post("/me/follows/", {"kind": "author", "key": "1; drop", "on": "1"})

    assert response.status_code == 302 and missing.status_code == 400 and bad.status_code == 400
    assert list(Follow.objects.values_list("kind", "key")) == [("author", str(ada.pk))]
    subscriber.refresh_from_db()
    assert subscriber.authors == [str(ada.pk)]
    assert "Following Ada Lovelace" in client.get(f"/authors/{ada.pk}/").content.decode()
    listing = client.get(f"/authors/{alan.pk}/").content.decode()
    assert listing.count("whom you follow") == 1
    assert f"/papers/{hers.arxiv_id}/" in listing
    mine = client.get("/me/papers/").content.decode()
    assert f'href="/authors/{ada.pk}/"' in mine


def test_the_email_puts_followed_authors_papers_first_and_says_so() -> None:
    ada, alan = AuthorFactory(name="Ada Lovelace"), AuthorFactory(name="Alan Turing")
    others = [_paper("cs.CL", [alan], announced_on=DAY) for _ in range(3)]
    hers = _paper("math.AG", [ada], announced_on=DAY)
    subscriber_follows_set(email="x@example.org", categories=[], topics=[])  # no row: no-op
    pool = day_pool_build(day=DAY)

    plain = picks_choose(pool=pool, categories=["cs.CL"], topic_keys=[], count=3)
    following = picks_choose(
        pool=pool, categories=["cs.CL"], topic_keys=[], count=3, author_keys=[str(ada.pk)]
    )

    assert hers.pk not in [p.paper_id for p in plain]
    assert following[0].paper_id == hers.pk and following[0].step == "author"
    assert following[0].why == "By Ada Lovelace, whom you follow"
    assert {p.paper_id for p in following[1:]} <= {p.pk for p in others}
    homonym = picks_choose(
        pool=pool, categories=["cs.CL"], topic_keys=[], count=3, author_keys=[f"{ada.pk}@cs"]
    )
    assert hers.pk not in [p.paper_id for p in homonym]  # the other Ada, in computer science
