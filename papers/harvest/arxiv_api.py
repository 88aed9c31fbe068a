"""The arXiv export API (``export.arxiv.org/api/query``): a date window of categories, paged.

Fetch and parse are kept apart. The ``arxiv`` package (lukasschwab/arxiv.py) supplies the
pieces that encode arXiv's rules: ``arxiv.Search`` and its sort enums build the query
arguments, ``arxiv.Client.query_url_format`` is the endpoint, and the package's Atom entry
builder (``arxiv._feed._build_result``) turns each ``<entry>`` into an ``arxiv.Result``,
which we map to an ``ArxivRecord``. The bytes come from our own ``HttpClient``, not from
``arxiv.Client``, because ``arxiv.Client`` as of 4.0.2:

* sends requests without a timeout, so one stalled connection hangs a worker for good;
* paces and retries with the global ``time.sleep`` and no backoff, and retries a 400 as
  if it were transient; ``HttpClient`` has an injectable ``sleep`` (tests never wait),
  exponential backoff, ``Retry-After``, and gives up at once on a 400;
* stops silently on an empty *first* page, so arXiv's empty-page glitch there looks
  like an empty window, and parses in lxml's ``recover`` mode, so a truncated response
  yields half a page with no error; here both are a ``HarvestError``;
* hides page boundaries inside a generator of results, while the run ledger commits
  a page and the cursor past it together.

The package's entry builder is an underscore name: it is pinned by the tests in
``tests/papers/test_harvest_arxiv_api.py``, which replay recorded real responses.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

import arxiv
from arxiv import _feed
from lxml import etree

from digest.lib.http import FetchError, HttpClient
from papers.harvest.records import ArxivRecord, HarvestError, split_arxiv_id
from papers.harvest.runs import Page
from papers.harvest.sources import harvest_categories

logger = logging.getLogger(__name__)

SOURCE = "arxiv"
PAGE_SIZE = 100
ID_CHUNK = 100  # ids per id_list request; the recorded lookups ask max_results=100 too
MIN_INTERVAL_S = 3.0  # arXiv's terms: "no more than one request every three seconds"
EMPTY_PAGE_ATTEMPTS = 4

_NS = _feed._NS
_ERROR_ID = re.compile(r"arxiv\.org/api/errors", re.IGNORECASE)
_WITHDRAWN_COMMENT = re.compile(r"\bwithdrawn\b", re.IGNORECASE)
_WITHDRAWN_ABSTRACT = re.compile(
    r"^\s*(?:this (?:paper|article|manuscript|submission|work) (?:has been|is|was) )?"
    r"withdrawn\b|\bhas been withdrawn\b",
    re.IGNORECASE,
)
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


@dataclass(frozen=True)
class ApiFeed:
    """One parsed API response: its records and what the feed says about the result set."""

    total_results: int
    start_index: int
    entries: int  # <entry> elements seen, skipped ones included: the offset to advance by
    records: list[ArxivRecord] = field(default_factory=list)
    failed: int = 0


def arxiv_http_client(*, sleep: Callable[[float], None] = time.sleep) -> HttpClient:
    """An ``HttpClient`` paced and patient the way arXiv asks; tests pass a fake ``sleep``."""
    return HttpClient(
        min_interval_s=MIN_INTERVAL_S, timeout_s=60.0, backoff_base_s=3.0, sleep=sleep
    )


class ArxivApiSource:
    """Harvest source: papers submitted in a date window, oldest first, one page at a time.

    The cursor ``{"start": N}`` points past the last page handed out, so a failed run
    resumes at the page that failed. Sorting ascending by submission date keeps earlier
    pages stable while new submissions arrive at the end of an open window.
    """

    name = SOURCE

    def __init__(
        self,
        *,
        client: HttpClient | None = None,
        page_size: int = PAGE_SIZE,
        empty_page_attempts: int = EMPTY_PAGE_ATTEMPTS,
    ) -> None:
        self.client = client or arxiv_http_client()
        self.page_size = page_size
        self.empty_page_attempts = empty_page_attempts

    def pages(self, *, params: dict[str, Any], cursor: dict[str, Any]) -> Iterator[Page]:
        search = window_search(
            categories=params.get("categories") or harvest_categories(),
            date_from=_param_date(params, "from"),
            date_until=_param_date(params, "until", default=params.get("from")),
        )
        start = int(cursor.get("start", 0))
        known_total = 0
        seen: set[tuple[str, int]] = set()
        while True:
            feed = self._fetch_page(search=search, start=start, known_total=known_total)
            known_total = max(known_total, feed.total_results)
            start += feed.entries
            # A shifting result set can repeat a paper on the next page: hand it out once.
            fresh = [r for r in feed.records if (r.arxiv_id, r.version) not in seen]
            seen.update((r.arxiv_id, r.version) for r in fresh)
            if feed.entries:
                yield Page(records=fresh, cursor={"start": start}, failed=feed.failed)
            if not feed.entries or start >= feed.total_results:
                return

    def _fetch_page(self, *, search: arxiv.Search, start: int, known_total: int) -> ApiFeed:
        """One page; an empty page before the end is arXiv's glitch and is asked again.

        The glitch page may claim ``totalResults`` 0, so the end is judged by the largest
        total this run has seen. A resumed run knows none yet and must trust the page.
        """
        url = query_url(search=search, start=start, max_results=self.page_size)
        for attempt in range(1, self.empty_page_attempts + 1):
            feed = parse_feed(_get(self.client, url))
            if feed.entries or start >= max(known_total, feed.total_results):
                return feed
            if attempt < self.empty_page_attempts:
                delay = self.client.backoff_base_s * 2 ** (attempt - 1)
                logger.warning(
                    "empty arXiv page at start=%d; retry %d in %.0fs", start, attempt, delay
                )
                self.client.sleep(delay)
        raise HarvestError(
            f"arXiv API returned an empty page at start={start} although totalResults="
            f"{max(known_total, feed.total_results)}, {self.empty_page_attempts} times: {url}"
        )


def fetch_records_by_ids(ids: list[str], *, client: HttpClient | None = None) -> list[ArxivRecord]:
    """Look papers up by id (``2104.12255`` or ``2104.12255v1``), ``ID_CHUNK`` per request.

    Ids arXiv does not know are absent from the result (the API drops them silently);
    strings that are no arXiv id at all are dropped here with a warning, since one of
    them would make arXiv reject the whole chunk with HTTP 400.
    """
    client = client or arxiv_http_client()
    wanted = _valid_ids(ids)
    records: list[ArxivRecord] = []
    for offset in range(0, len(wanted), ID_CHUNK):
        search = arxiv.Search(id_list=wanted[offset : offset + ID_CHUNK])
        url = query_url(search=search, start=0, max_results=ID_CHUNK)
        records.extend(parse_feed(_get(client, url)).records)
    return records


def window_search(*, categories: list[str], date_from: date, date_until: date) -> arxiv.Search:
    """Papers in any of ``categories`` first submitted within the window (UTC, inclusive)."""
    if not categories:
        raise HarvestError("arXiv API harvest needs at least one category")
    if date_until < date_from:
        raise HarvestError(f"arXiv API window ends before it starts: {date_from}..{date_until}")
    any_category = " OR ".join(f"cat:{category}" for category in categories)
    submitted = f"submittedDate:[{date_from:%Y%m%d}0000 TO {date_until:%Y%m%d}2359]"
    return arxiv.Search(
        query=f"({any_category}) AND {submitted}",
        max_results=None,
        sort_by=arxiv.SortCriterion.SubmittedDate,
        sort_order=arxiv.SortOrder.Ascending,
    )


def query_url(*, search: arxiv.Search, start: int, max_results: int) -> str:
    """The request URL for one page of ``search``, as ``arxiv.Client`` would form it."""
    args = search._url_args() | {"start": str(start), "max_results": str(max_results)}
    url: str = arxiv.Client.query_url_format.format(urlencode(args))
    return url


def _get(client: HttpClient, url: str) -> bytes:
    try:
        return client.get(url)
    except FetchError as exc:
        if exc.status == 400:
            reason = f": {exc.reason}" if exc.reason else ""
            raise HarvestError(f"arXiv API rejected the request (HTTP 400{reason}): {url}") from exc
        raise


def parse_feed(body: bytes) -> ApiFeed:
    """Parse an export-API Atom response; pure. Raises HarvestError for errors and bad XML."""
    try:
        root = etree.fromstring(body, parser=_XML_PARSER)
    except etree.XMLSyntaxError as exc:
        raise HarvestError(f"arXiv API returned malformed XML: {exc}") from exc
    if root.tag != f"{{{_NS['atom']}}}feed":
        raise HarvestError(f"arXiv API returned no Atom feed (root element {root.tag!r})")
    entries = root.findall("atom:entry", _NS)
    for entry in entries:
        _raise_for_error_entry(entry)
    records = [record for entry in entries if (record := parse_entry(entry)) is not None]
    return ApiFeed(
        total_results=_header_int(root, "opensearch:totalResults"),
        start_index=_header_int(root, "opensearch:startIndex"),
        entries=len(entries),
        records=records,
        failed=len(entries) - len(records),
    )


def parse_entry(entry: etree._Element) -> ArxivRecord | None:
    """One ``<entry>`` as a record, or None (logged) when it lacks an id or its dates."""
    try:
        result = _feed._build_result(entry)
        if result is None:
            return None
        arxiv_id, version = split_arxiv_id(result.entry_id)
    except ValueError as exc:
        logger.warning("skipping unparseable arXiv API entry: %s", exc)
        return None
    # The package collapses whitespace in titles; we keep what arXiv sent, LaTeX included.
    title = entry.findtext("atom:title", default="", namespaces=_NS)
    comments = result.comment or ""
    return ArxivRecord(
        arxiv_id=arxiv_id,
        version=version or 1,
        title=title,
        abstract=result.summary,
        authors=tuple(author.name for author in result.authors),
        primary_category=result.primary_category,
        categories=tuple(result.categories),
        submitted_at=result.published,
        updated_at=result.updated,
        doi=result.doi or "",
        journal_ref=result.journal_ref or "",
        comments=comments,
        license=_license(entry),
        withdrawn=is_withdrawn(comments=comments, abstract=result.summary),
        source=SOURCE,
    )


def is_withdrawn(*, comments: str, abstract: str) -> bool:
    """arXiv marks a withdrawal in the comment ("withdrawn by the author") or the abstract."""
    return bool(_WITHDRAWN_COMMENT.search(comments) or _WITHDRAWN_ABSTRACT.search(abstract))


def _raise_for_error_entry(entry: etree._Element) -> None:
    entry_id = entry.findtext("atom:id", default="", namespaces=_NS)
    if _ERROR_ID.search(entry_id):
        reason = entry.findtext("atom:summary", default="", namespaces=_NS).strip()
        raise HarvestError(f"arXiv API error: {reason or entry_id}")


def _license(entry: etree._Element) -> str:
    # The API does not send licences today; take one if a future response carries it.
    for path in ("arxiv:license", "atom:rights"):
        text = entry.findtext(path, default="", namespaces=_NS).strip()
        if text:
            return text
    return ""


def _header_int(root: etree._Element, path: str) -> int:
    text = root.findtext(path, default="", namespaces=_NS).strip()
    if not text.isdigit():
        raise HarvestError(f"arXiv API feed has no usable <{path}> ({text!r})")
    return int(text)


def _param_date(params: dict[str, Any], key: str, *, default: Any = None) -> date:
    value = params.get(key, default)
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise HarvestError(
            f"arXiv API harvest needs params[{key!r}] as YYYY-MM-DD, not {value!r}"
        ) from exc


def _valid_ids(ids: list[str]) -> list[str]:
    """The ids in arXiv's own form (a version only where one was asked for), each once."""
    wanted: dict[str, None] = {}
    for raw in ids:
        try:
            arxiv_id, version = split_arxiv_id(raw)
        except ValueError:
            logger.warning("not an arXiv id, not looked up: %r", raw)
            continue
        wanted[f"{arxiv_id}v{version}" if version else arxiv_id] = None
    return list(wanted)
