"""Who the report speaks to: its owner ("your next step"), someone reading it on their
behalf ("Ana's next step"), or anyone at all ("Next step").

A report body is rendered once per viewpoint and kept (assessments/views.py,
`report_body`), so the viewpoint's `key` is part of the kept HTML's key. A stranger
holding a share link, a coach and the PDF never read "your" about somebody else.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

DISPLAY_NAME_MAX_LENGTH = 80


@dataclass(frozen=True)
class Viewpoint:
    """The words of a report that depend on who reads it. `name` is empty for the owner
    (second person) and for the neutral voice (no one named)."""

    owner: bool = False
    name: str = ""

    @property
    def key(self) -> str:
        if self.owner:
            return "you"
        if not self.name:
            return "neutral"
        # Hashed: a name may hold any character, a cache key may not.
        return "name-" + hashlib.sha256(self.name.encode()).hexdigest()[:16]

    # --- the words --------------------------------------------------------------------

    @property
    def possessive(self) -> str:
        """Before a noun, capitalised: "Your", "Ana's", or "" (the noun stands alone)."""
        if self.owner:
            return "Your"
        return f"{self.name}'s" if self.name else ""

    def whose(self, noun: str) -> str:
        """ "Your next step", "Ana's next step", "Next step"."""
        if self.possessive:
            return f"{self.possessive} {noun}"
        return noun[:1].upper() + noun[1:]

    def whose_lower(self, noun: str) -> str:
        """ "your first 90 days", "Ana's first 90 days", "the first 90 days"."""
        if self.owner:
            return f"your {noun}"
        return f"{self.name}'s {noun}" if self.name else f"the {noun}"

    @property
    def report_title(self) -> str:
        return self.whose("report")

    @property
    def next_step(self) -> str:
        return self.whose("next step")

    @property
    def level(self) -> str:
        """The column of self-rated levels."""
        if self.owner:
            return "Your level"
        return f"{self.name}'s level" if self.name else "Self-rated level"

    @property
    def here(self) -> str:
        if self.owner:
            return "You are here"
        return f"{self.name} is here" if self.name else "Current rung"

    @property
    def where_heading(self) -> str:
        if self.owner:
            return "Where you stand on the ladder"
        return f"Where {self.name} stands on the ladder" if self.name else "Place on the ladder"

    @property
    def closest_heading(self) -> str:
        if self.owner:
            return "Roles you are closest to"
        return f"Roles {self.name} is closest to" if self.name else "Closest roles"

    @property
    def subject(self) -> str:
        """Who meets, has, works: "you", "Ana", "the person"."""
        if self.owner:
            return "you"
        return self.name or "the person"

    @property
    def subject_capitalised(self) -> str:
        subject = self.subject
        return subject[:1].upper() + subject[1:]

    def verb(self, plural: str, singular: str) -> str:
        """The verb agreeing with `subject`: "you meet", "Ana meets"."""
        return plural if self.owner else singular

    @property
    def meets(self) -> str:
        return f"{self.subject_capitalised} {self.verb('meet', 'meets')}"

    @property
    def meets_lower(self) -> str:
        return f"{self.subject} {self.verb('meet', 'meets')}"

    @property
    def does_not_meet(self) -> str:
        return f"{self.subject} {self.verb('do', 'does')} not meet"

    @property
    def works(self) -> str:
        return f"{self.subject} {self.verb('work', 'works')}"

    @property
    def next_step_lower(self) -> str:
        return self.whose_lower("next step")

    @property
    def first_days(self) -> str:
        return self.whose_lower("first 90 days")

    @property
    def scores(self) -> str:
        return self.whose_lower("scores")

    @property
    def pace_label(self) -> str:
        if self.owner:
            return "Hours a week you can give it"
        return "Hours a week to plan for"

    @property
    def retake_advice(self) -> str:
        """After the straight-lining warning: advice to the owner, a caution to others."""
        if self.owner:
            return "consider a retake where you rate each skill on its own description."
        return "read the gaps and strengths below with that in mind."


OWNER = Viewpoint(owner=True)
NEUTRAL = Viewpoint()


def named(name: str) -> Viewpoint:
    """Someone else's report, by the name they chose (or none: the neutral voice)."""
    name = " ".join(name.split())[:DISPLAY_NAME_MAX_LENGTH]
    return Viewpoint(name=name) if name else NEUTRAL
