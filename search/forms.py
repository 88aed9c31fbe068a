from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError

from search.fusion import MODES
from search.selectors import MAX_PAGE, SORTS, SearchRequest

_CATEGORY = re.compile(r"^[a-z][a-z\-]*(\.[A-Za-z\-]+)?$")


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=10_000, strip=True)
    mode = forms.ChoiceField(choices=[(m, m) for m in MODES], required=False)
    sort = forms.ChoiceField(choices=[(s, s) for s in SORTS], required=False)
    cat = forms.CharField(required=False, max_length=500)
    date_from = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    date_until = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    code = forms.BooleanField(required=False)
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)

    def clean_cat(self) -> tuple[str, ...]:
        categories = tuple(c.strip() for c in self.cleaned_data["cat"].split(",") if c.strip())
        for category in categories:
            if not _CATEGORY.match(category):
                raise ValidationError(f"{category!r} is not an arXiv category like cs.LG")
        return categories

    def to_request(self) -> SearchRequest:
        data = self.cleaned_data
        return SearchRequest(
            q=data["q"], mode=data["mode"] or "hybrid", sort=data["sort"] or "relevance",
            categories=data["cat"], date_from=data["date_from"], date_until=data["date_until"],
            has_code=data["code"], page=data["page"] or 1,
        )  # fmt: skip

    def error_text(self) -> str:
        return "; ".join(f"{field}: {' '.join(errors)}" for field, errors in self.errors.items())
