from django.apps import AppConfig


class DigestConfig(AppConfig):
    name = "digest"
    verbose_name = "Editorial"

    def ready(self) -> None:
        # The provider's bounce/complaint webhook arrives as an anymail signal.
        from anymail.signals import tracking

        from digest.services.webhooks import tracking_receiver

        tracking.connect(tracking_receiver, dispatch_uid="digest.tracking")
