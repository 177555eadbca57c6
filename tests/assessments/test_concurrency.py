"""Concurrent saves, submissions and starts against the real database.

Every worker runs in its own thread, so on its own database connection (closed when the
thread ends, so PostgreSQL can drop the test database). The workers of one round wait on a
Barrier and then go at once; nothing here sleeps to synchronise. On SQLite the tests use a
file database (see settings), so the threads really contend for its write lock.
"""

from __future__ import annotations

import threading
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.urls import reverse
from django.utils.crypto import get_random_string

from assessments import services
from assessments.models import Assessment, ExperienceAnswer, SkillAnswer
from assessments.questionnaire import ParsedAnswer, Questionnaire, questionnaire_for
from assessments.scoring import EDUCATION_ORDER
from assessments.services import (
    AlreadySubmitted,
    Owner,
    answer_save,
    assessment_start,
    assessment_submit,
)
from assessments.views import VISITOR_SESSION_KEY
from roles.models import Role, Skill
from tests.concurrency import BARRIER_TIMEOUT, run_together
from tests.factories import make_category, make_role, make_skill

pytestmark = pytest.mark.django_db(transaction=True)


# A save is a question key with its raw value, as the form posts it.
Save = tuple[str, str]
AnswerKey = tuple[str, str]  # (kind, slug) as ParsedAnswer names a question


@pytest.fixture
def lock_order(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[AnswerKey, Any]]]:
    """The answers stored, in the order their saves held the assessment's lock.

    Recording after `answer_save` returns could list two near-simultaneous saves in the
    opposite order to their commits. `_store` runs while the save holds the lock (the row
    lock on PostgreSQL, the write lock on SQLite) until its commit, so the order recorded
    there is the commit order, and the last save recorded for a question is the one whose
    value must remain.
    """
    order: list[tuple[AnswerKey, Any]] = []
    guard = threading.Lock()
    store = services._store

    def recording_store(
        assessment: Assessment, answer: ParsedAnswer, questionnaire: Questionnaire
    ) -> None:
        store(assessment, answer, questionnaire)
        with guard:
            order.append(((answer.kind, answer.slug), answer.value))

    monkeypatch.setattr(services, "_store", recording_store)
    return order


# Test-only triggers that log each stored answer with a sequence number. They run inside
# the statement that stores the answer, after it took the assessment's row lock and before
# its commit, so the sequence gives the commit order of saves of one assessment, whichever
# way the view saved them (one statement, or `_store` in a transaction).
_LOG_TRIGGERS = """
CREATE TABLE test_answer_log (seq bigserial PRIMARY KEY, kind text, slug text, value text);
CREATE FUNCTION test_log_skill() RETURNS trigger AS $$ BEGIN
  INSERT INTO test_answer_log (kind, slug, value)
  SELECT 'skill', s.slug, NEW.level::text FROM {skill} s WHERE s.id = NEW.skill_id;
  RETURN NEW; END $$ LANGUAGE plpgsql;
CREATE FUNCTION test_log_experience() RETURNS trigger AS $$ BEGIN
  INSERT INTO test_answer_log (kind, slug, value) VALUES ('experience', NEW.slug, NEW.years::text);
  RETURN NEW; END $$ LANGUAGE plpgsql;
CREATE FUNCTION test_log_education() RETURNS trigger AS $$ BEGIN
  INSERT INTO test_answer_log (kind, slug, value)
  VALUES ('education', 'education', NEW.education::text);
  RETURN NEW; END $$ LANGUAGE plpgsql;
CREATE TRIGGER test_log_skill AFTER INSERT OR UPDATE OF level ON {skill_answer}
  FOR EACH ROW EXECUTE FUNCTION test_log_skill();
CREATE TRIGGER test_log_experience AFTER INSERT OR UPDATE OF years ON {experience_answer}
  FOR EACH ROW EXECUTE FUNCTION test_log_experience();
CREATE TRIGGER test_log_education AFTER UPDATE OF education ON {assessment}
  FOR EACH ROW EXECUTE FUNCTION test_log_education();
"""
_DROP_LOG_TRIGGERS = """
DROP TRIGGER test_log_skill ON {skill_answer};
DROP TRIGGER test_log_experience ON {experience_answer};
DROP TRIGGER test_log_education ON {assessment};
DROP FUNCTION test_log_skill(); DROP FUNCTION test_log_experience();
DROP FUNCTION test_log_education(); DROP TABLE test_answer_log;
"""


def _logged_value(kind: str, value: str) -> Any:
    if kind == "skill":
        return int(value)
    if kind == "experience":
        return Decimal(value)
    return EDUCATION_ORDER[int(value)]


@pytest.fixture
def commit_order(
    lock_order: list[tuple[AnswerKey, Any]],
) -> Iterator[Callable[[], list[tuple[AnswerKey, Any]]]]:
    """The answers stored by the views, in commit order. On PostgreSQL the autosave stores
    most answers in one statement, out of reach of a Python hook: triggers log them there.
    On SQLite every save goes through `_store`, which `lock_order` records."""
    if connection.vendor != "postgresql":
        yield lambda: list(lock_order)
        return
    tables = {
        "skill": Skill._meta.db_table,
        "skill_answer": SkillAnswer._meta.db_table,
        "experience_answer": ExperienceAnswer._meta.db_table,
        "assessment": Assessment._meta.db_table,
    }
    with connection.cursor() as cursor:
        cursor.execute(_LOG_TRIGGERS.format(**tables))

    def logged() -> list[tuple[AnswerKey, Any]]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT kind, slug, value FROM test_answer_log ORDER BY seq")
            return [((kind, slug), _logged_value(kind, value)) for kind, slug, value in cursor]

    yield logged
    with connection.cursor() as cursor:
        cursor.execute(_DROP_LOG_TRIGGERS.format(**tables))


def _stored_answers(assessment: Assessment) -> dict[AnswerKey, Any]:
    """What the database holds for the assessment, keyed as ParsedAnswer names questions."""
    assessment.refresh_from_db()
    stored: dict[AnswerKey, Any] = {
        ("skill", row.skill.slug): row.level
        for row in SkillAnswer.objects.filter(assessment=assessment).select_related("skill")
    }
    stored |= {
        ("experience", row.slug): row.years
        for row in ExperienceAnswer.objects.filter(assessment=assessment)
    }
    if assessment.education is not None:
        stored["education", "education"] = EDUCATION_ORDER[assessment.education]
    return stored


def _last_answer_per_question(order: list[tuple[AnswerKey, Any]]) -> dict[AnswerKey, Any]:
    last: dict[AnswerKey, Any] = {}
    for key, value in order:
        last[key] = value
    return last


def _contested_role(rounds: int) -> Role:
    """A role with a fresh skill per round, a skill both workers keep changing, one skill
    and one experience question each worker has to itself, and a shared experience."""
    category = make_category()
    skills = [make_skill(category=category, slug=f"fresh-{n}") for n in range(rounds)]
    skills += [make_skill(category=category, slug=slug) for slug in ("shared", "private")]
    return make_role(
        skills=[(skill, 3, 3, False) for skill in skills],
        experience=[
            ("shared-years", "Shared years", 2, 3, False),
            ("private-years", "Private years", 2, 3, False),
        ],
        education=(1, 2, False),
    )


def _saves(worker: int, round_: int) -> list[Save]:
    """One round of one worker's saves. The two workers give different values to every
    question they share in a round, so the final value tells whose save came last."""
    fresh = ("skill-fresh-" + str(round_), str(1 + 3 * worker))  # both create its answer
    shared_level = ("skill-shared", str(round_ % 3 + 3 * worker))
    shared_years = ("exp-shared-years", str(round_ + Decimal("0.5") * worker))
    education = ("education", EDUCATION_ORDER[(round_ + worker) % len(EDUCATION_ORDER)])
    if worker == 0:
        return [fresh, shared_level, ("skill-private", str(round_ % 6)), shared_years, education]
    return [fresh, education, shared_years, ("exp-private-years", str(round_)), shared_level]


def _complete_draft(role: Role, owner: Owner) -> Assessment:
    draft, _ = assessment_start(owner=owner, role=role)
    questionnaire = questionnaire_for(role)
    keys = [q.key for q in questionnaire.skill_questions.values()]
    for key in keys:
        answer_save(assessment_id=draft.pk, questionnaire=questionnaire, key=key, raw="3")
    for question in questionnaire.experience:
        answer_save(assessment_id=draft.pk, questionnaire=questionnaire, key=question.key, raw="2")
    answer_save(assessment_id=draft.pk, questionnaire=questionnaire, key="education", raw="master")
    return draft


# --- answering ------------------------------------------------------------------------


def test_concurrent_saves_of_one_assessment_keep_one_row_and_the_last_answer_per_question(
    lock_order: list[tuple[AnswerKey, Any]],
) -> None:
    rounds = 20
    role = _contested_role(rounds)
    draft, _ = assessment_start(owner=Owner(visitor_token=uuid.uuid4().hex), role=role)
    questionnaire = questionnaire_for(role)

    def worker(index: int) -> Callable[[threading.Barrier], int]:
        def run(barrier: threading.Barrier) -> int:
            saved = 0
            for round_ in range(rounds):
                barrier.wait()
                for key, raw in _saves(index, round_):
                    answer_save(
                        assessment_id=draft.pk, questionnaire=questionnaire, key=key, raw=raw
                    )
                    saved += 1
            return saved

        return run

    saved = run_together([worker(0), worker(1)])

    assert saved == [5 * rounds, 5 * rounds]
    assert len(lock_order) == 10 * rounds, "every save stored its answer exactly once"
    expected = _last_answer_per_question(lock_order)
    assert _stored_answers(draft) == expected
    # One row per question, though both workers created each fresh skill's answer at once.
    assert SkillAnswer.objects.filter(assessment=draft).count() == rounds + 2
    assert ExperienceAnswer.objects.filter(assessment=draft).count() == 2


def test_two_clients_autosaving_in_one_visitor_session_keep_the_last_answer_per_question(
    live_server: Any, commit_order: Callable[[], list[tuple[AnswerKey, Any]]]
) -> None:
    rounds = 8
    role = _contested_role(rounds)
    # One visitor session, as two tabs of one browser share it.
    token = uuid.uuid4().hex
    session = SessionStore()
    session[VISITOR_SESSION_KEY] = token
    session.create()
    draft, _ = assessment_start(owner=Owner(visitor_token=token), role=role)
    csrf_secret = get_random_string(32)
    headers = {
        "Cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}; "
        f"{settings.CSRF_COOKIE_NAME}={csrf_secret}",
        "X-CSRFToken": csrf_secret,
        "HX-Request": "true",
    }
    url = live_server.url + reverse("assessments:answer", args=[draft.pk])

    def post(key: str, raw: str) -> int:
        request = urllib.request.Request(
            url, data=urlencode({key: raw}).encode(), headers=headers, method="POST"
        )
        # A 4xx or 5xx raises HTTPError, which fails the worker and the test.
        with urllib.request.urlopen(request, timeout=BARRIER_TIMEOUT) as response:
            body = response.read().decode()
        assert 'data-state="saved"' in body, body
        return response.status

    def client(index: int) -> Callable[[threading.Barrier], list[int]]:
        def run(barrier: threading.Barrier) -> list[int]:
            statuses = []
            for round_ in range(rounds):
                barrier.wait()
                statuses += [post(key, raw) for key, raw in _saves(index, round_)]
            return statuses

        return run

    statuses = run_together([client(0), client(1)])

    assert statuses == [[200] * 5 * rounds] * 2
    committed = commit_order()
    assert len(committed) == 10 * rounds
    assert _stored_answers(draft) == _last_answer_per_question(committed)
    assert SkillAnswer.objects.filter(assessment=draft).count() == rounds + 2


# --- submitting and starting ----------------------------------------------------------


def test_double_submit_submits_once_and_the_second_gets_already_submitted() -> None:
    category = make_category()
    role = make_role(
        skills=[(make_skill(category=category), 3, 3, True) for _ in range(3)],
        experience=[("years", "Years", 2, 3, False)],
        education=(1, 2, False),
    )
    user = get_user_model().objects.create_user(username="ada@example.com", password="x")

    # Several attempts, so that at least some really overlap.
    for _ in range(5):
        draft = _complete_draft(role, Owner(user=user))

        def submit(barrier: threading.Barrier, pk: uuid.UUID = draft.pk) -> Any:
            barrier.wait()
            try:
                return assessment_submit(assessment_id=pk)
            except AlreadySubmitted as exc:
                return exc

        outcomes = run_together([submit, submit])

        submitted = [o for o in outcomes if isinstance(o, Assessment)]
        refused = [o for o in outcomes if isinstance(o, AlreadySubmitted)]
        assert (len(submitted), len(refused)) == (1, 1), outcomes
        stored = Assessment.objects.get(pk=draft.pk)
        assert stored.status == Assessment.Status.SUBMITTED
        # Stored once: what the database holds is what the one submission returned.
        assert stored.submitted_at == submitted[0].submitted_at
        assert stored.report == submitted[0].report
        assert stored.readiness == submitted[0].readiness
    assert Assessment.objects.filter(owner=user).count() == 5
    assert not Assessment.objects.filter(owner=user).drafts().exists()


@pytest.mark.parametrize("owner_kind", ["user", "visitor"])
def test_double_start_makes_one_draft_and_both_get_it(owner_kind: str) -> None:
    if owner_kind == "user":
        owner = Owner(user=get_user_model().objects.create_user(username="b@example.com"))
    else:
        owner = Owner(visitor_token=uuid.uuid4().hex)

    # A new role per attempt, so each attempt races to create its first draft.
    for _ in range(10):
        role = make_role()

        def start(barrier: threading.Barrier, role: Role = role) -> tuple[Assessment, bool]:
            barrier.wait()
            return assessment_start(owner=owner, role=role)

        outcomes = run_together([start, start])

        drafts = Assessment.objects.drafts().filter(role=role)
        assert drafts.count() == 1
        assert [draft.pk for draft, _ in outcomes] == [drafts.get().pk] * 2
        assert sorted(created for _, created in outcomes) == [False, True]
