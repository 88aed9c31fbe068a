"""Subscription forms: every refusal comes back as a sentence a reader understands."""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

TOPIC_KEY = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
MAX_TOPICS = 20


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
    topics = forms.CharField(
        required=False,
        max_length=1000,
        label="Followed topics",
        help_text="Topic keys, comma-separated (optional).",
    )

    def clean_topics(self) -> list[str]:
        keys = [key.strip().lower() for key in self.cleaned_data["topics"].split(",")]
        keys = list(dict.fromkeys(key for key in keys if key))
        if len(keys) > MAX_TOPICS:
            raise ValidationError(f"Follow at most {MAX_TOPICS} topics.")
        bad = [key for key in keys if not TOPIC_KEY.fullmatch(key)]
        if bad:
            raise ValidationError(
                "Topic keys use lower-case letters, digits and dashes (up to 64 characters)."
            )
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
        return email

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if not (cleaned.get("daily_digest") or cleaned.get("weekly_log")):
            raise ValidationError("Choose at least one email to receive.")
        return cleaned
