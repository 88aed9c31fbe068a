"""Site-wide: header on every page, themes, error pages, static files for production."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.views.defaults import server_error

BASE_DIR = Path(settings.BASE_DIR)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/search", "/pulse/", "/accounts/login/", "/nowhere/"])
def test_every_page_has_the_header_search_box_theme_toggle_and_no_cdn(
    client: Client, url: str
) -> None:
    html = client.get(url).content.decode()

    assert 'role="search" action="/search"' in html and 'name="q"' in html
    assert "data-theme-toggle" in html and "localStorage" in html
    assert 'href="/accounts/login/">Sign in' in html
    assert '<main id="main">' in html and '<nav class="site-nav" aria-label="Main">' in html
    scripts = re.findall(r'<script src="([^"]+)"', html) + re.findall(r'href="([^"]+\.css)"', html)
    assert len(scripts) >= 6 and all(src.startswith("/static/") for src in scripts)


def test_the_500_page_uses_the_design_and_needs_no_database() -> None:
    # No django_db mark: any query here raises.
    response = server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    assert "/static/css/site.css" in response.content.decode()


def test_the_stylesheet_has_light_and_dark_themes() -> None:
    css = (BASE_DIR / "static/css/site.css").read_text()

    assert "prefers-color-scheme: dark" in css and ':root[data-theme="dark"]' in css


def test_favicon_ico_is_never_a_404(client: Client) -> None:
    from django.contrib.staticfiles import finders

    response = client.get("/favicon.ico")

    assert response.status_code == 301 and "max-age=86400" in response["Cache-Control"]
    assert response["Location"] == "/static/favicon.ico"
    icon = Path(finders.find("favicon.ico")).read_bytes()
    assert icon[:4] == b"\x00\x00\x01\x00" and icon[6:8] == bytes([32, 32])  # a 32x32 ICO


@pytest.mark.django_db
def test_every_page_names_its_icon(client: Client) -> None:
    html = client.get("/").content.decode()

    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    assert '<link rel="icon" href="/static/favicon.ico" sizes="32x32">' in html


@pytest.mark.django_db
def test_collectstatic_builds_versioned_files_with_production_settings(tmp_path: Path) -> None:
    from tests.helpers.celery_worker import test_database_url

    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    env.update(
        DJANGO_SETTINGS_MODULE="digest.settings", DIGEST_DATA_DIR=str(settings.DATA_DIR),
        DIGEST_ENV="production", SECRET_KEY="production-secret-key-for-tests-" + "k" * 40,
        ALLOWED_HOSTS="digest.example.org", DATABASE_URL=test_database_url(),
        STATIC_ROOT=str(tmp_path), CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
    )  # fmt: skip
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    manifest = (tmp_path / "staticfiles.json").read_text()
    for name in ("css/site.css", "js/site.js", "vendor/katex/katex.min.css"):
        assert f'"{name}"' in manifest
    assert list(tmp_path.glob("vendor/katex/fonts/KaTeX_Main-Regular.*.woff2"))
    assert list(tmp_path.glob("css/site.*.css.gz"))
