from django.apps import AppConfig


class DigestConfig(AppConfig):
    name = "digest"
    verbose_name = "Editorial"

    def ready(self) -> None:
        from django.core.checks import Tags, register

        from digest.lib.webhooks import webhook_check

        register(webhook_check, Tags.security, deploy=True)

        # The provider's bounce/complaint webhook and its inbound mail (the mailto:
        # unsubscribe address) arrive as anymail signals.
        from anymail.signals import inbound, tracking

        from digest.services.inbound import inbound_receiver
        from digest.services.webhooks import tracking_receiver

        tracking.connect(tracking_receiver, dispatch_uid="digest.tracking")
        inbound.connect(inbound_receiver, dispatch_uid="digest.inbound")

        # Trending (papers) counts the site's own views, bookmarks and upvotes, which live
        # here: papers cannot import digest, so digest hands it the reader.
        from digest.selectors import own_signals_in_window
        from papers.trending import own_signals_provider_set

        own_signals_provider_set(own_signals_in_window)
