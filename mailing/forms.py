"""Subscription forms: every refusal comes back as a sentence a reader understands."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from papers.topics.selectors import topic_choices

MAX_TOPICS = 20
MAX_LOCAL_PART = 64  # RFC 5321, 4.5.3.1.1


def _category_choices() -> list[tuple[str, str]]:
    return [(category, category) for category in settings.ARXIV_CATEGORIES]


class PreferencesForm(forms.Form):
    daily_digest = forms.BooleanField(required=False, initial=True, label="Daily trending digest")
    weekly_log = forms.BooleanField(required=False, label="Weekly research log")
    categories = forms.MultipleChoiceField(
        required=False,
        choices=_category_choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every category.",
    )
    topics = forms.MultipleChoiceField(
        required=False,
        choices=topic_choices,
        widget=forms.CheckboxSelectMultiple,
        label="Followed topics",
        help_text="This week's topics; a topic you follow is followed into the weeks after.",
        error_messages={
            "invalid_choice": "That topic is not offered any more; please pick one from the list."
        },
    )

    def __init__(self, *args: Any, followed: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if followed:  # keep the topics already followed on offer, from whatever week
            ids = [int(key) for key in followed if key.isdigit()]
            field = self.fields["topics"]
            assert isinstance(field, forms.ChoiceField)  # declared above
            field.choices = topic_choices(include=ids)

    def clean_topics(self) -> list[str]:
        keys: list[str] = self.cleaned_data["topics"]
        if len(keys) > MAX_TOPICS:
            raise ValidationError(f"Follow at most {MAX_TOPICS} topics.")
        return keys


class ManagePreferencesForm(PreferencesForm):
    paused = forms.BooleanField(required=False, label="Pause all emails")


class SubscribeForm(PreferencesForm):
    field_order = ("email",)
    email = forms.CharField(
        max_length=254,
        label="Email",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "placeholder": "you@example.org"}),
        error_messages={
            "max_length": "That address is too long: an email address has at most 254 characters."
        },
    )

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"]
        if any(ord(char) < 32 or ord(char) == 127 for char in email):
            raise ValidationError(
                "An email address cannot contain line breaks or control characters."
            )
        if not email.isascii():
            raise ValidationError(
                "Please use an address written in plain ASCII letters; "
                "internationalised addresses are not supported yet."
            )
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError("Enter a valid email address, like you@example.org.") from None
        if len(email.rpartition("@")[0]) > MAX_LOCAL_PART:
            raise ValidationError(
                "That address is too long: the part before the @ has at most 64 characters."
            )
        return email

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if not (cleaned.get("daily_digest") or cleaned.get("weekly_log")):
            raise ValidationError("Choose at least one email to receive.")
        return cleaned
