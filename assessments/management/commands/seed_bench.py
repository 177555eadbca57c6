"""Data for `make bench`: users with submitted assessments and a coach with many clients,
made through the app's own services, so the rows are the ones real use leaves behind.

Safe to rerun: each user is complete (consent given, assessments submitted) or is
completed on the next run; nothing is made twice. It needs the catalogue loaded.
"""

from __future__ import annotations

import random
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from assessments.models import Assessment
from assessments.questionnaire import questionnaire_for
from assessments.services import Owner, answers_save_all, assessment_start, assessment_submit
from coaching.models import COACHES_GROUP, CoachRelationship, Invitation
from coaching.services import invitation_accept
from roles.models import Role

COACH_EMAIL = "bench-coach@example.com"
OWNER_EMAIL = "bench-0000@example.com"  # the user whose report and draft the bench reads
DRAFT_ROLE = "ml-team-lead"


def bench_email(n: int) -> str:
    return f"bench-{n:04}@example.com"


class Command(BaseCommand):
    help = (
        "Make the benchmark's data: USERS users with ASSESSMENTS submitted assessments each, "
        "all clients of one coach, and a draft for the first user. Rerunning completes it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--users", type=int, default=1000)
        parser.add_argument("--assessments", type=int, default=5, help="submitted, per user")

    def handle(self, *args: Any, **options: Any) -> None:
        roles = list(Role.objects.published().select_related("track").order_by("pk"))
        if not roles:
            raise CommandError("No published role: run `manage.py load_catalogue` first.")
        coach = self._coach()
        users, per_user = options["users"], options["assessments"]
        made = 0
        for n in range(users):
            made += self._user(n, coach=coach, roles=roles, count=per_user)
            if (n + 1) % 100 == 0:
                self.stdout.write(f"  {n + 1} of {users} users ready")
        self._draft()
        clients = CoachRelationship.objects.active().filter(coach=coach).count()
        submitted = Assessment.objects.submitted().filter(owner__email__startswith="bench-").count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Bench data: {users} users, {submitted} submitted assessments "
                f"({made} made now), a coach with {clients} clients."
            )
        )

    def _coach(self) -> Any:
        coach, _ = get_user_model().objects.get_or_create(
            username=COACH_EMAIL, defaults={"email": COACH_EMAIL, "first_name": "Bench"}
        )
        coach.groups.add(Group.objects.get_or_create(name=COACHES_GROUP)[0])
        return coach

    @transaction.atomic
    def _user(self, n: int, *, coach: Any, roles: list[Role], count: int) -> int:
        email = bench_email(n)
        # No password: hashing a thousand costs minutes, and the bench logs in by session.
        user, created = get_user_model().objects.get_or_create(
            username=email, defaults={"email": email}
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        if not CoachRelationship.objects.active().filter(coach=coach, client=user).exists():
            invitation = Invitation.objects.create(coach=coach)
            invitation_accept(invitation_id=invitation.pk, client=user, scope="all")
        done = Assessment.objects.submitted().filter(owner=user).count()
        rng = random.Random(n)
        for k in range(done, count):
            # Mostly the ladder's upper rungs, as people aim one or two steps up.
            role = roles[(n + k * 3) % len(roles)]
            self._submitted(user, role, rng)
        return max(0, count - done)

    def _submitted(self, user: Any, role: Role, rng: random.Random) -> Assessment:
        draft, _ = assessment_start(owner=Owner(user=user), role=role)
        questionnaire = questionnaire_for(role)
        data = {q.key: str(rng.randint(0, 5)) for q in questionnaire.skill_questions.values()}
        data |= {q.key: str(rng.randint(0, 16) / 2) for q in questionnaire.experience}
        data["education"] = rng.choice(("none", "bachelor", "master", "phd"))
        # The full-form save is the same service the no-JavaScript page posts to.
        errors = answers_save_all(assessment_id=draft.pk, data=data)
        if errors:
            raise CommandError(f"bench answers rejected: {errors}")
        return assessment_submit(assessment_id=draft.pk)

    def _draft(self) -> None:
        """The first user's draft (half answered): the questionnaire and autosave bench."""
        user = get_user_model().objects.get(username=OWNER_EMAIL)
        role = Role.objects.get(slug=DRAFT_ROLE)
        draft, created = assessment_start(owner=Owner(user=user), role=role)
        if created:
            questionnaire = questionnaire_for(role)
            keys = [q.key for q in questionnaire.skill_questions.values()]
            answers_save_all(
                assessment_id=draft.pk, data={key: "2" for key in keys[: len(keys) // 2]}
            )
