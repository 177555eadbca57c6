"""The session view: a coach's landing page for one client, from the client's latest
shared report, worded about the client by name, private to the coach of an active
consent, in a constant number of queries; and its PDF, the coach's own copy."""

from __future__ import annotations

import html as html_lib
import io
import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from coaching.models import ClientTag, CoachNote
from coaching.services import calibration_save, relationship_revoke
from tests.factories import (
    make_action,
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


def _browser(user: Any) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def _main(response: Any) -> str:
    """The page's own content, without the site's header and footer."""
    html = response.content.decode()
    return html.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def _text(html: str) -> str:
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.fixture
def ana() -> SimpleNamespace:
    """Cora coaches Ana for ML Team Lead: Python (Advanced, weight 3, essential), SQL
    (Practitioner, weight 2) and Statistics (Working, weight 1).

    First report: Python 1, SQL 1, Statistics 2: readiness 100 × (3·1/4 + 2·1/3 + 1) / 6
    = 40.27… → 40.2. Latest: Python 2, SQL 3, Statistics 2: 100 × (3·2/4 + 2 + 1) / 6
    = 75.0, Close (the essential Python is unmet). Cora calibrates the latest report:
    Python 4 (+2 on Ana's Working), SQL 2 (−1), Statistics 0 (−2). The plan's two Python
    steps take 3 + 4 = 7 weeks."""
    category = make_category()
    python = make_skill(slug="python", name="Python", category=category)
    sql = make_skill(slug="sql", name="SQL", category=category)
    stats = make_skill(slug="statistics", name="Statistics", category=category)
    # The plan to Advanced: two steps of 3 and 4 weeks from Ana's Working.
    make_action(skill=python, from_level=2, effort_weeks=3)
    make_action(skill=python, from_level=3, effort_weeks=4)
    role = make_role(
        title="ML Team Lead",
        track=make_track(),
        skills=[(python, 4, 3, True), (sql, 3, 2, False), (stats, 2, 1, False)],
    )
    client = make_user(email="ana@example.com", first_name="Ana")
    coach = make_coach(email="cora@example.com", first_name="Cora")
    first = make_submitted_assessment(
        role=role, owner=client, levels={"python": 1, "sql": 1, "statistics": 2}
    )
    relationship = make_relationship(coach=coach, client=client)
    latest = make_submitted_assessment(
        role=role, owner=client, levels={"python": 2, "sql": 3, "statistics": 2}
    )
    calibration_save(
        assessment=latest, coach=coach, levels={"python": "4", "sql": "2", "statistics": "0"}
    )
    return SimpleNamespace(
        client=client,
        coach=coach,
        relationship=relationship,
        first=first,
        latest=latest,
        role=role,
        url=reverse("coaching:session", args=[relationship.pk]),
        pdf_url=reverse("coaching:session_pdf", args=[relationship.pk]),
    )


# --- who may see it -------------------------------------------------------------------


def test_the_coach_of_an_active_consent_sees_the_session(ana: SimpleNamespace) -> None:
    response = _browser(ana.coach).get(ana.url)
    assert response.status_code == 200
    assert "Session with Ana" in _text(_main(response))


@pytest.mark.parametrize("pdf", [False, True])
def test_the_client_gets_404(ana: SimpleNamespace, pdf: bool) -> None:
    response = _browser(ana.client).get(ana.pdf_url if pdf else ana.url)
    assert response.status_code == 404


@pytest.mark.parametrize("pdf", [False, True])
def test_another_coach_gets_404(ana: SimpleNamespace, pdf: bool) -> None:
    response = _browser(make_coach()).get(ana.pdf_url if pdf else ana.url)
    assert response.status_code == 404


@pytest.mark.parametrize("pdf", [False, True])
def test_the_coach_of_another_client_gets_404(ana: SimpleNamespace, pdf: bool) -> None:
    other = make_coach()
    make_relationship(coach=other, client=make_user())
    response = _browser(other).get(ana.pdf_url if pdf else ana.url)
    assert response.status_code == 404


@pytest.mark.parametrize("pdf", [False, True])
def test_the_coach_gets_404_once_the_client_revokes(ana: SimpleNamespace, pdf: bool) -> None:
    relationship_revoke(relationship=ana.relationship)
    response = _browser(ana.coach).get(ana.pdf_url if pdf else ana.url)
    assert response.status_code == 404


@pytest.mark.parametrize("pdf", [False, True])
def test_a_visitor_is_sent_to_log_in(ana: SimpleNamespace, pdf: bool) -> None:
    url = ana.pdf_url if pdf else ana.url
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse(settings.LOGIN_URL)}?next={url}"


def test_a_missing_relationship_is_404(ana: SimpleNamespace) -> None:
    url = reverse("coaching:session", args=[ana.relationship.pk + 999])
    assert _browser(ana.coach).get(url).status_code == 404


# --- what it shows --------------------------------------------------------------------


def test_it_shows_readiness_verdict_and_blockers_of_the_latest_shared_report(
    ana: SimpleNamespace,
) -> None:
    main = _main(_browser(ana.coach).get(ana.url))
    text = _text(main)
    assert "Where Ana stands" in text
    assert re.search(r'data-testid="readiness">75\.0<', main)
    assert re.search(r'data-testid="verdict">Close<', main)
    assert "What stands between Ana and Ready" in text
    assert "Essential: Python needs Advanced, Ana is at Working" in text
    # Close at 75.0: Ready starts at 90.
    assert "15.0 more points of readiness make it Ready (90 or more)." in text


def test_a_ready_client_has_nothing_standing_in_the_way() -> None:
    skill = make_skill(name="Python", category=make_category())
    role = make_role(title="ML Engineer", skills=[(skill, 2, 3, True)])
    coach, client = make_coach(), make_user(first_name="Ana")
    relationship = make_relationship(coach=coach, client=client)
    make_submitted_assessment(role=role, owner=client, levels={skill.slug: 3})
    main = _main(_browser(coach).get(reverse("coaching:session", args=[relationship.pk])))
    text = _text(main)
    assert re.search(r'data-testid="verdict">Ready<', main)
    assert "Ana meets this role's bar" in text
    assert "What stands between" not in text and "more points" not in text
    assert "Ana meets every requirement of ML Engineer." in text


def test_it_lists_the_top_gaps_with_what_they_take(ana: SimpleNamespace) -> None:
    main = _main(_browser(ana.coach).get(ana.url))
    assert "Ana's next step: the top gaps" in _text(main)
    gaps = [_text(li) for li in re.findall(r'data-testid="gap">(.*?)</li>', main, re.S)]
    # SQL (3 of 3) and Statistics (2 of 2) are met: Python is the only gap.
    assert gaps == [
        "Python Essential : Working → Advanced (2 levels), about 7 weeks of learning in the plan."
    ]


def test_only_the_first_five_gaps_are_listed() -> None:
    """Seven unmet skills of weights 1, 2, 3, 4, 5, 5, 5, none rated: the heaviest first
    (equal ones by name), five listed, two more counted."""
    category = make_category()
    skills = [make_skill(name=f"Skill {n}", category=category) for n in range(1, 8)]
    weights = [1, 2, 3, 4, 5, 5, 5]
    role = make_role(skills=[(s, 3, w, False) for s, w in zip(skills, weights, strict=True)])
    coach, client = make_coach(), make_user(first_name="Ana")
    relationship = make_relationship(coach=coach, client=client)
    make_submitted_assessment(role=role, owner=client)
    main = _main(_browser(coach).get(reverse("coaching:session", args=[relationship.pk])))
    gaps = [
        _text(li).split(":")[0].strip() for li in re.findall(r'data-testid="gap">(.*?)</li>', main)
    ]
    assert gaps == ["Skill 5", "Skill 6", "Skill 7", "Skill 4", "Skill 3"]
    assert "2 more gaps in the full report" in _text(main)


def test_it_names_the_disagreements_of_two_levels_or_more(ana: SimpleNamespace) -> None:
    main = _main(_browser(ana.coach).get(ana.url))
    items = [_text(li) for li in re.findall(r'data-testid="disagreement">(.*?)</li>', main)]
    assert items == [
        "Python : Ana rates Working, calibrated Advanced (2 levels higher); "
        "the role asks for Advanced.",
        "Statistics : Ana rates Working, calibrated None (2 levels lower); "
        "the role asks for Working.",
    ]  # SQL, one level apart, is not one


def test_it_says_what_changed_since_the_previous_shared_report(ana: SimpleNamespace) -> None:
    main = _main(_browser(ana.coach).get(ana.url))
    text = _text(main)
    assert "What changed since Ana's previous shared report" in text
    # 75.0 − 40.2 (the first report against the same requirements).
    assert "readiness went from 40.2 to 75.0 ( +34.8 )" in text
    changes = _text(re.search(r'data-testid="skill-changes">(.*?)</ul>', main).group(1))
    assert changes == (
        "SQL: Awareness → Practitioner (+2 levels) Python: Awareness → Working (+1 level)"
    )
    assert _text(re.search(r'data-testid="gaps-closed">(.*?)</ul>', main).group(1)) == "SQL"


def test_a_single_shared_report_has_nothing_to_compare(ana: SimpleNamespace) -> None:
    ana.first.delete()
    text = _text(_main(_browser(ana.coach).get(ana.url)))
    assert "This is the first report Ana has shared: nothing to compare with yet." in text


def test_the_latest_shared_report_is_read_not_a_later_unshared_one(ana: SimpleNamespace) -> None:
    """With consent for chosen reports, a later submission not chosen stays out."""
    relationship_revoke(relationship=ana.relationship)
    chosen = make_relationship(
        coach=ana.coach, client=ana.client, scope="chosen", assessments=[ana.first]
    )
    main = _main(_browser(ana.coach).get(reverse("coaching:session", args=[chosen.pk])))
    assert re.search(r'data-testid="readiness">40\.2<', main)
    assert "nothing to compare with yet" in _text(main)


def test_it_shows_the_last_five_notes_of_this_coach_newest_first(ana: SimpleNamespace) -> None:
    for n in range(1, 4):
        CoachNote.objects.create(
            assessment=ana.first, coach=ana.coach, text=f"First report note {n}."
        )
    for n in range(4, 7):
        CoachNote.objects.create(
            assessment=ana.latest,
            coach=ana.coach,
            text=f"Latest report note {n}.",
            visibility="shared" if n == 6 else "private",
        )
    CoachNote.objects.create(assessment=ana.latest, coach=make_coach(), text="Someone else's.")

    main = _main(_browser(ana.coach).get(ana.url))
    notes = [
        _text(n) for n in re.findall(r'data-testid="session-note">(.*?)</article>', main, re.S)
    ]
    assert [" ".join(n.split()[-4:]) for n in notes] == [
        "Latest report note 6.",
        "Latest report note 5.",
        "Latest report note 4.",
        "First report note 3.",
        "First report note 2.",
    ]
    assert "Shared with Ana" in notes[0] and "Private" in notes[1]
    assert f"ML Team Lead, {ana.first.submitted_at:%-d %b %Y}" in notes[-1]
    assert "Someone else's." not in main


def test_the_page_links_to_the_full_report_and_the_client(ana: SimpleNamespace) -> None:
    main = _main(_browser(ana.coach).get(ana.url))
    assert f'href="{reverse("coaching:report", args=[ana.latest.pk])}"' in main
    assert f'href="{reverse("coaching:client", args=[ana.relationship.pk])}"' in main


def test_it_never_says_your_about_the_client(ana: SimpleNamespace) -> None:
    CoachNote.objects.create(assessment=ana.latest, coach=ana.coach, text="Check SQL depth.")
    text = _text(_main(_browser(ana.coach).get(ana.url)))
    assert not re.search(r"\byou(r|rs)?\b", text, re.IGNORECASE), text


def test_a_client_without_a_name_is_this_client(ana: SimpleNamespace) -> None:
    ana.client.first_name = ""
    ana.client.save()
    text = _text(_main(_browser(ana.coach).get(ana.url)))
    assert "Session with ana@example.com" in text
    assert "This client's next step: the top gaps" in text
    assert "Python needs Advanced, this client is at Working" in text
    assert not re.search(r"\byou(r|rs)?\b", text, re.IGNORECASE)


def test_a_client_who_shared_nothing_gets_a_clear_empty_state() -> None:
    coach = make_coach()
    relationship = make_relationship(coach=coach, client=make_user(first_name="Ben"))
    response = _browser(coach).get(reverse("coaching:session", args=[relationship.pk]))
    assert response.status_code == 200
    text = _text(_main(response))
    assert "Nothing shared yet" in text
    assert "Ben has not shared a submitted assessment yet." in text
    assert "readiness" not in _main(response).split("session-empty")[0].lower()


# --- the PDF ----------------------------------------------------------------------------


def test_the_pdf_is_the_coachs_copy_with_private_notes_and_calibration(
    ana: SimpleNamespace,
) -> None:
    CoachNote.objects.create(assessment=ana.latest, coach=ana.coach, text="Private: ask SQL.")
    CoachNote.objects.create(
        assessment=ana.latest, coach=ana.coach, text="Shared: plan Python.", visibility="shared"
    )
    response = _browser(ana.coach).get(ana.pdf_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Session with Ana" in text
    assert "75.0 readiness" in text
    assert "Private: ask SQL." in text and "Shared: plan Python." in text
    # The calibration table: Python, Working against Advanced, needs Advanced, +2.
    assert "Python Working Advanced Advanced +2" in text


# --- queries --------------------------------------------------------------------------


def _client_with(*, skills: int, reports: int, notes: int, coach: Any) -> tuple[str, Any]:
    category = make_category()
    made = [make_skill(category=category) for _ in range(skills)]
    role = make_role(skills=[(s, 3, 2, i == 0) for i, s in enumerate(made)])
    client = make_user(first_name="Ana")
    relationship = make_relationship(coach=coach, client=client)
    assessments = [
        make_submitted_assessment(
            role=role, owner=client, levels={s.slug: (i + n) % 6 for i, s in enumerate(made)}
        )
        for n in range(reports)
    ]
    calibration_save(assessment=assessments[-1], coach=coach, levels={s.slug: "5" for s in made})
    for n in range(notes):
        CoachNote.objects.create(assessment=assessments[n % reports], coach=coach, text=f"{n}")
    # As many tags as notes, every other one on this client: the Tags block reads them all
    # in its one query.
    for n in range(notes):
        tag = ClientTag.objects.create(coach=coach, name=f"Tag {n}")
        if n % 2 == 0:
            relationship.tags.add(tag)
    return reverse("coaching:session", args=[relationship.pk]), relationship


# Whatever the data: the session, the user, the coach's group (coach_required), the
# relationship with its client, the two latest shared reports, the coach's calibrations
# on the latest one, the coach's last five notes with their reports' roles, and the
# relationship's action items. The page runs two more: it marks the client seen (one
# UPDATE) and reads the coach's tags, those on this client marked (its Tags block).
SESSION_QUERIES = 8
PAGE_EXTRA_QUERIES = 2


@pytest.mark.parametrize("pdf", [False, True], ids=["page", "pdf"])
@pytest.mark.parametrize(
    ("skills", "reports", "notes"), [(3, 1, 1), (30, 6, 20)], ids=["small", "large"]
)
def test_the_page_and_its_pdf_run_a_constant_number_of_queries(
    django_assert_num_queries: Any, skills: int, reports: int, notes: int, pdf: bool
) -> None:
    coach = make_coach()
    url, relationship = _client_with(skills=skills, reports=reports, notes=notes, coach=coach)
    if pdf:
        url = reverse("coaching:session_pdf", args=[relationship.pk])
    browser = _browser(coach)
    with django_assert_num_queries(SESSION_QUERIES + (0 if pdf else PAGE_EXTRA_QUERIES)):
        response = browser.get(url)
    assert response.status_code == 200
    if not pdf:
        shown = re.findall(r'data-testid="session-note"', response.content.decode())
        assert len(shown) == min(notes, 5)


# --- the way in -----------------------------------------------------------------------


def test_the_dashboard_and_the_client_page_lead_to_the_session(ana: SimpleNamespace) -> None:
    coach = _browser(ana.coach)
    dashboard = coach.get(reverse("coaching:clients")).content.decode()
    detail = coach.get(reverse("coaching:client", args=[ana.relationship.pk])).content.decode()
    link = f'href="{ana.url}"'
    assert f"<a {link}>Ana</a>" in dashboard
    assert link in detail and 'data-testid="session-link"' in detail


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_the_session_pages_only_read(ana: SimpleNamespace, method: str) -> None:
    coach = _browser(ana.coach)
    for url in (ana.url, ana.pdf_url):
        assert getattr(coach, method)(url).status_code == 405
