from django.apps import AppConfig


class DigestConfig(AppConfig):
    """The project package. It has no models of its own any more; it stays installed for
    its migrations: the pgvector extension, and the history of the tables that moved to
    reader, mailing and writing (0007)."""

    name = "digest"
    verbose_name = "Research Digest"

    def ready(self) -> None:
        from django.core.checks import Tags, register

        from digest.lib.webhooks import webhook_check
        from digest.lib.writable import writable_check

        # Webhooks without their secret: a deploy error, not a warning (digest/lib/webhooks.py).
        register(webhook_check, Tags.security, deploy=True)
        # A data folder the app's user cannot write (a volume owned by root): said at once.
        register(writable_check, Tags.files, deploy=True)
