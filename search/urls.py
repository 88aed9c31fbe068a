from django.urls import path

from search import feeds, views

app_name = "search"
urlpatterns = [
    path("search", views.search_page, name="search"),
    path("api/search", views.search_api, name="api"),
    path("search/save", views.search_save, name="save"),
    path("me/searches/", views.saved_searches, name="saved"),
    path("me/searches/<int:saved_id>/<str:action>", views.saved_search_change, name="saved_change"),
    path("feeds/searches/<str:token>.rss", feeds.SavedSearchFeed(), name="saved_feed"),
]
