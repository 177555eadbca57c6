"""What the security tests share: a small catalogue with a person, a coach and their
pages, and a reader for the HTML and the Content-Security-Policy header."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from django.urls import reverse

from tests.factories import (
    make_assessment,
    make_category,
    make_coach,
    make_relationship,
    make_role,
    make_skill,
    make_submitted_assessment,
    make_user,
)


@dataclass
class Site:
    person: Any
    coach: Any
    role: Any
    pages_anonymous: dict[str, str]
    pages_person: dict[str, str]
    pages_coach: dict[str, str]


def build_site() -> Site:
    category = make_category(name="Technical")
    python, sql = make_skill(slug="python", category=category), make_skill(category=category)
    role = make_role(skills=[(python, 3, 3, True), (sql, 2, 2, False)])
    person, coach = make_user(), make_coach()
    report = make_submitted_assessment(role=role, owner=person, levels={"python": 2})
    other_role = make_role(skills=[(python, 2, 1, False)], track=role.track, rank=2)
    draft = make_assessment(role=other_role, owner=person, levels={python: 1})
    relationship = make_relationship(coach=coach, client=person)
    return Site(
        person=person,
        coach=coach,
        role=role,
        pages_anonymous={
            "home": reverse("home"),
            "roles list": reverse("roles:list"),
            "role page": reverse("roles:detail", args=[role.slug]),
            "login": reverse("login"),
            "signup": reverse("signup"),
            "password reset": reverse("password_reset"),
        },
        pages_person={
            "questionnaire": reverse("assessments:questionnaire", args=[draft.pk]),
            "review and submit": reverse("assessments:submit", args=[draft.pk]),
            "report": reverse("assessments:result", args=[report.pk]),
            "my assessments": reverse("assessments:mine"),
            "my coaches": reverse("coaching:my_coaches"),
            "account": reverse("account"),
        },
        pages_coach={
            "coach dashboard": reverse("coaching:clients"),
            "coach client page": reverse("coaching:client", args=[relationship.pk]),
            "coach report": reverse("coaching:report", args=[report.pk]),
        },
    )


@dataclass
class PageScan(HTMLParser):
    """The parts of a page a Content-Security-Policy cares about."""

    inline_scripts: list[dict[str, str | None]] = field(default_factory=list)
    handlers: list[str] = field(default_factory=list)
    style_attributes: list[str] = field(default_factory=list)
    style_elements: int = 0

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "script" and not attributes.get("src"):
            self.inline_scripts.append(attributes)
        if tag == "style":
            self.style_elements += 1
        for name, value in attrs:
            if name.startswith("on") or name.startswith("hx-on"):
                self.handlers.append(f"<{tag} {name}={value!r}>")
            if name == "style":
                self.style_attributes.append(f"<{tag} style={value!r}>")


def scan(html: str) -> PageScan:
    page = PageScan()
    page.feed(html)
    page.close()
    return page


def csp_directives(header: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives
