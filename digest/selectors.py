"""Reads of the editorial app: the health report behind /healthz, subscribers, editions."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from digest.lib.signing import TokenError, token_read
from digest.models import Bookmark, PaperView, Subscriber, Upvote
from papers.models import Authorship, Paper, TrendingSignal
from papers.topics.selectors import topic_lineage_paper_ids
from papers.trending import OwnSignals

WORKER_PING_TIMEOUT_S = 1.0


@dataclass
class Health:
    database: dict[str, Any] = field(default_factory=dict)
    broker: dict[str, Any] = field(default_factory=dict)
    workers: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(part.get("ok") for part in (self.database, self.broker, self.workers))

    def as_dict(self) -> dict[str, Any]:
        return {"status": "ok" if self.ok else "down", **asdict(self)}


def health_report() -> Health:
    """Check the database (and pgvector), the broker, and whether a worker answers a ping."""
    return Health(database=_database_health(), broker=_broker_health(), workers=_worker_health())


def _database_health() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('server_version')")
            server_version = cursor.fetchone()[0]
            cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
            row = cursor.fetchone()
    except Exception as exc:  # any driver error means "down"; the text says why
        return {"ok": False, "error": str(exc).strip().splitlines()[0]}
    return {
        "ok": row is not None,
        "embedded": settings.EMBEDDED_DATABASE,
        "server_version": server_version,
        "pgvector": row[0] if row else None,
        **({} if row else {"error": "the vector extension is not installed (run migrate)"}),
    }


def _broker_health() -> dict[str, Any]:
    from digest.celery import app

    transport = app.conf.broker_url.split(":", 1)[0]
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return {"ok": False, "transport": transport, "error": str(exc).strip()[:200]}
    return {"ok": True, "transport": transport}


def _worker_health() -> dict[str, Any]:
    from digest.celery import app

    try:
        replies = app.control.ping(timeout=WORKER_PING_TIMEOUT_S)
    except Exception as exc:
        return {"ok": False, "answered": [], "error": str(exc).strip()[:200]}
    names = sorted(name for reply in replies for name in reply)
    return {"ok": bool(names), "answered": names}


# --- Subscriptions and editions ---------------------------------------------------------


def subscriber_for_token(*, purpose: str, token: str, max_age: int | None = None) -> Subscriber:
    """The subscriber a signed link names; TokenError if tampered, expired or revoked."""
    link = token_read(purpose=purpose, token=token, max_age=max_age)
    subscriber = Subscriber.objects.filter(pk=link.subscriber_id).first()
    if subscriber is None or not constant_time_compare(subscriber.secret, link.secret):
        raise TokenError(expired=False)
    return subscriber


@dataclass(frozen=True)
class DigestPaper:
    id: int
    title: str
    authors: str
    summary: str
    abs_url: str
    pdf_url: str
    page_url: str
    categories: frozenset[str]


def digest_candidate_paper_ids(*, day: date, limit: int = 200) -> list[int]:
    """The day's trending papers by rank (best source rank first), else the day's announcements."""
    ranked = (
        TrendingSignal.objects.filter(day=day, paper__withdrawn=False)
        .order_by("rank", "source", "paper_id")
        .values_list("paper_id", flat=True)
    )
    ids = list(dict.fromkeys(ranked[: limit * 2]))[:limit]
    if ids:
        return ids
    announced = Paper.objects.filter(announced_on=day, withdrawn=False).order_by("-submitted_at")
    return list(announced.values_list("id", flat=True)[:limit])


def digest_papers(*, paper_ids: list[int], day: date | None) -> list[DigestPaper]:
    """Papers in the given order with author names and a one-line summary."""
    papers = Paper.objects.in_bulk(paper_ids)
    authors: dict[int, list[str]] = {}
    for paper_id, name in (
        Authorship.objects.filter(paper_id__in=paper_ids)
        .order_by("paper_id", "position")
        .values_list("paper_id", "author__name")
    ):
        authors.setdefault(paper_id, []).append(name)
    summaries = dict(
        TrendingSignal.objects.filter(paper_id__in=paper_ids, day=day)
        .exclude(ai_summary="")
        .values_list("paper_id", "ai_summary")
    )
    return [
        DigestPaper(
            id=paper.id,
            title=paper.title_text or paper.title,
            authors=_author_line(authors.get(paper.id, [])),
            summary=one_line(summaries.get(paper.id) or paper.abstract_text),
            abs_url=paper.abs_url,
            pdf_url=paper.pdf_url,
            page_url=f"{settings.SITE_URL}{reverse('paper', args=[paper.arxiv_id])}",
            categories=frozenset(paper.categories),
        )
        for paper in (papers[pk] for pk in paper_ids if pk in papers)
    ]


def digest_papers_in_topics(*, paper_ids: list[int], topic_keys: list[str]) -> set[int]:
    """The papers among ``paper_ids`` in a followed topic (keys are topic ids as text)."""
    topic_ids = [int(key) for key in topic_keys if key.isdigit()]
    return topic_lineage_paper_ids(topic_ids=topic_ids, paper_ids=paper_ids)


def _author_line(names: list[str]) -> str:
    return ", ".join(names) if len(names) <= 4 else f"{', '.join(names[:3])} et al."


def one_line(text: str, *, limit: int = 220) -> str:
    """First sentence of ``text``, single-spaced, cut at a word boundary under ``limit``."""
    flat = " ".join(text.split())
    sentence = flat.split(". ", 1)[0].rstrip(".") + "." if flat else ""
    if len(sentence) <= limit:
        return sentence
    return sentence[: limit - 1].rsplit(" ", 1)[0] + "…"


def own_signals_in_window(
    *, paper_ids: list[int] | None, since: date, until: date
) -> dict[int, dict[date, OwnSignals]]:
    """Counted views, bookmarks and upvotes per paper and day, ``since`` < day <= ``until``.

    One query. Registered with papers.trending at start-up; ``paper_ids=None`` means every
    paper. Bookmarks and upvotes count on the (site-local) day they were made.
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
