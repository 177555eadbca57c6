"""Django admin for the role catalogue: where staff edit tracks, roles, skills and actions."""

from __future__ import annotations

from typing import Any, TypeVar

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, ForeignKey, ManyToManyField, Model, Q, QuerySet, URLField
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.text import get_text_list, smart_split, unescape_string_literal
from django.utils.translation import ngettext

from roles.forms import FrameworkImportForm, FrameworkUploadForm
from roles.importers.framework import FrameworkFiles, ImportRefused, OccupationEntry
from roles.importers.kinds import KINDS
from roles.models import (
    LEVEL_MAX,
    LEVEL_MIN,
    WEIGHT_MAX,
    WEIGHT_MIN,
    CareerDirection,
    EducationRequirement,
    ExperienceRequirement,
    FrameworkUpload,
    LearningAction,
    MarketFact,
    Proficiency,
    Role,
    SalaryFigure,
    Skill,
    SkillCategory,
    SkillRequirement,
    Track,
)
from roles.services import (
    branch_problem,
    framework_import,
    framework_upload_files,
    framework_upload_save,
    role_duplicate,
)

LEVEL_OUT_OF_RANGE = (
    f"Level must be between {LEVEL_MIN} ({Proficiency(LEVEL_MIN).label}) "
    f"and {LEVEL_MAX} ({Proficiency(LEVEL_MAX).label})."
)
WEIGHT_OUT_OF_RANGE = f"Weight (importance) must be between {WEIGHT_MIN} and {WEIGHT_MAX}."

# The model validators' stock wording ("Ensure this value is less than or equal to 5.")
# does not say what the scale is; these codes cover both the form field's own checks and
# the model validators that ModelForm runs after it.
_WEIGHT_ERRORS = {"min_value": WEIGHT_OUT_OF_RANGE, "max_value": WEIGHT_OUT_OF_RANGE}
# A level outside 1 to 5 never reaches the model validators: it is not one of the field's
# choices, so the select field refuses it first.
_LEVEL_ERRORS = {"invalid_choice": LEVEL_OUT_OF_RANGE}
# A bare "coursera.org/…" becomes https://, as Django 6 will do by default.
_HTTPS_URLS = {URLField: {"assume_scheme": "https"}}


M = TypeVar("M", bound=Model)


def _with_counts(queryset: QuerySet[M], **counts: Count) -> QuerySet[M]:
    """`queryset` annotated with `counts`, still in the model's catalogue order."""
    # An aggregate makes the query GROUP BY, and Django then drops Meta.ordering: restate
    # it, or autocomplete, actions and change pages would see rows in arbitrary order.
    annotated = queryset.annotate(**counts)
    return annotated if annotated.ordered else annotated.order_by(*queryset.model._meta.ordering)


# --- forms ------------------------------------------------------------------------------


class PreloadedAutocompleteSelect(AutocompleteSelect):
    """An autocomplete that labels its selected option from an object already loaded.

    The stock widget runs one query per rendered row to label the selection; on a role
    with fifty skills that is fifty queries. The row's form hands over the skill it
    loaded with its requirement instead (see `SkillRequirementForm`).
    """

    preloaded: Model | None = None

    def optgroups(self, name: str, value: list[Any], attrs: Any = None) -> list[Any]:
        known = self.preloaded
        if known is None or [str(v) for v in value] != [str(known.pk)]:
            return super().optgroups(name, value, attrs)
        label = self.choices.field.label_from_instance(known)
        options = [] if self.is_required else [self.create_option(name, "", "", False, 0)]
        options.append(self.create_option(name, known.pk, label, True, len(options)))
        return [(None, options, 0)]


class SkillRequirementForm(forms.ModelForm):
    class Meta:
        model = SkillRequirement
        fields = ("skill", "level", "weight", "essential")
        error_messages = {"level": _LEVEL_ERRORS, "weight": _WEIGHT_ERRORS}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        widget = self.fields["skill"].widget
        widget = getattr(widget, "widget", widget)  # inside the admin's add/change wrapper
        if isinstance(widget, PreloadedAutocompleteSelect) and self.instance.skill_id:
            widget.preloaded = self.instance.skill


class ExperienceRequirementForm(forms.ModelForm):
    class Meta:
        model = ExperienceRequirement
        fields = ("name", "slug", "years", "weight", "essential")
        error_messages = {"weight": _WEIGHT_ERRORS}


class EducationRequirementForm(forms.ModelForm):
    class Meta:
        model = EducationRequirement
        fields = (
            "level",
            "weight",
            "essential",
            "note",
            "alternative_level",
            "alternative_experience_slug",
            "alternative_years",
        )
        error_messages = {"weight": _WEIGHT_ERRORS}


class RoleAdminForm(forms.ModelForm):
    class Meta:
        model = Role
        fields = (
            "title",
            "slug",
            "track",
            "rank",
            "is_published",
            "summary",
            "responsibilities",
            "ladder_previous",
            "next_roles",
            "source_note",
            "market_source",
            "alternative_titles",
            "attribution",
            "concept_uri",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["ladder_previous"]
        # A saved role offers the other roles of its track; the model checks the track
        # and rank again on save, whatever was posted.
        roles = Role.objects.select_related("track").order_by("rank", "title")
        if self.instance.pk is not None:
            roles = roles.filter(track_id=self.instance.track_id).exclude(pk=self.instance.pk)
        field.queryset = roles
        field.label_from_instance = _rung_label
        # The picker searches every role; one of another track is refused on save.
        field.error_messages["invalid_choice"] = (
            "Choose a role of this role's track, ranked below it."
        )

    def clean_next_roles(self) -> QuerySet[Role]:
        # The instance still holds the saved role here (the form copies its data onto it
        # only after clean()), which is what the branching graph in the database knows.
        next_roles = self.cleaned_data["next_roles"]
        problem = branch_problem(self.instance, next_roles)
        if problem:
            raise ValidationError(problem, code="branch")
        return next_roles


# --- inlines ----------------------------------------------------------------------------


class CareerDirectionInline(admin.TabularInline):
    model = CareerDirection
    fields = ("kind", "name", "description", "order")
    extra = 0


class SkillRequirementInline(admin.TabularInline):
    model = SkillRequirement
    form = SkillRequirementForm
    autocomplete_fields = ("skill",)
    extra = 1

    def get_queryset(self, request: HttpRequest) -> QuerySet[SkillRequirement]:
        # Each row shows its skill (the row title and the picker's selection).
        return super().get_queryset(request).select_related("skill")

    def formfield_for_foreignkey(
        self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField | None:
        if db_field.name == "skill":
            kwargs["widget"] = PreloadedAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ExperienceRequirementInline(admin.TabularInline):
    model = ExperienceRequirement
    form = ExperienceRequirementForm
    prepopulated_fields = {"slug": ("name",)}
    extra = 0


class EducationRequirementInline(admin.TabularInline):
    model = EducationRequirement
    form = EducationRequirementForm
    extra = 0


class SalaryFigureInline(admin.TabularInline):
    model = SalaryFigure
    fields = ("label", "average", "low", "high", "currency", "source", "order")
    extra = 0


class MarketFactInline(admin.TabularInline):
    model = MarketFact
    fields = ("topic", "text", "order")
    extra = 0


class LearningActionInline(admin.TabularInline):
    model = LearningAction
    fields = ("from_level", "to_level", "title", "kind", "effort_weeks", "url", "source")
    formfield_overrides = _HTTPS_URLS
    extra = 0


# --- model admins -----------------------------------------------------------------------


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "is_ladder", "order", "role_count")
    list_editable = ("order",)
    list_filter = ("is_ladder",)
    search_fields = ("name", "slug", "summary")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (CareerDirectionInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Track]:
        return _with_counts(super().get_queryset(request), role_total=Count("roles"))

    @admin.display(description="roles", ordering="role_total")
    def role_count(self, track: Track) -> int:
        return track.role_total


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    form = RoleAdminForm
    list_display = ("title", "track", "rank", "is_published", "skill_count")
    list_display_links = ("title",)
    list_editable = ("is_published",)
    list_filter = ("track", "is_published")
    list_select_related = ("track",)
    # Also by the name of a skill the role asks for: see get_search_results.
    search_fields = ("title", "slug", "summary", "alternative_titles")
    change_list_template = "admin/roles/role/change_list.html"
    prepopulated_fields = {"slug": ("title",)}
    # Searched as they are typed: an imported catalogue has hundreds of roles, too many
    # for a list to scroll through (and each would be rendered with every change page).
    autocomplete_fields = ("ladder_previous", "next_roles")
    fieldsets = (
        (None, {"fields": ("title", "slug", "track", "rank", "is_published")}),
        ("Content", {"fields": ("summary", "responsibilities")}),
        ("Ladder and branching", {"fields": ("ladder_previous", "next_roles")}),
        ("Other titles", {"fields": ("alternative_titles",)}),
        (
            "Sources",
            {
                "fields": ("source_note", "market_source", "attribution", "concept_uri"),
                "classes": ("collapse",),
            },
        ),
    )
    inlines = (
        SkillRequirementInline,
        ExperienceRequirementInline,
        EducationRequirementInline,
        SalaryFigureInline,
        MarketFactInline,
    )
    actions = ("publish", "unpublish", "duplicate")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Role]:
        return _with_counts(super().get_queryset(request), skill_total=Count("skill_requirements"))

    def formfield_for_manytomany(
        self, db_field: ManyToManyField, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelMultipleChoiceField | None:
        if db_field.name == "next_roles":
            # Titles repeat across tracks ("Senior Engineer"), so the picker names the track.
            kwargs["queryset"] = Role.objects.select_related("track")
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and db_field.name == "next_roles":
            field.label_from_instance = _role_with_track
        return field

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Role], search_term: str
    ) -> tuple[QuerySet[Role], bool]:
        """Every word must be in the title, slug or summary, or name a skill the role asks
        for. Skills are matched in a subquery: a join would repeat a role once per matching
        skill and multiply its skill count."""
        for word in smart_split(search_term):
            if word[0] in "\"'" and word[0] == word[-1]:
                word = unescape_string_literal(word)
            by_skill = SkillRequirement.objects.filter(skill__name__icontains=word)
            queryset = queryset.filter(
                Q(title__icontains=word)
                | Q(slug__icontains=word)
                | Q(summary__icontains=word)
                | Q(alternative_titles__icontains=word)
                | Q(pk__in=by_skill.values("role_id"))
            )
        return queryset, False

    # --- importing a framework: upload, choose, preview, import (docs/importing.md) ----

    def get_urls(self) -> list[URLPattern]:
        def view(function: Any) -> Any:
            return self.admin_site.admin_view(function)

        return [
            path("import/", view(self.import_upload), name="roles_role_import"),
            path(
                "import/<int:upload_id>/",
                view(self.import_choose),
                name="roles_role_import_choose",
            ),
            path(
                "import/<int:upload_id>/preview/",
                view(self.import_preview),
                name="roles_role_import_preview",
            ),
            path(
                "import/<int:upload_id>/run/",
                view(self.import_run),
                name="roles_role_import_run",
            ),
            *super().get_urls(),
        ]

    def _import_context(self, request: HttpRequest, title: str, **extra: Any) -> dict[str, Any]:
        if not self.has_add_permission(request):
            raise PermissionDenied
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            **extra,
        }

    def import_upload(self, request: HttpRequest) -> HttpResponse:
        context = self._import_context(request, "Import occupations from ESCO or O*NET")
        form = FrameworkUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = _saved_upload(request, form)
            if upload is not None:
                return HttpResponseRedirect(
                    reverse("admin:roles_role_import_choose", args=[upload.pk])
                )
        context["form"] = form
        return TemplateResponse(request, "admin/roles/import_upload.html", context)

    def import_choose(
        self, request: HttpRequest, upload_id: int, form: FrameworkImportForm | None = None
    ) -> HttpResponse:
        """The occupations matching a search, to tick. A search is posted with the form
        (its Search button), so what was ticked in earlier searches stays ticked; so does
        "Back to the choice" from the preview."""
        upload = get_object_or_404(FrameworkUpload, pk=upload_id)
        context = self._import_context(request, "Choose the occupations to import")
        entries = _upload_entries(upload)
        query = (request.GET.get("q") or request.POST.get("q") or "").strip()
        found = _matching(entries, query)
        shown = found[:MAX_OCCUPATIONS_SHOWN]
        if form is None:
            form = _import_form(None, entries, initial=_choices_so_far(request, entries))
        ticked = set(form["occupations"].value() or ())
        shown_uris = {entry.uri for entry in shown}
        context |= {
            "upload": upload,
            "query": query,
            "shown": shown,
            # Ticked before and not among this search's results: still listed, ticked.
            "ticked_elsewhere": [e for e in entries if e.uri in ticked and e.uri not in shown_uris],
            "ticked": ticked,
            "found": len(found),
            "total": len(entries),
            "form": form,
            "is_esco": upload.framework == "esco",
        }
        return TemplateResponse(request, "admin/roles/import_choose.html", context)

    def import_preview(self, request: HttpRequest, upload_id: int) -> HttpResponse:
        return self._import(request, upload_id, preview=True)

    def import_run(self, request: HttpRequest, upload_id: int) -> HttpResponse:
        return self._import(request, upload_id, preview=False)

    def _import(self, request: HttpRequest, upload_id: int, *, preview: bool) -> HttpResponse:
        upload = get_object_or_404(FrameworkUpload, pk=upload_id)
        self._import_context(request, "")  # the permission check
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:roles_role_import_choose", args=[upload.pk]))
        form = _import_form(request.POST, _upload_entries(upload))
        if not form.is_valid():
            return self.import_choose(request, upload_id, form=form)
        try:
            result = _framework_import(upload, form, preview=preview)
        except ImportRefused as exc:
            form.add_error(None, f"Nothing imported: {exc}")
            return self.import_choose(request, upload_id, form=form)
        if preview:
            context = self._import_context(
                request, "Preview the import", upload=upload, form=form, result=result
            )
            return TemplateResponse(request, "admin/roles/import_preview.html", context)
        self.message_user(
            request,
            f"Imported: {result.summary()}. The roles are unpublished: review their levels "
            "and weights, then publish them.",
            messages.SUCCESS,
        )
        roles = [o.role_id for o in result.occupations if o.role_id is not None]
        if len(roles) == 1:
            return HttpResponseRedirect(reverse("admin:roles_role_change", args=roles))
        drafts = reverse("admin:roles_role_changelist") + "?is_published__exact=0"
        return HttpResponseRedirect(drafts)

    @admin.display(description="skills", ordering="skill_total")
    def skill_count(self, role: Role) -> int:
        return role.skill_total

    @admin.action(description="Publish selected roles", permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Role]) -> None:
        count = _set_published(queryset, published=True)
        message = ngettext("Published %d role.", "Published %d roles.", count) % count
        self.message_user(request, message, messages.SUCCESS)

    @admin.action(description="Unpublish selected roles", permissions=["change"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Role]) -> None:
        count = _set_published(queryset, published=False)
        message = ngettext("Unpublished %d role.", "Unpublished %d roles.", count) % count
        self.message_user(request, message, messages.SUCCESS)

    @admin.action(
        description="Duplicate selected roles with their requirements", permissions=["add"]
    )
    def duplicate(self, request: HttpRequest, queryset: QuerySet[Role]) -> None:
        copies = [role_duplicate(role=role) for role in queryset]
        slugs = get_text_list([copy.slug for copy in copies], "and")
        message = ngettext(
            "Created %(count)d unpublished copy: %(slugs)s.",
            "Created %(count)d unpublished copies: %(slugs)s.",
            len(copies),
        ) % {"count": len(copies), "slugs": slugs}
        self.message_user(request, message, messages.SUCCESS)


# The choosing page lists this many occupations at most; a search narrows them down.
MAX_OCCUPATIONS_SHOWN = 50


def _saved_upload(request: HttpRequest, form: FrameworkUploadForm) -> FrameworkUpload | None:
    """The upload kept for the next steps, or None with the problem added to the form."""
    framework = form.cleaned_data["framework"]
    kind = KINDS[framework]
    try:
        files = FrameworkFiles.from_uploads({f.name: f.read() for f in form.cleaned_data["files"]})
        missing = kind.missing(files)
        if missing:
            form.add_error("files", f"Missing for {kind.framework.name}: {', '.join(missing)}.")
            return None
        kind.occupations(files)  # the occupations file must at least be readable
    except ImportRefused as exc:
        form.add_error("files", str(exc))
        return None
    return framework_upload_save(framework=framework, files=files, user=request.user)


def _upload_entries(upload: FrameworkUpload) -> list[OccupationEntry]:
    return KINDS[upload.framework].occupations(framework_upload_files(upload))


def _matching(entries: list[OccupationEntry], query: str) -> list[OccupationEntry]:
    """Occupations with every word of `query` in their title, other titles or code."""
    words = query.lower().split()
    return [
        entry
        for entry in entries
        if all(
            any(word in text.lower() for text in (entry.title, entry.code, *entry.alt_titles))
            for word in words
        )
    ]


def _import_form(
    data: Any, entries: list[OccupationEntry], *, initial: dict[str, Any] | None = None
) -> FrameworkImportForm:
    return FrameworkImportForm(data, initial=initial, choices=[(e.uri, e.title) for e in entries])


def _choices_so_far(request: HttpRequest, entries: list[OccupationEntry]) -> dict[str, Any]:
    """What a posted search or "Back to the choice" carries: the occupations ticked so
    far (those in the files) and the other choices, to show again as they were."""
    if request.method != "POST":
        return {}
    known = {entry.uri for entry in entries}
    post = request.POST
    return {
        "occupations": [uri for uri in post.getlist("occupations") if uri in known],
        "track": post.get("track") or None,
        "new_track": post.get("new_track", ""),
        "optional": bool(post.get("optional")),
        "update": bool(post.get("update")),
    }


def _framework_import(upload: FrameworkUpload, form: FrameworkImportForm, *, preview: bool) -> Any:
    kind = KINDS[upload.framework]
    occupations = kind.read(
        framework_upload_files(upload),
        form.cleaned_data["occupations"],
        optional=form.cleaned_data["optional"],
    )
    return framework_import(
        framework=kind.framework,
        columns=kind.columns,
        occupations=occupations,
        track=form.cleaned_data["track"],
        new_track=form.cleaned_data["new_track"],
        update=form.cleaned_data["update"],
        preview=preview,
    )


@transaction.atomic
def _set_published(roles: QuerySet[Role], *, published: bool) -> int:
    # Saved one by one rather than with update(): only a save sends the signals on which
    # cached public pages are renewed, and an unpublished role must vanish from them now.
    changed = list(roles.exclude(is_published=published))
    for role in changed:
        role.is_published = published
        role.save(update_fields=["is_published"])
    return roles.count()


def _role_with_track(role: Role) -> str:
    return f"{role.title} ({role.track.name})"


def _rung_label(role: Role) -> str:
    draft = "" if role.is_published else ", unpublished"
    return f"{role.title} (rung {role.rank} of {role.track.name}{draft})"


@admin.register(SkillCategory)
class SkillCategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "order", "skill_count")
    list_editable = ("order",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request: HttpRequest) -> QuerySet[SkillCategory]:
        return _with_counts(super().get_queryset(request), skill_total=Count("skills"))

    @admin.display(description="skills", ordering="skill_total")
    def skill_count(self, category: SkillCategory) -> int:
        return category.skill_total


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ("name", "category", "slug", "role_count", "action_count")
    list_filter = ("category", "source")
    list_select_related = ("category",)
    # Also what the skill picker on the role page searches (autocomplete_fields).
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}
    fieldsets = (
        (None, {"fields": ("name", "slug", "category", "description")}),
        ("Source", {"fields": ("source", "source_note", "concept_uri")}),
        (
            "What each level looks like",
            {
                "fields": ("level_1", "level_2", "level_3", "level_4", "level_5"),
                "description": "Levels left empty show the generic scale's meaning. Skills "
                "imported from a framework start that way.",
            },
        ),
    )
    inlines = (LearningActionInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Skill]:
        # distinct: two joins to count over, and each would multiply the other's rows.
        return _with_counts(
            super().get_queryset(request),
            role_total=Count("requirements", distinct=True),
            action_total=Count("learning_actions", distinct=True),
        )

    @admin.display(description="required by roles", ordering="role_total")
    def role_count(self, skill: Skill) -> int:
        return skill.role_total

    @admin.display(description="learning actions", ordering="action_total")
    def action_count(self, skill: Skill) -> int:
        return skill.action_total


@admin.register(LearningAction)
class LearningActionAdmin(admin.ModelAdmin):
    list_display = ("title", "skill", "kind", "from_level", "to_level", "effort_weeks", "source")
    list_filter = ("kind", "source", "skill__category", "from_level")
    list_select_related = ("skill",)
    search_fields = ("title", "description", "skill__name")
    autocomplete_fields = ("skill",)
    formfield_overrides = _HTTPS_URLS
