"""WSGI entry point (gunicorn digest.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "digest.settings")

application = get_wsgi_application()

from django.conf import settings  # noqa: E402

from digest.lib.failures import web_statement_timeout_install  # noqa: E402

# Web requests only: workers and commands index, cluster and backfill for longer.
web_statement_timeout_install(milliseconds=settings.WEB_STATEMENT_TIMEOUT_MS)
