"""The named variants of the log-scale model that a history chooses between (calibration-methods 9-10);
the count model takes their team-level forms (the trend and the season).

No single form of the model suits every company: a damped team trend is what a growing team needs and
what hurts a steady one; a rep's own month-of-quarter shape is the biggest gain where reps close at
quarter end and noise where they do not; the pooled empirical residuals fix a left skew that a
parametric law misses, unless the residuals are few. So a small, fixed set of variants is scored on
the *early* rolling origins of the user's own history (:mod:`analytics.variant_choice`), and the
one chosen is confirmed on later origins and used. The set is small on purpose: choosing among many
on the same history overfits. Counts no open pipeline leads (meetings, demos, opportunities created) choose
between the standard model and ``team_trend``, the forms of the team level that differ for them (a growing
team's meetings were forecast a month or two of growth behind; the growing test company's demos 52% worse
than the last quarter's at quarter grain).

Every variant keeps the pooled volatility, level shrinkage, ramp and per-rep zero shares.

Example
-------
>>> [v.name for v in VARIANTS]
['standard', 'team_trend', 'no_rep_shape', 'parametric']
>>> variant("team_trend").label
'team trend'
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelVariant:
    """One form of the log-scale model.

    Attributes
    ----------
    name, label : str
        Identifier (CLI, JSON) and the words a page shows.
    trend : bool
        Forecast the team's deseasonalised level with a damped local trend
        (:mod:`analytics.team_trend`) instead of the mean of its last three values.
    team_season : bool
        Estimate a team month-of-year (quarter-of-year) season once two years are seen. Off with the
        trend: on two or three years a season fitted beside a trend takes up part of the growth.
    rep_shape : bool
        Each rep's own month-of-quarter shape, shrunk toward the team's (monthly grain).
    empirical : bool
        The pooled empirical law of standardised residuals; otherwise a Student t.
    """

    name: str
    label: str
    trend: bool = False
    team_season: bool = True
    rep_shape: bool = True
    empirical: bool = True

    def describe(self) -> str:
        """The variant in words, e.g. "team trend + pooled residuals".

        >>> VARIANTS[0].describe()
        'team level (mean of the last three periods), team season, rep month-of-quarter shape, pooled residuals'
        """
        parts = ["damped team trend" if self.trend else "team level (mean of the last three periods)"]
        if self.team_season:
            parts.append("team season")
        if self.rep_shape:
            parts.append("rep month-of-quarter shape")
        parts.append("pooled residuals" if self.empirical else "Student t residuals")
        return ", ".join(parts)


STANDARD = ModelVariant("standard", "standard")
VARIANTS: tuple[ModelVariant, ...] = (
    STANDARD,
    ModelVariant("team_trend", "team trend", trend=True, team_season=False),
    ModelVariant("no_rep_shape", "no rep month-of-quarter shape", rep_shape=False),
    ModelVariant("parametric", "Student t residuals", empirical=False),
)
BY_NAME = {v.name: v for v in VARIANTS}


def variant(name: str) -> ModelVariant:
    """The variant called ``name``; a ValueError naming the known ones otherwise."""
    if name not in BY_NAME:
        raise ValueError(f"unknown model variant {name!r}: choose one of {', '.join(BY_NAME)}")
    return BY_NAME[name]


def variants_of(family: str) -> tuple[ModelVariant, ...]:
    """The variants a model family chooses between: every one for the log model; for counts the forms of the
    team level alone (the others fit as the standard model does, and a page would name one as "next best").

    >>> [v.name for v in variants_of("count")]
    ['standard', 'team_trend']
    """
    return VARIANTS if family == "log" else (STANDARD, BY_NAME["team_trend"])


def chooses_variant(family: str, led: bool) -> bool:
    """Whether a model's variant is chosen on the history: the log model's always; a count's (its forms are its
    team level's: the trend and the season) when no open pipeline leads it. Deals won and closed follow the
    pipeline's lead (:mod:`analytics.pipeline_lead`), which moves the level with a growing team's open deals:
    the trend was chosen at no origin on the test companies, and scoring it cost a first calibration of deals
    won at 10,000 reps 2.4 s more.

    >>> chooses_variant("log", True), chooses_variant("count", False), chooses_variant("count", True)
    (True, True, False)
    """
    return family == "log" or (family == "count" and not led)
