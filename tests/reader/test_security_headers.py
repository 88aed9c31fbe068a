"""Closed by default (issue 20, problem 8): a Content-Security-Policy on every page, and
login throttled by django-axes, counted in the database."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.reader.conftest import MakePapers

pytestmark = pytest.mark.django_db


def test_every_page_carries_a_csp_that_allows_only_our_scripts_and_the_nonced_one(
    client: Client, make_papers: MakePapers
) -> None:
    make_papers(2)

    response = client.get("/")

    policy = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    nonce = re.search(r"'nonce-([^']+)'", directives["script-src"])
    assert nonce, policy
    assert directives["script-src"] == f"'self' 'nonce-{nonce.group(1)}'"
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in policy
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    html = response.content.decode()
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline == [f' nonce="{nonce.group(1)}"']  # the one inline script, nonced
    assert client.get("/").headers["Content-Security-Policy"] != policy  # fresh per response


def test_twenty_five_wrong_passwords_lock_the_account_out_even_with_the_right_one() -> None:
    User.objects.create_user("reader", "reader@example.org", "the-right-password-42")
    client = Client()
    statuses = [
        client.post(
            "/accounts/login/", {"username": "reader", "password": f"wrong-{n}"}
        ).status_code
        for n in range(25)
    ]
    right = client.post(
        "/accounts/login/", {"username": "reader", "password": "the-right-password-42"}
    )

    assert statuses[:4] == [200] * 4  # the form again, with its error
    assert set(statuses[5:]) == {429}
    assert right.status_code == 429
    assert "Too many sign-in attempts" in right.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_few_wrong_passwords_then_the_right_one_signs_in() -> None:
    User.objects.create_user("reader", "reader@example.org", "the-right-password-42")
    client = Client()
    for n in range(3):
        client.post("/accounts/login/", {"username": "reader", "password": f"wrong-{n}"})
    right = client.post(
        "/accounts/login/", {"username": "reader", "password": "the-right-password-42"}
    )
    assert right.status_code == 302
    assert client.session["_auth_user_id"]


def test_another_reader_is_not_locked_out_by_someone_else_s_failures() -> None:
    User.objects.create_user("reader", "reader@example.org", "the-right-password-42")
    User.objects.create_user("other", "other@example.org", "another-password-42")
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(10):
        attacker.post("/accounts/login/", {"username": "reader", "password": f"wrong-{n}"})
    other = Client(REMOTE_ADDR="198.51.100.7")
    response = other.post(
        "/accounts/login/", {"username": "other", "password": "another-password-42"}
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(document.cookie)", "JaVaScRiPt:alert(1)", "data:text/html,<b>x</b>",
     "//evil.example/x", "https://github.com/lab/repo\" onmouseover=\"x()"],
)  # fmt: skip
def test_a_harvested_url_of_another_scheme_never_becomes_a_link(
    client: Client, today: object, url: str
) -> None:
    from papers.models import TrendingSignal
    from tests.papers.factories import PaperFactory

    paper = PaperFactory(title_text="Linked", categories=["cs.CL"])
    TrendingSignal.objects.create(source="hf", day=today, paper=paper, rank=1, github_repo=url)

    html = client.get(f"/papers/{paper.arxiv_id}/").content.decode()
    assert "Linked" in html
    assert ">Code</a>" not in html


def test_an_https_code_link_is_kept(client: Client, today: object) -> None:
    from papers.models import TrendingSignal
    from tests.papers.factories import PaperFactory

    paper = PaperFactory(title_text="Linked", categories=["cs.CL"])
    TrendingSignal.objects.create(
        source="hf", day=today, paper=paper, rank=1, github_repo="https://github.com/lab/repo"
    )
    html = client.get(f"/papers/{paper.arxiv_id}/").content.decode()
    assert '<a href="https://github.com/lab/repo" rel="nofollow noopener">Code</a>' in html
