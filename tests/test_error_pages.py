from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_missing_or_forbidden_page_explains_itself(client):
    response = client.get("/assessments/00000000-0000-0000-0000-000000000000/result/")
    assert response.status_code == 404
    assert "not yours to see" in response.content.decode()


def test_a_stale_form_gets_a_clear_403_page():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/roles/ml-team-lead/assess/")
    assert response.status_code == 403
    assert "Your session expired" in response.content.decode()


def test_an_oversized_request_gets_a_clear_400_page(client):
    response = client.post("/accounts/signup/", {"email": "x" * 2_000_000})
    assert response.status_code == 400
    assert "too large" in response.content.decode()
