from django.apps import AppConfig


class DigestConfig(AppConfig):
    """The project package. It has no models of its own any more; it stays installed for
    its migrations: the pgvector extension, and the history of the tables that moved to
    reader, mailing and writing (0007)."""

    name = "digest"
    verbose_name = "Research Digest"
