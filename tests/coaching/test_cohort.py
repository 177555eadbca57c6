"""The cohort view: the spread of verdicts, the most common gaps, the clients × skills map,
the overlay of chosen clients' category scores and the CSV, worked out by hand; the tag
filter; empty states; who may see it; and a number of queries that is the same for 10
clients as for 1,000."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, ReportSkillGap
from coaching.cohort import COMPARE_LIMIT, MAP_PER_PAGE
from coaching.models import ClientTag, CoachRelationship, SharedAssessment
from coaching.services import tag_add
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

CSV_FIXED = ["name", "email", "target_role", "readiness", "verdict"]


def _browser(user: Any) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


@pytest.fixture
def cohort() -> SimpleNamespace:
    """Cora's five clients. Lead (no requirement essential): Python 4 (weight 3), SQL 3
    (weight 2), Statistics 2 (weight 1); Data engineer: Python 3 (weight 2), ETL 2 (weight
    2), Airflow 2 (weight 1). Python and SQL are Technical, the others Data.

    Ana, Lead: Python 2, SQL 3, Statistics 0: 100 × (3·2/4 + 2 + 0) / 6 = 58.3, developing
      (Technical 100 × 3.5/5 = 70.0, Data 0.0); gaps Python 2, Statistics 2.
    Ben, Lead: Python 3, SQL 1, Statistics 2: 100 × (2.25 + 2/3 + 1) / 6 = 65.2, developing;
      gaps Python 1, SQL 2.
    Cid, Data engineer: Python 1, ETL 0, Airflow 1: 100 × (2/3 + 0 + 0.5) / 5 = 23.3,
      early (Technical 33.3, Data 100 × 0.5/3 = 16.6); gaps Python 2, ETL 2, Airflow 1.
    (Scores are cut to one decimal, as the report shows them: 65.27 is 65.2.)
    Dee: nothing shared yet.
    Eve, Data engineer: everything met: 100, ready.
    Ana and Cid are tagged "Spring". Nora coaches someone else."""
    technical, data = make_category(name="Technical"), make_category(name="Data")
    python = make_skill(slug="python", name="Python", category=technical)
    sql = make_skill(slug="sql", name="SQL", category=technical)
    stats = make_skill(slug="statistics", name="Statistics", category=data)
    etl = make_skill(slug="etl", name="ETL", category=data)
    airflow = make_skill(slug="airflow", name="Airflow", category=data)
    lead = make_role(
        title="ML Team Lead",
        track=make_track(),
        skills=[(python, 4, 3, False), (sql, 3, 2, False), (stats, 2, 1, False)],
    )
    engineer = make_role(
        title="Data Engineer",
        track=make_track(),
        skills=[(python, 3, 2, False), (etl, 2, 2, False), (airflow, 2, 1, False)],
    )
    coach = make_coach(email="cora@example.com", first_name="Cora")
    answers = {
        "Ana": (lead, {"python": 2, "sql": 3, "statistics": 0}),
        "Ben": (lead, {"python": 3, "sql": 1, "statistics": 2}),
        "Cid": (engineer, {"python": 1, "etl": 0, "airflow": 1}),
        "Dee": None,
        "Eve": (engineer, {"python": 3, "etl": 2, "airflow": 2}),
    }
    relationships = {}
    for name, answer in answers.items():
        user = make_user(email=f"{name.lower()}@example.com", first_name=name)
        relationships[name] = make_relationship(coach=coach, client=user)
        if answer is not None:
            make_submitted_assessment(role=answer[0], owner=user, levels=answer[1])
    spring = tag_add(coach=coach, relationship=relationships["Ana"], name="Spring")
    tag_add(coach=coach, relationship=relationships["Cid"], name="Spring")
    nora = make_coach(email="nora@example.com")
    outsider = make_relationship(coach=nora, client=make_user(email="zed@example.com"))
    make_submitted_assessment(role=lead, owner=outsider.client, levels={"python": 0})
    return SimpleNamespace(
        coach=coach,
        browser=_browser(coach),
        clients=relationships,
        spring=spring,
        nora=nora,
        outsider=outsider,
        nora_tag=tag_add(coach=nora, relationship=outsider, name="Nora's"),
    )


def _page(browser: Client, **params: Any) -> SimpleNamespace:
    response = browser.get(reverse("coaching:cohort"), params)
    assert response.status_code == 200
    return response.context["cohort"]


def _csv(browser: Client, **params: Any) -> list[list[str]]:
    response = browser.get(reverse("coaching:cohort_csv"), params)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    return list(csv.reader(io.StringIO(response.content.decode())))


# --- the spread of verdicts ------------------------------------------------------------


def test_the_spread_of_verdicts_counts_every_client(cohort: SimpleNamespace) -> None:
    data = _page(cohort.browser)

    assert (data.clients, data.shared) == (5, 4)
    assert [(v.label, v.count, v.percent) for v in data.verdicts] == [
        ("Ready", 1, 20.0),
        ("Close", 0, 0.0),
        ("Developing", 2, 40.0),
        ("Early", 1, 20.0),
        ("Nothing shared yet", 1, 20.0),
    ]
    # The bar's segments follow each other from 0 to 100.
    assert [v.start for v in data.verdicts] == [0.0, 20.0, 20.0, 60.0, 80.0]


def test_the_spread_is_drawn_with_a_table_of_the_same(cohort: SimpleNamespace) -> None:
    page = cohort.browser.get(reverse("coaching:cohort")).content.decode()
    table = page.split('data-testid="verdict-table"', 1)[1].split("</table>", 1)[0]

    assert "Developing 2 40.0%" in _text(table)
    assert "Nothing shared yet 1 20.0%" in _text(table)
    assert '<svg class="spread-bar"' in page and "Ready 1, Close 0, Developing 2" in page


# --- the most common gaps ---------------------------------------------------------------


def test_the_common_gaps_are_ranked_by_clients_then_average_then_name(
    cohort: SimpleNamespace,
) -> None:
    data = _page(cohort.browser)

    # Python: Ana 2, Ben 1, Cid 2 → 3 clients of the 4 with a report, 5/3 = 1.7 on average.
    # ETL, SQL and Statistics: one client each, 2 levels: by name. Airflow: one client,
    # 1 level: after them, though first by name.
    assert [(g.name, g.clients, g.average_gap, g.share) for g in data.common_gaps] == [
        ("Python", 3, 1.7, 75.0),
        ("ETL", 1, 2.0, 25.0),
        ("SQL", 1, 2.0, 25.0),
        ("Statistics", 1, 2.0, 25.0),
        ("Airflow", 1, 1.0, 25.0),
    ]
    assert data.common_gaps[0].category == "Technical"


def test_only_each_clients_latest_shared_report_counts(cohort: SimpleNamespace) -> None:
    # Ben's new report closes his SQL gap; his old one no longer counts anywhere.
    ben = cohort.clients["Ben"]
    lead = Assessment.objects.filter(owner=ben.client).get().role
    make_submitted_assessment(
        role=lead, owner=ben.client, levels={"python": 3, "sql": 3, "statistics": 2}
    )

    gaps = {g.name: g.clients for g in _page(cohort.browser).common_gaps}

    assert "SQL" not in gaps
    assert gaps["Python"] == 3


# --- the map ------------------------------------------------------------------------------


def _map(page: str) -> list[list[str]]:
    """The map's rows: the client's name, then each cell's text (gap, ✓, —)."""
    body = page.split('data-testid="cohort-map"', 1)[1].split("<tbody>", 1)[1]
    rows = []
    for row in re.findall(r'<tr data-testid="map-row">(.*?)</tr>', body, flags=re.S):
        name = re.search(r'data-testid="map-client">([^<]+)<', row).group(1)
        cells = re.findall(r'data-gap="([^"]+)"', row)
        rows.append([name, *(cells or ["nothing shared"])])
    return rows


def test_the_map_gives_each_clients_gap_on_the_common_skills(cohort: SimpleNamespace) -> None:
    page = cohort.browser.get(reverse("coaching:cohort")).content.decode()
    head = page.split('data-testid="cohort-map"', 1)[1].split("</thead>", 1)[0]

    assert re.findall(r'class="map-skill">([^<]+)<', head) == [
        "Python",
        "ETL",
        "SQL",
        "Statistics",
        "Airflow",
    ]
    assert _map(page) == [
        ["Ana", "2", "—", "✓", "2", "—"],
        ["Ben", "1", "—", "2", "✓", "—"],
        ["Cid", "2", "2", "—", "—", "1"],
        ["Dee", "nothing shared"],
        ["Eve", "✓", "✓", "—", "—", "✓"],
    ]
    assert (
        '<td class="map-cell map-2" data-gap="2">2<span class="visually-hidden"> 2 levels short'
        in page
    )
    assert '<th scope="row"' in page and "<caption" in page


def test_the_map_pages_clients_by_name(cohort: SimpleNamespace) -> None:
    for n in range(MAP_PER_PAGE):
        make_relationship(coach=cohort.coach, client=make_user(first_name=f"Zoe {n:02}"))

    first = _page(cohort.browser)
    second = cohort.browser.get(reverse("coaching:cohort"), {"page": 2}).content.decode()

    assert first.page.paginator.num_pages == 2
    assert [r.name for r in first.page.object_list][:3] == ["Ana", "Ben", "Cid"]
    assert [row[0] for row in _map(second)] == ["Zoe 20", "Zoe 21", "Zoe 22", "Zoe 23", "Zoe 24"]


# --- the tag filter -----------------------------------------------------------------------


def test_a_tag_narrows_everything_to_its_clients(cohort: SimpleNamespace) -> None:
    page = cohort.browser.get(reverse("coaching:cohort"), {"tag": cohort.spring.pk})
    data = page.context["cohort"]

    assert (data.clients, data.shared) == (2, 2)
    assert [(v.label, v.count) for v in data.verdicts if v.count] == [
        ("Developing", 1),
        ("Early", 1),
    ]
    assert [(g.name, g.clients, g.average_gap) for g in data.common_gaps] == [
        ("Python", 2, 2.0),
        ("ETL", 1, 2.0),
        ("Statistics", 1, 2.0),
        ("Airflow", 1, 1.0),
    ]
    assert [row[0] for row in _map(page.content.decode())] == ["Ana", "Cid"]
    assert "Clients tagged “Spring”" in page.content.decode()


def test_the_csv_has_a_row_per_client_of_the_cohort(cohort: SimpleNamespace) -> None:
    assert _csv(cohort.browser) == [
        [*CSV_FIXED, "Python", "ETL", "SQL", "Statistics", "Airflow"],
        ["Ana", "ana@example.com", "ML Team Lead", "58.3", "developing", "2", "", "0", "2", ""],
        ["Ben", "ben@example.com", "ML Team Lead", "65.2", "developing", "1", "", "2", "0", ""],
        ["Cid", "cid@example.com", "Data Engineer", "23.3", "early", "2", "2", "", "", "1"],
        ["Dee", "dee@example.com", "", "", "", "", "", "", "", ""],
        ["Eve", "eve@example.com", "Data Engineer", "100.0", "ready", "0", "0", "", "", "0"],
    ]
    tagged = _csv(cohort.browser, tag=cohort.spring.pk)
    assert tagged[0][5:] == ["Python", "ETL", "Statistics", "Airflow"]
    assert [row[0] for row in tagged[1:]] == ["Ana", "Cid"]
    assert tagged[1][5:] == ["2", "", "2", ""]


def test_the_csv_quotes_what_a_spreadsheet_would_run(cohort: SimpleNamespace) -> None:
    ana = cohort.clients["Ana"].client
    ana.first_name = "=HYPERLINK(1)"
    ana.save()
    rows = _csv(cohort.browser)
    assert ["'=HYPERLINK(1)", "ana@example.com"] in [row[:2] for row in rows]


@pytest.mark.parametrize("value", ["nora", "abc", "²", "999999", "99999999999999999999"])
def test_a_tag_that_is_not_the_coachs_is_a_404(cohort: SimpleNamespace, value: str) -> None:
    tag = str(cohort.nora_tag.pk) if value == "nora" else value
    assert cohort.browser.get(reverse("coaching:cohort"), {"tag": tag}).status_code == 404
    assert cohort.browser.get(reverse("coaching:cohort_csv"), {"tag": tag}).status_code == 404


def test_the_tag_select_redraws_the_cohort_with_htmx(cohort: SimpleNamespace) -> None:
    response = cohort.browser.get(
        reverse("coaching:cohort"),
        {"tag": cohort.spring.pk},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="cohort",
    )
    page = response.content.decode()

    assert "<html" not in page and page.lstrip().startswith('<div id="cohort"')
    assert f'href="/coaching/cohort.csv?tag={cohort.spring.pk}"' in page
    assert "HX-Request" in response["Vary"]


def test_the_page_leads_back_to_the_dashboard_and_the_dashboard_to_it(
    cohort: SimpleNamespace,
) -> None:
    page = cohort.browser.get(reverse("coaching:cohort")).content.decode()
    dashboard = cohort.browser.get(reverse("coaching:clients")).content.decode()
    assert f'href="{reverse("coaching:clients")}" data-testid="back-to-clients"' in page
    assert f'href="{reverse("coaching:cohort")}" data-testid="cohort-link"' in dashboard


# --- the overlay --------------------------------------------------------------------------


def test_the_overlay_draws_the_chosen_clients_category_scores(cohort: SimpleNamespace) -> None:
    ana, cid = cohort.clients["Ana"], cohort.clients["Cid"]
    response = cohort.browser.get(reverse("coaching:cohort"), {"compare": [cid.pk, ana.pk]})
    overlay = response.context["cohort"].overlay
    page = response.content.decode()

    assert [(s.name, s.shape_name) for s in overlay.series] == [
        ("Ana", "circle"),
        ("Cid", "square"),
    ]
    assert [(r.category, [p.readiness for p in r.points]) for r in overlay.rows] == [
        ("Overall readiness", [58.3, 23.3]),
        ("Technical", [70.0, 33.3]),
        ("Data", [0.0, 16.6]),
    ]
    table = page.split('data-testid="overlay-table"', 1)[1].split("</table>", 1)[0]
    assert "Technical 70.0 33.3" in _text(table)
    assert 'aria-label="Technical: Ana 70, Cid 33.3"' in page
    # The chosen stay ticked in the map.
    assert f'value="{ana.pk}" id="compare-{ana.pk}" checked' in page


def test_a_category_not_in_a_clients_role_is_a_dash(cohort: SimpleNamespace) -> None:
    # Give Eve a role with a category of its own.
    eve = cohort.clients["Eve"]
    soft = make_skill(slug="talking", name="Talking", category=make_category(name="Soft"))
    make_submitted_assessment(
        role=make_role(title="Speaker", skills=[(soft, 2, 1, False)]),
        owner=eve.client,
        levels={"talking": 2},
    )
    ana = cohort.clients["Ana"]
    overlay = _page(cohort.browser, compare=[ana.pk, eve.pk]).overlay
    rows = {r.category: [p.readiness for p in r.points] for r in overlay.rows}
    assert rows["Soft"] == [None, 100.0]
    assert rows["Technical"] == [70.0, None]


def test_more_than_five_clients_is_refused_with_a_message(cohort: SimpleNamespace) -> None:
    extra = [
        make_relationship(coach=cohort.coach, client=make_user()).pk for _ in range(COMPARE_LIMIT)
    ]
    response = cohort.browser.get(
        reverse("coaching:cohort"), {"compare": [cohort.clients["Ana"].pk, *extra]}
    )
    assert response.context["cohort"].overlay is None
    assert "Choose at most 5 clients to compare (you chose 6)" in response.content.decode()


def test_ids_that_are_not_this_cohorts_clients_are_ignored(cohort: SimpleNamespace) -> None:
    ana, ben = cohort.clients["Ana"], cohort.clients["Ben"]
    params = {
        "compare": [cohort.outsider.pk, "x", "²", "9" * 30, ben.pk, ana.pk],
        "tag": cohort.spring.pk,
    }

    overlay = _page(cohort.browser, **params).overlay

    # Nora's client and Ben (not tagged Spring) are dropped; Ana stays.
    assert [s.name for s in overlay.series] == ["Ana"]
    assert _page(cohort.browser, compare=[cohort.outsider.pk]).overlay is None


# --- empty states and who may -------------------------------------------------------------


def test_a_coach_without_clients_is_told_how_to_start() -> None:
    page = _browser(make_coach()).get(reverse("coaching:cohort")).content.decode()
    assert "You have no clients yet." in page and 'data-testid="cohort-map"' not in page


def test_a_tag_without_clients_says_so(cohort: SimpleNamespace) -> None:
    empty = ClientTag.objects.create(coach=cohort.coach, name="Later")
    page = cohort.browser.get(reverse("coaching:cohort"), {"tag": empty.pk}).content.decode()
    assert "No client has the tag “Later” yet." in page
    assert _csv(cohort.browser, tag=empty.pk) == [CSV_FIXED]


def test_clients_who_shared_nothing_yet_get_a_plain_word() -> None:
    coach = make_coach()
    make_relationship(coach=coach, client=make_user(first_name="Ben"))
    page = _browser(coach).get(reverse("coaching:cohort")).content.decode()
    assert "None of these clients has shared a submitted report yet" in page
    assert "Nothing shared yet 1 100.0%" in _text(page)


def test_a_revoked_client_leaves_the_cohort(cohort: SimpleNamespace) -> None:
    from coaching.services import relationship_revoke

    relationship_revoke(relationship=cohort.clients["Cid"])
    data = _page(cohort.browser)
    assert data.clients == 4
    assert "Cid" not in [row[0] for row in _csv(cohort.browser)]


def test_the_manage_tags_area_lists_the_coachs_tags_with_their_clients(
    cohort: SimpleNamespace,
) -> None:
    page = cohort.browser.get(reverse("coaching:cohort")).content.decode()
    manage = page.split('id="manage-tags"', 1)[1].split("</details>", 1)[0]
    assert "“Spring”, on 2 clients" in manage
    assert "Nora" not in manage
    assert " open" not in page.split('id="manage-tags"', 1)[1].split(">", 1)[0]


# --- a constant number of queries -----------------------------------------------------------


def _bulk_cohort(coach: Any, count: int, tag: ClientTag) -> list[CoachRelationship]:
    """`count` clients with a shared report each (three skills with their gap rows) and
    the tag, built in bulk: the frozen fields are set directly, not scored."""
    user_model = get_user_model()
    prefix = f"c{coach.pk}-"
    users = user_model.objects.bulk_create(
        user_model(username=f"{prefix}{i:04}@example.com", email=f"{prefix}{i:04}@example.com")
        for i in range(count)
    )
    role = make_role(title="Bulk role")
    now = timezone.now()
    reports = Assessment.objects.bulk_create(
        Assessment(
            owner=user,
            role=role,
            status=Assessment.Status.SUBMITTED,
            snapshot={"version": 1},
            answers_frozen={"skills": {}},
            report={
                "role_title": "Bulk role",
                "readiness": 50.0,
                "categories": [{"name": "Technical", "readiness": float(i % 100)}],
            },
            readiness=Decimal(i % 1000) / 10,
            verdict=("early", "developing", "close", "ready")[i % 4],
            submitted_at=now - timedelta(days=i % 30),
        )
        for i, user in enumerate(users)
    )
    ReportSkillGap.objects.bulk_create(
        ReportSkillGap(
            assessment=report,
            slug=f"skill-{k}",
            name=f"Skill {k}",
            category="Technical",
            required=3,
            self_level=(i + k) % 4,
            gap=max(0, 3 - (i + k) % 4),
        )
        for i, report in enumerate(reports)
        for k in range(3)
    )
    relationships = CoachRelationship.objects.bulk_create(
        CoachRelationship(coach=coach, client=user) for user in users
    )
    by_client = {r.client_id: r for r in relationships}
    SharedAssessment.objects.bulk_create(
        SharedAssessment(relationship=by_client[a.owner_id], assessment=a) for a in reports
    )
    CoachRelationship.tags.through.objects.bulk_create(
        CoachRelationship.tags.through(coachrelationship_id=r.pk, clienttag_id=tag.pk)
        for r in relationships
    )
    CoachRelationship.objects.filter(coach=coach).refresh_results()
    return relationships


# The cohort page, whatever the number of clients:
#  1. the session
#  2. the user
#  3. is the user a coach (coach_required)
#  4. the coach's tags, with how many clients each (the select and "Manage tags")
#  5. the spread of verdicts (GROUP BY verdict), which gives the number of clients
#  6. the most common gaps (GROUP BY skill over the latest reports' gap rows)
#  7. one page of clients by name
#  8. their gaps on the map's skills
#  9. the chosen clients' latest reports, for the overlay (when some are chosen)
COHORT_QUERIES = 9
# The CSV: session, user, coach check, the tag (when one is asked for), the common gaps,
# every client's gaps on them, then the clients, streamed.
CSV_QUERIES = 7


def _count(browser: Client, name: str, params: dict[str, Any]) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(reverse(name), params)
    assert response.status_code == 200
    return len(queries), response


def test_the_page_and_the_csv_run_as_many_queries_for_1000_clients_as_for_10() -> None:
    counts: dict[str, set[int]] = {"page": set(), "csv": set()}
    for size in (10, 1000):
        coach = make_coach()
        tag = ClientTag.objects.create(coach=coach, name="All of them")
        clients = _bulk_cohort(coach, size, tag)
        browser = _browser(coach)
        compare = [clients[0].pk, clients[-1].pk]
        for params in ({"compare": compare}, {"tag": tag.pk, "compare": compare, "page": 2}):
            queries, response = _count(browser, "coaching:cohort", params)
            counts["page"].add(queries)
            data = response.context["cohort"]
            assert data.clients == size and len(data.overlay.series) == 2
        queries, response = _count(browser, "coaching:cohort_csv", {"tag": tag.pk})
        counts["csv"].add(queries)
        assert len(response.content.decode().strip().splitlines()) == size + 1
    assert counts == {"page": {COHORT_QUERIES}, "csv": {CSV_QUERIES}}


# --- kept, and fresh ------------------------------------------------------------------


def test_a_kept_cohort_page_follows_a_new_tag_and_a_new_report_at_once(
    cohort: SimpleNamespace,
) -> None:
    url = reverse("coaching:cohort")
    before = _text(cohort.browser.get(url, {"tag": cohort.spring.pk}).content.decode())
    assert "2 clients" in before and "Dee" not in before

    tag_add(coach=cohort.coach, relationship=cohort.clients["Dee"], name="spring")
    tagged = _text(cohort.browser.get(url, {"tag": cohort.spring.pk}).content.decode())
    dee = cohort.clients["Dee"].client
    lead = CoachRelationship.objects.get(pk=cohort.clients["Ana"].pk).latest_role
    make_submitted_assessment(role=lead, owner=dee, levels={"python": 4, "sql": 3})
    submitted = cohort.browser.get(url, {"tag": cohort.spring.pk}).content.decode()

    assert "3 clients" in tagged and "Dee" in tagged
    assert "3 clients, 3 with a shared report" in _text(submitted)
