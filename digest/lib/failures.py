"""Failures as answers a person (or a program) can act on, never a bare 500.

* A statement that ran into the web statement timeout: 503 "took too long" (and the
  database core is free again); the database unreachable: 503 "unavailable". Both with
  ``Retry-After``.
* A NUL character in the path or the query string: 400 (PostgreSQL cannot take it).
* Under ``/api/``, every error is JSON: ``{"error": "..."}`` with its status, whatever
  raised it (a view, a 404, a 405 from ``require_GET``, the database).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import psycopg
from django.db import DatabaseError, InterfaceError, OperationalError
from django.db.backends.signals import connection_created
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
RETRY_AFTER_S = 30

TOO_LONG = (
    "This request took too long",
    "Answering it would have kept the database busy for too long. Try a narrower query, "
    "or try again in a moment.",
)
UNAVAILABLE = (
    "Temporarily unavailable",
    "The database cannot be reached right now. Please try again in a moment.",
)


def statement_timeout_fired(exc: BaseException) -> bool:
    """Whether ``exc`` (a database error) is PostgreSQL cancelling a statement."""
    cause = exc.__cause__ or exc
    return isinstance(cause, psycopg.errors.QueryCanceled)


def web_statement_timeout_install(*, milliseconds: int) -> None:
    """From now on, every database connection of this process ends statements after
    ``milliseconds`` (the web process only: ``digest.wsgi`` calls it)."""
    if milliseconds <= 0:
        return

    def apply(sender: Any, connection: Any, **kwargs: Any) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = {int(milliseconds)}")

    connection_created.connect(apply, weak=False, dispatch_uid="web_statement_timeout")


def web_statement_timeout_remove() -> None:
    connection_created.disconnect(dispatch_uid="web_statement_timeout")


class FailureResponseMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _holds_nul(request):
            response = _answer(request, 400, "The request contains a NUL character.")
        else:
            response = self.get_response(request)
        if _is_api(request) and response.status_code >= 400 and not _is_json(response):
            return _json_error(response.status_code, response.reason_phrase, response)
        return response

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if isinstance(exc, OperationalError | InterfaceError):
            if statement_timeout_fired(exc):
                logger.warning("statement timeout on %s %s", request.method, request.path)
                return _unavailable(request, *TOO_LONG)
            return _unavailable(request, *UNAVAILABLE)
        if _is_api(request):
            logger.exception("error answering %s", request.path, exc_info=exc)
            status = 400 if isinstance(exc, DatabaseError) and _is_data_error(exc) else 500
            return _json_error(status, "bad request" if status == 400 else "internal error")
        return None


def _holds_nul(request: HttpRequest) -> bool:
    """A NUL in the path or the query string (forms refuse one in a POST themselves)."""
    return "\x00" in request.path or any(
        "\x00" in key or any("\x00" in value for value in values)
        for key, values in request.GET.lists()
    )


def _is_data_error(exc: BaseException) -> bool:
    return isinstance(exc.__cause__, psycopg.DataError)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def _is_json(response: HttpResponse) -> bool:
    return str(response.get("Content-Type", "")).startswith("application/json")


def _json_error(status: int, message: str, original: HttpResponse | None = None) -> JsonResponse:
    response = JsonResponse({"error": message, "status": status}, status=status)
    if original is not None and original.has_header("Allow"):
        response["Allow"] = original["Allow"]
    if original is not None and original.has_header("Retry-After"):
        response["Retry-After"] = original["Retry-After"]
    return response


def _answer(request: HttpRequest, status: int, message: str) -> HttpResponse:
    if _is_api(request):
        return _json_error(status, message)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _unavailable(request: HttpRequest, title: str, message: str) -> HttpResponse:
    if _is_api(request):
        response: HttpResponse = _json_error(503, f"{title}. {message}")
    else:
        body = loader.render_to_string("503.html", {"title": title, "message": message})
        response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_S)
    return response
