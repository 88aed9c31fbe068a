"""Render and send a daily digest to 1,000 then 10,000 subscribers through a local SMTP sink.

The sink is aiosmtpd in a child process (it counts messages, keeps none); the
app sends exactly as a mail worker does (``deliveries_send``: one durable claim per batch,
one SMTP connection per batch, two asynchronously committed marks per message, the
edition rendered once per paper selection), with ``--senders`` processes in parallel as a
mail worker's pool would. Prints messages/s and peak memory, of this process (which
prepares the ledger) and of the largest sender process.

    python benchmarks/email_send.py [--subscribers 1000 10000]

It runs in its own scratch database (created and dropped here), never the app's data.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import socket
import sys
import threading
import time
from datetime import date, timedelta
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.harness import Benchmark, peak_rss_mib

CATEGORY_SETS = [[], ["cs.CL"], ["cs.CV"], ["cs.LG", "stat.ML"], ["cs.AI"], ["cs.CL", "cs.AI"]]


class CountingSink:
    def __init__(self, counter: Synchronized[int]) -> None:
        self.counter = counter

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        with self.counter.get_lock():
            self.counter.value += 1
        return "250 OK"


def _serve(port: int, counter: Synchronized[int], ready: Event) -> None:
    import logging

    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command

    controller = Controller(CountingSink(counter), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    threading.Event().wait()


def start_sink() -> tuple[multiprocessing.Process, int, Synchronized[int]]:
    """The sink in its own process, so that it does not share this one's GIL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    counter, ready = multiprocessing.Value("q", 0), multiprocessing.Event()
    process = multiprocessing.Process(target=_serve, args=(port, counter, ready), daemon=True)
    process.start()
    ready.wait(30)
    return process, port, counter


def children_peak_rss_mib() -> float:
    """Peak resident memory of the largest sender process that has exited so far."""
    import resource

    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def make_papers(day: date) -> None:
    from papers.models import Author, Authorship, Paper, TrendingSignal

    for rank in range(1, 51):
        category = ["cs.CL", "cs.CV", "cs.LG", "cs.AI", "stat.ML"][rank % 5]
        paper = Paper.objects.create(
            arxiv_id=f"2698.{day.day:02d}{rank:03d}", title=f"Benchmark paper {rank}: a study",
            title_text=f"Benchmark paper {rank}: a study", categories=[category, "cs.AI"],
            abstract_text="We study things. Then more things.", announced_on=day,
        )  # fmt: skip
        author, _ = Author.objects.get_or_create(
            normalized_name=f"bench author {rank}", defaults={"name": f"Bench Author {rank}"}
        )
        Authorship.objects.create(paper=paper, author=author, position=0)
        TrendingSignal.objects.create(
            source="hf",
            day=day,
            paper=paper,
            rank=rank,
            upvotes=100 - rank,
            ai_summary="A one-line summary.",
        )


def add_subscribers(start: int, stop: int) -> None:
    """In SQL, so that creating them costs this process no memory."""
    from django.db import connection

    sets = ["{" + ",".join(categories) + "}" for categories in CATEGORY_SETS]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO digest_subscriber (email, secret, confirmed_at, paused, daily_digest,
                weekly_log, categories, topics, deactivated_reason, created, modified)
            SELECT 'bench' || n || '@example.org', md5(n::text), now(), false, true, false,
                   (%s::text[])[1 + n %% %s]::varchar(40)[], '{}', '', now(), now()
            FROM generate_series(%s, %s - 1) AS n
            """,
            [sets, len(sets), start, stop],
        )


def _send_batch(args: tuple[int, list[int]]) -> int:
    from django.db import connections

    from mailing.services import sending

    connections.close_all()  # a forked sender opens its own database connection
    return sending.deliveries_send(edition_id=args[0], delivery_ids=args[1]).sent


def send_edition(day: date, *, senders: int) -> float:
    """Prepare the edition and send its batches with ``senders`` processes in parallel.

    This is what a mail worker with ``--concurrency senders`` does with the batch tasks;
    each sender claims and marks its own deliveries in the ledger.
    """
    from django.db import connections

    from mailing.services import sending

    started = time.perf_counter()
    edition = sending.edition_daily_digest(day=day)
    batches = [(edition.pk, batch) for batch in sending.edition_prepare(edition=edition)]
    connections.close_all()
    with multiprocessing.get_context("fork").Pool(senders, maxtasksperchild=50) as pool:
        for _ in pool.imap_unordered(_send_batch, batches):
            pass
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--senders", type=int, default=4, help="parallel sending processes")
    args = parser.parse_args()
    os.environ.setdefault("DIGEST_BENCH_DB", "digest_bench_email")
    from benchmarks.scratch_db import scratch_database

    with scratch_database(), Benchmark("email_send", subscribers=args.subscribers,
                                       senders=args.senders) as bench:  # fmt: skip
        from django.conf import settings

        from mailing.models import Delivery

        sink, port, delivered = start_sink()
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.DIGEST_UNSUBSCRIBE_MAILTO = "unsubscribe@example.org"
        day, have = date(2026, 6, 1), 0
        for count in sorted(args.subscribers):
            day += timedelta(days=1)
            make_papers(day)
            add_subscribers(have, count)
            have = count
            before, rss_before = delivered.value, peak_rss_mib()
            elapsed = send_edition(day, senders=args.senders)
            sent = delivered.value - before
            assert sent == count == Delivery.objects.filter(edition__day=day, status="sent").count()
            bench.record(f"messages_{count}", sent, unit="messages")
            bench.record(f"peak_rss_before_{count}_mib", rss_before, unit="MiB")
            bench.record(f"messages_per_s_{count}", sent / elapsed, unit="msg/s", target=">= 200")
            bench.record(f"peak_rss_after_{count}_mib", peak_rss_mib(), unit="MiB",
                         target="flat in the number of subscribers")  # fmt: skip
            bench.record(f"peak_rss_sender_{count}_mib", children_peak_rss_mib(), unit="MiB",
                         target="flat in the number of subscribers")  # fmt: skip
        sink.terminate()


if __name__ == "__main__":
    main()
