"""Input of the editor's forms."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from writing.services.editing import DraftChanges


class DraftRequestForm(forms.Form):
    week = forms.DateField(help_text="Any day of the week to draft.")
    item_count = forms.IntegerField(min_value=1, max_value=20, required=False)


class DraftForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    title = forms.CharField(max_length=300)
    theme = forms.CharField(max_length=200)
    intro = forms.CharField(widget=forms.Textarea, required=False)
    pulse_overview = forms.CharField(widget=forms.Textarea, required=False)
    closing = forms.CharField(widget=forms.Textarea, required=False)
    acknowledge = forms.BooleanField(required=False)

    def changes(self, *, item_ids: list[int], data: dict[str, str]) -> DraftChanges:
        """The cleaned fields and each item's ``section-<id>`` and ``note-<id>`` fields."""
        sections = {i: data[f"section-{i}"] for i in item_ids if f"section-{i}" in data}
        notes = {i: data[f"note-{i}"] for i in item_ids if f"note-{i}" in data}
        headings = {i: data[f"heading-{i}"] for i in item_ids if f"heading-{i}" in data}
        cleaned = self.cleaned_data
        return DraftChanges(
            title=cleaned["title"],
            theme=cleaned["theme"],
            intro=cleaned["intro"],
            pulse_overview=cleaned["pulse_overview"],
            sections=sections,
            notes=notes,
            headings=headings,
            closing=cleaned["closing"] if "closing" in data else None,
            acknowledge=cleaned["acknowledge"],
        )


class VersionForm(forms.Form):
    version = forms.IntegerField(min_value=1)


class MoveForm(VersionForm):
    offset = forms.IntegerField(min_value=-50, max_value=50)


class AddPaperForm(VersionForm):
    arxiv_id = forms.CharField(max_length=40)


class ScheduleForm(VersionForm):
    at = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    def clean_at(self) -> object:
        at = self.cleaned_data["at"]
        if at <= timezone.now():
            raise forms.ValidationError("Choose a time in the future, or publish now.")
        return at


class FreeformItemForm(VersionForm):
    heading = forms.CharField(max_length=300)
    body = forms.CharField(widget=forms.Textarea)
    position = forms.IntegerField(min_value=0, required=False)
