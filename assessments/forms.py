from __future__ import annotations

from django import forms

from assessments.models import ShareLink


class ShareLinkForm(forms.Form):
    days = forms.IntegerField(
        label="Link works for (days)",
        min_value=1,
        max_value=ShareLink.MAX_DAYS,
        initial=ShareLink.DEFAULT_DAYS,
        error_messages={
            "min_value": "A link must last at least 1 day.",
            "max_value": f"A link can last at most {ShareLink.MAX_DAYS} days.",
            "invalid": "Enter a number of days.",
            "required": "Enter a number of days.",
        },
    )
