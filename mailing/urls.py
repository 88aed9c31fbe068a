import anymail.urls
from django.urls import include, path

from digest.lib.webhooks import guarded_urlpatterns
from mailing import views

urlpatterns = [
    path("subscribe/", views.subscribe, name="subscribe"),
    path(
        "subscriptions/confirm/<str:token>/",
        views.subscription_confirm,
        name="subscription_confirm",
    ),
    path(
        "subscriptions/preferences/<str:token>/",
        views.subscription_preferences,
        name="subscription_preferences",
    ),
    path(
        "subscriptions/preferences/<str:token>/delete/",
        views.subscription_delete,
        name="subscription_delete",
    ),
    path(
        "subscriptions/unsubscribe/<str:token>/",
        views.subscription_unsubscribe,
        name="subscription_unsubscribe",
    ),
    # django-anymail: the provider's bounce/complaint (tracking) and inbound webhooks,
    # 404 unless behind ANYMAIL_WEBHOOK_SECRET, 4xx for junk (digest/lib/webhooks.py).
    path("anymail/", include(guarded_urlpatterns(anymail.urls.urlpatterns))),
]
