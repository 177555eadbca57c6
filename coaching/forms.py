from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.models import AbstractBaseUser
from django.db.models.functions import Lower
from django.utils import timezone

from assessments.forms import NULL_CHARACTER_MESSAGE
from assessments.models import Assessment
from assessments.report import VERDICT_LABELS
from coaching.models import (
    ACTION_ITEM_MAX_LENGTH,
    CODE_LENGTH,
    NOTE_MAX_LENGTH,
    TAG_MAX_LENGTH,
    ClientTag,
    CoachNote,
    CoachRelationship,
    Invitation,
)
from coaching.selectors import dashboard_roles

SORT_CHOICES = [
    ("name", "Name (A–Z)"),
    ("-name", "Name (Z–A)"),
    ("-readiness", "Readiness, highest first"),
    ("readiness", "Readiness, lowest first"),
    ("-change", "Most progress"),
    ("change", "Least progress"),
    ("-activity", "Most recent activity"),
    ("activity", "Least recent activity"),
]


class ClientFilterForm(forms.Form):
    q = forms.CharField(
        label="Search by name or email",
        required=False,
        max_length=100,
        error_messages={"null_characters_not_allowed": NULL_CHARACTER_MESSAGE},
    )
    sort = forms.ChoiceField(label="Sort by", choices=SORT_CHOICES, required=False)
    role = forms.TypedChoiceField(label="Target role", required=False, coerce=int, empty_value=None)
    verdict = forms.ChoiceField(
        label="Verdict",
        required=False,
        choices=[("", "Any verdict"), *VERDICT_LABELS.items()],
    )
    # The coach's own tags only: another coach's tag id is not a choice, so it is invalid
    # and ignored like any tampered value.
    tag = forms.TypedChoiceField(label="Tag", required=False, coerce=int, empty_value=None)
    inactive_days = forms.IntegerField(
        label="No activity for (days)", required=False, min_value=1, max_value=3650
    )

    def __init__(self, *args: Any, coach: AbstractBaseUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The roles clients target now: a DISTINCT over every share would grow with them.
        roles = dashboard_roles(coach)
        self.fields["role"].choices = [("", "Any role")] + [(r.pk, r.title) for r in roles]
        tags = ClientTag.objects.filter(coach=coach).order_by(Lower("name"), "pk")
        self.fields["tag"].choices = [("", "Any tag")] + [(t.pk, t.name) for t in tags]

    def filters(self) -> dict[str, Any]:
        """Valid filters only: a tampered or stale value falls back to no filter."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "q": data.get("q") or "",
            "sort": data.get("sort") or "name",
            "role": data.get("role"),
            "verdict": data.get("verdict") or "",
            "tag": data.get("tag"),
            "inactive_days": data.get("inactive_days"),
        }

    def narrows(self) -> bool:
        """Whether a filter beyond the search and the sort is set (the folded filters then
        open, so what narrows the list is in view)."""
        filters = self.filters()
        return any(
            filters.get(k) not in (None, "") for k in ("role", "verdict", "tag", "inactive_days")
        )

    def query_string(self) -> str:
        """The current filters for pagination and sort links."""
        values = {k: v for k, v in self.filters().items() if v not in (None, "")}
        return urlencode(values)


class InviteForm(forms.Form):
    email = forms.EmailField(
        label="Client's email (optional)",
        required=False,
        help_text="We email them a link. Leave it empty to get a code to pass on yourself.",
        error_messages={"null_characters_not_allowed": NULL_CHARACTER_MESSAGE},
    )


class InvitationCodeForm(forms.Form):
    code = forms.CharField(
        label="Invitation code",
        max_length=32,
        error_messages={"null_characters_not_allowed": NULL_CHARACTER_MESSAGE},
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip().upper().replace("-", "").replace(" ", "")
        if len(code) != CODE_LENGTH:
            raise forms.ValidationError(f"A code has {CODE_LENGTH} letters and digits.")
        self.invitation = Invitation.objects.filter(code=code).first()
        if self.invitation is None:
            raise forms.ValidationError("No invitation has this code. Check it with your coach.")
        if self.invitation.expires_at <= timezone.now():
            raise forms.ValidationError(
                "This invitation has expired. Ask your coach for a new one."
            )
        return code


class ConsentForm(forms.Form):
    scope = forms.ChoiceField(
        label="What may this coach see?",
        choices=CoachRelationship.Scope.choices,
        widget=forms.RadioSelect,
        initial=CoachRelationship.Scope.ALL,
    )
    assessments = forms.MultipleChoiceField(
        label="The assessments to share",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only submitted assessments can be shared; drafts never are.",
    )

    def __init__(self, *args: Any, assessments: Sequence[Assessment], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assessments"].choices = [
            (str(a.pk), f"{a.role.title}, {a.submitted_at:%d %b %Y}, readiness {a.readiness}")
            for a in assessments
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("scope") == CoachRelationship.Scope.CHOSEN and not data.get("assessments"):
            raise forms.ValidationError("Choose at least one assessment, or share all of them.")
        return data


class NoteForm(forms.Form):
    text = forms.CharField(
        label="Note",
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"null_characters_not_allowed": NULL_CHARACTER_MESSAGE},
    )
    visibility = forms.ChoiceField(
        label="Who sees it",
        choices=CoachNote.Visibility.choices,
        initial=CoachNote.Visibility.PRIVATE,
        widget=forms.RadioSelect,
    )


class ActionItemForm(forms.Form):
    text = forms.CharField(
        label="Action item",
        max_length=ACTION_ITEM_MAX_LENGTH,
        help_text=f"What the client is to do, in up to {ACTION_ITEM_MAX_LENGTH} characters.",
        error_messages={
            "required": "Write what the client is to do before adding it.",
            "null_characters_not_allowed": NULL_CHARACTER_MESSAGE,
        },
    )
    due_date = forms.DateField(
        label="Due (optional)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter the due date as a real date, e.g. 2026-12-24."},
    )


class TimelineNoteForm(NoteForm):
    """A note written from the client's notes timeline: on which of the reports the client
    shares with the coach (the latest by default); any other id is a form error."""

    report = forms.ChoiceField(
        label="On which report",
        error_messages={"invalid_choice": "Choose one of the reports this client shares."},
    )

    def __init__(self, *args: Any, reports: Sequence[Assessment], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reports = {str(a.pk): a for a in reports}
        self.fields["report"].choices = [
            (str(a.pk), f"{a.role.title}, {timezone.localtime(a.submitted_at):%-d %b %Y}")
            for a in reversed(reports)
        ]
        if reports:
            self.fields["report"].initial = str(reports[-1].pk)

    def chosen_report(self) -> Assessment:
        return self.reports[self.cleaned_data["report"]]


class CalibrationForm:
    """Reads `level-<skill slug>` fields; the service checks skills and levels."""

    PREFIX = "level-"

    def __init__(self, data: Any) -> None:
        self.data = data

    def levels(self) -> dict[str, str]:
        return {
            key.removeprefix(self.PREFIX): value.strip()
            for key, value in self.data.items()
            if key.startswith(self.PREFIX)
        }


class TagForm(forms.Form):
    """A tag's name, to add to a client or to rename a tag (the service trims it and
    finds the coach's tag of that name in any case)."""

    name = forms.CharField(
        label="Tag",
        max_length=TAG_MAX_LENGTH,
        error_messages={
            "required": "Give the tag a name.",
            "max_length": f"Keep a tag to {TAG_MAX_LENGTH} characters.",
            "null_characters_not_allowed": NULL_CHARACTER_MESSAGE,
        },
    )
