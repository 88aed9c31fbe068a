"""factory_boy factories for papers and the records parsers produce."""

from __future__ import annotations

from datetime import UTC, datetime

import factory

from papers.harvest.records import ArxivRecord
from papers.models import Author, Paper


class ArxivRecordFactory(factory.Factory):
    class Meta:
        model = ArxivRecord

    arxiv_id = factory.Sequence(lambda n: f"2606.{n:05d}")
    version = 1
    title = factory.Sequence(lambda n: f"A study of $\\alpha$-divergences, part {n}")
    abstract = "We show that $O(n^2)$ attention is <b>not</b> needed & compute 50% less."
    authors = ("Ada Lovelace", "José Ramírez")
    primary_category = "cs.LG"
    categories = ("cs.LG", "cs.AI")
    submitted_at = datetime(2026, 6, 1, 17, 0, tzinfo=UTC)
    updated_at = datetime(2026, 6, 1, 17, 0, tzinfo=UTC)
    source = "test"


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author
        django_get_or_create = ("normalized_name",)

    name = factory.Sequence(lambda n: f"Author {n}")
    normalized_name = factory.LazyAttribute(lambda o: o.name.casefold())


class PaperFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Paper

    arxiv_id = factory.Sequence(lambda n: f"2607.{n:05d}")
    title = factory.Sequence(lambda n: f"Paper {n}")
    title_text = factory.LazyAttribute(lambda o: o.title)
    abstract = "An abstract."
    abstract_text = "An abstract."
    primary_category = "cs.CL"
    categories = factory.LazyFunction(lambda: ["cs.CL"])
    submitted_at = datetime(2026, 6, 2, 12, 0, tzinfo=UTC)
