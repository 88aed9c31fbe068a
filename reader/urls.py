from django.contrib.auth import views as auth_views
from django.urls import path

from digest.lib.ratelimit import limit_posts_per_ip
from reader import feeds, views
from reader.api import api
from reader.forms import ThrottledPasswordResetForm

urlpatterns = [
    path("", views.home, name="home"),
    path("authors/<int:author_id>/", views.author, name="author"),
    path("categories/<str:code>/", views.category, name="category"),
    path("feeds/trending.rss", feeds.TrendingFeed(), name="feed_trending_rss"),
    path("feeds/trending.atom", feeds.TrendingAtomFeed(), name="feed_trending_atom"),
    path("feeds/categories/<str:code>.rss", feeds.CategoryFeed(), name="feed_category_rss"),
    path("feeds/categories/<str:code>.atom", feeds.CategoryAtomFeed(), name="feed_category_atom"),
    path("feeds/topics/<int:topic_id>.rss", feeds.TopicFeed(), name="feed_topic_rss"),
    path("feeds/topics/<int:topic_id>.atom", feeds.TopicAtomFeed(), name="feed_topic_atom"),
    path("papers/<path:arxiv_id>/cite.<str:fmt>", views.paper_citation, name="paper_citation"),
    path("papers/<path:arxiv_id>/", views.paper_detail, name="paper"),
    path("seen/<int:paper_id>/", views.paper_seen, name="paper_seen"),
    path("pulse/", views.pulse, name="pulse"),
    path("pulse/<str:week>/", views.pulse, name="pulse_week"),
    path("topics/<int:topic_id>/", views.topic_detail, name="topic"),
    path("trending/", views.trending, name="trending"),
    path("about/trending/", views.about_trending, name="about_trending"),
    path("about/authors/", views.about_authors, name="about_authors"),
    path("about/for-you/", views.about_for_you, name="about_for_you"),
    # Accounts: Django's own auth views with our templates, and "My papers".
    path("accounts/signup/", views.signup, name="signup"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(next_page="my_papers", redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(next_page="home"), name="logout"),
    path(
        "accounts/password_change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "accounts/password_reset/",
        limit_posts_per_ip(scope="password-reset", rate_setting="PASSWORD_RESET_RATE_PER_IP")(
            auth_views.PasswordResetView.as_view(form_class=ThrottledPasswordResetForm)
        ),
        name="password_reset",
    ),
    path(
        "accounts/password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("me/papers/", views.my_papers, name="my_papers"),
    path("for-you/", views.for_you, name="for_you"),
    path("me/api-token/", views.api_token, name="api_token"),
    path("api/v1/", api.urls),
    path("for-you/feedback/<int:paper_id>/", views.feedback, name="feedback"),
    path("for-you/feedback/signed/<str:token>/", views.feedback_signed, name="feedback_signed"),
    path("me/bookmarks.<str:fmt>", views.bookmarks_citation, name="bookmarks_citation"),
    path("me/bookmarks/<int:paper_id>/", views.bookmark, name="bookmark"),
    path("me/upvotes/<int:paper_id>/", views.upvote, name="upvote"),
    path("me/follows/", views.follow, name="follow"),
]
