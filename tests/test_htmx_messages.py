from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import make_role

pytestmark = pytest.mark.django_db


def test_a_pending_message_reaches_an_htmx_swap_out_of_band(client):
    role = make_role(title="Data wrangler")
    start = reverse("roles:assess", args=[role.slug])
    client.post(start)
    client.post(start)  # resumes the draft and leaves "Welcome back" pending

    response = client.get(
        reverse("roles:list"), headers={"HX-Request": "true", "HX-Target": "role-results"}
    )

    body = response.content.decode()
    assert body.lstrip().startswith('<section id="role-results"')
    assert '<div id="messages"' in body and 'hx-swap-oob="true"' in body
    assert "Welcome back" in body


def test_an_htmx_swap_without_pending_messages_carries_no_messages_region(client):
    make_role(title="Data wrangler")
    response = client.get(
        reverse("roles:list"), headers={"HX-Request": "true", "HX-Target": "role-results"}
    )
    assert 'id="messages"' not in response.content.decode()
