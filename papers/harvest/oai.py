"""arXiv OAI-PMH (``ListRecords``): bulk backfill and daily increments of arXiv metadata.

Fetch: ``sickle`` builds the requests, follows resumption tokens one response at a time
and turns OAI ``<error>`` elements into typed exceptions. Its HTTP step is replaced
(``_PoliteSickle.harvest``) because sickle 0.7 sleeps through the global ``time.sleep``,
reads ``Retry-After`` only as whole seconds (an HTTP date raises ``ValueError``), does not
retry connection faults, waits a fixed time on other statuses, and parses in lxml's
``recover`` mode, so a truncated page would read as a short, final one. Here the sleep
is injectable, waits follow ``Retry-After`` or back off, and a page that is not
well-formed XML is retried and then fails the run.

Parse: ``parse_list_records`` is pure, bytes -> ``OaiListPage`` of ``ArxivRecord``s, for
the ``arXivRaw`` format (full version history) and the ``arXiv`` format (structured
authors, no versions).

Resumption: the cursor committed with each page is ``{"resumptionToken", "last_datestamp"}``.
A later run resumes with the token. arXiv's tokens expire; on ``badResumptionToken`` the
listing restarts from the window's own ``from``, not from ``last_datestamp``: arXiv lists
records in identifier order, not datestamp order (the recorded page goes 2014-11-18,
2014-12-22, 2014-11-21), so records not yet seen can be older than the high-water mark.
Re-reading is harmless because upserts are idempotent; keep backfill windows to a month
or so to bound that cost.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import requests
from django.conf import settings
from lxml import etree
from sickle import Sickle, oaiexceptions
from sickle.iterator import OAIResponseIterator
from sickle.response import OAIResponse

from digest.lib.http import RETRY_STATUSES, USER_AGENT, server_requested_wait
from papers.harvest.abs import (
    build_record,
    is_withdrawal_notice,
    is_withdrawn_version,
    parse_rfc822,
    render_author_name,
    split_authors,
)
from papers.harvest.records import ArxivRecord, HarvestError, VersionRecord, split_arxiv_id
from papers.harvest.runs import Page

logger = logging.getLogger(__name__)

SOURCE = "oai"
DEFAULT_ENDPOINT = "https://oaipmh.arxiv.org/oai"
METADATA_PREFIXES = ("arXivRaw", "arXiv")
MIN_INTERVAL_S = 3.0  # arXiv's terms: "no more than one request every three seconds"

OAI = "{http://www.openarchives.org/OAI/2.0/}"
ARXIV_RAW = "{http://arxiv.org/OAI/arXivRaw/}"
ARXIV = "{http://arxiv.org/OAI/arXiv/}"

_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
# sickle raises one class per OAI error code, with no common base class.
_OAI_ERRORS: tuple[type[Exception], ...] = tuple(
    value
    for value in vars(oaiexceptions).values()
    if isinstance(value, type) and issubclass(value, Exception)
)


@dataclass(frozen=True)
class OaiListPage:
    """One ListRecords response: the records to store and the token for the next page."""

    records: tuple[ArxivRecord, ...]
    resumption_token: str  # "" on the last page
    last_datestamp: str  # the latest header datestamp on the page, "" if none
    deleted: tuple[str, ...] = ()  # identifiers arXiv reports deleted: nothing to store
    failed: tuple[str, ...] = ()  # "identifier: reason" for records that could not be read


@dataclass
class OaiPmhSource:
    """ListRecords over a datestamp window (``from``/``until``), optionally one arXiv set."""

    endpoint: str = field(
        default_factory=lambda: getattr(settings, "ARXIV_OAI_URL", DEFAULT_ENDPOINT)
    )
    max_retries: int = 5
    min_interval_s: float = MIN_INTERVAL_S
    backoff_base_s: float = 10.0
    timeout_s: float = 120.0
    max_restarts: int = 3  # badResumptionToken restarts per run before giving up
    sleep: Callable[[float], None] = time.sleep
    name: str = field(default=SOURCE, init=False)

    def pages(self, *, params: dict[str, Any], cursor: dict[str, Any]) -> Iterator[Page]:
        """Yield one Page per ListRecords response, resuming from the cursor's token."""
        request = listing_request(params=params)
        token = str(cursor.get("resumptionToken") or "")
        last_datestamp = str(cursor.get("last_datestamp") or "")
        if cursor and not token:
            return  # the cursor points past the last page: the listing was read to the end
        client = self._client()
        restarts = 0
        while True:
            try:
                for listing in _listings(client, request=request, token=token):
                    token = listing.resumption_token
                    last_datestamp = max(last_datestamp, listing.last_datestamp)
                    yield _page(listing, last_datestamp=last_datestamp)
                return
            except oaiexceptions.BadResumptionToken as exc:
                if restarts == self.max_restarts:
                    raise HarvestError(
                        f"OAI-PMH badResumptionToken: gave up after {restarts} restarts"
                    ) from exc
                restarts += 1
                logger.warning(
                    "OAI-PMH badResumptionToken (%s) for token %r; restarting the listing "
                    "from %s (restart %d, high-water mark %s)",
                    exc,
                    token,
                    request.get("from", "the beginning"),
                    restarts,
                    last_datestamp,
                )
                token = ""

    def _client(self) -> _PoliteSickle:
        return _PoliteSickle(
            self.endpoint,
            sleep=self.sleep,
            max_retries=self.max_retries,
            min_interval_s=self.min_interval_s,
            backoff_base_s=self.backoff_base_s,
            timeout_s=self.timeout_s,
        )


def listing_request(*, params: dict[str, Any]) -> dict[str, str]:
    """The ListRecords arguments for a run's params; raises HarvestError on bad params."""
    prefix = str(params.get("metadataPrefix") or METADATA_PREFIXES[0])
    if prefix not in METADATA_PREFIXES:
        raise HarvestError(
            f"OAI-PMH metadataPrefix {prefix!r} is not supported; use one of "
            f"{', '.join(METADATA_PREFIXES)}"
        )
    request = {"metadataPrefix": prefix}
    for key in ("from", "until"):
        if params.get(key):
            request[key] = _iso_day(str(params[key]), key=key)
    if params.get("set"):
        request["set"] = str(params["set"])
    return request


def _iso_day(value: str, *, key: str) -> str:
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise HarvestError(f"OAI-PMH {key!r} must be a YYYY-MM-DD date, not {value!r}") from None


def _listings(
    client: _PoliteSickle, *, request: dict[str, str], token: str
) -> Iterator[OaiListPage]:
    """Parsed ListRecords responses; the next is fetched only when the caller asks for it."""
    arguments = {"resumptionToken": token} if token else dict(request)
    try:
        for response in client.ListRecords(**arguments):
            yield parse_list_records(xml=response.http_response.content)
    except oaiexceptions.NoRecordsMatch:
        return  # an empty window is a successful harvest of nothing
    except oaiexceptions.BadResumptionToken:
        raise
    except _OAI_ERRORS as exc:
        raise HarvestError(f"OAI-PMH {_error_code(exc)}: {exc}") from exc


def _error_code(exc: Exception) -> str:
    name = type(exc).__name__
    return "error" if name == "OAIError" else name[0].lower() + name[1:]


def _page(listing: OaiListPage, *, last_datestamp: str) -> Page:
    for problem in listing.failed:
        logger.warning("OAI-PMH record skipped: %s", problem)
    if listing.deleted:
        logger.info("OAI-PMH reports %d deleted records; nothing stored", len(listing.deleted))
    return Page(
        records=list(listing.records),
        cursor={"resumptionToken": listing.resumption_token, "last_datestamp": last_datestamp},
        failed=len(listing.failed),
    )


class _PoliteSickle(Sickle):  # type: ignore[misc]  # sickle ships no type information
    """Sickle with paced requests, an injectable sleep, backoff and a well-formedness check."""

    def __init__(
        self,
        endpoint: str,
        *,
        sleep: Callable[[float], None],
        max_retries: int,
        min_interval_s: float,
        backoff_base_s: float,
        timeout_s: float,
    ) -> None:
        super().__init__(
            endpoint,
            iterator=OAIResponseIterator,
            max_retries=max_retries,
            retry_status_codes=RETRY_STATUSES,
            timeout=timeout_s,
            headers={"User-Agent": USER_AGENT},
        )
        self._sleep = sleep
        self._min_interval_s = min_interval_s
        self._backoff_base_s = backoff_base_s
        self._last_request_at: float | None = None

    def harvest(self, **kwargs: str) -> OAIResponse:
        """One OAI request, retried on transient faults; raises HarvestError when it gives up."""
        problem = ""
        for attempt in range(self.max_retries + 1):
            self._pace()
            problem, wait, response = self._attempt(kwargs, attempt=attempt)
            if response is not None:
                return OAIResponse(response, params=kwargs)
            if wait is None or attempt == self.max_retries:
                break
            logger.warning("OAI-PMH %s: %s; retry in %.0fs", kwargs, problem, wait)
            self._sleep(wait)
        raise HarvestError(f"OAI-PMH request {kwargs} to {self.endpoint} failed: {problem}")

    def _attempt(
        self, kwargs: dict[str, str], *, attempt: int
    ) -> tuple[str, float | None, requests.Response | None]:
        """(problem, seconds to wait before a retry or None if hopeless, good response)."""
        backoff = self._backoff_base_s * 2 ** min(attempt, 5)
        try:
            response = self._request(kwargs)
        except requests.RequestException as exc:
            return f"{type(exc).__name__}: {exc}", backoff, None
        if response.status_code >= 400:
            if response.status_code not in self.retry_status_codes:
                return f"HTTP {response.status_code}", None, None
            wait = server_requested_wait(response.headers)
            return f"HTTP {response.status_code}", backoff if wait is None else wait, None
        try:
            etree.fromstring(response.content, parser=_XML_PARSER)
        except etree.XMLSyntaxError as exc:
            return f"malformed XML ({exc})", backoff, None
        return "", None, response

    def _pace(self) -> None:
        now = time.monotonic()
        if self._last_request_at is not None:
            wait = self._last_request_at + self._min_interval_s - now
            if wait > 0:
                self._sleep(wait)
        self._last_request_at = time.monotonic()


def parse_list_records(*, xml: bytes) -> OaiListPage:
    """A ListRecords response -> its records, deletions, failures and resumption token."""
    root = _parse_xml(xml)
    error = root.find(f"{OAI}error")
    if error is not None:
        raise HarvestError(f"OAI-PMH {error.get('code', 'error')}: {(error.text or '').strip()}")
    listing = root.find(f"{OAI}ListRecords")
    if listing is None:
        raise HarvestError("OAI-PMH response has neither ListRecords nor error")
    records: list[ArxivRecord] = []
    deleted: list[str] = []
    failed: list[str] = []
    datestamps: list[str] = []
    for element in listing.iterfind(f"{OAI}record"):
        header = element.find(f"{OAI}header")
        if header is None:
            failed.append("record without header")
            continue
        identifier = header.findtext(f"{OAI}identifier", "").strip()
        datestamps.append(header.findtext(f"{OAI}datestamp", "").strip())
        if header.get("status") == "deleted":
            deleted.append(identifier)
            continue
        try:
            records.append(parse_metadata(element=element.find(f"{OAI}metadata")))
        except (HarvestError, ValueError) as exc:
            failed.append(f"{identifier}: {exc}")
    return OaiListPage(
        records=tuple(records),
        resumption_token=(listing.findtext(f"{OAI}resumptionToken") or "").strip(),
        last_datestamp=max(datestamps, default=""),
        deleted=tuple(deleted),
        failed=tuple(failed),
    )


def _parse_xml(xml: bytes) -> etree._Element:
    try:
        return etree.fromstring(xml, parser=_XML_PARSER)
    except etree.XMLSyntaxError as exc:
        raise HarvestError(f"OAI-PMH response is not well-formed XML: {exc}") from exc


def parse_metadata(*, element: etree._Element | None) -> ArxivRecord:
    """A record's ``<metadata>`` in the ``arXivRaw`` or ``arXiv`` format -> ArxivRecord."""
    if element is None or len(element) == 0:
        raise HarvestError("record has no metadata")
    payload = element[0]
    if payload.tag == f"{ARXIV_RAW}arXivRaw":
        return parse_arxiv_raw(element=payload)
    if payload.tag == f"{ARXIV}arXiv":
        return parse_arxiv(element=payload)
    raise HarvestError(f"unsupported metadata format {payload.tag}")


def parse_arxiv_raw(*, element: etree._Element) -> ArxivRecord:
    """``<arXivRaw>``: every version with its RFC-822 date and size; text kept as given."""

    def text(tag: str) -> str:
        return element.findtext(f"{ARXIV_RAW}{tag}") or ""

    arxiv_id = split_arxiv_id(text("id"))[0]
    versions = [_raw_version(version) for version in element.iterfind(f"{ARXIV_RAW}version")]
    if not versions or not text("title"):
        raise HarvestError(f"arXivRaw record {arxiv_id} has no version or no title")
    return build_record(
        arxiv_id=arxiv_id,
        versions=versions,
        title=text("title"),
        abstract=text("abstract"),
        authors=split_authors(text("authors")),
        categories=tuple(text("categories").split()),
        doi=text("doi"),
        journal_ref=text("journal-ref"),
        comments=text("comments"),
        license=text("license"),
        source=SOURCE,
    )


def _raw_version(element: etree._Element) -> VersionRecord:
    size = (element.findtext(f"{ARXIV_RAW}size") or "").strip()
    return VersionRecord(
        version=int(element.get("version", "").strip().lstrip("v")),
        submitted_at=parse_rfc822(element.findtext(f"{ARXIV_RAW}date") or ""),
        size=size,
        withdrawn=is_withdrawn_version(
            size=size, flags=element.findtext(f"{ARXIV_RAW}source_type") or ""
        ),
    )


def parse_arxiv(*, element: etree._Element) -> ArxivRecord:
    """``<arXiv>``: structured authors, but no version history (stored as version 1)."""

    def text(tag: str) -> str:
        return element.findtext(f"{ARXIV}{tag}") or ""

    arxiv_id = split_arxiv_id(text("id"))[0]
    created = _day_start(text("created"))
    if not text("title"):
        raise HarvestError(f"arXiv record {arxiv_id} has no title")
    categories = tuple(text("categories").split())
    return ArxivRecord(
        arxiv_id=arxiv_id,
        version=1,
        title=text("title"),
        abstract=text("abstract"),
        authors=tuple(_structured_author(a) for a in element.iterfind(f"{ARXIV}authors/*")),
        primary_category=categories[0] if categories else "",
        categories=categories,
        submitted_at=created,
        updated_at=_day_start(text("updated")) or created,
        doi=text("doi"),
        journal_ref=text("journal-ref"),
        comments=text("comments"),
        license=text("license"),
        withdrawn=is_withdrawal_notice(text("comments"), text("abstract")),
        versions=(VersionRecord(version=1, submitted_at=created),),
        source=SOURCE,
    )


def _structured_author(element: etree._Element) -> str:
    parts = (element.findtext(f"{ARXIV}{tag}") or "" for tag in ("forenames", "keyname", "suffix"))
    return render_author_name(" ".join(part.strip() for part in parts if part.strip()))


def _day_start(value: str) -> datetime | None:
    if not value.strip():
        return None
    return datetime.combine(date.fromisoformat(value.strip()), datetime.min.time(), tzinfo=UTC)
