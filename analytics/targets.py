"""Targets from a predictive distribution: tiers, per-rep edits, team-target splits, warnings.

Everything here is a pure function of a per-rep predictive object (the contract of
:mod:`analytics.predictive`: ``reps``, ``quantile``, ``cdf``, ``p_attain``, ``sample``)
plus DataFrames, so it is testable without a database. Thin ``*_for`` functions take
a fitted ``Calibration`` (``.predictive``, ``.summary``).

Maths (calibration-methods sections 5 and 8)
--------------------------------------------
* A tier at percentile P is the target T_i = Q_i(P/100); for a continuous law its
  chance is P(y_i >= T_i) = 1 - P/100; for counts it is ``p_attain`` of the integer target.
* Practitioners aim for 60-70% of reps reaching base, so base sits near P30-P40.
* A percentile on a law's zero atom (a rep booking nothing in 40% of periods: P35 is $0) is no
  target: it is floored at the rep's smallest meaningful target, with its own lower chance
  (:mod:`analytics.target_floor`).
* Splitting a team number across reps lives in :mod:`analytics.allocation`.

Example
-------
>>> import numpy as np
>>> from analytics.predictive import LogScaleHurdle
>>> d = LogScaleHurdle(reps=np.array(["a", "b"]), mu=np.log([100.0, 50.0]),
...                    sigma=np.array([0.3, 0.5]), df=np.array([30.0, 30.0]),
...                    zero_share=np.array([0.0, 0.0]))
>>> t = tier_targets(d, {"base": 35, "stretch": 70})
>>> [round(x, 2) for x in t.loc[t.tier == "base", "p_attain"]]
[0.65, 0.65]
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from analytics import formatting
from analytics.predictive import NegBinomialCount, PredictiveDistribution
from analytics.target_floor import TargetFloor, floor_for, floor_tier_rows

if TYPE_CHECKING:
    from analytics.calibration import Calibration

TIER_ORDER = ("base", "stretch", "excellence")
DEFAULT_TIERS = {"base": 35.0, "stretch": 70.0, "excellence": 90.0}
BASE_BAND = (0.60, 0.70)           # share of reps reaching base that practitioners aim for
TOO_EASY_SHARE = 0.80
OUT_OF_REACH_SHARE = 0.40
MAX_TARGET = 1e12
MAX_MULTIPLE_OF_P90 = 20.0
METHODS = ("percentile", "proportional", "equal-chance")
SOURCES = ("model", "override", "rep proposal")
ROW_COLUMNS = ["rep", "tier", "percentile", "target", "model_value", "p_attain", "source", "reason",
               "rep_proposal"]


# ---------------------------------------------------------------- tiers
def parse_tiers(spec: str | Mapping[str, float] | list | tuple) -> dict[str, float]:
    """``"35,70,90"`` / ``[35, 70]`` / ``{"base": 35, ...}`` -> ``{"base": 35.0, "stretch": 70.0, ...}``.

    Percentiles must lie strictly between 0 and 100 and increase from base upward.
    """
    if isinstance(spec, Mapping):
        tiers = {str(k): float(v) for k, v in spec.items()}
    else:
        values = [v for v in re.split(r"[,\s/]+", spec.strip())] if isinstance(spec, str) else list(spec)
        values = [v for v in values if str(v).strip() != ""]
        if not 1 <= len(values) <= len(TIER_ORDER):
            raise ValueError(f"give 1 to {len(TIER_ORDER)} tier percentiles (base, stretch, excellence)")
        try:
            tiers = {name: float(v) for name, v in zip(TIER_ORDER, values, strict=False)}
        except ValueError:
            raise ValueError(f"tier percentiles must be numbers, not {spec!r}") from None
    unknown = set(tiers) - set(TIER_ORDER)
    if unknown or "base" not in tiers:
        raise ValueError(f"tiers must include base and be among {TIER_ORDER}, got {sorted(tiers)}")
    ordered = [(n, tiers[n]) for n in TIER_ORDER if n in tiers]
    for name, p in ordered:
        if not (math.isfinite(p) and 0 < p < 100):
            raise ValueError(f"{name} percentile must lie strictly between 0 and 100, not {p}")
    if any(b[1] <= a[1] for a, b in zip(ordered, ordered[1:], strict=False)):
        raise ValueError("tier percentiles must increase from base to stretch to excellence")
    return dict(ordered)


def is_count(predictive: PredictiveDistribution) -> bool:
    return isinstance(predictive, NegBinomialCount)


def tier_targets(predictive: PredictiveDistribution,
                 tiers: str | Mapping[str, float] = "35,70,90", floor: TargetFloor | None = None) -> pd.DataFrame:
    """One row per rep and tier: the model's target at the tier's percentile and its chance.

    Columns are those of ``target_set_rows`` (``source`` = ``model``) plus ``percentile``. A percentile
    below the rep's ``floor`` (default :meth:`TargetFloor.default`: 1 for counts, any sale for money)
    is raised to it, its chance the law's there and its ``reason`` in words.
    """
    tiers = parse_tiers(tiers)
    levels = np.array(list(tiers.values())) / 100.0
    q = np.asarray(predictive.quantile(levels), dtype=float).reshape(len(predictive.reps), len(levels))
    frames = []
    for j, (name, pct) in enumerate(tiers.items()):
        # Whole units, money too: the page shows $73,130 and the export must not say 73129.50 (a count's 12.6
        # calls are 13); the chance is the rounded target's own.
        target = np.round(q[:, j])
        frames.append(pd.DataFrame({
            "rep": np.asarray(predictive.reps, dtype=object), "tier": name, "percentile": pct,
            "target": target, "model_value": target, "p_attain": predictive.p_attain(target),
            "source": "model", "reason": None, "rep_proposal": np.nan,
        }))
    out = floor_tier_rows(pd.concat(frames, ignore_index=True), predictive,
                          TargetFloor.default(predictive) if floor is None else floor)
    out["_order"] = out["tier"].map({t: i for i, t in enumerate(TIER_ORDER)})
    return out.sort_values(["rep", "_order"], kind="stable").drop(columns="_order").reset_index(drop=True)


def tiers_wide(rows: pd.DataFrame) -> pd.DataFrame:
    """Long tier rows -> one row per rep: ``base``, ``base_p``, ``stretch``, ``stretch_p``, ..."""
    target = rows.pivot(index="rep", columns="tier", values="target")
    chance = rows.pivot(index="rep", columns="tier", values="p_attain").add_suffix("_p")
    cols = [t for t in TIER_ORDER if t in target.columns]
    return pd.concat([target[cols], chance[[f"{t}_p" for t in cols]]], axis=1)[
        [c for t in cols for c in (t, f"{t}_p")]]


@dataclass(frozen=True)
class BaseShareCheck:
    """Expected share of reps reaching base against the 60-70% band practitioners aim for."""

    expected_share: float
    level: str          # ok | below band | above band | too easy | out of reach
    warning: bool
    message: str


def base_share_check(p_attain_base: npt.ArrayLike, lever: str = "the base percentile") -> BaseShareCheck:
    """Mean chance of reaching base = the share of reps expected to reach it, in plain words.

    ``lever`` names what to change in the advice (e.g. ``"the team target"`` when base is a split of G).
    """
    p = np.asarray(p_attain_base, dtype=float)
    share = float(np.nanmean(p)) if p.size and np.isfinite(p).any() else float("nan")
    lo, hi = BASE_BAND
    band = f"{formatting.rate(lo)}–{formatting.rate(hi)}"
    about = f"About {formatting.rate(share)} of reps are expected to reach base"
    if not np.isfinite(share):
        return BaseShareCheck(share, "ok", False, "No base targets to check.")
    if share > TOO_EASY_SHARE:
        return BaseShareCheck(share, "too easy", True,
                              f"Too easy: {about[0].lower() + about[1:]}, well above the {band} "
                              f"practitioners aim for. Raise {lever}.")
    if share < OUT_OF_REACH_SHARE:
        return BaseShareCheck(share, "out of reach", True,
                              f"Out of reach for most: only {formatting.rate(share)} of reps are expected to "
                              f"reach base, against the {band} practitioners aim for. Lower {lever}.")
    if share > hi:
        return BaseShareCheck(share, "above band", False, f"{about}, a little above the {band} band.")
    if share < lo:
        return BaseShareCheck(share, "below band", False, f"{about}, a little below the {band} band.")
    return BaseShareCheck(share, "ok", False, f"{about}, inside the {band} band practitioners aim for.")


# ---------------------------------------------------------------- per-rep entries
def _p90_of(rep_row: Mapping[str, Any] | None) -> float | None:
    if rep_row is None:
        return None
    for key in ("p90", "P90"):
        try:
            value = rep_row[key]
        except (KeyError, IndexError, TypeError):
            continue
        try:
            value = float(value)
        except (TypeError, ValueError):
            return None
        return value if math.isfinite(value) else None
    return None


_NUMBER_RE = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?([eE][+-]?\d+)?$")


class TargetEntry(NamedTuple):
    """A typed target checked: ``number`` is None and ``reason`` says why when it is not ``ok``."""

    ok: bool
    number: float | None
    reason: str


def validate_target_entry(value: str | float | None, rep_row: Mapping[str, Any] | None = None) -> TargetEntry:
    """Check one typed target: ``(ok, number or None, reason)``; ``reason`` is '' when ok.

    Refuses empty, non-numeric text, NaN/infinite, negative, zero, > 1e12, and > 20x the
    rep's P90 (``rep_row["p90"]``, when given and positive). Accepts ``1,200`` and
    surrounding spaces.
    """
    if isinstance(value, bool) or value is None:
        return TargetEntry(False, None, "enter a number")
    if isinstance(value, str):
        text = value.strip().replace(" ", "").replace("_", "")
        if not text:
            return TargetEntry(False, None, "enter a number")
        if not _NUMBER_RE.match(text) or not any(ch.isdigit() for ch in text):
            return TargetEntry(False, None, f"{value.strip()!r} is not a number")
        number = float(text.replace(",", ""))
    else:
        try:
            number = float(value)
        except (TypeError, ValueError):
            return TargetEntry(False, None, f"{value!r} is not a number")
    if math.isnan(number):
        return TargetEntry(False, None, "not a number (NaN)")
    if math.isinf(number) or number > MAX_TARGET:
        return TargetEntry(False, None, f"too large: targets above {formatting.count(MAX_TARGET)} are refused")
    if number < 0:
        return TargetEntry(False, None, "a target cannot be negative")
    if number == 0:     # "$0, a 100% chance" asks nothing of the rep
        return TargetEntry(False, None, "a target of 0 is no target: enter an amount above zero")
    p90 = _p90_of(rep_row)
    if p90 is not None and p90 > 0 and number > MAX_MULTIPLE_OF_P90 * p90:
        reason = (f"absurdly large: {formatting.count(number)} is more than {MAX_MULTIPLE_OF_P90:.0f}x "
                  f"this rep's P90 ({formatting.count(p90)})")
        return TargetEntry(False, None, reason)
    return TargetEntry(True, number, "")


def _rep_index(predictive: PredictiveDistribution, rep: str) -> int:
    hits = np.flatnonzero(np.asarray(predictive.reps, dtype=object) == rep)
    if hits.size == 0:
        raise KeyError(f"unknown rep {rep!r}")
    return int(hits[0])


def rep_chance(predictive: PredictiveDistribution, rep: str, target: float) -> float:
    """P(y_rep >= target) for one rep."""
    i = _rep_index(predictive, rep)
    t = np.zeros(len(predictive.reps))
    t[i] = target
    return float(predictive.p_attain(t)[i])


def rep_percentile(predictive: PredictiveDistribution, rep: str, value: float) -> float:
    """Where ``value`` sits in the rep's range: 100 * P(y_rep <= value)."""
    i = _rep_index(predictive, rep)
    y = np.zeros(len(predictive.reps))
    y[i] = value
    return float(100 * predictive.cdf(y)[i])


def _set_row(rows: pd.DataFrame, rep: str, tier: str, **values: object) -> pd.DataFrame:
    mask = (rows["rep"] == rep) & (rows["tier"] == tier)
    if not mask.any():
        raise KeyError(f"no {tier!r} target for rep {rep!r}")
    out = rows.copy()
    for column, value in values.items():
        if column in ("reason", "source"):
            out[column] = out[column].astype(object)
        out.loc[mask, column] = value
    return out


def tier_order_problems(rows: pd.DataFrame, kind: str = "count", currency: str = "$") -> list[str]:
    """Reps whose tiers are out of order (an overridden base above the stretch, say).

    Parameters
    ----------
    rows : pandas.DataFrame
        One row per rep and tier (``rep``, ``tier``, ``target``).
    kind : str
        The metric's value kind (``money``, ``count`` or ``rate``): how the targets are written.
    currency : str
        The symbol written before money (the set's currency, ``formatting.currency_symbol``).

    Returns
    -------
    list of str
        One sentence per pair of adjacent tiers out of order. A base above the stretch makes the
        stretch meaningless, so the page says so rather than saving it silently.

    Examples
    --------
    >>> rows = pd.DataFrame({"rep": ["Ann"] * 2, "tier": ["base", "stretch"], "target": [150.0, 135.0]})
    >>> tier_order_problems(rows)
    ['Ann: base 150 is above stretch 135']
    >>> tier_order_problems(rows.assign(target=[150_000.0, 135_420.0]), "money", "€")
    ['Ann: base €150k is above stretch €135k']
    """
    wide = rows.pivot_table(index="rep", columns="tier", values="target", aggfunc="first")
    order = [t for t in TIER_ORDER if t in wide.columns]
    problems = []
    for lower, upper in zip(order, order[1:], strict=False):
        bad = wide[wide[lower] > wide[upper]]
        for rep, r in bad.iterrows():
            low, high = _two_amounts(r[lower], r[upper], kind, currency)
            problems.append(f"{rep}: {lower} {low} is above {upper} {high}")
    return problems


def _two_amounts(first: float, second: float, kind: str, currency: str) -> tuple[str, str]:
    """Two amounts compared in one sentence: compact, or exact when compact would read the same.

    >>> _two_amounts(150_000, 135_420, "money", "$"), _two_amounts(135_420, 135_400, "money", "$")
    (('$150k', '$135k'), ('$135,420', '$135,400'))
    """
    compact = formatting.value(first, kind, currency), formatting.value(second, kind, currency)
    if compact[0] != compact[1]:
        return compact
    return formatting.value(first, kind, currency, exact=True), formatting.value(second, kind, currency, exact=True)


def apply_override(rows: pd.DataFrame, predictive: PredictiveDistribution, rep: str, tier: str,
                   value: str | float | None, reason: str,
                   rep_row: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """A manager's override of one rep's tier target. A reason is required; bad values are refused.

    Raises ``ValueError`` with the reason. Returns a new frame; the chance is recomputed.
    """
    if not reason or not str(reason).strip():
        raise ValueError(f"an override of {rep}'s {tier} target needs a reason")
    _, number, why = validate_target_entry(value, rep_row)
    if number is None:
        raise ValueError(f"{rep}'s {tier} target refused: {why}")
    return _set_row(rows, rep, tier, target=number, p_attain=rep_chance(predictive, rep, number),
                    source="override", reason=str(reason).strip())


def place_proposal(predictive: PredictiveDistribution, rep: str, value: str | float | None,
                   rows: pd.DataFrame | None = None, rep_row: Mapping[str, Any] | None = None) -> dict:
    """Where a rep's own proposal sits in their range: percentile, chance and nearby tiers."""
    _, number, why = validate_target_entry(value, rep_row)
    if number is None:
        return {"rep": rep, "ok": False, "proposal": None, "percentile": None, "p_attain": None,
                "message": f"{rep}'s proposal refused: {why}"}
    pct = rep_percentile(predictive, rep, number)
    chance = rep_chance(predictive, rep, number)
    where = ""
    if rows is not None:
        mine = rows[rows["rep"] == rep].sort_values("target")
        below = mine[mine["target"] <= number]
        above = mine[mine["target"] > number]
        if not below.empty and not above.empty:
            where = f"; between {below.iloc[-1]['tier']} and {above.iloc[0]['tier']}"
        elif not above.empty:
            where = f"; below {above.iloc[0]['tier']}"
        elif not below.empty:
            where = f"; at or above {below.iloc[-1]['tier']}"
    message = f"{rep} proposes {formatting.count(number)}: their P{pct:.0f}, a {formatting.rate(chance)} chance{where}."
    return {"rep": rep, "ok": True, "proposal": number, "percentile": pct, "p_attain": chance,
            "message": message}


def apply_rep_proposal(rows: pd.DataFrame, predictive: PredictiveDistribution, rep: str, tier: str,
                       value: str | float | None, *, accept: bool = False, reason: str | None = None,
                       rep_row: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Record a rep's proposal on a tier; when ``accept`` it becomes the target (source ``rep proposal``)."""
    placed = place_proposal(predictive, rep, value, rep_row=rep_row)
    if not placed["ok"]:
        raise ValueError(placed["message"])
    number = placed["proposal"]
    if not accept:
        return _set_row(rows, rep, tier, rep_proposal=number)
    return _set_row(rows, rep, tier, rep_proposal=number, target=number, p_attain=placed["p_attain"],
                    source="rep proposal", reason=(reason or "the rep's own proposal (buy-in)").strip())


def ratchet_flags(new_rows: pd.DataFrame, previous: pd.DataFrame, tolerance: float = 0.0) -> pd.DataFrame:
    """Reps whose new target rises after they beat their last one (the ratchet effect, section 8).

    ``new_rows``: rep, target; ``previous``: rep, target, actual. Raising a target only because
    it was beaten teaches reps to hold back: the page shows these rows, it does not hide them.
    """
    merged = new_rows[["rep", "target"]].merge(previous[["rep", "target", "actual"]], on="rep",
                                               suffixes=("", "_previous"))
    beat = merged["actual"] >= merged["target_previous"]
    raised = merged["target"] > merged["target_previous"] * (1 + tolerance)
    out = merged[beat & raised].copy()
    out["note"] = [f"{r.rep} beat last target ({formatting.count(r.target_previous)}, actual {formatting.count(r.actual)}) "
                   f"and the new one is higher ({formatting.count(r.target)}): ratchet — a choice to show, "
                   "not make silently" for r in out.itertuples()]
    return out.reset_index(drop=True)


# ---------------------------------------------------------------- thin functions over a Calibration
def tiers_for(calibration: Calibration, tiers: str | Mapping[str, float] = "35,70,90",
              currency: str = "$") -> pd.DataFrame:
    """:func:`tier_targets` of a fitted calibration (floored at each rep's typical deal), with each rep's team."""
    rows = tier_targets(calibration.predictive, tiers, floor_for(calibration, currency))
    rows.insert(1, "team", rows["rep"].map(calibration.summary["team"]))
    return rows
