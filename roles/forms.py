from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms

from roles.models import FrameworkUpload, SkillCategory, Track


class RoleSearchForm(forms.Form):
    q = forms.CharField(
        label="Search roles",
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "class": "form-control",
                "placeholder": "Title, skill or keyword",
                "autocomplete": "off",
            }
        ),
    )
    category = forms.ChoiceField(label="Skill category", required=False)

    def __init__(
        self, *args: object, categories: Iterable[SkillCategory], **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "All categories")] + [
            (c.slug, c.name) for c in categories
        ]

    def cleaned_filters(self) -> tuple[str, str]:
        """The query and category to filter by; none when the form is empty or invalid."""
        if not self.is_bound or not self.is_valid():
            return "", ""
        return self.cleaned_data["q"].strip(), self.cleaned_data["category"]


# --- importing a framework in the admin (roles/admin.py) ---------------------------------


class _MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class _MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", _MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        items = data if isinstance(data, list | tuple) else [data]
        return [single(item, initial) for item in items]


class FrameworkUploadForm(forms.Form):
    framework = forms.ChoiceField(
        choices=FrameworkUpload.Framework.choices, widget=forms.RadioSelect
    )
    files = _MultipleFileField(
        label="Files",
        help_text="ESCO: occupations_en.csv, skills_en.csv and occupationSkillRelations_en.csv. "
        "O*NET: Occupation Data.txt, Skills.txt and Knowledge.txt (Content Model Reference.txt "
        "and Alternate Titles.txt too, if you have them). Or one zip of the download.",
    )


class FrameworkImportForm(forms.Form):
    """Which occupations to import, where to, and how; the same fields go from the choice
    to the preview and from the preview to the import."""

    occupations = forms.MultipleChoiceField(
        label="Occupations to import",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Tick at least one occupation to import."},
    )
    track = forms.ModelChoiceField(
        queryset=Track.objects.all(),
        required=False,
        label="Into the track",
        empty_label="— a new track (below), or “Imported occupations” —",
    )
    new_track = forms.CharField(label="Or a new track named", required=False, max_length=120)
    optional = forms.BooleanField(
        label="Also optional skills and knowledge (ESCO), at a lower level and weight",
        required=False,
    )
    update = forms.BooleanField(
        label="Refresh roles imported before (levels and weights an admin edited are kept)",
        required=False,
    )

    def __init__(self, *args: Any, choices: Iterable[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["occupations"].choices = list(choices)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("track") is not None and cleaned.get("new_track", "").strip():
            raise forms.ValidationError("Choose an existing track or name a new one, not both.")
        return cleaned
