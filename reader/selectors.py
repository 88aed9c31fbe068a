"""Reads for the reader's pages (home, paper, author, category, feeds, "My papers") and
the site's own trending signals.

Every function here takes a fixed number of queries whatever the length of its lists:
papers come with their authors prefetched, and the card extras are fetched for a whole
list at once (``reader.cards``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from papers.authors import AuthorPerson, author_people, authors_people_get, person_papers
from papers.citations import highwire_tags
from papers.models import Author, Paper
from papers.selectors import papers_with_authors, similar_papers
from papers.trending import OwnSignals, ScoreParts, paper_trending_parts, trending_papers
from reader.cards import Card, CardPage, cards_for, marks_apply, site_upvote_counts
from reader.models import Bookmark, Follow, PaperView, Upvote
from writing.models import ResearchLog
from writing.selectors import logs_discussing

PER_PAGE = 20


@dataclass
class HomePage:
    window: str
    day: date
    today: date
    listing: CardPage
    has_papers: bool = True  # False on a site that has harvested nothing yet

    @property
    def previous_day(self) -> date:
        return self.day - timedelta(days=1)

    @property
    def next_day(self) -> date | None:
        return self.day + timedelta(days=1) if self.day < self.today else None


@dataclass
class ReaderMarks:
    """What a signed-in reader has done to the papers shown (empty for anonymous readers)."""

    bookmarked: set[int] = field(default_factory=set)
    upvoted: set[int] = field(default_factory=set)
    follows: set[tuple[str, str]] = field(default_factory=set)


@dataclass
class PaperPage:
    card: Card
    similar: list[Paper]
    marks: ReaderMarks
    site_upvotes: int
    day: date
    trending: ScoreParts | None = None  # this week's score and its parts
    logs: list[ResearchLog] = field(default_factory=list)  # the logs that discuss the paper

    @property
    def paper(self) -> Paper:
        return self.card.paper

    @property
    def bookmarked(self) -> bool:
        return self.paper.pk in self.marks.bookmarked

    @property
    def upvoted(self) -> bool:
        return self.paper.pk in self.marks.upvoted

    @property
    def citation_tags(self) -> list[tuple[str, str]]:
        return highwire_tags(self.paper)

    @property
    def follows_topic(self) -> bool:
        topic = self.card.topic
        return topic is not None and (Follow.Kind.TOPIC, str(topic.pk)) in self.marks.follows


@dataclass
class AuthorPage:
    author: Author
    listing: CardPage
    person: AuthorPerson  # whose papers are listed (one of a name's homonyms, or all)
    people: list[AuthorPerson]  # more than one when the name is shared (papers.authors)
    followed: bool = False


@dataclass
class CategoryPage:
    code: str
    listing: CardPage
    trending: list[Card]
    followed: bool = False


@dataclass
class MyPapers:
    bookmarks: list[Card]
    upvotes: list[Card]
    follows: list[Follow]  # categories and topics
    people: list[AuthorPerson] = field(default_factory=list)  # followed authors


def _page_of(papers: QuerySet[Paper], *, page: int, per_page: int) -> tuple[list[Paper], bool]:
    """One page, and whether another follows (one row more is read instead of a COUNT)."""
    start = (page - 1) * per_page
    rows = list(papers_with_authors(papers)[start : start + per_page + 1])
    return rows[:per_page], len(rows) > per_page


def trending_listing(
    *,
    window: str,
    day: date,
    page: int = 1,
    category: str | None = None,
    topic_id: int | None = None,
    per_page: int = PER_PAGE,
) -> CardPage:
    """Trending cards for the window ending on ``day``: only papers with points in it."""
    entries = trending_papers(
        window=window, day=day, category=category, topic_id=topic_id,
        limit=per_page + 1, offset=(page - 1) * per_page,
    )  # fmt: skip
    shown = entries[:per_page]
    cards = cards_for(
        papers=[e.paper for e in shown], ranks=[e.rank for e in shown],
        reasons=[e.reason for e in shown], day=day,
    )  # fmt: skip
    return CardPage(cards=cards, page=page, has_next=len(entries) > per_page)


def newest_papers(
    *, day: date | None = None, category: str | None = None, topic_id: int | None = None
) -> QuerySet[Paper]:
    """Papers newest first by announcement (papers not yet announced last)."""
    papers = Paper.objects.all()
    if day is not None:
        papers = papers.filter(Q(announced_on__lte=day) | Q(announced_on__isnull=True))
    if category:
        papers = papers.filter(categories__contains=[category])
    if topic_id is not None:
        papers = papers.filter(topic_memberships__topic_id=topic_id)
    return papers.order_by(F("announced_on").desc(nulls_last=True), "-submitted_at", "-id")


HOME_CACHE_S = 60  # the trending list is the same for every reader; a minute stale is fine


def home_page(
    *,
    window: str,
    day: date,
    today: date,
    page: int,
    user: User | AnonymousUser | None = None,
) -> HomePage:
    """The home list, cached for everyone; the site's vote counts and the reader's marks
    are read fresh for each request (three queries)."""
    key = f"home:v2:{window}:{day.isoformat()}:{page}"
    listing = cache.get(key)
    if listing is None:
        listing = trending_listing(window=window, day=day, page=page)
        cache.set(key, listing, HOME_CACHE_S)
    votes = site_upvote_counts(paper_ids=[card.paper.pk for card in listing.cards])
    for card in listing.cards:
        card.site_upvotes = votes.get(card.paper.pk, 0)
    if user is not None:
        marks_apply(cards=listing.cards, user=user)
    has_papers = bool(listing.cards) or Paper.objects.exists()
    return HomePage(window=window, day=day, today=today, listing=listing, has_papers=has_papers)


def reader_marks(*, user: User | AnonymousUser, paper_ids: list[int]) -> ReaderMarks:
    """The reader's bookmarks, upvotes and follows among these papers; three queries."""
    if not user.is_authenticated:
        return ReaderMarks()
    return ReaderMarks(
        bookmarked=set(
            Bookmark.objects.filter(user=user, paper_id__in=paper_ids).values_list(
                "paper_id", flat=True
            )
        ),
        upvoted=set(
            Upvote.objects.filter(user=user, paper_id__in=paper_ids).values_list(
                "paper_id", flat=True
            )
        ),
        follows=set(Follow.objects.filter(user=user).values_list("kind", "key")),
    )


TRENDING_WINDOW_ON_PAPER = "week"


def paper_page(*, arxiv_id: str, user: User | AnonymousUser, day: date) -> PaperPage | None:
    """Everything the paper page shows, or None for an unknown id."""
    paper = papers_with_authors().prefetch_related("versions").filter(arxiv_id=arxiv_id).first()
    if paper is None:
        return None
    card = cards_for(papers=[paper])[0]
    return PaperPage(
        card=card,
        similar=similar_papers(paper=paper),
        marks=reader_marks(user=user, paper_ids=[paper.pk]),
        site_upvotes=card.site_upvotes,
        day=day,
        trending=paper_trending_parts(paper_id=paper.pk, window=TRENDING_WINDOW_ON_PAPER, day=day),
        logs=logs_discussing(paper_id=paper.pk),
    )


def author_page(
    *,
    author_id: int,
    page: int,
    per_page: int = PER_PAGE,
    user: User | AnonymousUser | None = None,
    person_key: str = "",
) -> AuthorPage | None:
    """A person's papers under an author name, newest first, each with its submission
    date; None for an unknown author or a person key the name does not have."""
    author = Author.objects.filter(pk=author_id).first()
    if author is None:
        return None
    people = author_people(author=author)
    person = next((p for p in people if p.key == person_key), None) if person_key else people[0]
    if person is None:
        return None
    rows, has_next = _page_of(person_papers(person=person), page=page, per_page=per_page)
    cards = cards_for(papers=rows)
    for card in cards:
        submitted = card.paper.submitted_at
        card.age = f"submitted {submitted:%-d %b %Y}" if submitted else card.age
    followed = False
    if user is not None:
        marks_apply(cards=cards, user=user)
        followed = user.is_authenticated and (
            Follow.objects.filter(user=user, kind=Follow.Kind.AUTHOR, key=person.key).exists()
        )
    listing = CardPage(cards, page=page, has_next=has_next)
    return AuthorPage(author, listing, person=person, people=people, followed=followed)


def category_page(
    *,
    code: str,
    day: date,
    page: int,
    user: User | AnonymousUser,
    per_page: int = PER_PAGE,
    trending_limit: int = 5,
) -> CategoryPage | None:
    """A category's newest papers (and, on page 1, its trending ones); None if it has none."""
    rows, has_next = _page_of(newest_papers(category=code), page=page, per_page=per_page)
    if page == 1 and not rows:
        return None
    entries = (
        trending_papers(window="week", day=day, category=code, limit=trending_limit)
        if page == 1
        else []
    )
    cards = cards_for(
        papers=[*rows, *(e.paper for e in entries)],
        ranks=[None] * len(rows) + [e.rank for e in entries],
        reasons=[""] * len(rows) + [e.reason for e in entries],
        day=day,
    )
    marks_apply(cards=cards, user=user)
    listing = CardPage(cards=cards[: len(rows)], page=page, has_next=has_next)
    followed = (
        user.is_authenticated
        and Follow.objects.filter(user=user, kind=Follow.Kind.CATEGORY, key=code).exists()
    )
    return CategoryPage(code=code, listing=listing, trending=cards[len(rows) :], followed=followed)


def my_papers(*, user: User, limit: int = 200) -> MyPapers:
    """The reader's bookmarked and upvoted papers, most recent first, and their follows."""
    bookmarked = list(
        papers_with_authors(
            Paper.objects.filter(bookmarks__user=user).order_by("-bookmarks__created")
        )[:limit]
    )
    upvoted = list(
        papers_with_authors(Paper.objects.filter(upvotes__user=user).order_by("-upvotes__created"))[
            :limit
        ]
    )
    cards = cards_for(papers=[*bookmarked, *upvoted])
    marks_apply(cards=cards, user=user)
    follows = list(Follow.objects.filter(user=user))
    author_keys = [f.key for f in follows if f.kind == Follow.Kind.AUTHOR]
    return MyPapers(
        bookmarks=cards[: len(bookmarked)],
        upvotes=cards[len(bookmarked) :],
        follows=[f for f in follows if f.kind != Follow.Kind.AUTHOR],
        people=authors_people_get(keys=author_keys),
    )


def bookmarked_papers(*, user: User, limit: int = 5000) -> list[Paper]:
    """The reader's bookmarked papers with their authors, oldest bookmark first (a library)."""
    papers = Paper.objects.filter(bookmarks__user=user).order_by("bookmarks__created", "pk")
    return list(papers_with_authors(papers)[:limit])


def paper_for_citation(*, arxiv_id: str) -> Paper | None:
    return papers_with_authors().filter(arxiv_id=arxiv_id).first()


def own_signals_in_window(
    *, paper_ids: list[int] | None, since: date, until: date
) -> dict[int, dict[date, OwnSignals]]:
    """Counted views, bookmarks and upvotes per paper and day, ``since`` < day <= ``until``.

    One query. Registered with papers.trending at start-up (``ReaderConfig.ready``);
    ``paper_ids=None`` means every paper. Bookmarks and upvotes count on the (site-local)
    day they were made.
    """
    start, end = (
        timezone.make_aware(datetime.combine(d + timedelta(days=1), time.min))
        for d in (since, until)
    )
    only = "" if paper_ids is None else "AND paper_id = ANY(%(ids)s)"
    views, bookmarks, upvotes = (m._meta.db_table for m in (PaperView, Bookmark, Upvote))
    tz = timezone.get_current_timezone_name()
    sql = f"""
        SELECT paper_id, day, sum(views)::int, sum(bookmarks)::int, sum(upvotes)::int FROM (
            SELECT paper_id, day, count AS views, 0 AS bookmarks, 0 AS upvotes FROM {views}
             WHERE day > %(since)s AND day <= %(until)s {only}
            UNION ALL
            SELECT paper_id, (created AT TIME ZONE %(tz)s)::date, 0, 1, 0 FROM {bookmarks}
             WHERE created >= %(start)s AND created < %(end)s {only}
            UNION ALL
            SELECT paper_id, (created AT TIME ZONE %(tz)s)::date, 0, 0, 1 FROM {upvotes}
             WHERE created >= %(start)s AND created < %(end)s {only}
        ) AS own GROUP BY paper_id, day
    """  # table names from the models; values are bound
    params = {
        "since": since, "until": until, "start": start, "end": end, "ids": paper_ids, "tz": tz
    }  # fmt: skip
    found: dict[int, dict[date, OwnSignals]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for paper_id, day, views, bookmarks, upvotes in cursor.fetchall():
            found.setdefault(paper_id, {})[day] = OwnSignals(
                views=views, bookmarks=bookmarks, upvotes=upvotes
            )
    return found
