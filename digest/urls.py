from django.contrib import admin
from django.urls import include, path

from digest import paper_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
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
    # django-anymail: the provider's bounce/complaint (tracking) webhooks.
    path("anymail/", include("anymail.urls")),
    path("papers/<path:arxiv_id>/", paper_views.paper_detail, name="paper"),
    path("pulse/", views.pulse, name="pulse"),
    path("pulse/<str:week>/", views.pulse, name="pulse_week"),
    path("topics/<int:topic_id>/", views.topic_detail, name="topic"),
    path("trending/", views.trending, name="trending"),
    path("about/trending/", views.about_trending, name="about_trending"),
    path("", include("search.urls")),
    path("admin/", admin.site.urls),
]
