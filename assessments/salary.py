"""The report's salary section: the figures of the current rung and of the next step, as
the submission froze them (the snapshot's `salaries`), and the uplift between them.

Pure functions over the stored report and snapshot: nothing here reads today's catalogue.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}


def money(amount: int, currency: str = "USD") -> str:
    """ "$188,940"; a currency without a symbol here keeps its code ("188,940 CHF")."""
    sign = "−" if amount < 0 else ""
    symbol = CURRENCY_SYMBOLS.get(currency)
    if symbol:
        return f"{sign}{symbol}{abs(amount):,}"
    return f"{sign}{abs(amount):,} {currency}"


@dataclass(frozen=True)
class FigureRow:
    """One figure as the page shows it: its label and the amount or range in words."""

    label: str
    amount: str  # "$188,940", or the range when there is no average
    range: str  # "$157,399–$227,416", or "" (shown beside an average)
    source: str


@dataclass(frozen=True)
class Headline:
    """The one figure a role's pay is compared by: its first average, or else the midpoint
    of its first range (whole units, halves rounded up)."""

    amount: int
    currency: str
    basis: str  # the figure's label ("National average"), or "midpoint of the $1–$3 range"


@dataclass(frozen=True)
class RoleSalary:
    slug: str
    title: str
    figures: tuple[FigureRow, ...]
    headline: Headline | None
    sources: tuple[str, ...]

    @property
    def headline_text(self) -> str:
        return money(self.headline.amount, self.headline.currency) if self.headline else ""


@dataclass(frozen=True)
class Uplift:
    """From one headline to another, in money and in percent of the first."""

    amount: int
    percent: Decimal  # one decimal, halves rounded away from zero
    currency: str

    @property
    def amount_text(self) -> str:
        sign = "+" if self.amount > 0 else ""
        return sign + money(self.amount, self.currency)

    @property
    def percent_text(self) -> str:
        sign = "+" if self.percent > 0 else ("−" if self.percent < 0 else "")
        return f"{sign}{abs(self.percent)}%"


@dataclass(frozen=True)
class SalarySection:
    current: RoleSalary | None  # None when no rung is ready yet
    next_step: RoleSalary | None  # None at the top of the ladder
    target: RoleSalary | None  # the assessed role, when it is neither of the above
    uplift: Uplift | None  # between current and next step, when both have a headline
    no_current_rung: bool
    no_uplift_reason: str = ""  # why there is none, when both roles are there


def headline(figures: Sequence[Mapping[str, Any]]) -> Headline | None:
    for figure in figures:
        if figure.get("average") is not None:
            return Headline(figure["average"], figure.get("currency", "USD"), figure["label"])
    for figure in figures:
        if figure.get("low") is not None and figure.get("high") is not None:
            currency = figure.get("currency", "USD")
            midpoint = (Decimal(figure["low"]) + Decimal(figure["high"])) / 2
            span = f"{money(figure['low'], currency)}–{money(figure['high'], currency)}"
            return Headline(
                int(midpoint.to_integral_value(ROUND_HALF_UP)),
                currency,
                f"midpoint of the {span} range",
            )
    return None


def _row(figure: Mapping[str, Any]) -> FigureRow:
    currency = figure.get("currency", "USD")
    low, high, average = figure.get("low"), figure.get("high"), figure.get("average")
    span = f"{money(low, currency)}–{money(high, currency)}" if low is not None else ""
    if average is not None:
        return FigureRow(figure["label"], money(average, currency), span, figure["source"])
    return FigureRow(figure["label"], span, "", figure["source"])


def role_salary(slug: str, title: str, figures: Sequence[Mapping[str, Any]]) -> RoleSalary:
    sources = tuple(dict.fromkeys(f["source"] for f in figures if f.get("source")))
    return RoleSalary(slug, title, tuple(_row(f) for f in figures), headline(figures), sources)


def uplift(before: Headline | None, after: Headline | None) -> Uplift | None:
    """None unless both exist in one currency and the first is above zero."""
    if before is None or after is None or before.currency != after.currency or before.amount <= 0:
        return None
    amount = after.amount - before.amount
    percent = (Decimal(100 * amount) / before.amount).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return Uplift(amount, percent, before.currency)


def salary_section(report: Mapping[str, Any], snapshot: Mapping[str, Any]) -> SalarySection:
    """The current rung's and the next step's figures as the snapshot froze them, and the
    uplift between their headlines. A role the snapshot holds no figures for comes with
    none (the page says so)."""
    salaries: Mapping[str, Sequence[Mapping[str, Any]]] = snapshot.get("salaries", {})
    titles = {rung["role"]: rung["title"] for rung in report["ladder"]}
    titles |= {b["slug"]: b["title"] for b in snapshot.get("branches", [])}

    def of(slug: str | None) -> RoleSalary | None:
        if not slug:
            return None
        return role_salary(slug, titles.get(slug, slug), salaries.get(slug, ()))

    current, next_step = of(report.get("current_rung")), of(report.get("next_step"))
    shown = {r.slug for r in (current, next_step) if r}
    target = None if report["role"] in shown else of(report["role"])
    gain = uplift(current.headline, next_step.headline) if current and next_step else None
    return SalarySection(
        current=current,
        next_step=next_step,
        target=target,
        uplift=gain,
        no_current_rung=current is None,
        no_uplift_reason=_no_uplift_reason(current, next_step) if gain is None else "",
    )


def _no_uplift_reason(current: RoleSalary | None, next_step: RoleSalary | None) -> str:
    if current is None or next_step is None:
        return ""
    for role in (current, next_step):
        if role.headline is None:
            return f"{role.title} has no salary figure to compare."
    return "their figures are in different currencies."
