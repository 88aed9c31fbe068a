from django.urls import path

from writing import feeds, views

urlpatterns = [
    path("logs/", views.research_logs, name="research_logs"),
    path("logs/<int:number>/", views.research_log_number, name="research_log_number"),
    path("logs/<slug:slug>/", views.research_log, name="research_log"),
    path("feeds/logs.rss", feeds.ResearchLogFeed(), name="feed_logs_rss"),
    path("feeds/logs.atom", feeds.ResearchLogAtomFeed(), name="feed_logs_atom"),
    path("editor/drafts/", views.drafts, name="drafts"),
    path("editor/drafts/new/", views.draft_request, name="draft_request"),
    path("editor/drafts/<int:draft_id>/", views.draft_edit, name="draft_edit"),
    path("editor/drafts/<int:draft_id>/progress/", views.draft_progress, name="draft_progress"),
    path("editor/drafts/<int:draft_id>/preview/", views.draft_preview, name="draft_preview"),
    path("editor/drafts/<int:draft_id>/search/", views.paper_search, name="draft_paper_search"),
    path("editor/drafts/<int:draft_id>/items/", views.item_add, name="draft_item_add"),
    path(
        "editor/drafts/<int:draft_id>/items/freeform/",
        views.item_add_freeform,
        name="draft_item_freeform",
    ),
    path(
        "editor/drafts/<int:draft_id>/items/<int:item_id>/move/",
        views.item_move,
        name="draft_item_move",
    ),
    path(
        "editor/drafts/<int:draft_id>/items/<int:item_id>/remove/",
        views.item_remove,
        name="draft_item_remove",
    ),
    path(
        "editor/drafts/<int:draft_id>/items/<int:item_id>/regenerate/",
        views.item_regenerate,
        name="draft_item_regenerate",
    ),
    path("editor/drafts/<int:draft_id>/publish/", views.draft_publish, name="draft_publish"),
    path("editor/drafts/<int:draft_id>/schedule/", views.draft_schedule, name="draft_schedule"),
]
