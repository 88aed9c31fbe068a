from django.apps import AppConfig


class DigestConfig(AppConfig):
    name = "digest"
    verbose_name = "Editorial"

    def ready(self) -> None:
        # The provider's bounce/complaint webhook and its inbound mail (the mailto:
        # unsubscribe address) arrive as anymail signals.
        from anymail.signals import inbound, tracking

        from digest.services.inbound import inbound_receiver
        from digest.services.webhooks import tracking_receiver

        tracking.connect(tracking_receiver, dispatch_uid="digest.tracking")
        inbound.connect(inbound_receiver, dispatch_uid="digest.inbound")
