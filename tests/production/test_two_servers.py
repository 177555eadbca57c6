"""Two app servers behind one address share everything a person's session needs: the
database (PostgreSQL) and Redis (cache, sessions, task queue). Each request of one person
lands on either server, as a load balancer sends them, and the state is the same on both."""

from __future__ import annotations

import re
import time

import pytest

from tests.production.conftest import ROLE
from tests.production.servers import (
    Browser,
    app_env,
    database_url,
    form_fields,
    location_path,
    unique_email,
)

pytestmark = pytest.mark.production


@pytest.fixture(scope="module")
def two_servers(database_name, redis_url, static_root, start_server, start_worker):
    env = app_env(
        DATABASE_URL=database_url(database_name),
        REDIS_URL=redis_url,
        CELERY_BROKER_URL=redis_url,
        STATIC_ROOT=str(static_root),
    )
    worker = start_worker(env)
    return start_server("a", env), start_server("b", env), worker


def test_a_person_served_by_two_servers_sees_one_state(two_servers):
    server_a, server_b, _worker = two_servers
    on_a = Browser(server_a.port)
    on_b = on_a.on(server_b.port)

    # Sign up on A.
    assert on_a.get("/accounts/signup/").status == 200
    password = "a-long-and-unusual-passphrase-42"
    signed_up = on_a.post(
        "/accounts/signup/",
        {"email": unique_email(), "password1": password, "password2": password},
    )
    assert signed_up.status == 302, signed_up.text
    # B knows the session A created.
    assert "Log out" in on_b.get("/roles/").text

    # Start an assessment on B, answer one question on B.
    assert on_b.get(f"/roles/{ROLE}/assess/").status == 200
    started = on_b.post(f"/roles/{ROLE}/assess/", {})
    assert started.status == 302, started.text
    questionnaire_path = location_path(started)
    page = on_b.get(questionnaire_path)
    assert page.status == 200
    fields = form_fields(page.text)
    skill_keys = [key for key in fields if key.startswith("skill-")]
    first = skill_keys[0]
    answered = on_b.post(questionnaire_path + "answer/", {first: "4"}, **{"HX-Request": "true"})
    assert answered.status == 200, answered.text

    # A sees B's answer in the draft, and the rest is answered and submitted there.
    page_on_a = on_a.get(questionnaire_path)
    assert re.search(rf'name="{first}"[^>]*value="4"[^>]*checked', page_on_a.text)
    rest = {key: "2" for key in skill_keys[1:]}
    rest |= {key: "3" for key in fields if key.startswith("exp-")}
    rest["education"] = "master"
    saved = on_a.post(questionnaire_path, rest)
    assert saved.status == 302, saved.text
    submitted = on_a.post(questionnaire_path + "submit/", {})
    assert submitted.status == 302, submitted.text
    result_path = location_path(submitted)
    assert result_path.endswith("/result/")

    # The report reads the same on both servers.
    report_on_a, report_on_b = on_a.get(result_path), on_b.get(result_path)
    assert report_on_a.status == report_on_b.status == 200, (
        server_a.log[-4000:] + server_b.log[-4000:]
    )
    readiness = re.search(r'data-testid="readiness"[^>]*>\s*([\d.]+)', report_on_b.text)
    assert readiness, report_on_b.text[:2000]
    assert readiness.group(0) in report_on_a.text
    # The message set on A is shown once, by whichever server renders next.
    assert "Submitted. Here is where you stand." in report_on_a.text
    assert "Submitted. Here is where you stand." not in report_on_b.text


def test_the_worker_renders_the_pdf_that_either_server_serves(two_servers):
    server_a, server_b, worker = two_servers
    on_a = Browser(server_a.port)
    on_b = on_a.on(server_b.port)
    on_a.get(f"/roles/{ROLE}/assess/")
    started = on_a.post(f"/roles/{ROLE}/assess/", {})
    questionnaire_path = location_path(started)
    fields = form_fields(on_a.get(questionnaire_path).text)
    answers = {key: "1" for key in fields if key.startswith(("skill-", "exp-"))}
    answers["education"] = "bachelor"
    assert on_a.post(questionnaire_path, answers).status == 302
    submitted = on_a.post(questionnaire_path + "submit/", {})
    pdf_path = location_path(submitted).replace("/result/", "/report.pdf")

    # Submitting queued the render; the worker (not a web server) renders it.
    deadline = time.monotonic() + 60
    while (pdf := on_b.get(pdf_path)).status == 202 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert pdf.status == 200, pdf.text[:2000] + worker.log[-3000:]
    assert pdf.header("Content-Type") == "application/pdf"
    assert pdf.body.startswith(b"%PDF")
    assert "render_report_pdf" in worker.log
    assert on_a.get(pdf_path).body == pdf.body
