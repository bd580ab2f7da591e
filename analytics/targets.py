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
* Team target G, proportional: T_i = G * b_i / sum(b). Equal chance: one p* with
  sum_i Q_i(p*) = G (``scipy.optimize.brentq``), so every rep has P(hit) = 1 - p*.
* The team's chance of reaching G is simulated from joint draws with the shared
  period shock (rep outcomes are not independent).

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
>>> a = allocate_team_target(d, 160.0, "equal-chance")
>>> round(float(a.target.sum()), 6)
160.0
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from analytics.predictive import NegBinomialCount

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


def fmt_number(x: float) -> str:
    """1234567.8 -> '1,234,568'; small numbers keep one decimal."""
    if x is None or not np.isfinite(x):
        return "n/a"
    return f"{x:,.0f}" if abs(x) >= 100 or float(x).is_integer() else f"{x:,.1f}"


def fmt_pct(p: float) -> str:
    if p is None or not np.isfinite(p):
        return "n/a"
    pct = 100 * p
    return f"{pct:.1f}%" if 0 < pct < 1 or 99 < pct < 100 else f"{pct:.0f}%"


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


def is_count(predictive) -> bool:
    return isinstance(predictive, NegBinomialCount)


def tier_targets(predictive, tiers: str | Mapping[str, float] = "35,70,90") -> pd.DataFrame:
    """One row per rep and tier: the model's target at the tier's percentile and its chance.

    Columns are those of ``target_set_rows`` (``source`` = ``model``) plus ``percentile``.
    """
    tiers = parse_tiers(tiers)
    levels = np.array(list(tiers.values())) / 100.0
    q = np.asarray(predictive.quantile(levels), dtype=float).reshape(len(predictive.reps), len(levels))
    frames = []
    for j, (name, pct) in enumerate(tiers.items()):
        target = np.round(q[:, j]) if is_count(predictive) else q[:, j]
        frames.append(pd.DataFrame({
            "rep": np.asarray(predictive.reps, dtype=object), "tier": name, "percentile": pct,
            "target": target, "model_value": target, "p_attain": predictive.p_attain(target),
            "source": "model", "reason": None, "rep_proposal": np.nan,
        }))
    out = pd.concat(frames, ignore_index=True)
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


def base_share_check(p_attain_base, lever: str = "the base percentile") -> BaseShareCheck:
    """Mean chance of reaching base = the share of reps expected to reach it, in plain words.

    ``lever`` names what to change in the advice (e.g. ``"the team target"`` when base is a split of G).
    """
    p = np.asarray(p_attain_base, dtype=float)
    share = float(np.nanmean(p)) if p.size and np.isfinite(p).any() else float("nan")
    lo, hi = BASE_BAND
    band = f"{lo:.0%}–{hi:.0%}"
    about = f"About {fmt_pct(share)} of reps are expected to reach base"
    if not np.isfinite(share):
        return BaseShareCheck(share, "ok", False, "No base targets to check.")
    if share > TOO_EASY_SHARE:
        return BaseShareCheck(share, "too easy", True,
                              f"Too easy: {about[0].lower() + about[1:]}, well above the {band} "
                              f"practitioners aim for. Raise {lever}.")
    if share < OUT_OF_REACH_SHARE:
        return BaseShareCheck(share, "out of reach", True,
                              f"Out of reach for most: only {fmt_pct(share)} of reps are expected to "
                              f"reach base, against the {band} practitioners aim for. Lower {lever}.")
    if share > hi:
        return BaseShareCheck(share, "above band", False, f"{about}, a little above the {band} band.")
    if share < lo:
        return BaseShareCheck(share, "below band", False, f"{about}, a little below the {band} band.")
    return BaseShareCheck(share, "ok", False, f"{about}, inside the {band} band practitioners aim for.")


# ---------------------------------------------------------------- per-rep entries
def _p90_of(rep_row) -> float | None:
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


def validate_target_entry(value, rep_row=None) -> tuple[bool, float | None, str]:
    """Check one typed target: ``(ok, number or None, reason)``; ``reason`` is '' when ok.

    Refuses empty, non-numeric text, NaN/infinite, negative, > 1e12, and > 20x the
    rep's P90 (``rep_row["p90"]``, when given and positive). Accepts ``1,200`` and
    surrounding spaces.
    """
    if isinstance(value, bool) or value is None:
        return False, None, "enter a number"
    if isinstance(value, str):
        text = value.strip().replace(" ", "").replace("_", "")
        if not text:
            return False, None, "enter a number"
        if not _NUMBER_RE.match(text) or not any(ch.isdigit() for ch in text):
            return False, None, f"{value.strip()!r} is not a number"
        number = float(text.replace(",", ""))
    else:
        try:
            number = float(value)
        except (TypeError, ValueError):
            return False, None, f"{value!r} is not a number"
    if math.isnan(number):
        return False, None, "not a number (NaN)"
    if math.isinf(number) or number > MAX_TARGET:
        return False, None, f"too large: targets above {MAX_TARGET:,.0f} are refused"
    if number < 0:
        return False, None, "a target cannot be negative"
    p90 = _p90_of(rep_row)
    if p90 is not None and p90 > 0 and number > MAX_MULTIPLE_OF_P90 * p90:
        return False, None, (f"absurdly large: {fmt_number(number)} is more than {MAX_MULTIPLE_OF_P90:.0f}x "
                             f"this rep's P90 ({fmt_number(p90)})")
    return True, number, ""


def _rep_index(predictive, rep: str) -> int:
    hits = np.flatnonzero(np.asarray(predictive.reps, dtype=object) == rep)
    if hits.size == 0:
        raise KeyError(f"unknown rep {rep!r}")
    return int(hits[0])


def rep_chance(predictive, rep: str, target: float) -> float:
    """P(y_rep >= target) for one rep."""
    i = _rep_index(predictive, rep)
    t = np.zeros(len(predictive.reps))
    t[i] = target
    return float(predictive.p_attain(t)[i])


def rep_percentile(predictive, rep: str, value: float) -> float:
    """Where ``value`` sits in the rep's range: 100 * P(y_rep <= value)."""
    i = _rep_index(predictive, rep)
    y = np.zeros(len(predictive.reps))
    y[i] = value
    return float(100 * predictive.cdf(y)[i])


def _set_row(rows: pd.DataFrame, rep: str, tier: str, **values) -> pd.DataFrame:
    mask = (rows["rep"] == rep) & (rows["tier"] == tier)
    if not mask.any():
        raise KeyError(f"no {tier!r} target for rep {rep!r}")
    out = rows.copy()
    for column, value in values.items():
        if column in ("reason", "source"):
            out[column] = out[column].astype(object)
        out.loc[mask, column] = value
    return out


def tier_order_problems(rows: pd.DataFrame) -> list[str]:
    """Reps whose tiers are out of order (an overridden base above the stretch, say).

    ``rows`` has one row per rep and tier (``rep``, ``tier``, ``target``). A base above the stretch
    makes the stretch meaningless, so the page says so rather than saving it silently.

    >>> rows = pd.DataFrame({"rep": ["Ann"] * 2, "tier": ["base", "stretch"], "target": [150.0, 135.0]})
    >>> tier_order_problems(rows)
    ['Ann: base 150 is above stretch 135']
    """
    wide = rows.pivot_table(index="rep", columns="tier", values="target", aggfunc="first")
    order = [t for t in TIER_ORDER if t in wide.columns]
    problems = []
    for lower, upper in zip(order, order[1:], strict=False):
        bad = wide[wide[lower] > wide[upper]]
        problems += [f"{rep}: {lower} {fmt_number(r[lower])} is above {upper} {fmt_number(r[upper])}"
                     for rep, r in bad.iterrows()]
    return problems


def apply_override(rows: pd.DataFrame, predictive, rep: str, tier: str, value, reason: str,
                   rep_row=None) -> pd.DataFrame:
    """A manager's override of one rep's tier target. A reason is required; bad values are refused.

    Raises ``ValueError`` with the reason. Returns a new frame; the chance is recomputed.
    """
    if not reason or not str(reason).strip():
        raise ValueError(f"an override of {rep}'s {tier} target needs a reason")
    ok, number, why = validate_target_entry(value, rep_row)
    if not ok:
        raise ValueError(f"{rep}'s {tier} target refused: {why}")
    return _set_row(rows, rep, tier, target=number, p_attain=rep_chance(predictive, rep, number),
                    source="override", reason=str(reason).strip())


def place_proposal(predictive, rep: str, value, rows: pd.DataFrame | None = None, rep_row=None) -> dict:
    """Where a rep's own proposal sits in their range: percentile, chance and nearby tiers."""
    ok, number, why = validate_target_entry(value, rep_row)
    if not ok:
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
    message = f"{rep} proposes {fmt_number(number)}: their P{pct:.0f}, a {fmt_pct(chance)} chance{where}."
    return {"rep": rep, "ok": True, "proposal": number, "percentile": pct, "p_attain": chance,
            "message": message}


def apply_rep_proposal(rows: pd.DataFrame, predictive, rep: str, tier: str, value, *, accept: bool = False,
                       reason: str | None = None, rep_row=None) -> pd.DataFrame:
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
    out["note"] = [f"{r.rep} beat last target ({fmt_number(r.target_previous)}, actual {fmt_number(r.actual)}) "
                   f"and the new one is higher ({fmt_number(r.target)}): ratchet — a choice to show, "
                   "not make silently" for r in out.itertuples()]
    return out.reset_index(drop=True)


# ---------------------------------------------------------------- team target G
def _smooth_quantile(predictive, p: float) -> np.ndarray:
    """Q_i(p), made continuous in p for counts (linear inside each integer step) so brentq can hit G."""
    if not is_count(predictive):
        return np.asarray(predictive.quantile(p), dtype=float)
    y = np.asarray(predictive.quantile(p), dtype=float)
    f_hi = predictive.cdf(y)
    f_lo = np.where(y > 0, predictive.cdf(y - 1), 0.0)
    frac = np.clip((p - f_lo) / np.maximum(f_hi - f_lo, 1e-300), 0.0, 1.0)
    return np.maximum(y - 1 + frac, 0.0)


def _round_preserving_sum(x: np.ndarray, total: float) -> np.ndarray:
    """Integers close to ``x`` that add up to round(total) (largest remainder)."""
    floor = np.floor(x)
    short = int(round(total) - floor.sum())
    order = np.argsort(-(x - floor), kind="stable")
    floor[order[:max(short, 0)]] += 1
    return floor


def default_baseline(predictive) -> np.ndarray:
    """Each rep's central level: the mean of Q_i(p) over p in (0.005, 0.995), a trimmed mean.

    The untrimmed mean of a log-t law is infinite; the median is 0 for reps with many zero periods.
    """
    return np.asarray(predictive.quantile(np.linspace(0.005, 0.995, 199)), dtype=float).mean(axis=1)


def proportional_split(baseline, team_target: float) -> np.ndarray:
    """q_i = G * b_i / sum(b)."""
    b = np.clip(np.nan_to_num(np.asarray(baseline, dtype=float)), 0.0, None)
    if b.sum() <= 0:
        return np.full(b.shape, team_target / max(b.size, 1))
    return team_target * b / b.sum()


_P_LOW, _P_HIGH = 1e-6, 1 - 1e-6


def equal_chance_split(predictive, team_target: float) -> tuple[np.ndarray, float, bool]:
    """Solve sum_i Q_i(p*) = G for one p*; returns ``(targets, p_star, reachable)``.

    ``reachable`` is False when even Q_i(1 - 1e-6) does not add up to G; the targets are then
    those quantiles scaled up to G (they still add up to G) and each rep's chance is tiny.
    """
    def gap(p: float) -> float:
        return float(_smooth_quantile(predictive, p).sum()) - team_target

    if gap(_P_HIGH) < 0:
        q = _smooth_quantile(predictive, _P_HIGH)
        return proportional_split(q, team_target), _P_HIGH, False
    if gap(_P_LOW) >= 0:
        q = _smooth_quantile(predictive, _P_LOW)
        return proportional_split(q, team_target), _P_LOW, True
    p_star = optimize.brentq(gap, _P_LOW, _P_HIGH, xtol=1e-12, rtol=1e-12, maxiter=200)
    return _smooth_quantile(predictive, p_star) * 1.0, float(p_star), True


def allocate_team_target(predictive, team_target: float, method: str = "equal-chance",
                         baseline=None) -> pd.DataFrame:
    """Split team target G across reps: ``DataFrame(rep, target, p_attain)``.

    ``method``: ``proportional`` (to ``baseline``, default :func:`default_baseline`) or
    ``equal-chance`` (one p* for all). Count targets are whole numbers adding up to round(G).
    """
    if not (isinstance(team_target, int | float) and math.isfinite(team_target) and team_target > 0):
        raise ValueError(f"the team target must be a positive number, not {team_target!r}")
    if "rate" in getattr(predictive, "family", ""):
        raise ValueError("rates (such as win rate) do not add up across reps: a team target cannot be split")
    if method == "proportional":
        targets = proportional_split(default_baseline(predictive) if baseline is None else baseline,
                                     team_target)
    elif method == "equal-chance":
        targets = equal_chance_split(predictive, team_target)[0]
    else:
        raise ValueError(f"allocation must be proportional or equal-chance, not {method!r}")
    if is_count(predictive):
        targets = _round_preserving_sum(targets, team_target)
    return pd.DataFrame({"rep": np.asarray(predictive.reps, dtype=object), "target": targets,
                         "p_attain": predictive.p_attain(targets)})


def team_totals(predictive, n_draws: int = 20_000, seed: int = 0) -> np.ndarray:
    """Simulated team totals (joint draws with the shared period shock)."""
    return predictive.sample(n_draws, np.random.default_rng(seed)).sum(axis=1)


def team_chance(predictive, team_target: float, n_draws: int = 20_000, seed: int = 0) -> float:
    """P(sum_i y_i >= G), by simulation: not a sum or product of rep chances (shocks are shared)."""
    return float(np.mean(team_totals(predictive, n_draws, seed) >= team_target))


@dataclass(frozen=True)
class TeamAllocation:
    """Both splits of G side by side, the team's own chance and a plain-words verdict."""

    team_target: float
    table: pd.DataFrame     # rep, baseline, proportional, proportional_p, equal_chance, equal_chance_p
    p_star: float
    team_chance: float
    team_p10: float
    team_p50: float
    team_p90: float
    beyond_reach: bool
    message: str


def compare_allocations(predictive, team_target: float, baseline=None, n_draws: int = 20_000,
                        seed: int = 0) -> TeamAllocation:
    """Proportional and equal-chance splits of G with each rep's chance, plus the team's chance."""
    b = default_baseline(predictive) if baseline is None else np.asarray(baseline, dtype=float)
    prop = allocate_team_target(predictive, team_target, "proportional", baseline=b)
    equal = allocate_team_target(predictive, team_target, "equal-chance")
    _, p_star, _ = equal_chance_split(predictive, team_target)
    totals = team_totals(predictive, n_draws, seed)
    chance = float(np.mean(totals >= team_target))
    p10, p50, p90 = (float(v) for v in np.quantile(totals, [0.1, 0.5, 0.9]))
    table = pd.DataFrame({"rep": prop["rep"], "baseline": b, "proportional": prop["target"],
                          "proportional_p": prop["p_attain"], "equal_chance": equal["target"],
                          "equal_chance_p": equal["p_attain"]})
    beyond = chance < 0.05 or p_star > 0.99
    g = fmt_number(team_target)
    if team_target > p90:
        where = f"G = {g} is {fmt_number(team_target - p90)} above the team's P90 ({fmt_number(p90)})"
    elif team_target > p50:
        where = f"G = {g} lies between the team's P50 ({fmt_number(p50)}) and P90 ({fmt_number(p90)})"
    else:
        where = f"G = {g} is at or below the team's P50 ({fmt_number(p50)})"
    pr = table["proportional_p"]
    message = (f"{where}; the team reaches it in about {fmt_pct(chance)} of simulated periods. "
               f"Equal-chance split: every rep has a {fmt_pct(1 - p_star)} chance; proportional split: "
               f"chances range {fmt_pct(pr.min())}–{fmt_pct(pr.max())}.")
    if beyond:
        message = (f"Beyond reach: {where}, and the team reaches it in only {fmt_pct(chance)} of simulated "
                   f"periods. Even split for an equal chance, each rep would have only a "
                   f"{fmt_pct(1 - p_star)} chance of making their share. Lower G or present it as a "
                   "stretch goal, not as rep targets.")
    return TeamAllocation(team_target, table, p_star, chance, p10, p50, p90, beyond, message)


# ---------------------------------------------------------------- thin functions over a Calibration
def _aligned_baseline(calibration) -> np.ndarray | None:
    summary = getattr(calibration, "summary", None)
    if summary is None or "baseline" not in summary:
        return None
    return summary["baseline"].reindex(list(calibration.predictive.reps)).to_numpy(dtype=float)


def tiers_for(calibration, tiers="35,70,90") -> pd.DataFrame:
    """:func:`tier_targets` of a fitted calibration, with the rep's team when the summary has one."""
    rows = tier_targets(calibration.predictive, tiers)
    summary = getattr(calibration, "summary", None)
    if summary is not None and "team" in summary:
        rows.insert(1, "team", rows["rep"].map(summary["team"]))
    return rows


def allocation_for(calibration, team_target: float, n_draws: int = 20_000, seed: int = 0) -> TeamAllocation:
    """:func:`compare_allocations` with the calibration's own baseline."""
    return compare_allocations(calibration.predictive, team_target, _aligned_baseline(calibration),
                               n_draws, seed)
