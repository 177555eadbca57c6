"""The coach's dashboard of clients: what each row shows, sorting, filters, pages, the htmx
partial, and a number of queries that does not grow with the number of clients."""

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

from assessments.models import Assessment
from coaching.models import CoachRelationship, SharedAssessment
from coaching.views import CLIENTS_PER_PAGE
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

CSV_HEADER = [
    "name",
    "email",
    "target_role",
    "readiness",
    "verdict",
    "top_gap",
    "change",
    "last_activity",
]


@pytest.fixture
def roles() -> SimpleNamespace:
    category = make_category(name="Technical")
    python = make_skill(slug="python", name="Python", category=category)
    sql = make_skill(slug="sql", name="SQL", category=category)
    mlops = make_skill(slug="mlops", name="MLOps", category=category)
    etl = make_skill(slug="etl", name="ETL", category=category)
    lead = make_role(
        slug="lead",
        title="ML Team Lead",
        track=make_track(),
        skills=[(python, 4, 3, True), (sql, 2, 1, False), (mlops, 3, 2, False)],
    )
    data = make_role(
        slug="data-engineer", title="Data Engineer", track=make_track(), skills=[(etl, 2, 1, False)]
    )
    return SimpleNamespace(lead=lead, data=data)


def _submit(role: Any, owner: Any, days_ago: int, **levels: int) -> Assessment:
    assessment = make_submitted_assessment(role=role, owner=owner, levels=levels)
    submitted_at = timezone.now() - timedelta(days=days_ago)
    Assessment.objects.filter(pk=assessment.pk).update(submitted_at=submitted_at)
    assessment.submitted_at = submitted_at
    return assessment


@pytest.fixture
def dashboard(roles: SimpleNamespace) -> SimpleNamespace:
    """Four clients of Cora's, and one of another coach's:
    ann  ML Team Lead   75.0 → 100.0 (ready, +25.0), last 2 days ago
    ben  Data Engineer  50.0 (developing, no change), 40 days ago
    cid  nothing shared yet
    dee  ML Team Lead  100.0 → 25.0 (early, -75.0), last 10 days ago"""
    coach = make_coach(email="cora@example.com")
    ann = make_user(email="ann@example.com", first_name="Ann", last_name="Archer")
    ben = make_user(email="ben@example.com")
    cid = make_user(email="cid@example.com")
    dee = make_user(email="dee@example.com")
    _submit(roles.lead, ann, 30, python=2, sql=2, mlops=3)
    _submit(roles.lead, ann, 2, python=4, sql=2, mlops=3)
    _submit(roles.data, ben, 40, etl=1)
    _submit(roles.lead, dee, 20, python=4, sql=2, mlops=3)
    _submit(roles.lead, dee, 10, python=2)
    for client in (ann, ben, cid, dee):
        make_relationship(coach=coach, client=client)
    outsider = make_user(email="eve@example.com")
    _submit(roles.lead, outsider, 1, python=5, sql=5, mlops=5)
    make_relationship(coach=make_coach(email="bob@example.com"), client=outsider)
    browser = Client()
    browser.force_login(coach)
    return SimpleNamespace(coach=coach, client=browser, roles=roles)


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _cells(fragment: str) -> list[str]:
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", fragment, flags=re.S)
    # The row's heading is the client's link (a phone shows the top gap under it too).
    return [_text(c.split("</a>", 1)[0]) if i == 0 else _text(c) for i, c in enumerate(cells)]


def _rows(page: str) -> list[list[str]]:
    """The client table's body rows, as the text of their cells."""
    if 'data-testid="clients"' not in page:
        return []
    body = page.split('data-testid="clients"', 1)[1].split("<tbody>", 1)[1]
    body = body.split("</tbody>", 1)[0]
    return [_cells(row) for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)]


def _names(page: str) -> list[str]:
    return [row[0] for row in _rows(page)]


def _get(browser: Client, **params: Any) -> str:
    response = browser.get(reverse("coaching:clients"), params)
    assert response.status_code == 200
    return response.content.decode()


def _day(days_ago: int) -> str:
    return f"{timezone.now() - timedelta(days=days_ago):%-d %b %Y}"


# --- content --------------------------------------------------------------------------


def test_dashboard_shows_each_clients_latest_shared_result(dashboard: SimpleNamespace) -> None:
    page = _get(dashboard.client)

    # The columns that matter first (a phone shows these without scrolling): who, the
    # verdict, readiness and the top gap of the latest shared report.
    assert _rows(page) == [
        ["Ann Archer", "Ready", "100.0", "—", "ML Team Lead", "+25.0", _day(2)],
        [
            "ben@example.com",
            "Developing",
            "50.0",
            "ETL: 1 level short",
            "Data Engineer",
            "—",
            _day(40),
        ],
        ["cid@example.com", "Nothing shared yet", "—", "—", "—", "—", "—"],
        [
            "dee@example.com",
            "Early",
            "25.0",
            "Python: 2 levels short",
            "ML Team Lead",
            "-75.0",
            _day(10),
        ],
    ]
    assert "eve@example.com" not in page
    assert '<p class="small text-body-secondary" id="client-count"' in page
    assert "4 clients" in page


def test_dashboard_links_each_client_to_their_page(dashboard: SimpleNamespace) -> None:
    page = _get(dashboard.client)

    for relationship in CoachRelationship.objects.filter(coach=dashboard.coach):
        assert f'href="{reverse("coaching:session", args=[relationship.pk])}"' in page


# --- sorting and filtering ------------------------------------------------------------


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Ann Archer", "ben@example.com", "cid@example.com", "dee@example.com"]),
        ("-name", ["dee@example.com", "cid@example.com", "ben@example.com", "Ann Archer"]),
        ("readiness", ["dee@example.com", "ben@example.com", "Ann Archer", "cid@example.com"]),
        ("-readiness", ["Ann Archer", "ben@example.com", "dee@example.com", "cid@example.com"]),
        ("change", ["dee@example.com", "Ann Archer", "ben@example.com", "cid@example.com"]),
        ("-change", ["Ann Archer", "dee@example.com", "ben@example.com", "cid@example.com"]),
        ("activity", ["cid@example.com", "ben@example.com", "dee@example.com", "Ann Archer"]),
        ("-activity", ["Ann Archer", "dee@example.com", "ben@example.com", "cid@example.com"]),
    ],
)
def test_dashboard_sorts(dashboard: SimpleNamespace, sort: str, expected: list[str]) -> None:
    assert _names(_get(dashboard.client, sort=sort)) == expected


def test_the_name_sort_follows_the_names_people_see_not_the_addresses(
    dashboard: SimpleNamespace,
) -> None:
    # Zoe's address sorts first, her name last; Bea has no name: her address counts.
    zoe = make_user(email="aaa@example.com", first_name="Zoe")
    bea = make_user(email="bea@example.com")
    for client in (zoe, bea):
        make_relationship(coach=dashboard.coach, client=client)

    names = _names(_get(dashboard.client, sort="name"))

    assert names == [
        "Ann Archer",
        "bea@example.com",
        "ben@example.com",
        "cid@example.com",
        "dee@example.com",
        "Zoe",
    ]
    assert _names(_get(dashboard.client, sort="-name")) == names[::-1]


def test_the_client_page_names_the_client_and_gives_their_address_once(
    dashboard: SimpleNamespace,
) -> None:
    relationship = CoachRelationship.objects.get(client__email="ann@example.com")

    page = dashboard.client.get(reverse("coaching:client", args=[relationship.pk]))

    body = page.content.decode()
    assert "<title>Ann Archer" in body
    assert re.search(r'<h1 class="h2[^"]*">Ann Archer</h1>', body)
    assert body.count(">ann@example.com</a>") == 1


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("ann", ["Ann Archer"]),
        ("ARCHER", ["Ann Archer"]),
        ("ann archer", ["Ann Archer"]),
        ("archer ben", []),  # every word must match
        ("ben@", ["ben@example.com"]),
        ("example.com", ["Ann Archer", "ben@example.com", "cid@example.com", "dee@example.com"]),
        ("eve", []),  # another coach's client
        ("  ", ["Ann Archer", "ben@example.com", "cid@example.com", "dee@example.com"]),
        ("x" * 101, ["Ann Archer", "ben@example.com", "cid@example.com", "dee@example.com"]),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 30 else None,
)
def test_the_search_matches_names_and_emails_of_the_coachs_clients(
    dashboard: SimpleNamespace, q: str, expected: list[str]
) -> None:
    page = _get(dashboard.client, q=q)

    assert _names(page) == expected


def test_the_search_travels_with_the_csv_and_the_pages(thousand: SimpleNamespace) -> None:
    page = _get(thousand.large, q="many-00", sort="-name")

    assert "100 clients" in page
    assert _csv_href(page) == f"{reverse('coaching:clients_csv')}?q=many-00&sort=-name"
    assert 'href="?q=many-00&amp;sort=-name&page=2"' in page
    exported = thousand.large.get(_csv_href(page)).content.decode()
    emails = [row[1] for row in csv.reader(io.StringIO(exported))][1:]
    assert emails == [f"many-{i:04}@example.com" for i in range(99, -1, -1)]


def test_the_top_gap_names_experience_in_years_and_education_as_needed() -> None:
    category = make_category(name="Technical")
    python = make_skill(slug="python", name="Python", category=category)
    coach = make_coach()
    lead = make_role(
        slug="lead",
        title="ML Team Lead",
        skills=[(python, 2, 1, False)],
        experience=[("leading", "leading ML teams", 3, 5, True)],
    )
    scholar = make_role(slug="scholar", title="Scholar", education=(2, 5, True))
    ana, bo = make_user(first_name="Ana"), make_user(first_name="Bo")
    make_submitted_assessment(role=lead, owner=ana, levels={"python": 2}, years={"leading": 1.5})
    make_submitted_assessment(role=scholar, owner=bo, education="bachelor")
    for client in (ana, bo):
        make_relationship(coach=coach, client=client)
    browser = Client()
    browser.force_login(coach)

    rows = _rows(_get(browser))

    assert [row[3] for row in rows] == [
        "Leading ML teams: 1.5 years short",
        f"{bo.assessments.get().report['requirements'][0]['name']} needed",
    ]


def test_the_filters_are_folded_unless_one_narrows_the_list(dashboard: SimpleNamespace) -> None:
    plain = _get(dashboard.client, q="ann", sort="-name")
    narrowed = _get(dashboard.client, verdict="ready")

    assert '<details class="mt-2" data-testid="more-filters">' in plain
    assert '<details class="mt-2" data-testid="more-filters" open>' in narrowed
    # The search stays outside the fold, in view on a phone.
    assert plain.index('id="id_q"') < plain.index('data-testid="more-filters"')


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"role": "lead"}, ["Ann Archer", "dee@example.com"]),
        ({"role": "data"}, ["ben@example.com"]),
        ({"verdict": "ready"}, ["Ann Archer"]),
        ({"verdict": "developing"}, ["ben@example.com"]),
        ({"verdict": "early"}, ["dee@example.com"]),
        ({"verdict": "close"}, []),
        ({"inactive_days": "7"}, ["ben@example.com", "cid@example.com", "dee@example.com"]),
        ({"inactive_days": "30"}, ["ben@example.com", "cid@example.com"]),
        (
            {"inactive_days": "1"},
            ["Ann Archer", "ben@example.com", "cid@example.com", "dee@example.com"],
        ),
        ({"role": "lead", "verdict": "early", "inactive_days": "7"}, ["dee@example.com"]),
    ],
)
def test_dashboard_filters(
    dashboard: SimpleNamespace, filters: dict[str, str], expected: list[str]
) -> None:
    if "role" in filters:
        filters = filters | {"role": str(getattr(dashboard.roles, filters["role"]).pk)}
    page = _get(dashboard.client, **filters)
    assert _names(page) == expected
    if not expected:
        assert "No client matches." in page


def test_the_role_filter_offers_only_roles_shared_with_the_coach(
    dashboard: SimpleNamespace,
) -> None:
    elsewhere = make_role(slug="architect", title="ML Architect")
    _submit(elsewhere, make_user(email="fay@example.com"), 1)  # shared with nobody

    select = _get(dashboard.client).split('name="role"', 1)[1].split("</select>", 1)[0]

    labels = re.findall(r"<option [^>]*>([^<]+)</option>", select)
    assert labels[0] == "Any role"
    assert sorted(labels[1:]) == ["Data Engineer", "ML Team Lead"]


def test_the_csv_follows_the_filters(dashboard: SimpleNamespace) -> None:
    response = dashboard.client.get(
        reverse("coaching:clients_csv"), {"verdict": "early", "sort": "-name"}
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        CSV_HEADER,
        [
            "dee@example.com",
            "dee@example.com",
            "ML Team Lead",
            "25.0",
            "early",
            "Python: 2 levels short",
            "-75.0",
            f"{timezone.now() - timedelta(days=10):%Y-%m-%d}",
        ],
    ]


def _csv_href(fragment: str) -> str:
    found = re.search(r'href="([^"]+)" data-testid="clients-csv"', fragment)
    assert found is not None
    return html.unescape(found.group(1))


@pytest.mark.parametrize(
    "params",
    [
        {"verdict": "early"},
        {"sort": "-readiness", "inactive_days": "7"},
        {"sort": "-change", "role": "lead"},
        {},
    ],
    ids=["verdict", "sorted-inactive", "role-by-change", "none"],
)
def test_after_a_live_filter_the_csv_link_exports_exactly_the_rows_on_screen(
    dashboard: SimpleNamespace, params: dict[str, str]
) -> None:
    if "role" in params:
        params = params | {"role": str(dashboard.roles.lead.pk)}
    # What htmx asks for when a filter changes: only the client table is redrawn, and the
    # CSV link must come with it.
    fragment = dashboard.client.get(
        reverse("coaching:clients"),
        params,
        headers={"HX-Request": "true", "HX-Target": "client-table"},
    ).content.decode()
    on_screen = _rows(fragment)

    response = dashboard.client.get(_csv_href(fragment))

    exported = list(csv.reader(io.StringIO(response.content.decode())))[1:]
    assert response.status_code == 200
    assert on_screen  # every case shows at least one client
    # name, readiness, top gap and target role: exported as on screen, row for row.
    assert [[r[0], r[3] or "—", r[5] or "—", r[2] or "—"] for r in exported] == [
        [r[0], r[2], r[3], r[4]] for r in on_screen
    ]


def test_the_page_has_one_csv_link_and_it_is_inside_the_redrawn_table(
    dashboard: SimpleNamespace,
) -> None:
    page = _get(dashboard.client, verdict="ready")

    assert page.count('data-testid="clients-csv"') == 1
    table = page.split('<section id="client-table"', 1)[1]
    assert _csv_href(table) == f"{reverse('coaching:clients_csv')}?sort=name&verdict=ready"


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "drop"},
        {"sort": "client__password"},
        {"role": "abc"},
        {"role": "999999"},
        {"verdict": "nope"},
        {"inactive_days": "-5"},
        {"inactive_days": "0"},
        {"inactive_days": "99999999999999999999"},
        {"inactive_days": "abc"},
        {"page": "abc"},
        {"page": "-1"},
        {"page": "9999"},
        {"sort": "drop", "role": "abc", "inactive_days": "-5", "page": "x"},
    ],
    ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()),
)
def test_tampered_params_fall_back_to_no_filter(
    dashboard: SimpleNamespace, params: dict[str, str]
) -> None:
    page = _get(dashboard.client, **params)
    response = dashboard.client.get(reverse("coaching:clients_csv"), params)

    assert _names(page) == [
        "Ann Archer",
        "ben@example.com",
        "cid@example.com",
        "dee@example.com",
    ]
    assert response.status_code == 200
    assert len(list(csv.reader(io.StringIO(response.content.decode())))) == 5


# --- htmx -----------------------------------------------------------------------------


def test_an_htmx_request_for_the_client_table_gets_only_the_partial(
    dashboard: SimpleNamespace,
) -> None:
    response = dashboard.client.get(
        reverse("coaching:clients"),
        {"verdict": "ready"},
        headers={"HX-Request": "true", "HX-Target": "client-table"},
    )

    body = response.content.decode().strip()
    assert response.status_code == 200
    assert body.startswith('<section id="client-table"')
    assert body.endswith("</section>")
    # Not the page around it, nor its filters (the table's own tagging form comes along).
    assert "<html" not in body and 'data-testid="client-filters"' not in body
    assert _names(body) == ["Ann Archer"]


def test_a_plain_or_other_htmx_request_gets_the_whole_page(dashboard: SimpleNamespace) -> None:
    plain = _get(dashboard.client)
    other_target = dashboard.client.get(
        reverse("coaching:clients"), headers={"HX-Request": "true", "HX-Target": "main"}
    ).content.decode()

    for page in (plain, other_target):
        assert "<html" in page
        assert 'hx-target="#client-table"' in page
        assert '<section id="client-table"' in page


# --- many clients ---------------------------------------------------------------------


def _bulk_clients(
    coach: Any, role: Any, count: int, *, each: int = 3, prefix: str = "client"
) -> list[Any]:
    """`count` clients of `coach`, each with `each` submitted assessments shared (scope
    all), built with bulk_create: the frozen fields are set directly, not scored."""
    user_model = get_user_model()
    user_model.objects.bulk_create(
        user_model(username=f"{prefix}-{i:04}@example.com", email=f"{prefix}-{i:04}@example.com")
        for i in range(count)
    )
    clients = list(user_model.objects.filter(username__startswith=f"{prefix}-").order_by("pk"))
    now = timezone.now()
    assessments = []
    for i, client in enumerate(clients):
        for k in range(each):
            readiness = Decimal((i * 7 + k * 13) % 1000) / 10
            assessments.append(
                Assessment(
                    owner=client,
                    role=role,
                    status=Assessment.Status.SUBMITTED,
                    snapshot={"version": 1},
                    answers_frozen={"skills": {}, "experience": {}, "education": "none"},
                    report={"readiness": float(readiness), "requirements": []},
                    readiness=readiness,
                    verdict=["early", "developing", "close", "ready"][(i + k) % 4],
                    submitted_at=now - timedelta(days=(i % 90) + (each - k) * 3),
                )
            )
    Assessment.objects.bulk_create(assessments, batch_size=500)
    CoachRelationship.objects.bulk_create(
        CoachRelationship(coach=coach, client=client, scope="all") for client in clients
    )
    relationships = {
        r.client_id: r.pk for r in CoachRelationship.objects.filter(coach=coach).only("client")
    }
    SharedAssessment.objects.bulk_create(
        (
            SharedAssessment(relationship_id=relationships[a.owner_id], assessment=a)
            for a in assessments
        ),
        batch_size=500,
    )
    # bulk_create skips the services, which keep each client's latest results up to date.
    CoachRelationship.objects.filter(coach=coach).refresh_results()
    return clients


def _queries(browser: Client, name: str, **params: Any) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(reverse(name), params)
    assert response.status_code == 200
    return len(queries), response


@pytest.fixture
def thousand(roles: SimpleNamespace) -> SimpleNamespace:
    """Two coaches: one with 3 clients, one with 1,000, each client with 3 shared
    submissions."""
    small, large = make_coach(email="small@example.com"), make_coach(email="large@example.com")
    _bulk_clients(small, roles.lead, 3, prefix="few")
    _bulk_clients(large, roles.lead, 1000, prefix="many")
    browsers = {}
    for name, coach in (("small", small), ("large", large)):
        browsers[name] = Client()
        browsers[name].force_login(coach)
    return SimpleNamespace(roles=roles, small=browsers["small"], large=browsers["large"])


# The dashboard, whatever the number of clients:
#  1. the session
#  2. the user
#  3. is the user a coach (the "Coaches" group; cached on the user for the page)
#  4. the roles for the role filter (ClientFilterForm)
#  5. the coach's tags for the tag filter (ClientFilterForm)
#  6. the number of matching clients (paginator)
#  7. one page of clients, each with its latest shared result, in one query
#  8. the tags of the clients on that page (prefetched, one query for the page)
DASHBOARD_QUERIES = 8


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"sort": "-readiness"},
        {"sort": "change", "page": "3"},
        {"sort": "-activity", "inactive_days": "2", "verdict": "ready"},
        {"q": "example com", "sort": "-name", "page": "2"},
    ],
    ids=["default", "readiness", "change-page-3", "filtered", "searched"],
)
def test_dashboard_queries_with_a_thousand_clients_equal_those_with_three(
    thousand: SimpleNamespace, params: dict[str, str]
) -> None:
    params = params | ({"role": str(thousand.roles.lead.pk)} if "verdict" in params else {})
    few, _ = _queries(thousand.small, "coaching:clients", **params)
    many, response = _queries(thousand.large, "coaching:clients", **params)

    assert few == many == DASHBOARD_QUERIES
    page = response.content.decode()
    if not params.get("verdict"):
        assert len(_rows(page)) == CLIENTS_PER_PAGE
        assert "1000 clients" in page


def test_dashboard_paginates_a_thousand_clients_by_25(thousand: SimpleNamespace) -> None:
    first = _get(thousand.large, sort="name")
    last = _get(thousand.large, sort="name", page="40")

    assert _names(first)[:2] == ["many-0000@example.com", "many-0001@example.com"]
    assert len(_rows(first)) == CLIENTS_PER_PAGE
    assert "Page 1 of 40" in first
    assert 'href="?sort=name&page=2"' in first
    assert _names(last)[-1] == "many-0999@example.com"
    assert "Page 40 of 40" in last


def test_pagination_links_keep_the_filters(thousand: SimpleNamespace) -> None:
    page = _get(thousand.large, sort="-readiness", verdict="ready")

    assert "Page 1 of 10" in page  # 250 of the 1,000 have "ready" as their latest verdict
    assert 'href="?sort=-readiness&amp;verdict=ready&page=2"' in page


# The client list as CSV: session, user, coach check, role choices, tag choices, the
# clients (streamed, without their tags).
CSV_QUERIES = 6


def test_client_list_csv_has_a_row_per_client_of_a_thousand(thousand: SimpleNamespace) -> None:
    few, _ = _queries(thousand.small, "coaching:clients_csv")
    many, response = _queries(thousand.large, "coaching:clients_csv")

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == CSV_HEADER
    assert len(rows) == 1001
    assert {row[1] for row in rows[1:]} == {f"many-{i:04}@example.com" for i in range(1000)}
    assert all(row[2] == "ML Team Lead" and re.fullmatch(r"\d+\.\d", row[3]) for row in rows[1:])
    assert few == many == CSV_QUERIES
