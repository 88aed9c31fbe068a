"""What the reader's pages accept: list query strings, sign-up, follow requests."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm, UserCreationForm
from django.contrib.auth.models import User
from django.http import Http404

from digest.lib.ratelimit import rate_parse, ratelimit_hit
from papers.authors import author_person_get
from papers.trending import WINDOWS
from reader.models import Follow

CATEGORY_CODE = re.compile(r"^[A-Za-z-]{2,20}(\.[A-Za-z-]{1,20})?$")


@dataclass(frozen=True)
class ListQuery:
    """A list page's query string: window tab, day, page; malformed values are a 404."""

    window: str
    day: date
    page: int
    is_today: bool

    @classmethod
    def from_params(cls, params: Mapping[str, str], *, today: date) -> ListQuery:
        window = params.get("window", "day")
        day = _day(params.get("day", ""), today=today)
        return cls(
            window=window if window in WINDOWS else "day",
            day=day,
            page=page_number(params.get("page", "1")),
            is_today=day == today,
        )


def _day(value: str, *, today: date) -> date:
    if not value:
        return today
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise Http404("Malformed date: expected YYYY-MM-DD.") from None
    if day > today:
        raise Http404("No papers from the future yet.")
    return day


def page_number(value: str) -> int:
    """A list's page number from the query string; anything but 1 to 10,000 is a 404."""
    if not value.isdigit() or not 1 <= int(value) <= 10_000:
        raise Http404("No such page.")
    return int(value)


class SignupForm(UserCreationForm[User]):
    email = forms.EmailField(help_text="For password resets and, if you subscribe, the digest.")

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"]
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
        if kind == Follow.Kind.AUTHOR and author_person_get(key=key) is None:
            raise forms.ValidationError("No such author.")
        return data


class ThrottledPasswordResetForm(PasswordResetForm):
    """Django's form, sending at most PASSWORD_RESET_RATE_PER_ADDRESS emails to an address.

    Over the limit it sends nothing and answers as always (the page never tells whether
    an address has an account, nor whether it was throttled).
    """

    def get_users(self, email: str) -> Iterable[User]:
        allowed = ratelimit_hit(
            scope="password-reset-address",
            key=email.casefold(),
            rate=rate_parse(settings.PASSWORD_RESET_RATE_PER_ADDRESS),
        )
        return super().get_users(email) if allowed else iter(())
