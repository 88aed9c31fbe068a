"""Citations out: BibTeX and RIS a reference manager reads back, Highwire meta tags."""

from __future__ import annotations

import html as html_lib
import re
from datetime import UTC, datetime

import bibtexparser
import pytest
import rispy
from django.contrib.auth.models import User
from django.test import Client

from papers.citations import bibtex_file, citation_key, person_name
from papers.models import Authorship, Paper
from papers.selectors import papers_with_authors
from reader.models import Bookmark
from tests.papers.factories import AuthorFactory, PaperFactory

pytestmark = pytest.mark.django_db


def _paper(arxiv_id: str, title: str, authors: list[str], **fields: object) -> Paper:
    paper = PaperFactory(
        arxiv_id=arxiv_id,
        title=title,
        title_text=fields.pop("title_text", title),
        submitted_at=datetime(2026, 6, 2, 12, 0, tzinfo=UTC),
        primary_category="cs.LG",
        categories=["cs.LG", "stat.ML"],
        **fields,
    )
    for position, name in enumerate(authors):
        Authorship.objects.create(paper=paper, author=AuthorFactory(name=name), position=position)
    return papers_with_authors().get(pk=paper.pk)


def _parse(text: str) -> list[dict[str, str]]:
    return bibtexparser.loads(text).entries


@pytest.mark.parametrize(
    ("full", "family", "given"),
    [
        ("Ada Lovelace", "Lovelace", "Ada"),
        ("Ludwig van Beethoven", "van Beethoven", "Ludwig"),
        ("Martin Luther King Jr.", "King", "Martin Luther, Jr."),
        ("Plato", "Plato", ""),
    ],
)
def test_a_byline_name_splits_at_the_family_name(full: str, family: str, given: str) -> None:
    assert person_name(full) == (person_name(full).__class__(family=family, given=given))


def test_a_papers_bibtex_reads_back_with_its_fields(client: Client) -> None:
    _paper(
        "2606.01234",
        "Q&A with $\\alpha$-{Divergences} at 50% cost",
        ["José Ramírez", "Ada Lovelace"],
        doi="10.1000/xyz",
    )

    response = client.get("/papers/2606.01234/cite.bib")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/x-bibtex")
    assert 'filename="2606.01234.bib"' in response["Content-Disposition"]
    (entry,) = _parse(response.content.decode())
    assert entry["ENTRYTYPE"] == "misc" and entry["ID"] == "ramirez2026qa"
    assert entry["title"] == "{Q\\&A with $\\alpha$-{Divergences} at 50\\% cost}"
    assert entry["author"] == "Ramírez, José and Lovelace, Ada"
    assert (entry["year"], entry["eprint"], entry["archiveprefix"]) == (
        "2026",
        "2606.01234",
        "arXiv",
    )
    assert entry["primaryclass"] == "cs.LG" and entry["doi"] == "10.1000/xyz"
    assert entry["url"] == "https://arxiv.org/abs/2606.01234"


def test_a_title_with_unpaired_braces_falls_back_to_its_plain_text() -> None:
    paper = _paper("2606.00002", "Broken {brace $x$", ["Ada Lovelace"], title_text="Broken brace x")

    (entry,) = _parse(bibtex_file([paper]))

    assert entry["title"] == "{Broken brace x}"


def test_keys_stay_unique_within_a_file() -> None:
    papers = [_paper(f"2606.0001{i}", "Deep nets", ["Ada Lovelace"]) for i in range(3)]

    entries = _parse(bibtex_file(papers))

    assert [e["ID"] for e in entries] == [
        "lovelace2026deep",
        "lovelace2026deepa",
        "lovelace2026deepb",
    ]
    assert citation_key(papers[0]) == "lovelace2026deep"


def test_a_papers_ris_reads_back(client: Client) -> None:
    _paper("2606.01235", "Sparse attention", ["Ada Lovelace", "Alan Turing"], journal_ref="J. 1")

    response = client.get("/papers/2606.01235/cite.ris")

    assert response.status_code == 200
    (record,) = rispy.loads(response.content.decode())
    assert record["title"] == "Sparse attention"
    assert record["authors"] == ["Lovelace, Ada", "Turing, Alan"]
    assert record["year"] == "2026" and record["urls"] == ["https://arxiv.org/abs/2606.01235"]
    assert record["keywords"] == ["cs.LG", "stat.ML"]


def test_unknown_papers_and_formats_are_404(client: Client) -> None:
    _paper("2606.01236", "Sparse attention", ["Ada Lovelace"])

    assert client.get("/papers/2606.99999/cite.bib").status_code == 404
    assert client.get("/papers/2606.01236/cite.docx").status_code == 404


def test_a_readers_bookmarks_export_as_one_file(client: Client) -> None:
    user = User.objects.create_user("ada", password="pw-1234-long")
    mine = [_paper(f"2606.0200{i}", f"Paper number {i}", ["Ada Lovelace"]) for i in range(3)]
    _paper("2606.02009", "Not bookmarked", ["Alan Turing"])
    for paper in mine:
        Bookmark.objects.create(user=user, paper=paper)
    client.force_login(user)

    bib = client.get("/me/bookmarks.bib")
    ris = client.get("/me/bookmarks.ris")

    assert 'filename="bookmarks.bib"' in bib["Content-Disposition"]
    assert [e["eprint"] for e in _parse(bib.content.decode())] == [p.arxiv_id for p in mine]
    assert len(rispy.loads(ris.content.decode())) == 3
    assert 'href="/me/bookmarks.bib"' in client.get("/me/papers/").content.decode()


def test_the_bookmarks_export_needs_a_sign_in(client: Client) -> None:
    response = client.get("/me/bookmarks.bib")

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_paper_page_carries_highwire_tags_for_zotero(client: Client) -> None:
    _paper("2606.01237", "Sparse <attention>", ["Ada Lovelace", "Alan Turing"], doi="10.1/x")

    html = client.get("/papers/2606.01237/").content.decode()

    tags = re.findall(r'<meta name="(citation_[a-z_]+)" content="([^"]*)">', html)
    found = [(name, html_lib.unescape(value)) for name, value in tags]
    assert ("citation_title", "Sparse <attention>") in found
    assert [v for n, v in found if n == "citation_author"] == ["Lovelace, Ada", "Turing, Alan"]
    assert ("citation_publication_date", "2026/06/02") in found
    assert ("citation_arxiv_id", "2606.01237") in found
    assert ("citation_pdf_url", "https://arxiv.org/pdf/2606.01237v1") in found
    assert ("citation_doi", "10.1/x") in found
    assert "&lt;attention&gt;" in html  # escaped, never raw markup
    assert 'href="/papers/2606.01237/cite.bib"' in html
