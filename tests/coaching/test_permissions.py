"""Who may reach what (docs/permissions.md): every URL of the coaching app and the
owner's report URLs, for every kind of actor, in one table. Anything not allowed is a 404
that changes nothing, so ids reveal nothing."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from assessments.models import Assessment, ShareLink
from assessments.services import Owner, assessment_retake
from coaching.models import (
    ActionItem,
    Calibration,
    ClientTag,
    CoachNote,
    CoachRelationship,
    Invitation,
    SharedAssessment,
)
from coaching.services import relationship_revoke
from tests.factories import (
    make_category,
    make_coach,
    make_relationship,
    make_role,
    make_skill,
    make_submitted_assessment,
    make_track,
    make_user,
)

pytestmark = pytest.mark.django_db

ACTORS = ("owner", "coach", "coach_no_consent", "coach_revoked", "other", "anonymous", "staff")

LOGIN = "login"  # a redirect to the login page
REFUSED = "refused"  # a redirect back with an error message
REFUSED_HERE = "refused here"  # the page again, with an error message

# Expected answer per URL and method, for: the owner (the client), their coach (consent
# active), a coach without consent, a coach whose consent the owner revoked, another user,
# an anonymous visitor, a staff member who is not a coach. A 404, LOGIN, REFUSED and
# REFUSED_HERE change nothing.
# fmt: off
TABLE: dict[tuple[str, str], tuple[int | str, ...]] = {
    #                                       owner coach    no-consent revoked  other anon   staff
    # the coach's side: 404 for whoever is not a coach
    ("coaching:clients", "get"):            (404, 200,     200,       200,     404, LOGIN, 404),
    ("coaching:clients_csv", "get"):        (404, 200,     200,       200,     404, LOGIN, 404),
    # tagging ticked clients: only the coach with consent (others' ids are not theirs)
    ("coaching:clients_tag", "post"):       (404, 302,     404,       404,     404, LOGIN, 404),
    ("coaching:invite", "get"):             (404, 200,     200,       200,     404, LOGIN, 404),
    ("coaching:invite", "post"):            (404, 302,     302,       302,     404, LOGIN, 404),
    # a coach's pending invitation: only that coach may cancel it
    ("coaching:invitation_cancel", "post"): (404, 302,     404,       404,     404, LOGIN, 404),
    # resending its mail: only that coach (this one has no address, so it is refused)
    ("coaching:invitation_resend", "post"): (404, REFUSED, 404,       404,     404, LOGIN, 404),
    ("coaching:invitation_send_again", "post"): (404, REFUSED, 404,   404,     404, LOGIN, 404),
    # about the owner: only the coach with consent
    ("coaching:client", "get"):             (404, 200,     404,       404,     404, LOGIN, 404),
    ("coaching:session", "get"):            (404, 200,     404,       404,     404, LOGIN, 404),
    ("coaching:session_pdf", "get"):        (404, 200,     404,       404,     404, LOGIN, 404),
    ("coaching:notes", "get"):              (404, 200,     404,       404,     404, LOGIN, 404),
    ("coaching:notes", "post"):             (404, 302,     404,       404,     404, LOGIN, 404),
    ("coaching:report", "get"):             (404, 200,     404,       404,     404, LOGIN, 404),
    ("coaching:report_csv", "get"):         (404, 200,     404,       404,     404, LOGIN, 404),
    ("coaching:report_pdf", "get"):         (404, 200,     404,       404,     404, LOGIN, 404),
    # trying a failed PDF render again
    ("coaching:report_pdf", "post"):        (404, 302,     404,       404,     404, LOGIN, 404),
    ("coaching:note_add", "post"):          (404, 302,     404,       404,     404, LOGIN, 404),
    # the coach's own note: only that coach, while consent lasts
    ("coaching:note_edit", "post"):         (404, 302,     404,       404,     404, LOGIN, 404),
    ("coaching:note_delete", "post"):       (404, 302,     404,       404,     404, LOGIN, 404),
    ("coaching:calibrate", "post"):         (404, 302,     404,       404,     404, LOGIN, 404),
    # action items: the coach with consent sets and deletes them, only the client ticks
    ("coaching:action_item_add", "post"):   (404, 302,     404,       404,     404, LOGIN, 404),
    ("coaching:action_item_delete", "post"): (404, 302,    404,       404,     404, LOGIN, 404),
    ("coaching:action_item_done", "post"):  (302, 404,     404,       404,     404, LOGIN, 404),
    # attention queue: the coach's own; its actions on that coach's clients and invitations
    ("coaching:attention", "get"):          (404, 200,     200,       200,     404, LOGIN, 404),
    ("coaching:attention_seen", "post"):    (404, 302,     404,       404,     404, LOGIN, 404),
    ("coaching:attention_nudge", "post"):   (404, 302,     404,       404,     404, LOGIN, 404),
    # clearing a whole group: every coach their own (nothing to clear here for the others)
    ("coaching:attention_clear_all", "post"): (404, 302,   302,       302,     404, LOGIN, 404),
    # world.invitation is still open: its coach is told there is nothing to clear yet
    ("coaching:attention_invitation_dismiss", "post"): (404, REFUSED, 404, 404, 404, LOGIN, 404),
    # a revoked consent: only its former coach clears it
    ("coaching:attention_revocation_dismiss", "post"): (404, 404, 404, 302,    404, LOGIN, 404),
    # cohort and tags: the coach's own cohort; tags on that coach's clients, that coach's tags
    ("coaching:cohort", "get"):             (404, 200,     200,       200,     404, LOGIN, 404),
    ("coaching:cohort_csv", "get"):         (404, 200,     200,       200,     404, LOGIN, 404),
    ("coaching:client_tag_add", "post"):    (404, 302,     404,       404,     404, LOGIN, 404),
    ("coaching:client_tag_remove", "post"): (404, 302,     404,       404,     404, LOGIN, 404),
    ("coaching:tag_rename", "post"):        (404, 302,     404,       404,     404, LOGIN, 404),
    ("coaching:tag_delete", "post"):        (404, 302,     404,       404,     404, LOGIN, 404),
    # the link in the mail about a shared note: only the report's owner
    ("coaching:note_read", "get"):          (302, 404,     404,       404,     404, LOGIN, 404),
    # the client's side: every user may be someone's client
    ("coaching:join", "get"):               (200, 200,     200,       200,     200, LOGIN, 200),
    ("coaching:join", "post"):              (302, 302,     302,       302,     302, LOGIN, 302),
    # whoever holds the link may answer it, except the coach who sent it
    ("coaching:invitation", "get"):         (200, 200,     200,       200,     200, LOGIN, 200),
    ("coaching:invitation", "post"):        (302, REFUSED_HERE, 302,  302,     302, LOGIN, 302),
    ("coaching:my_coaches", "get"):         (200, 200,     200,       200,     200, LOGIN, 200),
    # the owner's consent: only the owner
    ("coaching:coach_revoke", "post"):      (302, 404,     404,       404,     404, LOGIN, 404),
    ("coaching:coach_scope", "post"):       (302, 404,     404,       404,     404, LOGIN, 404),
    # the owner's report: only the owner (a 404 for anonymous too: a visitor owns some)
    ("assessments:result", "get"):          (200, 404,     404,       404,     404, 404,   404),
    ("assessments:report_json", "get"):     (200, 404,     404,       404,     404, 404,   404),
    ("assessments:report_csv", "get"):      (200, 404,     404,       404,     404, 404,   404),
    ("assessments:report_pdf", "get"):      (200, 404,     404,       404,     404, 404,   404),
    ("assessments:report_pdf", "post"):     (302, 404,     404,       404,     404, 404,   404),
    ("assessments:share_create", "post"):   (302, 404,     404,       404,     404, 404,   404),
}
# fmt: on

CASES = [
    pytest.param(name, method, actor, expected[i], id=f"{method}-{name}-{actor}")
    for (name, method), expected in TABLE.items()
    for i, actor in enumerate(ACTORS)
]

# The coach's URLs about one client, and what a coach would send.
ABOUT_A_CLIENT = [
    ("coaching:client", "get"),
    ("coaching:report", "get"),
    ("coaching:report_csv", "get"),
    ("coaching:report_pdf", "get"),
    ("coaching:note_add", "post"),
    ("coaching:calibrate", "post"),
]
ABOUT_A_REPORT = [(name, method) for name, method in ABOUT_A_CLIENT if name != "coaching:client"]


def _url_names(patterns: Sequence[URLPattern | URLResolver], namespace: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in (namespace, pattern.namespace) if part)
            yield from _url_names(pattern.url_patterns, inner)
        elif pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def _role() -> Any:
    category = make_category(name="Technical")
    python = make_skill(slug="python", name="Python", category=category)
    sql = make_skill(slug="sql", name="SQL", category=category)
    return make_role(
        slug="lead",
        title="ML Team Lead",
        track=make_track(),
        skills=[(python, 4, 3, True), (sql, 2, 1, False)],
    )


@pytest.fixture
def world() -> SimpleNamespace:
    """Cleo (the owner) shares her report with Cora; Rita coached her until Cleo revoked it;
    Nora coaches someone else; Mallory has her own report; Stan is staff, not a coach."""
    role = _role()
    owner = make_user(email="cleo@example.com")
    assessment = make_submitted_assessment(role=role, owner=owner, levels={"python": 2, "sql": 2})
    coach = make_coach(email="cora@example.com")
    relationship = make_relationship(coach=coach, client=owner)
    coach_revoked = make_coach(email="rita@example.com")
    revoked = make_relationship(coach=coach_revoked, client=owner)
    relationship_revoke(relationship=revoked)
    coach_no_consent = make_coach(email="nora@example.com")
    dave = make_user(email="dave@example.com")
    make_submitted_assessment(role=role, owner=dave, levels={"python": 4, "sql": 2})
    make_relationship(coach=coach_no_consent, client=dave)
    other = make_user(email="mallory@example.com")
    make_submitted_assessment(role=role, owner=other, levels={"python": 1})
    staff = make_user(email="stan@example.com", is_staff=True)
    return SimpleNamespace(
        role=role,
        assessment=assessment,
        relationship=relationship,
        revoked=revoked,
        invitation=Invitation.objects.create(coach=coach),
        note=CoachNote.objects.create(
            assessment=assessment, coach=coach, text="Ask about SQL.", visibility="shared"
        ),
        item=ActionItem.objects.create(relationship=relationship, text="Read chapter 3."),
        revoked_item=ActionItem.objects.create(relationship=revoked, text="From before."),
        tag=_tagged(relationship, "Spring cohort"),
        users={
            "owner": owner,
            "coach": coach,
            "coach_no_consent": coach_no_consent,
            "coach_revoked": coach_revoked,
            "other": other,
            "anonymous": None,
            "staff": staff,
        },
    )


def _tagged(relationship: CoachRelationship, name: str) -> ClientTag:
    """A tag of the relationship's coach, on that client."""
    tag = ClientTag.objects.create(coach=relationship.coach, name=name)
    relationship.tags.add(tag)
    return tag


def _args(name: str, actor: str, world: SimpleNamespace) -> list[Any]:
    # cohort and tags: each coach tags their own relationship with the owner (the revoked
    # coach's is revoked); the tag is the consenting coach's.
    if name == "coaching:client_tag_add":
        return [(world.revoked if actor == "coach_revoked" else world.relationship).pk]
    if name == "coaching:client_tag_remove":
        relationship = world.revoked if actor == "coach_revoked" else world.relationship
        return [relationship.pk, world.tag.pk]
    if name in ("coaching:tag_rename", "coaching:tag_delete"):
        return [world.tag.pk]
    if name == "coaching:action_item_delete":
        # Each coach tries an item of their own relationship with the owner, as above.
        if actor == "coach_revoked":
            return [world.revoked.pk, world.revoked_item.pk]
        return [world.relationship.pk, world.item.pk]
    if name == "coaching:action_item_done":
        return [world.relationship.pk, world.item.pk]
    if name == "coaching:note_read":
        return [world.note.pk]
    if name in (
        "coaching:client",
        "coaching:session",
        "coaching:session_pdf",
        "coaching:action_item_add",
        "coaching:notes",
        "coaching:attention_seen",
        "coaching:attention_nudge",
    ):
        # Each coach asks for their own relationship with the owner (the revoked coach's
        # is revoked); whoever has none asks for the consenting coach's.
        relationship = world.revoked if actor == "coach_revoked" else world.relationship
        return [relationship.pk]
    if name in ("coaching:coach_revoke", "coaching:coach_scope"):
        return [world.relationship.pk]
    if name == "coaching:attention_clear_all":
        return ["submissions"]
    if name == "coaching:attention_revocation_dismiss":
        return [world.revoked.pk]
    if name == "coaching:attention_invitation_dismiss":
        return [world.invitation.pk]
    if name in (
        "coaching:invitation_cancel",
        "coaching:invitation_resend",
        "coaching:invitation_send_again",
    ):
        return [world.invitation.pk]
    if name == "coaching:invitation":
        return [world.invitation.token]
    if name in ("coaching:note_edit", "coaching:note_delete"):
        return [world.assessment.pk, world.note.pk]
    if name.startswith("assessments:") or name in dict(ABOUT_A_REPORT):
        return [world.assessment.pk]
    return []


def _data(name: str, world: SimpleNamespace) -> dict[str, str]:
    return {
        "coaching:invite": {"email": ""},
        "coaching:clients_tag": {"client": str(world.relationship.pk), "name": "Spring"},
        "coaching:note_add": {"text": "Strong on SQL.", "visibility": "shared"},
        "coaching:notes": {
            "text": "Strong on SQL.",
            "visibility": "shared",
            "report": str(world.assessment.pk),
        },
        "coaching:note_edit": {"text": "Strong on SQL, after all.", "visibility": "private"},
        "coaching:client_tag_add": {"name": "Career change"},
        "coaching:tag_rename": {"name": "Autumn cohort"},
        "coaching:calibrate": {"level-python": "4", "level-sql": "0"},
        "coaching:action_item_add": {"text": "Read chapter 3.", "due_date": "2026-12-24"},
        "coaching:join": {"code": world.invitation.code},
        "coaching:invitation": {"decision": "accept", "scope": "all"},
        "coaching:coach_scope": {f"r{world.relationship.pk}-scope": "all"},
        "assessments:share_create": {"days": "30"},
    }.get(name, {})


def _state() -> list[list[tuple]]:
    """Everything an actor could change through these URLs."""
    return [
        list(
            Invitation.objects.order_by("pk").values_list(
                "pk", "status", "client_id", "coach_seen_at"
            )
        ),
        list(
            CoachRelationship.objects.order_by("pk").values_list(
                "pk",
                "coach_id",
                "client_id",
                "scope",
                "revoked_at",
                "nudged_at",
                "revocation_seen_at",
            )
        ),
        list(
            SharedAssessment.objects.order_by("pk").values_list("relationship_id", "assessment_id")
        ),
        list(CoachNote.objects.order_by("pk").values_list("pk", "text", "visibility", "seen_at")),
        list(ActionItem.objects.order_by("pk").values_list("pk", "text", "done_at")),
        list(Calibration.objects.order_by("pk").values_list("pk", "skill", "level")),
        list(ShareLink.objects.order_by("pk").values_list("pk", "revoked_at")),
        list(ClientTag.objects.order_by("pk").values_list("pk", "coach_id", "name")),
        list(
            CoachRelationship.tags.through.objects.order_by("pk").values_list(
                "coachrelationship_id", "clienttag_id"
            )
        ),
        list(Assessment.objects.order_by("pk").values_list("pk", "status", "readiness")),
    ]


def _as(client: Client, user: Any) -> Client:
    if user is not None:
        client.force_login(user)
    return client


def _errors(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request) if m.level == message_levels.ERROR]


def _hit(client: Client, name: str, method: str, args: list[Any], data: dict[str, str]) -> Any:
    return getattr(client, method)(reverse(name, args=args), data)


# --- the table ------------------------------------------------------------------------


def test_every_coaching_url_is_in_the_table() -> None:
    """A URL added to coaching/urls.py without a row here fails this test."""
    in_urlconf = {n for n in _url_names(get_resolver().url_patterns) if n.startswith("coaching:")}
    in_table = {name for name, _ in TABLE if name.startswith("coaching:")}
    assert in_urlconf == in_table


def test_the_owners_report_urls_are_in_the_table() -> None:
    in_table = {name for name, _ in TABLE if name.startswith("assessments:")}
    assert in_table == {
        "assessments:result",
        "assessments:report_json",
        "assessments:report_csv",
        "assessments:report_pdf",
        "assessments:share_create",
    }


@pytest.mark.parametrize(("name", "method", "actor", "expected"), CASES)
def test_actor_gets_what_the_table_says(
    client: Client, world: SimpleNamespace, name: str, method: str, actor: str, expected: Any
) -> None:
    before = _state()
    _as(client, world.users[actor])

    response = _hit(client, name, method, _args(name, actor, world), _data(name, world))

    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    elif expected == REFUSED:
        assert response.status_code == 302
        assert not response["Location"].startswith(reverse("login"))
        assert _errors(response)
    elif expected == REFUSED_HERE:
        assert response.status_code == 200
        assert _errors(response)
    else:
        assert response.status_code == expected
        if expected == 302:
            assert not response["Location"].startswith(reverse("login"))
            assert not _errors(response)
    if expected in (404, LOGIN, REFUSED, REFUSED_HERE):
        assert _state() == before


@pytest.mark.parametrize("name", sorted({name for name, _ in TABLE if name.startswith("coaching")}))
def test_methods_outside_the_table_are_not_allowed(
    client: Client, world: SimpleNamespace, name: str
) -> None:
    listed = {method for url_name, method in TABLE if url_name == name}
    client.force_login(world.users["coach"])
    before = _state()
    for method in {"get", "post"} - listed:
        response = _hit(client, name, method, _args(name, "coach", world), {})
        assert response.status_code == 405, method
    assert _state() == before


def test_anonymous_redirect_to_login_is_the_same_for_any_id(
    client: Client, world: SimpleNamespace
) -> None:
    unknown = "00000000-0000-4000-8000-000000000000"
    known = client.get(reverse("coaching:report", args=[world.assessment.pk]))
    made_up = client.get(reverse("coaching:report", args=[unknown]))
    assert known.status_code == made_up.status_code == 302
    assert known["Location"].replace(str(world.assessment.pk), unknown) == made_up["Location"]


# --- drafts, chosen assessments, revocation -------------------------------------------


@pytest.mark.parametrize(("name", "method"), ABOUT_A_REPORT)
def test_coach_never_sees_a_clients_draft(
    client: Client, world: SimpleNamespace, name: str, method: str
) -> None:
    owner = world.users["owner"]
    draft, created = assessment_retake(assessment=world.assessment, owner=Owner(user=owner))
    assert created and draft.is_draft
    client.force_login(world.users["coach"])
    before = _state()

    response = _hit(client, name, method, [draft.pk], _data(name, world))

    assert response.status_code == 404
    assert _state() == before


@pytest.mark.parametrize(("name", "method"), ABOUT_A_REPORT)
def test_coach_never_sees_a_draft_even_with_a_share_row(
    client: Client, world: SimpleNamespace, name: str, method: str
) -> None:
    # Services never share a draft; should a row point at one anyway, it still stays hidden.
    owner = world.users["owner"]
    draft, _ = assessment_retake(assessment=world.assessment, owner=Owner(user=owner))
    SharedAssessment.objects.create(relationship=world.relationship, assessment=draft)
    client.force_login(world.users["coach"])
    before = _state()

    response = _hit(client, name, method, [draft.pk], _data(name, world))

    assert response.status_code == 404
    assert _state() == before


@pytest.mark.parametrize(("name", "method"), ABOUT_A_REPORT)
def test_scope_chosen_hides_the_assessments_not_chosen(
    client: Client, world: SimpleNamespace, name: str, method: str
) -> None:
    client_user = make_user(email="chris@example.com")
    chosen = make_submitted_assessment(role=world.role, owner=client_user, levels={"python": 3})
    unshared = make_submitted_assessment(role=world.role, owner=client_user, levels={"sql": 1})
    coach = world.users["coach"]
    make_relationship(coach=coach, client=client_user, scope="chosen", assessments=[chosen])
    client.force_login(coach)

    assert client.get(reverse("coaching:report", args=[chosen.pk])).status_code == 200
    before = _state()
    response = _hit(client, name, method, [unshared.pk], _data(name, world))

    assert response.status_code == 404
    assert _state() == before


@pytest.mark.parametrize(("name", "method"), ABOUT_A_CLIENT)
def test_after_revocation_every_coach_url_about_the_client_is_404(
    client: Client, world: SimpleNamespace, name: str, method: str
) -> None:
    coach, owner = world.users["coach"], world.users["owner"]
    args = [world.relationship.pk] if name == "coaching:client" else [world.assessment.pk]
    coach_client, owner_client = Client(), Client()
    coach_client.force_login(coach)
    owner_client.force_login(owner)
    assert _hit(coach_client, name, method, args, _data(name, world)).status_code in (200, 302)

    revoke = owner_client.post(reverse("coaching:coach_revoke", args=[world.relationship.pk]))
    assert revoke.status_code == 302
    before = _state()
    response = _hit(coach_client, name, method, args, _data(name, world))

    assert response.status_code == 404
    assert _state() == before


def test_after_revocation_the_client_leaves_the_coachs_dashboard(
    client: Client, world: SimpleNamespace
) -> None:
    client.force_login(world.users["coach"])
    assert "cleo@example.com" in client.get(reverse("coaching:clients")).content.decode()
    relationship_revoke(relationship=world.relationship)
    page = client.get(reverse("coaching:clients")).content.decode()
    csv_text = client.get(reverse("coaching:clients_csv")).content.decode()
    assert "cleo@example.com" not in page
    assert "cleo@example.com" not in csv_text


# --- staff ----------------------------------------------------------------------------

ADMIN_PAGES = ["invitation", "coachrelationship", "coachnote", "calibration", "actionitem"]


def test_superuser_sees_coaching_through_the_admin(client: Client, world: SimpleNamespace) -> None:
    coach = world.users["coach"]
    note = CoachNote.objects.create(assessment=world.assessment, coach=coach, text="Private.")
    calibration = Calibration.objects.create(
        assessment=world.assessment, coach=coach, skill="python", level=4
    )
    objects = {
        "invitation": world.invitation,
        "coachrelationship": world.relationship,
        "coachnote": note,
        "calibration": calibration,
        "actionitem": world.item,
    }
    client.force_login(make_user(email="root@example.com", is_staff=True, is_superuser=True))

    for model in ADMIN_PAGES:
        changelist = client.get(reverse(f"admin:coaching_{model}_changelist"))
        change = client.get(reverse(f"admin:coaching_{model}_change", args=[objects[model].pk]))
        assert changelist.status_code == 200, model
        assert change.status_code == 200, model


@pytest.mark.parametrize("is_superuser", [False, True], ids=["staff", "superuser"])
def test_staff_sees_no_coaching_page_outside_the_admin(
    client: Client, world: SimpleNamespace, is_superuser: bool
) -> None:
    staff = make_user(email="admin@example.com", is_staff=True, is_superuser=is_superuser)
    client.force_login(staff)
    for name, method in ABOUT_A_CLIENT:
        args = [world.relationship.pk] if name == "coaching:client" else [world.assessment.pk]
        assert _hit(client, name, method, args, _data(name, world)).status_code == 404, name
    assert client.get(reverse("coaching:clients")).status_code == 404
    assert client.get(reverse("assessments:result", args=[world.assessment.pk])).status_code == 404
