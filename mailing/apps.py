from django.apps import AppConfig


class MailingConfig(AppConfig):
    name = "mailing"
    verbose_name = "Mailing"

    def ready(self) -> None:
        # The provider's bounce/complaint webhook and its inbound mail (the mailto:
        # unsubscribe address) arrive as anymail signals. Imported here, as Django asks of
        # signal receivers, so that importing the app's modules connects nothing.
        from anymail.signals import inbound, tracking

        from mailing.services.inbound import inbound_receiver
        from mailing.services.webhooks import tracking_receiver

        tracking.connect(tracking_receiver, dispatch_uid="digest.tracking")
        inbound.connect(inbound_receiver, dispatch_uid="digest.inbound")
