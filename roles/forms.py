from __future__ import annotations

from collections.abc import Iterable

from django import forms

from roles.models import SkillCategory


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
