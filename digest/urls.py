import anymail.urls
from django.contrib import admin
from django.urls import include, path

from digest import accounts, feeds, pages, paper_views, views
from digest.lib.webhooks import guarded_urlpatterns

urlpatterns = [
    path("", pages.home, name="home"),
    path("authors/<int:author_id>/", pages.author, name="author"),
    path("categories/<str:code>/", pages.category, name="category"),
    path("feeds/trending.rss", feeds.TrendingFeed(), name="feed_trending_rss"),
    path("feeds/trending.atom", feeds.TrendingAtomFeed(), name="feed_trending_atom"),
    path("feeds/categories/<str:code>.rss", feeds.CategoryFeed(), name="feed_category_rss"),
    path("feeds/categories/<str:code>.atom", feeds.CategoryAtomFeed(), name="feed_category_atom"),
    path("feeds/topics/<int:topic_id>.rss", feeds.TopicFeed(), name="feed_topic_rss"),
    path("feeds/topics/<int:topic_id>.atom", feeds.TopicAtomFeed(), name="feed_topic_atom"),
    path("", include(accounts.urlpatterns)),
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
    # django-anymail: the provider's bounce/complaint (tracking) and inbound webhooks,
    # 404 unless behind ANYMAIL_WEBHOOK_SECRET, 4xx for junk (digest/lib/webhooks.py).
    path("anymail/", include(guarded_urlpatterns(anymail.urls.urlpatterns))),
    path("papers/<path:arxiv_id>/", paper_views.paper_detail, name="paper"),
    path("pulse/", views.pulse, name="pulse"),
    path("pulse/<str:week>/", views.pulse, name="pulse_week"),
    path("topics/<int:topic_id>/", views.topic_detail, name="topic"),
    path("trending/", views.trending, name="trending"),
    path("about/trending/", views.about_trending, name="about_trending"),
    path("", include("search.urls")),
    path("", include("digest.writing.urls")),
    path("admin/", admin.site.urls),
]
