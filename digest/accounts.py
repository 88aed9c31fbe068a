"""Reader accounts: sign up, Django's own auth views, "My papers", bookmark/upvote/follow."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import UserCreationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from digest import browse
from digest.models import Follow
from digest.pages import CATEGORY_CODE
from digest.services import reading
from papers.models import Paper

ACTIONS = "digest/_actions.html"


class SignupForm(UserCreationForm):
    email = forms.EmailField(help_text="For password resets and, if you subscribe, the digest.")

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this address exists; sign in instead.")
        return email


class FollowForm(forms.Form):
    kind = forms.ChoiceField(choices=Follow.Kind.choices)
    key = forms.CharField(max_length=64)
    label = forms.CharField(max_length=300, required=False)
    on = forms.TypedChoiceField(choices=[("1", "on"), ("0", "off")], coerce=lambda v: v == "1")

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        kind, key = data.get("kind"), str(data.get("key", ""))
        if kind == Follow.Kind.TOPIC and not key.isdigit():
            raise forms.ValidationError("A topic is followed by its number.")
        if kind == Follow.Kind.CATEGORY and not CATEGORY_CODE.match(key):
            raise forms.ValidationError("Not an arXiv category code.")
        return data


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        login(request, form.save(), backend="django.contrib.auth.backends.ModelBackend")
        return redirect("my_papers")
    return render(request, "registration/signup.html", {"form": form})


@require_GET
@login_required
def my_papers(request: HttpRequest) -> HttpResponse:
    context = {"mine": browse.my_papers(user=request.user)}
    return render(request, "digest/my_papers.html", context)


def _next_url(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe else fallback


def _answer(request: HttpRequest, partial: str, context: dict[str, object]) -> HttpResponse:
    """htmx swaps the button; a plain form goes back where it came from."""
    fallback = str(context.pop("fallback"))
    if request.htmx:
        context["next"] = _next_url(request, fallback)
        context["compact"] = request.POST.get("compact") == "1"  # a list card's button
        return render(request, f"{ACTIONS}#{partial}", context)
    return redirect(_next_url(request, fallback))


@require_POST
@login_required
@vary_on_headers("HX-Request")
def bookmark(request: HttpRequest, paper_id: int) -> HttpResponse:
    paper = get_object_or_404(Paper, pk=paper_id)
    on = request.POST.get("on") == "1"
    reading.bookmark_set(user=request.user, paper=paper, on=on)
    fallback = reverse("paper", args=[paper.arxiv_id])
    context = {"paper": paper, "bookmarked": on, "fallback": fallback}
    return _answer(request, "bookmark", context)


@require_POST
@login_required
@vary_on_headers("HX-Request")
def upvote(request: HttpRequest, paper_id: int) -> HttpResponse:
    paper = get_object_or_404(Paper, pk=paper_id)
    on = request.POST.get("on") == "1"
    count = reading.upvote_set(user=request.user, paper=paper, on=on)
    fallback = reverse("paper", args=[paper.arxiv_id])
    context = {"paper": paper, "upvoted": on, "site_upvotes": count, "fallback": fallback}
    return _answer(request, "upvote", context)


@require_POST
@login_required
@vary_on_headers("HX-Request")
def follow(request: HttpRequest) -> HttpResponse:
    form = FollowForm(request.POST)
    if not form.is_valid():
        return HttpResponse("Unknown follow request.", status=400)
    data = form.cleaned_data
    reading.follow_set(user=request.user, kind=data["kind"], key=data["key"], on=data["on"])
    context = {**data, "followed": data["on"], "fallback": reverse("my_papers")}
    return _answer(request, "follow", context)


urlpatterns = [
    path("accounts/signup/", signup, name="signup"),
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
    path("accounts/password_reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
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
    path("me/papers/", my_papers, name="my_papers"),
    path("me/bookmarks/<int:paper_id>/", bookmark, name="bookmark"),
    path("me/upvotes/<int:paper_id>/", upvote, name="upvote"),
    path("me/follows/", follow, name="follow"),
]
