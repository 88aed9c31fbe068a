from django.urls import include, path

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
    # django-anymail: the provider's bounce/complaint (tracking) and inbound webhooks.
    path("anymail/", include("anymail.urls")),
]
