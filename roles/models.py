"""The role catalogue: tracks, roles, skills, requirements and learning actions."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

LEVEL_MIN, LEVEL_MAX = 1, 5
WEIGHT_MIN, WEIGHT_MAX = 1, 5


class Proficiency(models.IntegerChoices):
    """The one proficiency scale shared by every skill (docs/scoring.md)."""

    NONE = 0, "None"
    AWARENESS = 1, "Awareness"
    WORKING = 2, "Working"
    PRACTITIONER = 3, "Practitioner"
    ADVANCED = 4, "Advanced"
    EXPERT = 5, "Expert"


PROFICIENCY_MEANING = {
    0: "No exposure",
    1: "Knows the concepts, needs guidance",
    2: "Applies it on routine work with some help",
    3: "Works independently on most situations",
    4: "Handles complex cases, guides others",
    5: "Recognised authority, sets direction",
}


class EducationLevel(models.IntegerChoices):
    """Ordered: none < bachelor's < master's < PhD. The slug is the answers-file value."""

    NONE = 0, "No degree"
    BACHELOR = 1, "Bachelor's degree"
    MASTER = 2, "Master's degree"
    PHD = 3, "PhD"


EDUCATION_SLUGS = {
    EducationLevel.NONE: "none",
    EducationLevel.BACHELOR: "bachelor",
    EducationLevel.MASTER: "master",
    EducationLevel.PHD: "phd",
}


class ContentSource(models.TextChoices):
    """Where a catalogue text comes from: the job-market profile the catalogue is built
    on, or an editorial addition (docs: fixtures/catalogue/README.md)."""

    PROFILE = "profile", "From the job-market profile"
    ADAPTED = "adapted", "Adapted from the job-market profile, with editorial examples"
    EDITORIAL = "editorial", "Editorial"
    # Imported frameworks (docs/importing.md): their attribution is part of the label.
    ESCO = "esco", "From ESCO, © European Union"
    ONET = "onet", "From O*NET (USDOL/ETA), CC BY 4.0"


def _source_field(help_text: str) -> models.CharField:
    return models.CharField(
        max_length=20,
        choices=ContentSource.choices,
        default=ContentSource.EDITORIAL,
        help_text=help_text,
    )


def _source_note_field() -> models.TextField:
    return models.TextField(
        blank=True,
        help_text="The job-market profile's wording this text draws on, when it does "
        "(verbatim fragments separated by “; ”).",
    )


def _concept_uri_field() -> models.CharField:
    return models.CharField(
        "framework identifier",
        max_length=255,
        blank=True,
        db_index=True,
        help_text="The ESCO concept URI or O*NET code this entry was imported from; "
        "a re-import finds it by this. Empty for entries written here.",
    )


def _level_validators() -> list:
    return [MinValueValidator(LEVEL_MIN), MaxValueValidator(LEVEL_MAX)]


def _weight_validators() -> list:
    return [MinValueValidator(WEIGHT_MIN), MaxValueValidator(WEIGHT_MAX)]


class Track(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    summary = models.TextField(blank=True)
    is_ladder = models.BooleanField(
        default=True,
        help_text="A ladder's roles are rungs, drawn in rank order. "
        "Untick for a collection of related careers.",
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("roles:track", args=[self.slug])


class CareerDirection(models.Model):
    """A direction a track leads to beyond its rungs: a specialisation or another path."""

    class Kind(models.TextChoices):
        SPECIALISATION = "specialisation", "Specialisation"
        ALTERNATIVE = "alternative", "Alternative path"

    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="directions")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["kind", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["track", "name"], name="direction_unique_per_track"),
        ]

    def __str__(self) -> str:
        return self.name


class RoleQuerySet(models.QuerySet):
    def published(self) -> RoleQuerySet:
        return self.filter(is_published=True)


class Role(models.Model):
    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=255)
    track = models.ForeignKey(Track, on_delete=models.PROTECT, related_name="roles")
    rank = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="Seniority on its track: 1 is the entry rung.",
    )
    summary = models.TextField()
    responsibilities = models.TextField(blank=True, help_text="One responsibility a line.")
    next_roles = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="previous_roles",
        help_text="The roles this one leads to (a branch when there are several).",
    )
    # The rung below on its track's ladder, as the admin chose it: the ladder never
    # depends on which other roles happen to lead here (a copy, a draft, a sibling).
    ladder_previous = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ladder_above",
        verbose_name="rung below",
        help_text="The rung below this one on its track's ladder. Choose it when several "
        "roles of the track lead here; left empty, the one published role of the track "
        "that leads here is the rung below.",
    )
    # New roles start as drafts: nothing reaches a public page until an admin publishes it.
    is_published = models.BooleanField(
        "published",
        default=False,
        help_text="Only published roles appear on public pages, ladders and links.",
    )
    source_note = models.TextField(
        blank=True, help_text="Where this role's content comes from, and what is editorial."
    )
    market_source = models.CharField(max_length=200, blank=True)
    alternative_titles = models.TextField(
        blank=True, help_text="Other names of this role, one a line; the role search finds them."
    )
    attribution = models.CharField(
        max_length=300,
        blank=True,
        help_text="The credit an imported framework asks for, shown on the role page.",
    )
    concept_uri = _concept_uri_field()

    objects = RoleQuerySet.as_manager()

    class Meta:
        ordering = ["track__order", "rank", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rank__gte=1) & Q(rank__lte=20), name="role_rank_1_to_20"
            ),
            models.UniqueConstraint(
                fields=["concept_uri"],
                condition=~Q(concept_uri=""),
                name="role_concept_uri_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("roles:detail", args=[self.slug])

    def responsibility_lines(self) -> list[str]:
        return [line.strip() for line in self.responsibilities.splitlines() if line.strip()]

    def alternative_title_list(self) -> list[str]:
        return [line.strip() for line in self.alternative_titles.splitlines() if line.strip()]

    def clean(self) -> None:
        below = self.ladder_previous
        if below is None:
            return
        if self.track_id is not None and below.track_id != self.track_id:
            raise ValidationError({"ladder_previous": "The rung below must be on the same track."})
        # A strictly lower rank also rules out a chain that loops back on itself.
        if self.rank is not None and below.rank >= self.rank:
            raise ValidationError(
                {"ladder_previous": f"The rung below must rank below {self.rank}."}
            )


class MarketFact(models.Model):
    """Market context for a role (demand, growth, hiring industries), quoted from a source."""

    class Topic(models.TextChoices):
        DEMAND = "demand", "Demand"
        GROWTH = "growth", "Growth"
        INDUSTRIES = "industries", "Hiring industries"
        SKILLS = "skills", "Skills in demand"
        TRENDS = "trends", "Trends"

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="market_facts")
    topic = models.CharField(max_length=20, choices=Topic.choices)
    text = models.CharField(max_length=300)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.text


class SalaryFigure(models.Model):
    """One salary figure: an average, a range, or both, always with its source."""

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="salary_figures")
    label = models.CharField(max_length=120, help_text="e.g. National average, New York, NY")
    average = models.PositiveIntegerField(null=True, blank=True)
    low = models.PositiveIntegerField(null=True, blank=True)
    high = models.PositiveIntegerField(null=True, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    source = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(average__isnull=False) | (Q(low__isnull=False) & Q(high__isnull=False)),
                name="salary_has_average_or_range",
            ),
            models.CheckConstraint(
                condition=Q(low__isnull=True) | Q(high__isnull=True) | Q(low__lte=models.F("high")),
                name="salary_low_not_above_high",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role}: {self.label}"

    def clean(self) -> None:
        if self.average is None and (self.low is None or self.high is None):
            raise ValidationError("Give an average, or both ends of a range.")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValidationError({"high": "The top of the range must not be below its bottom."})


class SkillCategory(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=80, unique=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name_plural = "skill categories"

    def __str__(self) -> str:
        return self.name


def _level_field(level: int) -> models.TextField:
    # Blank for a skill imported from a framework, which describes no levels: the
    # questionnaire then shows the generic scale until an admin writes its own.
    return models.TextField(
        f"Level {level} — {Proficiency(level).label}",
        blank=True,
        help_text=f"Empty: the generic scale (“{PROFICIENCY_MEANING[level]}”).",
    )


class Skill(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=255)
    category = models.ForeignKey(SkillCategory, on_delete=models.PROTECT, related_name="skills")
    description = models.TextField()
    level_1 = _level_field(1)
    level_2 = _level_field(2)
    level_3 = _level_field(3)
    level_4 = _level_field(4)
    level_5 = _level_field(5)
    source = _source_field("Where the description comes from; level descriptions are editorial.")
    source_note = _source_note_field()
    concept_uri = _concept_uri_field()

    class Meta:
        ordering = ["category__order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["concept_uri"],
                condition=~Q(concept_uri=""),
                name="skill_concept_uri_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_own_levels(self) -> bool:
        """Whether an admin described every level for this skill (else the generic scale)."""
        return all(getattr(self, f"level_{level}").strip() for level in range(1, 6))

    def level_descriptions(self) -> dict[int, str]:
        """What each level 0–5 looks like for this skill (level 0 is the same for all); a
        level not described for this skill falls back to the generic scale."""
        return {0: PROFICIENCY_MEANING[0]} | {
            level: getattr(self, f"level_{level}").strip() or PROFICIENCY_MEANING[level]
            for level in range(1, 6)
        }


class SkillRequirement(models.Model):
    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="skill_requirements")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="requirements")
    level = models.PositiveSmallIntegerField(
        choices=[(v, label) for v, label in Proficiency.choices if v >= LEVEL_MIN],
        validators=_level_validators(),
    )
    weight = models.PositiveSmallIntegerField(validators=_weight_validators(), default=3)
    essential = models.BooleanField(default=False)
    # What the last framework import set, for a requirement it made: `import_* --update`
    # changes a value only while it still equals this, so an admin's edit is kept.
    imported_level = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    imported_weight = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    imported_essential = models.BooleanField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["skill__category__order", "skill__name"]
        constraints = [
            models.UniqueConstraint(fields=["role", "skill"], name="skill_requirement_unique"),
            models.CheckConstraint(
                condition=Q(level__gte=LEVEL_MIN) & Q(level__lte=LEVEL_MAX),
                name="skill_requirement_level_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=WEIGHT_MIN) & Q(weight__lte=WEIGHT_MAX),
                name="skill_requirement_weight_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.skill} at {self.get_level_display()}"


class ExperienceRequirement(models.Model):
    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="experience_requirements")
    slug = models.SlugField(help_text="The kind of experience; shared by rungs that ask for it.")
    name = models.CharField(max_length=160)
    years = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    weight = models.PositiveSmallIntegerField(validators=_weight_validators(), default=3)
    essential = models.BooleanField(default=False)

    class Meta:
        ordering = ["-weight", "name"]
        constraints = [
            models.UniqueConstraint(fields=["role", "slug"], name="experience_requirement_unique"),
            models.CheckConstraint(
                condition=Q(years__gte=1) & Q(years__lte=60),
                name="experience_requirement_years_1_to_60",
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=WEIGHT_MIN) & Q(weight__lte=WEIGHT_MAX),
                name="experience_requirement_weight_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.years}+ years {self.name}"


class EducationRequirement(models.Model):
    role = models.OneToOneField(
        Role, on_delete=models.CASCADE, related_name="education_requirement"
    )
    level = models.PositiveSmallIntegerField(
        choices=[(v, label) for v, label in EducationLevel.choices if v > 0],
    )
    weight = models.PositiveSmallIntegerField(validators=_weight_validators(), default=2)
    essential = models.BooleanField(default=False)
    note = models.CharField(max_length=200, blank=True, help_text="e.g. fields of study")
    # An alternative route: a lower degree, accepted together with enough years of one of
    # the role's experience requirements ("B.S. with 10+ years, or M.S. with 8+").
    alternative_level = models.PositiveSmallIntegerField(
        choices=[(v, label) for v, label in EducationLevel.choices if 0 < v < EducationLevel.PHD],
        null=True,
        blank=True,
        help_text="A lower degree also accepted, with the years below.",
    )
    alternative_experience_slug = models.SlugField(
        blank=True,
        help_text="The slug of this role's experience requirement those years are of.",
    )
    alternative_years = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(level__gte=1) & Q(level__lte=3), name="education_requirement_level"
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=WEIGHT_MIN) & Q(weight__lte=WEIGHT_MAX),
                name="education_requirement_weight_1_to_5",
            ),
            models.CheckConstraint(
                condition=(
                    Q(alternative_level__isnull=True)
                    & Q(alternative_years__isnull=True)
                    & Q(alternative_experience_slug="")
                )
                | (
                    Q(alternative_level__lt=models.F("level"))
                    & Q(alternative_years__gte=1)
                    & Q(alternative_years__lte=60)
                    & ~Q(alternative_experience_slug="")
                ),
                name="education_alternative_complete_and_lower",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} or higher"

    @property
    def has_alternative(self) -> bool:
        return self.alternative_level is not None

    def clean(self) -> None:
        given = [
            self.alternative_level is not None,
            bool(self.alternative_experience_slug),
            self.alternative_years is not None,
        ]
        if any(given) and not all(given):
            raise ValidationError(
                "An alternative route needs all three: a degree, an experience slug and years."
            )
        if not any(given):
            return
        if self.level is not None and self.alternative_level >= self.level:
            raise ValidationError(
                {"alternative_level": "The alternative degree must be below the main one."}
            )
        # Only a saved role has experience requirements to check against; a new role's
        # inlines are saved after this form, and the database cannot check a slug.
        if self.role_id is not None:
            slugs = set(
                ExperienceRequirement.objects.filter(role_id=self.role_id).values_list(
                    "slug", flat=True
                )
            )
            if self.alternative_experience_slug not in slugs:
                raise ValidationError(
                    {
                        "alternative_experience_slug": (
                            f"This role has no experience requirement "
                            f"“{self.alternative_experience_slug}”: save it first, then "
                            "name it here."
                        )
                    }
                )

    def alternative_route(self) -> str:
        """The routes in words, e.g. "Master's degree with 8+ years of X, or Bachelor's
        degree with 10+ years". Reads the role's experience requirements (prefetch them)."""
        if not self.has_alternative:
            return ""
        experience = next(
            (
                e
                for e in self.role.experience_requirements.all()
                if e.slug == self.alternative_experience_slug
            ),
            None,
        )
        alternative_level = EducationLevel(self.alternative_level).label
        alternative = f"{alternative_level} with {self.alternative_years}+ years"
        if experience is None:
            return f"{self.get_level_display()}, or {alternative} of experience"
        return (
            f"{self.get_level_display()} with {experience.years}+ years of {experience.name}, "
            f"or {alternative}"
        )


class LearningAction(models.Model):
    class Kind(models.TextChoices):
        COURSE = "course", "Course"
        PROJECT = "project", "Project"
        MENTORING = "mentoring", "Mentoring"
        READING = "reading", "Reading"
        CERTIFICATION = "certification", "Certification"

    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="learning_actions")
    from_level = models.PositiveSmallIntegerField(
        choices=Proficiency.choices[:-1], validators=[MaxValueValidator(4)]
    )
    to_level = models.PositiveSmallIntegerField(
        choices=Proficiency.choices[1:], validators=_level_validators()
    )
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    description = models.TextField(blank=True)
    effort_weeks = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(104)]
    )
    url = models.URLField(blank=True)
    source = _source_field("Where this action comes from.")
    source_note = _source_note_field()

    class Meta:
        ordering = ["skill__name", "from_level", "effort_weeks", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(from_level__gte=0) & Q(from_level__lte=4),
                name="action_from_level_0_to_4",
            ),
            models.CheckConstraint(
                condition=Q(to_level__lte=LEVEL_MAX) & Q(to_level__gt=models.F("from_level")),
                name="action_raises_level",
            ),
            models.CheckConstraint(
                condition=Q(effort_weeks__gte=1) & Q(effort_weeks__lte=104),
                name="action_effort_1_to_104_weeks",
            ),
            models.UniqueConstraint(
                fields=["skill", "from_level", "title"], name="action_unique_title_per_step"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.from_level}→{self.to_level})"

    def clean(self) -> None:
        if (
            self.from_level is not None
            and self.to_level is not None
            and self.to_level <= self.from_level
        ):
            raise ValidationError({"to_level": "The target level must be above the start."})


class FrameworkUpload(models.Model):
    """Framework files an admin uploaded, kept between choosing occupations, the preview
    and the import (in the database, so any app server can take the next step)."""

    class Framework(models.TextChoices):
        ESCO = "esco", "ESCO (CSV download)"
        ONET = "onet", "O*NET (database text files)"

    framework = models.CharField(max_length=10, choices=Framework.choices)
    archive = models.BinaryField(help_text="The uploaded files, as one zip.")
    file_names = models.CharField(max_length=500)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.get_framework_display()}: {self.file_names}"
