from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from roles.models import EducationLevel, MarketFact, Role, SalaryFigure
from tests.factories import (
    make_category,
    make_ladder,
    make_role,
    make_skill,
    make_track,
    make_user,
)

pytestmark = pytest.mark.django_db


def _queries(client, url: str, **headers: str) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, headers=headers)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def test_healthz_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_role_list_groups_published_roles_by_track(client):
    ladder = make_ladder(2, track=make_track(name="Data Science"))
    hidden = make_role(title="Secret role", is_published=False)
    response = client.get(reverse("roles:list"))
    body = response.content.decode()
    assert "Data Science" in body
    for role in ladder:
        assert role.title in body
    assert hidden.title not in body


def test_role_list_search_matches_title_summary_and_skill(client):
    skill = make_skill(name="Kubernetes operations")
    by_skill = make_role(title="Platform engineer", skills=[(skill, 3, 3, False)])
    by_title = make_role(title="Kubernetes whisperer")
    other = make_role(title="Barista")
    body = client.get(reverse("roles:list"), {"q": "kubernetes"}).content.decode()
    assert by_skill.title in body
    assert by_title.title in body
    assert other.title not in body
    assert "2 roles matching" in body
    assert body.count('class="card h-100 role-card"') == 2


def test_role_list_search_by_skill_keeps_the_full_skill_count(client):
    kubernetes = make_skill(name="Kubernetes operations")
    make_role(
        title="Platform engineer",
        skills=[
            (kubernetes, 3, 3, False),
            (make_skill(), 2, 2, False),
            (make_skill(), 2, 2, False),
        ],
    )
    body = client.get(reverse("roles:list"), {"q": "kubernetes"}).content.decode()
    assert "3 skills assessed" in body


def test_role_list_filters_by_skill_category(client):
    leadership = make_category(name="Leadership")
    lead = make_role(title="Team lead", skills=[(make_skill(category=leadership), 3, 3, False)])
    coder = make_role(title="Coder", skills=[(make_skill(), 3, 3, False)])
    body = client.get(reverse("roles:list"), {"category": leadership.slug}).content.decode()
    assert lead.title in body
    assert coder.title not in body


def test_role_list_htmx_search_returns_only_the_results_partial(client):
    make_role(title="Kubernetes whisperer")
    response = client.get(
        reverse("roles:list"),
        {"q": "kubernetes"},
        headers={"HX-Request": "true", "HX-Target": "role-results"},
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="role-results"')
    assert "<html" not in body
    assert "Kubernetes whisperer" in body


def test_role_list_tampered_filters_show_a_message_not_an_error(client):
    make_role(title="Still listed")
    response = client.get(reverse("roles:list"), {"q": "x" * 5000, "category": "no-such"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Showing every role instead" in body
    assert "Still listed" in body


def test_role_list_with_no_match_says_so(client):
    make_role(title="Anything")
    body = client.get(reverse("roles:list"), {"q": "zzzz"}).content.decode()
    assert "No role matches your search" in body


def test_role_list_query_count_does_not_grow_with_roles(client):
    make_ladder(2, skills_per_rung=2)
    small, _ = _queries(client, reverse("roles:list"))
    for _ in range(4):
        make_ladder(5, skills_per_rung=6)
    large, response = _queries(client, reverse("roles:list"))
    # 1. categories for the filter; 2. roles with their track and skill counts.
    assert large == small == 2
    assert response.content.decode().count('class="card h-100 role-card"') == 22


def _rich_role(skill_count: int):
    category = make_category()
    track = make_track()
    below = make_role(track=track, rank=1)
    role = make_role(
        track=track,
        rank=2,
        skills=[(make_skill(category=category), 3, 4, i == 0) for i in range(skill_count)],
        experience=[(f"exp-{i}", f"kind {i}", 3, 3, False) for i in range(skill_count // 3)],
        education=(2, 3, False),
    )
    above = make_role(track=track, rank=3)
    below.next_roles.add(role)
    role.next_roles.add(above)
    for i in range(skill_count // 3):
        SalaryFigure.objects.create(role=role, label=f"Region {i}", average=100_000, source="Test")
        MarketFact.objects.create(role=role, topic="demand", text=f"Fact {i}")
    return role


def test_role_detail_query_count_does_not_grow_with_requirements(client):
    few, _ = _queries(client, _rich_role(3).get_absolute_url())
    many, response = _queries(client, _rich_role(30).get_absolute_url())
    # role+track+education, skill reqs, experience, salary, market facts; the ladder: the
    # track's published roles, then every role of the track with its chosen rung below and
    # the roles leading to it; the next steps: the links, the published roles they lead to;
    # the questionnaire's size for the time estimate (distinct skills, kinds of experience),
    # then kept until the catalogue changes.
    assert many == few == 11
    assert response.content.decode().count("3</span> · Practitioner") == 30


def test_role_detail_shows_requirements_ladder_and_salary(client):
    track = make_track(name="ML Engineering")
    junior = make_role(track=track, rank=1, title="Junior ML Engineer")
    python = make_skill(name="Python programming")
    lead = make_role(
        track=track,
        rank=2,
        title="ML Team Lead",
        skills=[(python, 4, 5, True)],
        experience=[("ml-experience", "ML experience", 5, 5, True)],
        education=(2, 3, False),
    )
    junior.next_roles.add(lead)
    SalaryFigure.objects.create(
        role=lead,
        label="National average",
        average=188940,
        low=157399,
        high=227416,
        source="US market, 2024",
    )
    body = client.get(lead.get_absolute_url()).content.decode()
    assert "Python programming" in body
    assert "4</span> · Advanced" in body
    assert "Essential" in body
    assert "5+ years of ML experience" in body
    assert "Master&#x27;s degree or higher" in body
    assert "$188,940" in body
    assert "$157,399–$227,416" in body
    assert "Source: US market, 2024" in body
    assert f'href="{junior.get_absolute_url()}"' in body
    assert reverse("roles:assess", args=[lead.slug]) in body


def test_unpublished_or_unknown_role_is_404(client):
    hidden = make_role(is_published=False)
    assert client.get(hidden.get_absolute_url()).status_code == 404
    assert client.get(reverse("roles:detail", args=["no-such-role"])).status_code == 404


def test_track_page_draws_the_ladder_with_a_text_equivalent(client):
    track = make_track(name="ML Engineering")
    rungs = make_ladder(3, track=track)
    branch = make_role(track=track, rank=4, title="Architect")
    other_branch = make_role(track=track, rank=4, title="Chief officer")
    rungs[-1].next_roles.add(branch, other_branch)
    track.directions.create(kind="specialisation", name="Computer Vision")
    track.directions.create(kind="alternative", name="Consulting")
    response = client.get(track.get_absolute_url())
    body = response.content.decode()
    assert body.count("<rect ") == 5
    assert body.count("<line ") == 4
    assert f"Leads to {branch.title} or {other_branch.title}" in body
    assert "Computer Vision" in body and "Consulting" in body


def test_track_page_query_count_does_not_grow_with_roles(client):
    small_track = make_track()
    make_ladder(2, track=small_track)
    big_track = make_track()
    make_ladder(12, track=big_track)
    small, _ = _queries(client, small_track.get_absolute_url())
    large, _ = _queries(client, big_track.get_absolute_url())
    # track (if it has a published role), its directions, its published roles, their
    # salary figures, the links from them, the published roles those lead to
    assert small == large == 6


# --- unpublished roles on public pages ------------------------------------------------


def test_staff_preview_an_unpublished_role_with_a_notice_and_no_assessment_link(client):
    junior, draft = make_ladder(2)
    Role.objects.filter(pk=draft.pk).update(is_published=False)
    client.force_login(make_user(is_staff=True))

    response = client.get(draft.get_absolute_url())

    assert response.status_code == 200
    body = response.content.decode()
    assert "Unpublished — preview" in body
    assert reverse("roles:assess", args=[draft.slug]) not in body
    assert [rung.pk for rung in response.context["ladder"]] == [junior.pk, draft.pk]


def test_signed_in_visitor_who_is_not_staff_gets_404_for_an_unpublished_role(client):
    draft = make_role(is_published=False)
    client.force_login(make_user())
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_published_role_page_says_nothing_of_a_preview(client):
    role = make_role()
    assert "Unpublished — preview" not in client.get(role.get_absolute_url()).content.decode()


def test_role_page_links_over_unpublished_rungs_to_the_published_ones(client):
    junior, mid, senior, lead = make_ladder(4)
    Role.objects.filter(pk__in=[mid.pk, lead.pk]).update(is_published=False, title="Hidden")

    response = client.get(senior.get_absolute_url())

    body = response.content.decode()
    assert "Hidden" not in body
    for hidden in (mid, lead):
        assert hidden.get_absolute_url() not in body
    assert f'<a href="{junior.get_absolute_url()}" rel="prev">' in body
    assert 'rel="next"' not in body
    assert [rung.pk for rung in response.context["ladder"]] == [junior.pk, senior.pk]


def test_role_page_next_steps_step_over_an_unpublished_role(client):
    junior, mid, senior = make_ladder(3)
    Role.objects.filter(pk=mid.pk).update(is_published=False)

    body = client.get(junior.get_absolute_url()).content.decode()

    assert f'<a href="{senior.get_absolute_url()}" rel="next">' in body
    assert mid.get_absolute_url() not in body


def test_track_page_draws_and_lists_published_roles_only(client):
    track = make_track()
    junior, mid, senior = make_ladder(3, track=track)
    Role.objects.filter(pk=mid.pk).update(is_published=False, title="Hidden rung")
    draft_branch = make_role(track=track, rank=4, title="Hidden branch", is_published=False)
    senior.next_roles.add(draft_branch)

    body = client.get(track.get_absolute_url()).content.decode()

    assert "Hidden" not in body
    for hidden in (mid, draft_branch):
        assert hidden.get_absolute_url() not in body
    assert body.count("<rect ") == 2
    assert body.count("<line ") == 1  # junior to senior, over the unpublished rung
    rung = body[body.index(f'data-testid="rung-{junior.slug}"') :]
    assert f"Leads to {senior.title}</div>" in rung[: rung.index("</li>")]


def test_a_track_of_drafts_only_is_neither_on_the_home_page_nor_public(client):
    shown = make_ladder(1, track=make_track(name="Shown track"))[0].track
    drafts = make_track(name="Draft track")
    make_role(track=drafts, is_published=False)

    body = client.get(reverse("home")).content.decode()

    assert "Shown track" in body
    assert "Draft track" not in body
    assert client.get(drafts.get_absolute_url()).status_code == 404
    assert client.get(shown.get_absolute_url()).status_code == 200


def test_role_list_offers_no_category_only_unpublished_roles_ask_for(client):
    secret = make_category(name="Secret category")
    make_role(is_published=False, skills=[(make_skill(category=secret), 3, 3, False)])
    make_role(skills=[(make_skill(category=make_category(name="Open category")), 3, 3, False)])

    body = client.get(reverse("roles:list")).content.decode()

    assert "Open category" in body
    assert "Secret category" not in body


def test_role_list_search_never_finds_an_unpublished_role(client):
    skill = make_skill(name="Kubernetes operations")
    make_role(title="Kubernetes draft", is_published=False, skills=[(skill, 3, 3, False)])
    body = client.get(reverse("roles:list"), {"q": "kubernetes"}).content.decode()
    assert "Kubernetes draft" not in body
    assert "No role matches your search" in body


def test_assessment_start_of_an_unpublished_role_is_404_even_for_staff(client):
    draft = make_role(is_published=False)
    client.force_login(make_user(is_staff=True))
    for method in (client.get, client.post):
        assert method(reverse("roles:assess", args=[draft.slug])).status_code == 404


def test_home_explains_how_it_works_in_three_steps_and_offers_the_featured_assessment(
    client, settings
):
    settings.FEATURED_ROLE = "ml-team-lead"
    make_role(slug="ml-team-lead", title="Machine Learning Team Lead")

    body = client.get(reverse("home")).content.decode()

    steps = body[body.index('data-testid="how-it-works"') :]
    steps = steps[: steps.index("</ol>")]
    assert steps.count("<li") == 3
    for step in ("Pick a target role", "Rate yourself", "Read your report"):
        assert step in steps
    assert (
        f'href="{reverse("roles:assess", args=["ml-team-lead"])}" data-testid="featured-assess">'
        "Assess yourself as Machine Learning Team Lead</a>"
    ) in body


def test_home_says_how_long_the_featured_assessment_takes_from_its_question_count(client, settings):
    # The ladder junior -> lead asks 7 skills once each, 2 kinds of experience and
    # education: 10 questions at 20 seconds each is 200 s, about 4 minutes (rounded up).
    settings.FEATURED_ROLE = "lead"
    track = make_track()
    skills = [make_skill() for _ in range(7)]
    junior = make_role(
        track=track,
        rank=1,
        skills=[(s, 2, 3, False) for s in skills[:4]],
        experience=[("ml-work", "ML work", 1, 3, False)],
    )
    lead = make_role(
        slug="lead",
        track=track,
        rank=2,
        skills=[(s, 3, 3, False) for s in skills[2:]],
        experience=[("ml-work", "ML work", 3, 3, False), ("mgmt", "Management", 1, 2, False)],
        education=(EducationLevel.MASTER, 2, False),
    )
    junior.next_roles.add(lead)

    body = client.get(reverse("home")).content.decode()

    assert re.search(r'data-testid="featured-time">About 4 minutes ·', body)


def test_home_offers_no_shortcut_to_an_unpublished_featured_role(client, settings):
    settings.FEATURED_ROLE = "ml-team-lead"
    make_role(slug="ml-team-lead", is_published=False)

    body = client.get(reverse("home")).content.decode()

    assert 'data-testid="featured-assess"' not in body
    assert reverse("roles:assess", args=["ml-team-lead"]) not in body


def test_track_page_lists_each_rung_with_its_salary_and_a_link_to_assess_it(client):
    track = make_track()
    junior, senior = make_ladder(2, track=track)
    SalaryFigure.objects.create(
        role=senior, label="National average", average=141_405, source="US market"
    )
    SalaryFigure.objects.create(role=junior, label="Range", low=90_000, high=110_500, source="X")

    body = client.get(track.get_absolute_url()).content.decode()

    def rung(role: Role) -> str:
        block = body[body.index(f'data-testid="rung-{role.slug}"') :]
        return block[: block.index("</li>")]

    assert "National average: $141,405" in rung(senior)
    assert "(US market)" in rung(senior)
    assert "Range: $90,000–$110,500" in rung(junior)
    for role in (junior, senior):
        assert f'href="{reverse("roles:assess", args=[role.slug])}"' in rung(role)
    assert "(rung " not in body  # the page speaks to the reader, not in editor's terms
    assert 'data-testid="you-are-here"' not in body  # nobody signed in


def test_track_page_marks_where_a_signed_in_person_stands(client):
    from assessments.models import Assessment

    track = make_track()
    junior, senior = make_ladder(2, track=track)
    ann = make_user()
    report = {"current_rung": junior.slug}
    Assessment.objects.create(
        owner=ann,
        role=senior,
        status="submitted",
        snapshot={},
        report=report,
        submitted_at="2026-01-02T10:00:00Z",
    )
    client.force_login(ann)

    body = client.get(track.get_absolute_url()).content.decode()

    assert body.count('data-testid="you-are-here"') == 1
    junior_block = body[body.index(f'data-testid="rung-{junior.slug}"') :]
    assert 'data-testid="you-are-here"' in junior_block[: junior_block.index("</li>")]
    # someone else sees no mark
    client.force_login(make_user())
    assert 'data-testid="you-are-here"' not in client.get(track.get_absolute_url()).content.decode()


def test_role_page_offers_the_assessment_again_after_the_requirements_and_a_jump_nav(client):
    role = make_ladder(1)[0]

    body = client.get(role.get_absolute_url()).content.decode()

    assess = reverse("roles:assess", args=[role.slug])
    bottom = body.index('data-testid="assess-cta-bottom"')
    assert body.index('id="exp-heading"') < bottom
    assert f'href="{assess}"' in body[bottom:]
    nav = body[body.index('data-testid="jump-nav"') :]
    nav = nav[: nav.index("</nav>")]
    for anchor in ("#skills-heading", "#ladder-heading", "#salary-heading"):
        assert f'href="{anchor}"' in nav


def test_role_page_estimates_the_time_from_the_number_of_questions(client):
    # 20 seconds a question: the ladder's distinct skills and kinds of experience, and
    # education. Junior asks 2 skills; the lead 2 more and one shared, plus 2 kinds of
    # experience: 4 + 2 + 1 = 7 questions → 140 s → 3 minutes.
    shared, a, b, c = (make_skill() for _ in range(4))
    junior = make_role(rank=1, skills=[(shared, 2, 3, False), (a, 2, 3, False)])
    lead = make_role(
        track=junior.track,
        rank=2,
        skills=[(shared, 3, 3, False), (b, 3, 3, False), (c, 3, 3, False)],
        experience=[("x", "X", 2, 3, False), ("y", "Y", 2, 3, False)],
    )
    junior.next_roles.add(lead)
    lead.ladder_previous = junior
    lead.save()

    assert "About 3 minutes" in client.get(lead.get_absolute_url()).content.decode()
    # the junior rung alone: 2 skills + education = 3 questions → 60 s → 1 minute
    assert "About 1 minute ·" in client.get(junior.get_absolute_url()).content.decode()
