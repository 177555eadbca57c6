from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from assessments.models import EVIDENCE_MAX_LENGTH, MAX_YEARS, ShareLink
from assessments.viewpoint import DISPLAY_NAME_MAX_LENGTH

NULL_CHARACTER_MESSAGE = (
    "This text holds an invisible null character, which cannot be saved. "
    "Retype it or paste it as plain text."
)

# Digits 0-9 only: Decimal() would also take "4_5", "1E+1", "NaN" or "٤", none of which a
# person means as a number of years. A comma is taken as the decimal point.
PLAIN_DECIMAL = re.compile(r"(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)", re.ASCII)


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
    display_name = forms.CharField(
        label="Name shown on the shared page (optional)",
        help_text="Leave it blank and the page names no one.",
        required=False,
        max_length=DISPLAY_NAME_MAX_LENGTH,
        error_messages={
            "max_length": f"Keep the name to {DISPLAY_NAME_MAX_LENGTH} characters.",
            "null_characters_not_allowed": NULL_CHARACTER_MESSAGE,
        },
    )

    def clean_display_name(self) -> str:
        # Runs of spaces and line breaks would show as one space anyway.
        return " ".join(self.cleaned_data["display_name"].split())


class EvidenceField(forms.CharField):
    """The evidence note of one skill answer, as typed: trimmed, at most
    EVIDENCE_MAX_LENGTH characters, and free of null characters (which PostgreSQL
    cannot store in text)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("error_messages", {"null_characters_not_allowed": NULL_CHARACTER_MESSAGE})
        super().__init__(**kwargs)

    def validate(self, value: str) -> None:
        super().validate(value)
        # Checked here rather than by max_length, so the message can count in words.
        if len(value) > EVIDENCE_MAX_LENGTH:
            raise ValidationError(
                f"Keep evidence to {EVIDENCE_MAX_LENGTH:,} characters; this has {len(value):,}.",
                code="max_length",
            )


class YearsField(forms.Field):
    """Years of experience as a person types them: a plain decimal number (spaces around
    it are ignored, a comma works as the point), whole or half years, 0 to MAX_YEARS."""

    default_error_messages = {
        "required": "Enter years as a number, for example 3 or 4.5.",
        "invalid": "Enter years as a number, for example 3 or 4.5.",
        "negative": "Years cannot be negative.",
        "max_value": f"Enter at most {MAX_YEARS} years.",
        "step": "Use whole or half years, for example 2 or 2.5.",
    }

    def to_python(self, value: Any) -> Decimal | None:
        text = "" if value is None else str(value).strip()
        if text in self.empty_values:
            return None
        digits = text.removeprefix("-")
        if not PLAIN_DECIMAL.fullmatch(digits):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        years = Decimal(digits.replace(",", "."))
        if digits != text and years:
            raise ValidationError(self.error_messages["negative"], code="negative")
        return years

    def validate(self, value: Decimal | None) -> None:
        super().validate(value)
        if value is None:
            return
        if value > MAX_YEARS:
            raise ValidationError(self.error_messages["max_value"], code="max_value")
        if (value * 2) % 1:
            raise ValidationError(self.error_messages["step"], code="step")

    def clean(self, value: Any) -> Decimal | None:
        years = super().clean(value)
        return None if years is None else years.quantize(Decimal("0.1"))
